<?php
/**
 * Everifin webhook endpoint (front controller of the everifinwebhook module):
 * verify -> lock the order row -> load state -> decide -> apply -> save state -> commit.
 */

declare(strict_types=1);

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
                return [500, ['ok' => false, 'status' => 'INVALID_OPTIONS', 'message' => 'the Everifin hook secret is not configured in PrestaShop']];
            }
            $verifier = new Verifier($secrets, maxBodyBytes: self::MAX_BODY_BYTES);
            $event = $verifier->verify($rawBody, $signatureHeader);
            foreach ($this->orderIds($event) as $idOrder) {
                $answer = EverifinWebhook::withOrderLocked($idOrder, function () use ($idOrder, $verifier, $event): ?array {
                    // Loaded under the lock: the state read is the one the last delivery saved.
                    $order = new Order($idOrder);
                    if (!Validate::isLoadedObject($order)) {
                        return null;
                    }
                    $decision = $verifier->decide($event, EverifinWebhook::loadState($idOrder));
                    if ($decision->shouldApply()) {
                        $this->apply($order, $event);
                    }
                    EverifinWebhook::saveState($idOrder, $decision->stateJson);
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
            return [200, ['received' => true, 'order' => null, 'message' => 'no order of this shop matches the event; nothing changed']];
        } catch (WebhookException $e) {
            return [$e->httpStatus(), ['ok' => false, 'status' => $e->status(), 'message' => $e->getMessage()]];
        } catch (\Throwable $e) {
            return $this->failed($e);
        }
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
        return [500, ['ok' => false, 'status' => 'INTERNAL', 'message' => 'the shop could not process the webhook; it will be retried']];
    }

    /**
     * The orders the event names, most specific first: its externalId (the shop's order id, set
     * when the payment was created), else hookData.orderId.
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
