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

    public function postProcess(): void
    {
        $request = Request::fromGlobals();
        [$code, $payload] = $this->handle($request->body, $request->signatureHeader);
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
            $verifier = new Verifier($secrets);
            $event = $verifier->verify($rawBody, $signatureHeader);
            $idOrder = $this->orderId($event);
            $answer = $idOrder === null ? null : EverifinWebhook::withOrderLocked($idOrder, function () use ($idOrder, $verifier, $event): ?array {
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
                ];
            });
            if ($answer === null) {
                // Authentic but not ours (e.g. a Back Office test hook): do not make Everifin retry.
                return [200, ['received' => true, 'order' => null, 'message' => 'no order of this shop matches the event; nothing changed']];
            }
            return [200, $answer];
        } catch (WebhookException $e) {
            return [$e->httpStatus(), ['ok' => false, 'status' => $e->status(), 'message' => $e->getMessage()]];
        } catch (\Throwable $e) {
            return [500, ['ok' => false, 'status' => 'INTERNAL', 'message' => 'the shop could not process the webhook; it will be retried']];
        }
    }

    private function orderId(Event $event): ?int
    {
        if ($event->externalId === null || !ctype_digit($event->externalId) || strlen($event->externalId) > 10) {
            return null;
        }
        return (int) $event->externalId;
    }

    private function apply(Order $order, Event $event): void
    {
        $configKey = $event->suggestedFor('prestashop');     // e.g. PS_OS_PAYMENT
        if ($configKey === null) {
            return;                                           // leave the order as it is
        }
        $idState = (int) Configuration::get($configKey);
        if ($idState <= 0 || (int) $order->getCurrentState() === $idState) {
            return;
        }
        $history = new OrderHistory();
        $history->id_order = (int) $order->id;
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
