<?php

declare(strict_types=1);

namespace Everifin\Webhook\Tests;

use Everifin\Webhook\Attention;
use Everifin\Webhook\Decision;
use Everifin\Webhook\Event;
use Everifin\Webhook\Verifier;
use PHPUnit\Framework\TestCase;

/**
 * Attention::of, the policy both shop plugins share, over every rule and every exclusion, with
 * events and decisions made by the library from event sequences (decide's real reasons and state).
 */
final class AttentionTest extends TestCase
{
    private const A = 'f0489615-fb8a-4c76-bb28-7f9726d815d6';
    private const B = '0b7e5a4c-3d2e-4f1a-9b8c-7d6e5f4a3b2c';
    private const ORDER = '8840d948-12da-4ca1-8269-3cfdc10b73bc';
    private const REFUND = '2b1f0c4e-5d6a-4b7c-8d9e-0f1a2b3c4d5e';

    /**
     * The last event of $steps and its decision, after deciding every step in order (minute $i
     * of the day for step $i). A step: [entity, its id, status], optionally an event id to
     * repeat an earlier one.
     *
     * @param list<array{0: string, 1: string, 2: string, 3?: string}> $steps
     * @return array{0: Event, 1: Decision}
     */
    private static function decided(array $steps): array
    {
        $verifier = new Verifier(['attention-test-secret']);
        $state = '';
        $event = $decision = null;
        foreach ($steps as $i => $step) {
            [$entity, $id, $status] = $step;
            $eventId = $step[3] ?? sprintf('a0000000-0000-4000-8000-%012d', $i);
            $data = match ($entity) {
                'payment' => ['paymentId' => $id, 'orderId' => self::ORDER],
                'order' => ['orderId' => $id],
                'refund' => ['refundId' => $id, 'orderId' => self::ORDER],
            };
            $body = json_encode([
                'eventId' => $eventId,
                'eventType' => $entity === 'order' ? 'order.statusChange' : 'payment.statusChange',
                'eventTimestamp' => sprintf('2024-05-07T10:%02d:00.000Z', $step[4] ?? $i),
                'data' => $data + ['status' => $status, 'externalId' => 'Order #42 for Jana', 'hookData' => ['note' => 'Call me +420 123 456 789']],
            ]);
            $event = $verifier->normalize($body);
            $decision = $verifier->decide($event, $state);
            $state = $decision->stateJson;
        }
        return [$event, $decision];
    }

    private static function what(Event $e): string
    {
        return sprintf('Everifin %s %s: %s (event %s)', $e->entity, $e->entityId, $e->status, $e->eventId);
    }

    // ------------------------------------------------------------- 1. a payment reported paid, skipped

    public function testAPaymentBookedAfterAFinalStatusIsToldWhileTheOrderWaits(): void
    {
        [$e, $d] = self::decided([['payment', self::A, 'PROCESSING_EXPIRED'], ['payment', self::A, 'BOOKED']]);
        $this->assertSame(['skip', 'regression'], [$d->action, $d->reason]);
        $a = Attention::of($e, $d, 'on-hold', null);
        $this->assertNotNull($a);
        $this->assertSame(Attention::NOT_APPLIED, $a->kind);
        $this->assertSame(self::what($e) . ' reports a payment, but it was not applied to the order (skipped: regression): the money may have arrived although the order is on-hold. '
            . 'The order was left as it is: check the payment in the Everifin Back Office before you cancel the order, ship it or ask the customer to pay again.', $a->text);
    }

    public function testAPaymentSkippedForAnOrderPaidBySomethingElseMayBeASecondPayment(): void
    {
        [$e, $d] = self::decided([['payment', self::A, 'PROCESSING_EXPIRED'], ['payment', self::A, 'BOOKED']]);
        $byB = Attention::of($e, $d, 'processing', self::B);
        $this->assertSame(Attention::NOT_APPLIED, $byB?->kind);
        $this->assertSame(self::what($e) . ' reports a payment, but it was not applied to the order (skipped: regression). The order is processing already, paid by payment ' . self::B
            . ': the customer may have paid twice. The order was left as it is: check the payments in the Everifin Back Office and refund the extra one.', $byB->text);
        // Marked paid without an id the shop knows (often this very payment, marked paid by a
        // checkout module): a check, not "refund the extra one".
        $unknown = Attention::of($e, $d, 'in state 2', '');
        $this->assertSame(Attention::NOT_APPLIED, $unknown?->kind);
        $this->assertSame(self::what($e) . ' reports a payment, but it was not applied to the order (skipped: regression). The order is in state 2 already, marked paid without a payment id this shop knows: '
            . 'if that was not this payment, the customer may have paid twice. The order was left as it is: check the payments in the Everifin Back Office before you refund anything.', $unknown->text);
        $this->assertStringNotContainsString('refund the extra one', $unknown->text);
        // Refunded in the shop: the money may have arrived, not "paid twice".
        $refunded = Attention::of($e, $d, 'refunded', self::B, true);
        $this->assertSame(Attention::NOT_APPLIED, $refunded?->kind);
        $this->assertStringEndsWith('(skipped: regression): the money may have arrived although the order is refunded. The order was left as it is: check the payment in the Everifin Back Office before you cancel the order, ship it or ask the customer to pay again.', $refunded->text);
    }

    public function testAnotherPaidStatusOfThePaymentThatPaidTheOrderIsNothingNew(): void
    {
        [$e, $d] = self::decided([['payment', self::A, 'BOOKED'], ['payment', self::A, 'FINISHED']]);
        $this->assertSame(['skip', 'regression'], [$d->action, $d->reason]);
        $this->assertNull(Attention::of($e, $d, 'processing', self::A));
        $this->assertNull(Attention::of($e, $d, 'refunded', self::A, true), 'refunded after this payment paid it');
        // The shop recorded no id of what paid it, or another payment: decide saw A paid before
        // (what that needed was told then), so FINISHED of A is nothing new either.
        $this->assertNull(Attention::of($e, $d, 'processing', ''));
        $this->assertNull(Attention::of($e, $d, 'processing', self::B));
        // The order waits although A was booked: told.
        $this->assertSame(Attention::NOT_APPLIED, Attention::of($e, $d, 'pending', null)?->kind);
        // A stale or same-time paid status of A is nothing new either; a payment decide never saw
        // paid (BOOKED after PROCESSING_EXPIRED) is told.
        [$e, $d] = self::decided([['payment', self::A, 'BOOKED', null, 10], ['payment', self::A, 'FINISHED', null, 5]]);
        $this->assertSame(['skip', 'stale'], [$d->action, $d->reason]);
        $this->assertNull(Attention::of($e, $d, 'processing', ''));
        [$e, $d] = self::decided([['payment', self::A, 'PROCESSING_EXPIRED'], ['payment', self::A, 'BOOKED']]);
        $this->assertSame(Attention::NOT_APPLIED, Attention::of($e, $d, 'processing', '')?->kind);
    }

    public function testEverifinsOrderLevelPaidSkippedIsToldOnlyForAnOrderTheShopDoesNotCountPaid(): void
    {
        [$e, $d] = self::decided([['order', self::ORDER, 'PARTIALLY_PAID', null, 10], ['order', self::ORDER, 'PAID', null, 5]]);
        $this->assertSame(['skip', 'stale', 'order'], [$d->action, $d->reason, $e->entity]);
        $this->assertNull(Attention::of($e, $d, 'processing', self::A));
        $this->assertNull(Attention::of($e, $d, 'completed', ''));
        $this->assertSame(Attention::NOT_APPLIED, Attention::of($e, $d, 'on-hold', null)?->kind);
    }

    public function testAPaymentBookedAfterEverifinsRefundIsTold(): void
    {
        [$e, $d] = self::decided([['payment', self::A, 'BOOKED'], ['refund', self::REFUND, 'BOOKED'], ['payment', self::B, 'BOOKED']]);
        $this->assertSame(['skip', 'recorded', 'refunded'], [$d->action, $d->reason, $d->orderOutcome]);
        $this->assertStringContainsString('(skipped: recorded). The order is processing already, paid by payment ' . self::A, (string) Attention::of($e, $d, 'processing', self::A)?->text);
    }

    public function testARetryOrTheSameStatusAgainIsNotToldTwice(): void
    {
        $steps = [['payment', self::A, 'PROCESSING_EXPIRED'], ['payment', self::A, 'BOOKED']];
        [$e, $d] = self::decided([...$steps, ['payment', self::A, 'BOOKED', 'a0000000-0000-4000-8000-000000000001']]);
        $this->assertSame('duplicate', $d->reason);
        $this->assertNull(Attention::of($e, $d, 'on-hold', null));
        $this->assertNull(Attention::of($e, $d, 'processing', self::B));
        [$e, $d] = self::decided([['payment', self::A, 'PROCESSING'], ['payment', self::A, 'PROCESSING_EXPIRED'], ['payment', self::B, 'BOOKED'], ['payment', self::B, 'BOOKED']]);
        $this->assertSame('unchanged', $d->reason);
        $this->assertNull(Attention::of($e, $d, 'on-hold', null));
        $this->assertNull(Attention::of($e, $d, 'processing', self::A));
    }

    public function testSkippedEventsThatReportNoMoneyAreNotTold(): void
    {
        [$e, $d] = self::decided([['payment', self::A, 'BOOKED'], ['payment', self::B, 'FAILED']]);
        $this->assertSame('already_paid', $d->reason);
        $this->assertNull(Attention::of($e, $d, 'processing', self::A));
        $this->assertNull(Attention::of($e, $d, 'pending', null));
        [$e, $d] = self::decided([['payment', self::A, 'BOOKED'], ['payment', self::A, 'PROCESSING_EXPIRED']]);
        $this->assertSame('regression', $d->reason);
        $this->assertNull(Attention::of($e, $d, 'processing', self::A));
    }

    // ------------------------------------------------------------- 2. partially paid after a booked payment

    public function testEverifinsPartiallyPaidAfterABookedPaymentIsTold(): void
    {
        [$e, $d] = self::decided([['payment', self::A, 'BOOKED'], ['order', self::ORDER, 'PARTIALLY_PAID']]);
        $this->assertSame(['skip', 'already_paid', 'paid'], [$d->action, $d->reason, $d->orderOutcome]);
        $a = Attention::of($e, $d, 'processing', self::A);
        $this->assertSame(Attention::PARTIALLY_PAID, $a?->kind);
        $this->assertSame(self::what($e) . ' says the order is only partially paid, although a payment was booked for it (skipped: already_paid). '
            . 'The order was left as it is (processing): check the amount received in the Everifin Back Office before you ship.', $a->text);
        $this->assertSame(Attention::PARTIALLY_PAID, Attention::of($e, $d, 'pending', null)?->kind, 'whatever the shop knows');
    }

    public function testPartiallyPaidSkippedForAnotherReasonIsNotTold(): void
    {
        [$e, $d] = self::decided([['order', self::ORDER, 'PAID'], ['order', self::ORDER, 'PARTIALLY_PAID']]);
        $this->assertSame(['skip', 'regression'], [$d->action, $d->reason]);
        $this->assertNull(Attention::of($e, $d, 'processing', ''));
        [$e, $d] = self::decided([['payment', self::A, 'BOOKED'], ['order', self::ORDER, 'PARTIALLY_PAID'], ['order', self::ORDER, 'PARTIALLY_PAID', 'a0000000-0000-4000-8000-000000000001']]);
        $this->assertSame('duplicate', $d->reason);
        $this->assertNull(Attention::of($e, $d, 'processing', self::A));
    }

    // ------------------------------------------------------------- 3. applied while Everifin says partially paid

    public function testAPaymentAppliedWhileEverifinsOrderIsPartiallyPaidIsTold(): void
    {
        [$e, $d] = self::decided([['order', self::ORDER, 'PARTIALLY_PAID'], ['payment', self::A, 'BOOKED']]);
        $this->assertSame(['apply', 'newer'], [$d->action, $d->reason]);
        $a = Attention::of($e, $d, 'on-hold', null);
        $this->assertSame(Attention::PARTIALLY_PAID, $a?->kind);
        $this->assertSame(self::what($e) . " was applied, but Everifin's last status of order " . self::ORDER
            . ' is PARTIALLY_PAID: the order may be only partially paid. Check the amount received in the Everifin Back Office before you ship.', $a->text);
        // Paid by another payment already: the second one may be the rest of the amount.
        $this->assertSame(Attention::PARTIALLY_PAID, Attention::of($e, $d, 'processing', self::B)?->kind);
        // Once Everifin says the order is paid, a further payment is no partial payment.
        [$e, $d] = self::decided([['order', self::ORDER, 'PARTIALLY_PAID'], ['order', self::ORDER, 'PAID'], ['payment', self::A, 'BOOKED']]);
        $this->assertSame('apply', $d->action);
        $this->assertNull(Attention::of($e, $d, 'on-hold', null));
    }

    // ------------------------------------------------------------- 4. applied to an order paid or refunded already

    public function testASecondPaymentAppliedToAPaidOrderIsTold(): void
    {
        [$e, $d] = self::decided([['payment', self::A, 'BOOKED'], ['payment', self::B, 'BOOKED']]);
        $this->assertSame(['apply', 'newer'], [$d->action, $d->reason]);
        $a = Attention::of($e, $d, 'processing', self::A);
        $this->assertSame(Attention::SECOND_PAYMENT, $a?->kind);
        $this->assertSame(self::what($e) . ' (the order is processing already, paid by payment ' . self::A . '; left as it is): '
            . 'the customer may have paid twice. Check the payments in the Everifin Back Office and refund the extra one.', $a->text);
        $this->assertNull(Attention::of($e, $d, 'pending', null), 'an order the shop does not count paid is paid by it');
    }

    public function testAPaymentAppliedToAnOrderPaidAnotherWayIsTold(): void
    {
        [$e, $d] = self::decided([['payment', self::A, 'BOOKED']]);
        $this->assertSame(['apply', 'first'], [$d->action, $d->reason]);
        $unknown = Attention::of($e, $d, 'completed', '');
        $this->assertSame(Attention::SECOND_PAYMENT, $unknown?->kind);
        $this->assertSame(self::what($e) . ' (the order is completed already, marked paid without a payment id this shop knows; left as it is): '
            . 'if that was not this payment, the customer may have paid twice. Check the payments in the Everifin Back Office before you refund anything.', $unknown->text);
        $this->assertStringContainsString('(the order is in state 2 already, paid by transaction pi_3P2x; left as it is)', (string) Attention::of($e, $d, 'in state 2', 'pi_3P2x')?->text);
        // A long transaction id is cut at 100 bytes, never inside a UTF-8 character.
        $long = Attention::of($e, $d, 'processing', str_repeat('a', 95) . str_repeat('é', 10));
        $this->assertStringContainsString('paid by transaction ' . str_repeat('a', 95) . 'é...; left as it is', (string) $long?->text);
        $long = Attention::of($e, $d, 'processing', str_repeat('a', 96) . str_repeat('é', 10));
        $this->assertStringContainsString('paid by transaction ' . str_repeat('a', 96) . '...; left as it is', (string) $long?->text);
        // The payment that paid it (the shop recorded it), and Everifin's order-level PAID: nothing new.
        $this->assertNull(Attention::of($e, $d, 'processing', self::A));
        [$e, $d] = self::decided([['order', self::ORDER, 'PAID']]);
        $this->assertSame('apply', $d->action);
        $this->assertNull(Attention::of($e, $d, 'processing', ''));
        $this->assertNull(Attention::of($e, $d, 'processing', self::A));
    }

    public function testAPaymentBookedAfterEverifinsOrderLevelPaidIsTheSameMoney(): void
    {
        // The order was paid by Everifin's order-level PAID (no payment id recorded: $paidBy '').
        [$e, $d] = self::decided([['order', self::ORDER, 'PAID'], ['payment', self::A, 'BOOKED']]);
        $this->assertSame('apply', $d->action);
        $this->assertNull(Attention::of($e, $d, 'processing', ''), 'the payment of the order Everifin reported paid');
        // A second payment booked after one was: the customer may have paid twice.
        [$e, $d] = self::decided([['order', self::ORDER, 'PAID'], ['payment', self::A, 'BOOKED'], ['payment', self::B, 'BOOKED']]);
        $this->assertSame('apply', $d->action);
        $this->assertSame(Attention::SECOND_PAYMENT, Attention::of($e, $d, 'processing', '')?->kind);
        // Paid another way, with no order-level PAID from Everifin: still told.
        [$e, $d] = self::decided([['order', self::ORDER, 'UNPAID'], ['payment', self::A, 'BOOKED']]);
        $this->assertSame(Attention::SECOND_PAYMENT, Attention::of($e, $d, 'completed', '')?->kind);
    }

    public function testAPaymentAppliedToARefundedOrderIsTold(): void
    {
        [$e, $d] = self::decided([['payment', self::B, 'BOOKED']]);
        $a = Attention::of($e, $d, 'refunded', null, true);
        $this->assertSame(Attention::REFUNDED_ORDER, $a?->kind);
        $this->assertSame(self::what($e) . ' (the order is refunded already; left as it is): money was booked for a refunded order. '
            . 'Check the payment in the Everifin Back Office and refund it if it is not owed.', $a->text);
        $this->assertSame(Attention::REFUNDED_ORDER, Attention::of($e, $d, 'in state 7', self::A, true)?->kind);
        $this->assertNull(Attention::of($e, $d, 'refunded', self::B, true), 'the payment that paid the order before its refund');
    }

    public function testAppliedEventsThatReportNoMoneyAreNotTold(): void
    {
        [$e, $d] = self::decided([['payment', self::B, 'PROCESSING']]);
        $this->assertSame('apply', $d->action);
        $this->assertNull(Attention::of($e, $d, 'processing', self::A));
        $this->assertNull(Attention::of($e, $d, 'refunded', self::A, true));
        [$e, $d] = self::decided([['payment', self::A, 'BOOKED'], ['refund', self::REFUND, 'BOOKED']]);
        $this->assertSame(['apply', 'refunded'], [$d->action, $d->orderOutcome]);
        $this->assertNull(Attention::of($e, $d, 'processing', self::A));
    }

    // ------------------------------------------------------------- what a sentence holds

    public function testTheSentencesHoldIdsAndStatusNamesOnly(): void
    {
        $texts = [];
        foreach ([
            [[['payment', self::A, 'PROCESSING_EXPIRED'], ['payment', self::A, 'BOOKED']], self::B, false],
            [[['payment', self::A, 'BOOKED'], ['order', self::ORDER, 'PARTIALLY_PAID']], self::A, false],
            [[['order', self::ORDER, 'PARTIALLY_PAID'], ['payment', self::A, 'BOOKED']], null, false],
            [[['payment', self::A, 'BOOKED'], ['payment', self::B, 'BOOKED']], self::A, false],
            [[['payment', self::B, 'BOOKED']], null, true],
        ] as [$steps, $paidBy, $refunded]) {
            [$e, $d] = self::decided($steps);
            $texts[] = (string) Attention::of($e, $d, 'processing', $paidBy, $refunded)?->text;
        }
        $this->assertNotContains('', $texts);
        $all = implode("\n", $texts);
        $this->assertStringNotContainsString('Jana', $all, 'no externalId');
        $this->assertStringNotContainsString('+420', $all, 'no hookData');
    }
}
