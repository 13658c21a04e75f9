<?php

declare(strict_types=1);

namespace Everifin\Webhook;

use Everifin\Webhook\Internal\Clip;

/**
 * A webhook decision the merchant must look at (the WooCommerce and PrestaShop plugins use it:
 * each leaves the sentence as a private order note and a warning log line; the order is never
 * moved for it). One policy for every shop, from the verified event, decide's decision and what
 * the shop knows of the order:
 *
 * - NOT_APPLIED: a payment reported paid (outcome paid) that decide skipped for any reason but
 *   duplicate and unchanged (e.g. BOOKED after PROCESSING_EXPIRED is a regression; a payment
 *   booked after Everifin's refund is recorded): the money may have arrived while the order
 *   waits, or, for an order paid already, the customer paid twice. Not for another paid status
 *   of the payment that paid the order, nor Everifin's order-level PAID of a paid order, nor,
 *   for an order the shop counts paid, a paid status of a payment decide saw paid before (told
 *   when it was first seen).
 *   (Everifin's order-level PAID that paid the order counts as the money of its payments: a
 *   payment of it booked later is not new money, unless another payment of it was booked.)
 * - PARTIALLY_PAID: Everifin's order-level PARTIALLY_PAID skipped after a booked payment
 *   (already_paid); or a payment applied as paid while Everifin's last order-level status of the
 *   order (a state record with entity order) is PARTIALLY_PAID: the amount received may be
 *   short. This one wins over SECOND_PAYMENT (the second payment may be the rest of the amount).
 * - SECOND_PAYMENT: a payment applied as paid to an order the shop counts paid by something else
 *   (another Everifin payment or transaction): the customer may have paid twice; refund the extra
 *   one. Marked paid by something the shop recorded no id of ($paidBy ''): often this very
 *   payment (a checkout module marking the order paid on the customer's return), so the sentence
 *   asks to check the payments before refunding anything (NOT_APPLIED words it the same way).
 * - REFUNDED_ORDER: a payment applied as paid to an order refunded in the shop, other than the
 *   payment that paid it.
 *
 * A retry of the same event is a duplicate (decide remembers an order's last 32 event ids): no
 * second attention. The sentence holds ids and status names of the verified event, decide's
 * reason and what the caller passes (the order's status, what paid it), never other request text.
 */
final class Attention
{
    /** A payment reported paid that was not applied. */
    public const NOT_APPLIED = 'not_applied';
    /** Everifin says the order is only partially paid, although a payment was booked for it. */
    public const PARTIALLY_PAID = 'partially_paid';
    /** A payment applied to an order that something else paid already. */
    public const SECOND_PAYMENT = 'second_payment';
    /** A payment applied to an order refunded in the shop. */
    public const REFUNDED_ORDER = 'refunded_order';

    /** One of the constants above. */
    public readonly string $kind;
    /** The sentence for the merchant (the plugins add the order id to the log line). */
    public readonly string $text;

    private function __construct(string $kind, string $text)
    {
        $this->kind = $kind;
        $this->text = $text;
    }

    /**
     * The attention $decision of $event needs, or null.
     *
     * @param string $orderStatus the shop order's status before the event, as the sentences show
     *        it after "the order is" (WooCommerce "processing", PrestaShop "in state 2")
     * @param string|null $paidBy what paid the order, when the shop counts it paid (now, or
     *        before it was refunded): the Everifin payment id it was paid with, another gateway's
     *        transaction id, or '' (marked paid by something the shop recorded no id of: the
     *        merchant, another way, or a checkout module with this very payment); null when the
     *        shop never counted it paid
     * @param bool $refunded whether the order is refunded in the shop
     */
    public static function of(Event $event, Decision $decision, string $orderStatus, ?string $paidBy, bool $refunded = false): ?self
    {
        $what = sprintf('Everifin %s %s: %s (event %s)', $event->entity, (string) $event->entityId, (string) $event->status, $event->eventId);
        $reason = $decision->reason;
        // Another paid status of the payment that paid the order, or Everifin's order-level PAID
        // (it names no payment) of an order the shop counts paid: no new money.
        $paidAlready = $paidBy !== null && ($event->entity !== 'payment' || $event->paymentId === $paidBy
            || ($paidBy === '' && self::paidByEverifinOrder($event, $decision)) || self::seenPaid($event, $decision));
        if (!$decision->shouldApply()) {
            if ($event->outcome === 'paid' && !in_array($reason, ['duplicate', 'unchanged'], true)) {
                if ($paidAlready) {
                    return null;
                }
                if ($paidBy === '' && !$refunded) {
                    return new self(self::NOT_APPLIED, sprintf('%s reports a payment, but it was not applied to the order (skipped: %s). The order is %s already, marked paid without a payment id this shop knows: if that was not this payment, the customer may have paid twice. The order was left as it is: check the payments in the Everifin Back Office before you refund anything.',
                        $what, $reason, $orderStatus));
                }
                return $paidBy !== null && !$refunded
                    ? new self(self::NOT_APPLIED, sprintf('%s reports a payment, but it was not applied to the order (skipped: %s). The order is %s already, paid %s: the customer may have paid twice. The order was left as it is: check the payments in the Everifin Back Office and refund the extra one.',
                        $what, $reason, $orderStatus, self::paidBy($paidBy)))
                    : new self(self::NOT_APPLIED, sprintf('%s reports a payment, but it was not applied to the order (skipped: %s): the money may have arrived although the order is %s. The order was left as it is: check the payment in the Everifin Back Office before you cancel the order, ship it or ask the customer to pay again.',
                        $what, $reason, $orderStatus));
            }
            if ($reason === 'already_paid' && $event->outcome === 'partially_paid') {
                return new self(self::PARTIALLY_PAID, sprintf('%s says the order is only partially paid, although a payment was booked for it (skipped: %s). The order was left as it is (%s): check the amount received in the Everifin Back Office before you ship.',
                    $what, $reason, $orderStatus));
            }
            return null;
        }
        if ($event->outcome !== 'paid') {
            return null;
        }
        foreach ((array) ($decision->state['entities'] ?? []) as $record) {
            $record = (array) $record;
            if (($record['entity'] ?? null) === 'order' && ($record['outcome'] ?? null) === 'partially_paid') {
                $everifinOrder = $record['entityId'] ?? null;
                return new self(self::PARTIALLY_PAID, sprintf('%s was applied, but Everifin\'s last status of order %s is PARTIALLY_PAID: the order may be only partially paid. Check the amount received in the Everifin Back Office before you ship.',
                    $what, is_string($everifinOrder) ? $everifinOrder : '(unknown)'));
            }
        }
        if ($paidAlready) {
            return null;
        }
        if ($refunded) {
            return new self(self::REFUNDED_ORDER, sprintf('%s (the order is %s already; left as it is): money was booked for a refunded order. Check the payment in the Everifin Back Office and refund it if it is not owed.',
                $what, $orderStatus));
        }
        if ($paidBy === '') {
            // Often the very payment of this event: a checkout module marked the order paid on
            // the customer's return from the bank, without an id the shop records.
            return new self(self::SECOND_PAYMENT, sprintf('%s (the order is %s already, marked paid without a payment id this shop knows; left as it is): if that was not this payment, the customer may have paid twice. Check the payments in the Everifin Back Office before you refund anything.',
                $what, $orderStatus));
        }
        if ($paidBy !== null) {
            return new self(self::SECOND_PAYMENT, sprintf('%s (the order is %s already, paid %s; left as it is): the customer may have paid twice. Check the payments in the Everifin Back Office and refund the extra one.',
                $what, $orderStatus, self::paidBy($paidBy)));
        }
        return null;
    }

    /**
     * Whether decide had seen the payment of $event paid before it (FINISHED after BOOKED of the
     * same payment, or a late retry): a skip that records nothing (regression, stale,
     * same_timestamp) leaves the payment's record as it was, and that record is paid. What its
     * money needed was told when it was first seen paid (SECOND_PAYMENT, NOT_APPLIED): for an
     * order the shop counts paid, not again.
     */
    private static function seenPaid(Event $event, Decision $decision): bool
    {
        if ($decision->shouldApply() || !in_array($decision->reason, ['regression', 'stale', 'same_timestamp'], true)) {
            return false;
        }
        foreach ((array) ($decision->state['entities'] ?? []) as $record) {
            $record = (array) $record;
            if (($record['entity'] ?? null) === 'payment' && ($record['entityId'] ?? null) === $event->paymentId && ($record['outcome'] ?? null) === 'paid') {
                return true;
            }
        }
        return false;
    }

    /**
     * Whether Everifin's order-level PAID is what paid the order (the shop records no payment id
     * for it, so its $paidBy is ''), and the payment of $event is part of that money: decide's
     * state has a paid order record, and no other payment of the order is paid. A payment of
     * that order booked after its order-level PAID is then the money already counted, not a
     * second payment.
     */
    private static function paidByEverifinOrder(Event $event, Decision $decision): bool
    {
        $orderPaid = false;
        foreach ((array) ($decision->state['entities'] ?? []) as $record) {
            $record = (array) $record;
            if (($record['outcome'] ?? null) !== 'paid') {
                continue;
            }
            $entity = $record['entity'] ?? null;
            if ($entity === 'order') {
                $orderPaid = true;
            } elseif ($entity === 'payment' && ($record['entityId'] ?? null) !== $event->paymentId) {
                return false;
            }
        }
        return $orderPaid;
    }

    /** "by payment <id>" or "by transaction <id>": what paid the order ($paidBy not ''). */
    private static function paidBy(string $paidBy): string
    {
        if (preg_match('/\A[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}\z/', $paidBy) === 1) {
            return 'by payment ' . $paidBy;
        }
        return 'by transaction ' . Clip::text($paidBy);
    }
}
