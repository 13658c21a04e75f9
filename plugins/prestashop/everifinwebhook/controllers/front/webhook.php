<?php
/**
 * Everifin webhook endpoint (front controller of the everifinwebhook module):
 * verify -> find the order -> lock its row -> load state -> decide -> apply (or note a skip the
 * merchant must see) -> save state and Everifin's ids -> commit.
 */

declare(strict_types=1);

use Everifin\Webhook\Decision;
use Everifin\Webhook\Event;
use Everifin\Webhook\Exception\WebhookException;
use Everifin\Webhook\Request;
use Everifin\Webhook\Verifier;

class EverifinWebhookWebhookModuleFrontController extends ModuleFrontController
{
    /** @var bool no theme, no cart, no customer session */
    public $ajax = true;
    public $ssl = true;

    /** The largest body accepted (the verifier's default); at most one byte more is ever read. */
    private const MAX_BODY_BYTES = 1048576;

    public function postProcess(): void
    {
        try {
            $request = Request::fromGlobals(self::MAX_BODY_BYTES);
            [$code, $payload] = $this->handle($request->body, $request->signatureHeader);
        } catch (\Throwable $e) {
            [$code, $payload] = $this->failed($e);
        }
        $this->respond($code, $payload);
    }

    /**
     * The whole request handling, without output: [HTTP status, JSON payload]. Never throws.
     *
     * @return array{0: int, 1: array<string, mixed>}
     */
    public function handle(string $rawBody, string $signatureHeader): array
    {
        try {
            $secrets = EverifinWebhook::secrets();
            if ($secrets === []) {
                return $this->refuse(500, 'INVALID_OPTIONS', 'the Everifin hook secret is not configured in PrestaShop');
            }
            // The tables of this version, for a shop whose files were replaced without an upgrade.
            EverifinWebhook::ensureSchema();
            $verifier = new Verifier($secrets, maxBodyBytes: self::MAX_BODY_BYTES);
            $event = $verifier->verify($rawBody, $signatureHeader);
            $candidates = $this->orderIds($event);
            if ($candidates === []) {
                // No usable externalId or hookData.orderId (e.g. a refund): the order an earlier
                // event of the same Everifin order, payment or refund was matched to.
                $candidates = EverifinWebhook::ordersByEverifinIds($event);
            }
            foreach ($candidates as $idOrder) {
                $answer = EverifinWebhook::withOrderLocked($idOrder, function () use ($idOrder, $verifier, $event): ?array {
                    // Loaded under the lock: the state read is the one the last delivery saved.
                    $order = new Order($idOrder);
                    if (!Validate::isLoadedObject($order)) {
                        return null;
                    }
                    $decision = $verifier->decide($event, EverifinWebhook::loadState($idOrder));
                    if ($decision->shouldApply()) {
                        $this->apply($order, $event);
                    } else {
                        $note = self::skipNote($event, $decision, (int) $order->getCurrentState(), (bool) $order->hasBeenPaid());
                        if ($note !== null) {
                            // Never a state change: a note on the order and a log line.
                            $noted = EverifinWebhook::addPrivateNote($order, $note);
                            EverifinWebhook::log($note . ($noted ? '' : ' (the private message on the order could not be added)'), 2, $idOrder);
                        }
                    }
                    EverifinWebhook::saveState($idOrder, $decision->stateJson);
                    EverifinWebhook::rememberIds($idOrder, $event);
                    // The shape `everifin-webhook send` checks (docs/design.md, "What endpoints answer").
                    return [
                        'received' => true,
                        'order' => $idOrder,
                        'decision' => ['action' => $decision->action, 'reason' => $decision->reason],
                        'orderOutcome' => $decision->orderOutcome,
                        // The order's state id now (changeIdOrderState updates the object).
                        'orderState' => (int) $order->getCurrentState(),
                    ];
                });
                if ($answer !== null) {
                    return [200, $answer];
                }
            }
            // Authentic but not ours (e.g. a Back Office test hook): do not make Everifin retry.
            $this->unmatched($event);
            return [200, ['received' => true, 'order' => null, 'message' => 'no order of this shop matches the event; nothing changed']];
        } catch (WebhookException $e) {
            return $this->refuse($e->httpStatus(), $e->status(), $e->getMessage());
        } catch (\Throwable $e) {
            return $this->failed($e);
        }
    }

    /**
     * The note a skipped event of a matched order needs, or null (the WooCommerce plugin's policy
     * and wording). The order is never moved for it.
     * - the event reports money (outcome paid) that was not applied, except a repeat of what is
     *   recorded (duplicate, unchanged) and a payment already recorded as paid (its own earlier
     *   status): e.g. BOOKED after PROCESSING_EXPIRED (regression). The money may have arrived
     *   while the order waits, or, for a paid order, the customer paid twice;
     * - Everifin's order-level event says the order is only partially paid (outcome
     *   partially_paid) while a payment was booked for it (already_paid).
     * Only ids and status names of the verified event, never other text of the request.
     *
     * @param int $state the order's state id
     * @param bool $paid whether the order has been paid (Order::hasBeenPaid())
     */
    public static function skipNote(Event $event, Decision $decision, int $state, bool $paid): ?string
    {
        if ($decision->shouldApply()) {
            return null;
        }
        $what = sprintf('Everifin %s %s: %s (event %s)', $event->entity, (string) $event->entityId, (string) $event->status, $event->eventId);
        $reason = $decision->reason;
        if ($event->outcome === 'paid' && !in_array($reason, ['duplicate', 'unchanged'], true)) {
            foreach ((array) ($decision->state['entities'] ?? []) as $record) {
                $record = (array) $record;
                if (($record['entity'] ?? null) === $event->entity && ($record['entityId'] ?? null) === $event->entityId && ($record['outcome'] ?? null) === 'paid') {
                    return null;   // this payment was counted as paid already
                }
            }
            return $paid
                ? sprintf('%s was reported paid but not applied (%s); the order has been paid already (state %d): the customer may have paid twice. Check the payments in the Everifin Back Office and refund the extra one. The order was left as it is.', $what, $reason, $state)
                : sprintf('%s was reported paid but not applied (%s): the money may have arrived although the order is in state %d. Check the payment in the Everifin Back Office before you cancel the order, ship it or ask the customer to pay again. The order was left as it is.', $what, $reason, $state);
        }
        if ($reason === 'already_paid' && $event->outcome === 'partially_paid') {
            return sprintf('%s was not applied (%s): Everifin reports the order as only partially paid although a payment was booked. Check the amount received in the Everifin Back Office before you ship. The order was left as it is (state %d).', $what, $reason, $state);
        }
        return null;
    }

    /**
     * A verified delivery that matched no order: answered 200 (Everifin does not send it again),
     * so it is recorded for the configuration page (the last one, at most one a minute) and
     * logged, every one (signed by Everifin: a stranger cannot fill the log): a warning when it
     * reports a payment paid (the money may belong to an order the event does not name), else
     * informative. Its event id, type, status and the ids that were looked for.
     */
    private function unmatched(Event $event): void
    {
        $hookOrderId = $event->hookData instanceof \stdClass && isset($event->hookData->orderId) && is_int($event->hookData->orderId) ? $event->hookData->orderId : null;
        $record = [
            'eventId' => $event->eventId,
            'eventType' => self::clip((string) $event->eventType),
            'status' => self::clip((string) $event->status),
            'externalId' => $event->externalId === null ? null : self::clip($event->externalId),
            'hookDataOrderId' => $hookOrderId,
        ] + EverifinWebhook::everifinIds($event);
        EverifinWebhook::trace('unmatched', $record);
        $line = sprintf('verified delivery matched no order, answered 200 (Everifin does not send it again): event %s (%s %s), looked for %s', $record['eventId'], $record['eventType'], $record['status'], EverifinWebhook::lookedFor($record));
        if ($event->outcome === 'paid') {
            EverifinWebhook::log($line . ': money was reported for an order this shop cannot find. Check the payment in the Everifin Back Office.', 2);
        } else {
            EverifinWebhook::log($line, 1);
        }
    }

    private static function clip(string $s): string
    {
        return strlen($s) > 100 ? substr($s, 0, 100) . '...' : $s;
    }

    /**
     * An error answer, recorded for the configuration page: HTTP status and status name only
     * (the message may quote the request).
     *
     * @return array{0: int, 1: array<string, mixed>}
     */
    private function refuse(int $httpStatus, string $status, string $message): array
    {
        EverifinWebhook::trace('rejected', ['httpStatus' => $httpStatus, 'status' => $status]);
        return [$httpStatus, ['ok' => false, 'status' => $status, 'message' => $message]];
    }

    /**
     * An unexpected failure (a database error, an order hook throwing): 500, so Everifin retries,
     * and a line in Advanced Parameters > Logs saying why. Never the request or a secret.
     *
     * @return array{0: int, 1: array<string, mixed>}
     */
    private function failed(\Throwable $e): array
    {
        EverifinWebhook::log(sprintf('webhook not processed (answered 500, Everifin retries): %s: %s at %s:%d', get_class($e), $e->getMessage(), $e->getFile(), $e->getLine()), 3);
        return $this->refuse(500, 'INTERNAL', 'the shop could not process the webhook; it will be retried');
    }

    /**
     * The orders the event names, most specific first: its externalId (the shop's order id, set
     * when the payment was created), else hookData.orderId. When it names none, handle() looks
     * for the order by Everifin's ids recorded from earlier events (ordersByEverifinIds()).
     *
     * @return list<int>
     */
    private function orderIds(Event $event): array
    {
        $ids = [];
        if ($event->externalId !== null && preg_match('/\A[0-9]+\z/', $event->externalId) === 1 && strlen($event->externalId) <= 10) {
            $ids[] = (int) $event->externalId;
        }
        if ($event->hookData instanceof \stdClass && isset($event->hookData->orderId) && is_int($event->hookData->orderId) && $event->hookData->orderId > 0) {
            $ids[] = $event->hookData->orderId;
        }
        return array_values(array_unique($ids));
    }

    /**
     * Moves the order when decide said apply. Decide knows only what earlier webhooks did; the
     * order may have moved since (paid another way, shipped, cancelled or refunded by the
     * merchant), so its own state has the last word:
     * - refund booked: a log line only. The webhook does not say the amount, and PrestaShop's
     *   Refunded state e-mails the customer a full refund; the merchant records it (partial
     *   refund, or the Refunded state for a full one);
     * - an order that has been paid (payment accepted, shipped, delivered, refunded) is never
     *   moved: not back to awaiting payment, cancelled or error, and not to payment accepted
     *   again (a second history row and e-mail);
     * - a cancelled or refunded order is moved only by its payment being booked (the money
     *   arrived).
     */
    private function apply(Order $order, Event $event): void
    {
        $id = (int) $order->id;
        $what = sprintf('%s %s: %s (event %s)', $event->entity, (string) $event->entityId, (string) $event->status, $event->eventId);
        if ($event->outcome === 'refunded') {
            EverifinWebhook::log($what . ': a refund was booked at the bank. The webhook does not say its amount: record it on the order (a partial refund, or the Refunded state for a full one).', 1, $id);
            return;
        }
        $configKey = $event->suggestedFor('prestashop');     // e.g. PS_OS_PAYMENT
        if ($configKey === null) {
            return;                                           // leave the order as it is
        }
        $idState = (int) Configuration::get($configKey);
        $current = (int) $order->getCurrentState();
        if ($idState <= 0 || $current === $idState) {
            return;
        }
        $closed = in_array($current, [(int) Configuration::get('PS_OS_CANCELED'), (int) Configuration::get('PS_OS_REFUND')], true);
        if ($order->hasBeenPaid() || ($closed && $configKey !== 'PS_OS_PAYMENT')) {
            EverifinWebhook::log(sprintf('%s: the order (state %d) has been paid, cancelled or refunded in the shop; left as it is', $what, $current), 1, $id);
            return;
        }
        $history = new OrderHistory();
        $history->id_order = $id;
        $history->changeIdOrderState($idState, $order, true);
        $history->addWithemail(true);
    }

    /** @param array<string, mixed> $payload */
    protected function respond(int $code, array $payload): void
    {
        http_response_code($code);
        header('Content-Type: application/json');
        echo json_encode($payload);
        exit;
    }
}
