<?php
/**
 * Everifin webhook endpoint (front controller of the everifinwebhook module):
 * verify -> find the order -> lock its row -> load state -> decide -> apply, and note what the
 * merchant must see (Attention) -> save state and Everifin's ids -> commit.
 */

declare(strict_types=1);

use Everifin\Webhook\Attention;
use Everifin\Webhook\Decision;
use Everifin\Webhook\Event;
use Everifin\Webhook\Exception\WebhookException;
use Everifin\Webhook\Request;
use Everifin\Webhook\Unmatched;
use Everifin\Webhook\Verifier;

/**
 * PrestaShop runs FrontController::init() before postProcess(): the context, the visitor's cookie
 * and cart as for any page, then the maintenance and restricted-country pages, which this
 * controller turns off. postProcess() writes the JSON answer and ends the request: the theme
 * never renders anything.
 */
class EverifinWebhookWebhookModuleFrontController extends ModuleFrontController
{
    /** @var bool no theme header and footer, nor their media (set again by the constructor) */
    public $ajax = true;
    public $ssl = true;

    /** The largest body accepted (the verifier's default); at most one byte more is ever read. */
    private const MAX_BODY_BYTES = 1048576;

    /**
     * The states the webhook moves an order to without PrestaShop's e-mail of the state:
     * "Awaiting bank wire payment" (Everifin's pending, authorized and partially paid) e-mails
     * the shop's bank details and asks the customer to wire the whole amount, wrong for a payment
     * made through Everifin (the customer could pay twice). The other states e-mail as
     * PrestaShop does (each state's "Send email to customer").
     */
    private const STATES_WITHOUT_EMAIL = ['PS_OS_BANKWIRE'];

    public function __construct()
    {
        parent::__construct();
        // Controller::__construct() sets $ajax from the request's "ajax" parameter.
        $this->ajax = true;
    }

    /**
     * No maintenance page: PrestaShop answers it (503, HTML) to every address not listed in its
     * maintenance settings, and Everifin gives up on a delivery after a few retries.
     */
    protected function displayMaintenancePage(): void
    {
    }

    /**
     * No restricted-country page (403, HTML, with geolocation on): Everifin's servers are not a
     * visitor of the shop, and the request is authenticated by its signature.
     */
    protected function displayRestrictedCountryPage(): void
    {
    }

    public function postProcess(): void
    {
        $problem = EverifinWebhook::libraryProblem();
        if ($problem !== null) {
            // Request and Verifier are the library's: 500 (Everifin retries), and why in the log.
            $this->respond(...self::notProcessed($problem));
            return;
        }
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
            $verifier = new Verifier($secrets, maxBodyBytes: self::MAX_BODY_BYTES);
            $event = $verifier->verify($rawBody, $signatureHeader);
            // The tables of this version, for a shop whose files were replaced without an upgrade:
            // only for a delivery Everifin signed. A stranger's request costs the database one
            // read of the last rejected delivery recorded (refuse(), EverifinWebhook::trace()), and
            // one write at most once a minute.
            EverifinWebhook::ensureSchema();
            // The orders the event names; then, when none of them exists (no usable externalId or
            // hookData.orderId, e.g. a refund, or an id of no order of this shop), the order an
            // earlier event of the same Everifin order, payment or refund was matched to.
            $named = $this->orderIds($event);
            foreach ($named as $idOrder) {
                $answer = $this->update($idOrder, $verifier, $event);
                if ($answer !== null) {
                    return [200, $answer];
                }
            }
            foreach (EverifinWebhook::ordersByEverifinIds($event) as $idOrder) {
                $answer = in_array($idOrder, $named, true) ? null : $this->update($idOrder, $verifier, $event);
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
     * Decides and applies $event for order $idOrder with its row locked; null when there is no
     * such order.
     *
     * @return array<string, mixed>|null the answer
     */
    private function update(int $idOrder, Verifier $verifier, Event $event): ?array
    {
        $mail = null;   // the history row whose e-mail is sent once the update is committed
        $answer = EverifinWebhook::withOrderLocked($idOrder, function () use ($idOrder, $verifier, $event, &$mail): ?array {
            // Loaded under the lock: the state read is the one the last delivery saved.
            $order = new Order($idOrder);
            if (!Validate::isLoadedObject($order)) {
                return null;
            }
            $decision = $verifier->decide($event, EverifinWebhook::loadState($idOrder));
            $attention = self::attention($order, $event, $decision);
            if ($decision->shouldApply()) {
                $mail = $this->apply($order, $event, $attention);
            }
            if ($attention !== null) {
                // Never a state change: a private note on the order and a warning log line.
                $noted = EverifinWebhook::addPrivateNote($order, $attention->text);
                EverifinWebhook::log($attention->text . ($noted ? '' : ' (the private message on the order could not be added)'), 2, $idOrder);
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
        if ($mail !== null) {
            self::sendStateEmail($mail, $idOrder);
        }
        return $answer;
    }

    /**
     * The e-mail of the state the order was moved to (OrderHistory::sendEmail(): the state's
     * template, when the state has "Send email to customer"), sent after the update was
     * committed: an update rolled back (a deadlock) and delivered again by Everifin e-mails
     * once. The update stands when the mail cannot be sent: a warning says so.
     */
    private static function sendStateEmail(OrderHistory $history, int $idOrder): void
    {
        try {
            $sent = $history->sendEmail(new Order($idOrder));
        } catch (\Throwable $e) {
            $sent = false;
        }
        if (!$sent) {
            EverifinWebhook::log(sprintf('the order was moved to state %d, but PrestaShop could not send the customer the e-mail of that state (see the e-mail settings and their log).', (int) $history->id_order_state), 2, $idOrder);
        }
    }

    /**
     * What the decision needs the merchant's attention for (Attention: the policy both shop
     * plugins share), from the order as the event found it (before apply() moves it): its state,
     * whether it has been paid and by what (the Everifin payment apply() recorded, else what the
     * order's payments record: EverifinWebhook::paidByOrderPayments()), whether it is refunded.
     * Null when nothing needs it, and on a shop whose Composer loaded an older binding without
     * Attention (no warnings rather than a failing webhook).
     */
    public static function attention(Order $order, Event $event, Decision $decision): ?Attention
    {
        if (!class_exists(Attention::class)) {
            return null;
        }
        $state = (int) $order->getCurrentState();
        $paidBy = null;
        if ($order->hasBeenPaid()) {
            // Which payment paid it is read only for an event that reports a payment paid.
            $paidBy = $event->outcome === 'paid'
                ? (EverifinWebhook::paidBy((int) $order->id) ?? EverifinWebhook::paidByOrderPayments($order, $event->paymentId, $event->orderId))
                : '';
        }
        // Refunded counts only for an order that was paid: apply() moves a refunded order that
        // never was (the merchant's choice of state, no money returned) to payment accepted.
        return Attention::of($event, $decision, 'in state ' . $state, $paidBy, $paidBy !== null && $state === (int) Configuration::get('PS_OS_REFUND'));
    }

    /**
     * A verified delivery that matched no order: answered 200 (Everifin does not send it again),
     * so it is recorded for the configuration page (the last one, at most one a minute) and
     * logged, every one (signed by Everifin: a stranger cannot fill the log): a warning when it
     * reports a payment paid (the money may belong to an order the event does not name), else
     * informative. The record and the line are the binding's (Unmatched: the same in the
     * WooCommerce plugin); an older copy of the binding loaded by another module may lack it.
     */
    private function unmatched(Event $event): void
    {
        if (!class_exists(Unmatched::class)) {
            EverifinWebhook::trace('unmatched', ['eventId' => $event->eventId]);
            EverifinWebhook::log('verified delivery matched no order, answered 200 (Everifin does not send it again): event ' . $event->eventId, $event->outcome === 'paid' ? 2 : 1);
            return;
        }
        EverifinWebhook::trace('unmatched', Unmatched::record($event));
        EverifinWebhook::log(Unmatched::logLine($event), Unmatched::isWarning($event) ? 2 : 1);
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
        [$code, $payload] = self::notProcessed(sprintf('%s: %s at %s:%d', get_class($e), $e->getMessage(), $e->getFile(), $e->getLine()));
        return $this->refuse($code, $payload['status'], $payload['message']);
    }

    /**
     * The 500 answer of a delivery not processed (Everifin retries it), and the log line saying
     * why ($why: never the request or a secret).
     *
     * @return array{0: int, 1: array<string, mixed>}
     */
    private static function notProcessed(string $why): array
    {
        EverifinWebhook::log('webhook not processed (answered 500, Everifin retries): ' . $why, 3);
        return [500, ['ok' => false, 'status' => 'INTERNAL', 'message' => 'the shop could not process the webhook; it will be retried']];
    }

    /**
     * The orders the event names, most specific first: its externalId (the shop's order id, set
     * when the payment was created), else hookData.orderId. When none of them exists, handle()
     * looks for the order by Everifin's ids recorded from earlier events (ordersByEverifinIds()).
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
     *   arrived); the Everifin payment the order is marked paid for is recorded (rememberPaidBy);
     * - a move e-mails the customer as PrestaShop does, but to "Awaiting bank wire payment"
     *   (STATES_WITHOUT_EMAIL).
     * A payment left out because the order was paid by something else or refunded ($attention
     * SECOND_PAYMENT, REFUNDED_ORDER) gets the caller's warning instead of the informative line.
     * The history row is added in the caller's transaction; its e-mail is the caller's to send
     * after the commit (the row returned; null: no e-mail).
     */
    private function apply(Order $order, Event $event, ?Attention $attention): ?OrderHistory
    {
        $id = (int) $order->id;
        $what = sprintf('%s %s: %s (event %s)', $event->entity, (string) $event->entityId, (string) $event->status, $event->eventId);
        if ($event->outcome === 'refunded') {
            EverifinWebhook::log($what . ': a refund was booked at the bank. The webhook does not say its amount: record it on the order (a partial refund, or the Refunded state for a full one).', 1, $id);
            return null;
        }
        $configKey = $event->suggestedFor('prestashop');     // e.g. PS_OS_PAYMENT
        if ($configKey === null) {
            return null;                                      // leave the order as it is
        }
        $idState = (int) Configuration::get($configKey);
        $current = (int) $order->getCurrentState();
        if ($idState <= 0 || $current === $idState) {
            return null;
        }
        $closed = in_array($current, [(int) Configuration::get('PS_OS_CANCELED'), (int) Configuration::get('PS_OS_REFUND')], true);
        if ($order->hasBeenPaid() || ($closed && $configKey !== 'PS_OS_PAYMENT')) {
            // A second payment or money for a refunded order: the caller's warning says it.
            if ($attention === null || !in_array($attention->kind, [Attention::SECOND_PAYMENT, Attention::REFUNDED_ORDER], true)) {
                EverifinWebhook::log(sprintf('%s: the order (state %d) has been paid, cancelled or refunded in the shop; left as it is', $what, $current), 1, $id);
            }
            return null;
        }
        // What OrderHistory::addWithemail() does, but its sendEmail(), which the caller runs
        // after the commit, and not for the states without e-mail.
        $history = new OrderHistory();
        $history->id_order = $id;
        $history->changeIdOrderState($idState, $order, true);
        if (!$history->add()) {
            throw new RuntimeException(sprintf('the order history row (state %d) could not be added', $idState));
        }
        Order::cleanHistoryCache();
        if ($configKey === 'PS_OS_PAYMENT' && $event->entity === 'payment' && $event->paymentId !== null) {
            EverifinWebhook::rememberPaidBy($id, $event->paymentId);
        }
        return in_array($configKey, self::STATES_WITHOUT_EMAIL, true) ? null : $history;
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
