<?php
/**
 * Everifin webhook endpoint (front controller of the everifinwebhook module).
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
                return [500, ['ok' => false, 'message' => 'the Everifin hook secret is not configured in PrestaShop']];
            }
            $verifier = new Verifier($secrets);
            $event = $verifier->verify($rawBody, $signatureHeader);
            $order = $this->findOrder($event);
            if ($order === null) {
                return [200, ['ok' => true, 'action' => 'ignored', 'reason' => 'no matching order']];
            }
            $decision = $verifier->decide($event, EverifinWebhook::loadState((int) $order->id));
            if ($decision->shouldApply()) {
                $this->apply($order, $event);
            }
            EverifinWebhook::saveState((int) $order->id, $decision->stateJson);
            return [200, ['ok' => true, 'action' => $decision->action, 'reason' => $decision->reason]];
        } catch (WebhookException $e) {
            return [$e->httpStatus(), ['ok' => false, 'status' => $e->status(), 'message' => $e->getMessage()]];
        } catch (\Throwable $e) {
            return [500, ['ok' => false, 'status' => 'INTERNAL', 'message' => 'the shop could not process the webhook; it will be retried']];
        }
    }

    private function findOrder(Event $event): ?Order
    {
        if ($event->externalId === null || !ctype_digit($event->externalId)) {
            return null;
        }
        $order = new Order((int) $event->externalId);
        return Validate::isLoadedObject($order) ? $order : null;
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
