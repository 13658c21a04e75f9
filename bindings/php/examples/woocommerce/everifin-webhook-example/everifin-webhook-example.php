<?php
/**
 * Plugin Name: Everifin Webhook Example
 * Description: Receives Everifin Paygate webhooks at /wp-json/everifin/v1/webhook, verifies them with everifin/webhook and updates the WooCommerce order.
 * Version: 0.1.0
 * Requires PHP: 8.1
 *
 * A skeleton to copy into a payment plugin. The order is found by the event's externalId (the
 * shop's own order id, set when the payment was created), or hookData.orderId as a fallback.
 * The webhook state of each order (duplicates, out-of-order events) is kept in order meta.
 */

declare(strict_types=1);

use Everifin\Webhook\Event;
use Everifin\Webhook\Exception\WebhookException;
use Everifin\Webhook\Verifier;

if (!defined('ABSPATH')) {
    exit;
}

// With Composer: require __DIR__ . '/vendor/autoload.php'. Without: the package's own autoloader.
if (!class_exists(Verifier::class)) {
    require_once getenv('EVERIFIN_WEBHOOK_AUTOLOAD') ?: dirname(__DIR__, 3) . '/autoload.php';
}

final class Everifin_Webhook_Example
{
    public const META_STATE = '_everifin_webhook_state';
    public const OPTION_SECRETS = 'everifin_webhook_secrets';

    public static function register(): void
    {
        add_action('rest_api_init', [self::class, 'routes']);
    }

    public static function routes(): void
    {
        register_rest_route('everifin/v1', '/webhook', [
            'methods' => 'POST',
            'callback' => [self::class, 'handle'],
            // Everifin is not a WordPress user: the signature is the authentication.
            'permission_callback' => '__return_true',
        ]);
    }

    /**
     * The REST callback. Never lets an exception escape: Everifin gets the binding's httpStatus
     * (4xx: do not retry, 5xx: retry) and a message the merchant sees in the Back Office.
     */
    public static function handle(WP_REST_Request $request): WP_REST_Response
    {
        try {
            // Secrets: the hook secret, or during a rotation the old and the new one (oldest first).
            $secrets = array_values(array_filter((array) get_option(self::OPTION_SECRETS, []), 'is_string'));
            if ($secrets === []) {
                return new WP_REST_Response(['ok' => false, 'message' => 'the Everifin hook secret is not configured in WooCommerce'], 500);
            }
            $verifier = new Verifier($secrets);
            // get_body() is the raw body; WordPress finds the header whatever its casing.
            $event = $verifier->verify($request->get_body(), (string) $request->get_header('signature'));

            $order = self::findOrder($event);
            if ($order === null) {
                // Received and authentic, but not ours (e.g. a Back Office test hook): do not make Everifin retry.
                return new WP_REST_Response(['ok' => true, 'action' => 'ignored', 'reason' => 'no matching order'], 200);
            }
            // In production, lock the order row here (e.g. SELECT ... FOR UPDATE or GET_LOCK) so the
            // webhook and the customer's return cannot both mark the order paid.
            $decision = $verifier->decide($event, (string) $order->get_meta(self::META_STATE, true));
            if ($decision->shouldApply()) {
                self::apply($order, $event);
            }
            $order->update_meta_data(self::META_STATE, $decision->stateJson);
            $order->save();
            return new WP_REST_Response(['ok' => true, 'action' => $decision->action, 'reason' => $decision->reason], 200);
        } catch (WebhookException $e) {
            return new WP_REST_Response(['ok' => false, 'status' => $e->status(), 'message' => $e->getMessage()], $e->httpStatus());
        } catch (\Throwable $e) {
            return new WP_REST_Response(['ok' => false, 'status' => 'INTERNAL', 'message' => 'the shop could not process the webhook; it will be retried'], 500);
        }
    }

    private static function findOrder(Event $event): ?WC_Order
    {
        $ids = [];
        if ($event->externalId !== null && ctype_digit($event->externalId)) {
            $ids[] = (int) $event->externalId;
        }
        if ($event->hookData instanceof \stdClass && isset($event->hookData->orderId) && is_int($event->hookData->orderId)) {
            $ids[] = $event->hookData->orderId;
        }
        foreach ($ids as $id) {
            $order = wc_get_order($id);
            if ($order instanceof WC_Order) {
                return $order;
            }
        }
        return null;
    }

    private static function apply(WC_Order $order, Event $event): void
    {
        $note = sprintf('Everifin %s %s: %s (event %s)', $event->entity, (string) $event->entityId, (string) $event->status, $event->eventId);
        if ($event->outcome === 'paid') {
            // Stock, e-mails and the paid date, once: WooCommerce ignores it for an already paid order.
            if (!$order->is_paid()) {
                $order->payment_complete((string) $event->paymentId);
            }
            $order->add_order_note($note);
            return;
        }
        $target = $event->suggestedFor('woocommerce');
        if ($target === null) {
            $order->add_order_note($note . ' (order left as it is)');
            return;
        }
        if ($order->get_status() !== $target) {
            $order->update_status($target, $note);
        }
    }
}

Everifin_Webhook_Example::register();
