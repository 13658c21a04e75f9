<?php
/**
 * The REST route and the order update: verify -> lock the order -> load state -> decide -> apply
 * -> save state -> unlock.
 */

declare(strict_types=1);

use Everifin\Webhook\Attention;
use Everifin\Webhook\Event;
use Everifin\Webhook\Exception\WebhookException;
use Everifin\Webhook\Unmatched;
use Everifin\Webhook\Verifier;

if (!defined('ABSPATH')) {
    exit;
}

/** Thrown when the order stays locked by another request longer than LOCK_TIMEOUT seconds. */
final class Everifin_Webhook_Order_Busy extends RuntimeException
{
}

/**
 * Thrown when WooCommerce did not do what the event needs: update_status() returned false, or
 * payment_complete() returned false before it saved the order (they catch what a hook throws,
 * leave an order note and return false); or WooCommerce did not save the order: the webhook state
 * read back from the database is not the one just saved (WC_Abstract_Order::save() catches what
 * is thrown while it saves, writes it to WooCommerce's log and returns as if it had saved; $wpdb
 * reports a database error by a return value). The delivery is rolled back and answered 500, so
 * that Everifin delivers it again.
 */
final class Everifin_Webhook_Not_Applied extends RuntimeException
{
}

final class Everifin_Webhook_Plugin
{
    /** What the merchant is asked when a payment arrived that WooCommerce did not mark paid. */
    private const MONEY_ARRIVED = 'The money has arrived: check the order, then mark it paid by hand or refund the payment.';
    public const META_STATE = '_everifin_webhook_state';
    /**
     * Everifin's order, payment and refund ids of the events that matched the order, one meta row
     * each: later events that name no order of the shop (a refund carries only Everifin's
     * orderId and its refundId) are matched by them.
     */
    public const META_EVERIFIN_ORDER = '_everifin_webhook_order_id';
    public const META_EVERIFIN_PAYMENT = '_everifin_webhook_payment_id';
    public const META_EVERIFIN_REFUND = '_everifin_webhook_refund_id';
    /** At most this many ids of each kind are kept with one order (each payment attempt has its own). */
    public const MAX_IDS = 16;
    public const OPTION_SECRETS = 'everifin_webhook_secrets';
    /**
     * The last delivery answered with an error: time, HTTP status and status name only. Not the
     * library's message, which quotes the request (a header part, a field's text): a stranger could
     * otherwise put text of their choice on the settings page. Never the body or the header.
     */
    public const OPTION_LAST_REJECTED = 'everifin_webhook_last_rejected';
    /** The last verified delivery that matched no order (time, event id, the ids looked for). */
    public const OPTION_LAST_UNMATCHED = 'everifin_webhook_last_unmatched';
    /** Seconds between two records of one kind: a stranger's flood of requests writes at most one row a minute (trace()). */
    public const TRACE_INTERVAL = 60;
    public const REST_NAMESPACE = 'everifin/v1';
    public const REST_ROUTE = '/webhook';
    /** Seconds a delivery waits for another delivery of the same order; then 503 and Everifin retries. */
    public const LOCK_TIMEOUT = 10;
    /** Order statuses still waiting for their payment: the only ones an unpaid outcome moves. */
    public const OPEN_STATUSES = ['pending', 'on-hold', 'failed', 'checkout-draft'];

    public static function register(): void
    {
        add_action('rest_api_init', [self::class, 'routes']);
        // Early, before any other plugin's filter reads the request's parameters (which decodes the body).
        add_filter('rest_pre_dispatch', [self::class, 'preDispatch'], 0, 3);
        add_filter('rest_request_before_callbacks', [self::class, 'keepInvalidJson'], 10, 3);
        // The plugin uses only the order API that works with High-Performance Order Storage.
        add_action('before_woocommerce_init', [self::class, 'declareCompatibility']);
        if (function_exists('register_activation_hook')) {
            register_activation_hook(EVERIFIN_WEBHOOK_PLUGIN_FILE, [self::class, 'activate']);
        }
    }

    public static function declareCompatibility(): void
    {
        if (class_exists(\Automattic\WooCommerce\Utilities\FeaturesUtil::class)) {
            \Automattic\WooCommerce\Utilities\FeaturesUtil::declare_compatibility('custom_order_tables', EVERIFIN_WEBHOOK_PLUGIN_FILE, true);
        }
    }

    /** Creates the secrets option not autoloaded: hook secrets are not read on every page. */
    public static function activate(): void
    {
        add_option(self::OPTION_SECRETS, [], '', false);
    }

    public static function routes(): void
    {
        register_rest_route(self::REST_NAMESPACE, self::REST_ROUTE, [
            'methods' => 'POST',
            'callback' => [self::class, 'handle'],
            // Everifin is not a WordPress user: the signature is the authentication.
            'permission_callback' => '__return_true',
        ]);
    }

    /**
     * Whether WordPress would dispatch $route to the webhook route: the same test as
     * WP_REST_Server::match_request_to_handler(), preg_match('@^' . $route . '$@i', $path), whose
     * `$` also matches before a final "\n" (?rest_route=/everifin/v1/webhook%0A), on the path
     * without trailing slashes or backslashes (rest_api_loaded()'s untrailingslashit()). Every
     * path WordPress would answer with handle() therefore goes through preDispatch().
     */
    public static function isWebhookRoute(string $route): bool
    {
        return preg_match('@^' . preg_quote(self::routePath(), '@') . '$@i', rtrim($route, '/\\')) === 1;
    }

    /** The route as WordPress registers it: "/everifin/v1/webhook". */
    public static function routePath(): string
    {
        return '/' . self::REST_NAMESPACE . self::REST_ROUTE;
    }

    /**
     * Answers a POST to the webhook route at the start of WP_REST_Server::dispatch(), before
     * WordPress decodes an application/json body (WP_REST_Request::has_valid_params(), called
     * next in dispatch(), and any read of a parameter do): decoding a few MB of deeply nested JSON
     * that nobody signed exhausts PHP's memory_limit, a fatal error before the signature is
     * checked. The handler reads the body raw; the library refuses one over maxBodyBytes (413
     * BODY_TOO_LARGE) and checks the signature before it parses anything. The request's body is
     * emptied afterwards, so that WordPress's filters after dispatch (rest_filter_response_fields
     * reads $request['_fields']) have nothing to decode. The route stays registered (discovery,
     * and the same callback when this filter is not run); other routes and methods are untouched.
     * The response carries the matched route and handler, as respond_to_request() sets them
     * (rest_post_dispatch's rest_send_allow_header() adds "Allow: POST"). The filters WordPress
     * runs between the match and the answer, rest_request_before_callbacks,
     * rest_dispatch_request and rest_request_after_callbacks, are not run for this route: in
     * WordPress they come after has_valid_params() decoded the body, and a filter reading a
     * parameter would decode it (readme.txt, "Which WordPress filters run for the webhook URL?").
     * A request without a raw body (get_body() null) did not come over HTTP: WordPress's batch
     * endpoint (/batch/v1) builds its sub-requests so (WP_REST_Server::serve_batch_request_v1(),
     * body parameters only) and runs this filter for each before it refuses a route that does
     * not allow batching. Such a request is left to WordPress, which answers it as for any such
     * route (400 rest_batch_not_allowed) without calling the route's callback: it is not a
     * delivery, and a stranger's batch of them must not reach the library or the logs.
     *
     * @param mixed $result
     * @param mixed $server
     * @param mixed $request
     * @return mixed
     */
    public static function preDispatch($result, $server, $request)
    {
        if ($result !== null || !$request instanceof WP_REST_Request || strtoupper((string) $request->get_method()) !== 'POST'
            || !self::isWebhookRoute((string) $request->get_route()) || !is_string($request->get_body())) {
            return $result;
        }
        $response = self::handle($request);
        $request->set_body('');
        // What WP_REST_Server::respond_to_request() sets on a response: rest_send_allow_header()
        // (rest_post_dispatch) adds "Allow: POST" only to a response with a matched route.
        $response->set_matched_route(self::routePath());
        $handler = $server instanceof WP_REST_Server ? ($server->get_routes()[self::routePath()][0] ?? null) : null;
        if (is_array($handler)) {
            $response->set_matched_handler($handler);
        }
        return $response;
    }

    /**
     * preDispatch() answers the route before WordPress parses the body. Should the callback be
     * reached anyway (preDispatch removed by another plugin): WordPress parses a JSON body before
     * the route's callback and answers 400 rest_invalid_json when it cannot. The webhook route
     * reads the raw body itself: the signature is checked first
     * (an unsigned request is 401 whatever its body), then the library names the body's fault
     * (BODY_NOT_JSON, BODY_NOT_UTF8) with the contract's status. Other routes are untouched.
     *
     * @param mixed $response
     * @param array<string, mixed> $handler
     * @return mixed
     */
    public static function keepInvalidJson($response, $handler, $request)
    {
        if ($response instanceof WP_Error && $response->get_error_code() === 'rest_invalid_json'
            && ($handler['callback'] ?? null) === [self::class, 'handle']) {
            return null;
        }
        return $response;
    }

    /** @return list<string> the hook secrets, oldest first */
    public static function secrets(): array
    {
        return array_values(array_filter((array) get_option(self::OPTION_SECRETS, []), static fn ($s) => is_string($s) && $s !== ''));
    }

    /** Stores the hook secrets with autoload off. */
    public static function saveSecrets(array $secrets): void
    {
        $secrets = array_values(array_filter($secrets, static fn ($s) => is_string($s) && $s !== ''));
        if (get_option(self::OPTION_SECRETS, null) === null) {
            add_option(self::OPTION_SECRETS, $secrets, '', false);
        } else {
            update_option(self::OPTION_SECRETS, $secrets, false);
        }
    }

    /**
     * The REST callback. Never lets an exception escape: Everifin gets the binding's httpStatus
     * (4xx: do not retry, 5xx: retry) and a message the merchant sees in the Back Office.
     */
    public static function handle(WP_REST_Request $request): WP_REST_Response
    {
        try {
            if (!class_exists(Verifier::class)) {
                return self::refuse('INTERNAL', 'the everifin-webhook library is missing from the plugin; reinstall it', 500);
            }
            // Secrets: the hook secret, or during a rotation the old and the new one (oldest first).
            $secrets = self::secrets();
            if ($secrets === []) {
                return self::refuse('INVALID_OPTIONS', 'the Everifin hook secret is not configured in WooCommerce', 500);
            }
            $verifier = new Verifier($secrets);
            // get_body() is the raw body; WordPress finds the header whatever its casing. A request
            // built inside WordPress (rest_do_request(), a batch sub-request when a plugin allows
            // batching) may have none: an empty body, refused like any unsigned request.
            $body = $request->get_body();
            $event = $verifier->verify(is_string($body) ? $body : '', (string) $request->get_header('signature'));

            foreach (self::candidateOrderIds($event) as $orderId) {
                $answer = self::update($orderId, $verifier, $event, null, null);
                if ($answer !== null) {
                    return self::reply($answer, 200);
                }
            }
            // No order named by externalId or hookData.orderId (a refund carries only Everifin's
            // orderId): the order an earlier event of the same Everifin order, else payment, else
            // refund, matched.
            foreach (self::everifinIdsOf($event) as $key => $everifinId) {
                $orderId = $everifinId === null ? null : self::orderByEverifinId($key, $everifinId);
                $answer = $orderId === null ? null : self::update($orderId, $verifier, $event, $key, $everifinId);
                if ($answer !== null) {
                    return self::reply($answer, 200);
                }
            }
            // Received and authentic, but not ours (e.g. a Back Office test hook): do not make Everifin retry.
            // The settings page shows the last one: the ids it carried tell the merchant what was looked for.
            self::unmatched($event);
            return self::reply(['received' => true, 'order' => null, 'message' => 'no order of this shop matches the event; nothing changed'], 200);
        } catch (WebhookException $e) {
            return self::refuse($e->status(), $e->getMessage(), $e->httpStatus());
        } catch (Everifin_Webhook_Order_Busy $e) {
            return self::refuse('', 'the order is being updated by another request; it will be retried', 503);
        } catch (\Throwable $e) {
            self::logFailure($e);
            return self::refuse('INTERNAL', 'the shop could not process the webhook; it will be retried', 500);
        }
    }

    /**
     * A verified delivery that matched no order: recorded for the settings page
     * (OPTION_LAST_UNMATCHED, the last one a minute) and written to WooCommerce's log (source
     * everifin-webhook), every one: a warning when it reports a payment paid (the money may belong
     * to an order of this shop that the event does not name), else information. Signed by
     * Everifin, so a stranger cannot fill the log. The record and the line are the binding's
     * (Unmatched: the same in the PrestaShop module); an older copy of the binding loaded by
     * another plugin may lack it.
     */
    private static function unmatched(Event $event): void
    {
        $known = class_exists(Unmatched::class);
        self::trace(self::OPTION_LAST_UNMATCHED, $known ? Unmatched::record($event) : ['eventId' => $event->eventId]);
        if (!function_exists('wc_get_logger')) {
            return;
        }
        $line = $known ? Unmatched::logLine($event) : 'verified delivery matched no order, answered 200 (Everifin does not send it again): event ' . $event->eventId;
        if ($known ? Unmatched::isWarning($event) : $event->outcome === 'paid') {
            wc_get_logger()->warning($line, ['source' => 'everifin-webhook']);
        } else {
            wc_get_logger()->info($line, ['source' => 'everifin-webhook']);
        }
    }

    /**
     * Decides and applies $event for order $orderId with the order locked; null when there is no
     * such order (or, found by an Everifin id, it no longer carries it).
     *
     * @param string|null $byKey the meta key the order was found by (META_EVERIFIN_*), null for its id
     * @return array<string, mixed>|null the answer
     */
    private static function update(int $orderId, Verifier $verifier, Event $event, ?string $byKey, ?string $byId): ?array
    {
        return self::withOrderLock($orderId, static function () use ($orderId, $verifier, $event, $byKey, $byId): ?array {
            // Loaded only now, under the lock, with WooCommerce's cached copies of the order
            // dropped (withOrderLock()): the status and the state read are the ones the last
            // delivery saved.
            $order = wc_get_order($orderId);
            if (!$order instanceof WC_Order || ($byKey !== null && !in_array($byId, self::everifinIds($order, $byKey), true))) {
                return null;
            }
            $loaded = (string) $order->get_meta(self::META_STATE, true);
            $decision = $verifier->decide($event, $loaded);
            // What needs the merchant's attention (Attention: the policy both shop plugins share),
            // read before the order is moved. A site whose Composer loaded an older binding
            // without it gets no warnings rather than a failing webhook.
            $attention = class_exists(Attention::class)
                ? Attention::of($event, $decision, $order->get_status(), self::paidBy($order), $order->get_status() === 'refunded')
                : null;
            if ($decision->shouldApply()) {
                self::apply($order, $event, $attention);
            }
            if ($attention !== null && !in_array($attention->kind, [Attention::SECOND_PAYMENT, Attention::REFUNDED_ORDER], true)) {
                self::warn($order, $attention->text);
            }
            $order->update_meta_data(self::META_STATE, $decision->stateJson);
            self::rememberEverifinIds($order, $event);
            $order->save();
            // save() answers the same whether it saved or not: the state is read back before
            // COMMIT. A delivery that leaves the state as it was (a duplicate) has nothing to check.
            if ($decision->shouldApply() || $decision->stateJson !== $loaded) {
                self::checkStateSaved($order, $decision->stateJson);
            }
            // The shape `everifin-webhook send` checks (docs/design.md, "What endpoints answer").
            return [
                'received' => true,
                'order' => $orderId,
                'decision' => ['action' => $decision->action, 'reason' => $decision->reason],
                'orderOutcome' => $decision->orderOutcome,
                'orderState' => $order->get_status(),
            ];
        });
    }

    /**
     * Throws Everifin_Webhook_Not_Applied unless the database holds $stateJson as the order's
     * webhook state. WC_Abstract_Order::save() catches every Exception thrown while it saves (a
     * woocommerce_before_order_object_save hook, a data store), writes it to WooCommerce's log
     * ("Error saving order ID ...") and returns the order's id as after a save; $wpdb reports a
     * database error by a return value the data stores do not check (and writes it to PHP's error
     * log). Committing then would answer 200 for a delivery whose state is not stored: the next
     * delivery of the event would be decided from the old state and applied again.
     *
     * The state is read as the next delivery will read it (the first row of the key), from the
     * database inside the delivery's transaction: one query through the order's data store,
     * read_meta(), public in both storages and a direct query in each
     * (WC_Data_Store_WP::read_meta() on the posts storage; OrdersTableDataStore::read_meta() with
     * HPOS, whose meta data store serves it from its cache when HPOS data caching is on: that
     * cache is dropped first, no query).
     */
    private static function checkStateSaved(WC_Order $order, string $stateJson): void
    {
        self::forgetHposMeta($order->get_id());
        $stored = null;
        foreach ((array) $order->get_data_store()->read_meta($order) as $row) {
            if (is_object($row) && isset($row->meta_key) && $row->meta_key === self::META_STATE) {
                // As WC_Data::read_meta_data() reads a row.
                $stored = function_exists('maybe_unserialize') ? maybe_unserialize($row->meta_value) : $row->meta_value;
                break;
            }
        }
        if ($stored !== $stateJson) {
            throw new Everifin_Webhook_Not_Applied(sprintf("WooCommerce could not save order %d: its webhook state is not in the database after save() "
                . "(WooCommerce's save() caught the cause and wrote it to WooCommerce's log; a database error goes to PHP's error log); nothing of this delivery was kept", $order->get_id()));
        }
    }

    /**
     * Stores the event's Everifin orderId, paymentId and refundId with the order (a meta row each, once,
     * at most MAX_IDS of a kind), saved with the state: later events that name no order of the
     * shop are matched by them (orderByEverifinId()). Both are UUIDs the library checked.
     */
    private static function rememberEverifinIds(WC_Order $order, Event $event): void
    {
        foreach (self::everifinIdsOf($event) as $key => $everifinId) {
            if ($everifinId === null || $everifinId === '') {
                continue;
            }
            $known = self::everifinIds($order, $key);
            if (!in_array($everifinId, $known, true) && count($known) < self::MAX_IDS) {
                $order->add_meta_data($key, $everifinId, false);
            }
        }
    }

    /** @return array<string, ?string> the event's Everifin ids by meta key, in the order they are looked up */
    private static function everifinIdsOf(Event $event): array
    {
        return [self::META_EVERIFIN_ORDER => $event->orderId, self::META_EVERIFIN_PAYMENT => $event->paymentId, self::META_EVERIFIN_REFUND => $event->refundId];
    }

    /** @return list<string> the ids stored with the order under $key (META_EVERIFIN_*) */
    private static function everifinIds(WC_Order $order, string $key): array
    {
        $ids = [];
        // get_meta(key, false): every row of the key, as WC_Meta_Data objects.
        foreach ((array) $order->get_meta($key, false) as $meta) {
            $value = is_object($meta) ? $meta->value : $meta;
            if (is_string($value)) {
                $ids[] = $value;
            }
        }
        return $ids;
    }

    /**
     * The one shop order that carries Everifin id $everifinId under $key, or null (none, or
     * several: the plugin does not guess). Queried with meta_key and meta_value, which both order
     * storages honour: WooCommerce's posts storage passes them to WP_Query (it drops a meta_query
     * argument), HPOS's OrdersTableQuery turns them into its meta query. Only the order's id:
     * update() loads it under the lock and checks it carries the id, so a storage that ignored
     * the meta condition could not match another order. Only when the query finds two are they
     * loaded here (as freshOrder() reads them) to see which carry it.
     */
    private static function orderByEverifinId(string $key, string $everifinId): ?int
    {
        if (!function_exists('wc_get_orders')) {
            return null;
        }
        $ids = array_values(array_map('intval', (array) wc_get_orders(['limit' => 2, 'return' => 'ids', 'meta_key' => $key, 'meta_value' => $everifinId, 'meta_compare' => '='])));
        if (count($ids) < 2) {
            return $ids[0] ?? null;
        }
        $found = [];
        foreach ($ids as $id) {
            $order = self::freshOrder($id);
            if ($order instanceof WC_Order && in_array($everifinId, self::everifinIds($order, $key), true)) {
                $found[] = $order->get_id();
            }
        }
        if (count($found) > 1) {
            $line = sprintf('orders %s both carry Everifin %s %s: an event naming only it matches neither (answered 200, nothing changed)',
                implode(' and ', $found), [self::META_EVERIFIN_ORDER => 'order', self::META_EVERIFIN_PAYMENT => 'payment', self::META_EVERIFIN_REFUND => 'refund'][$key], $everifinId);
            if (function_exists('wc_get_logger')) {
                wc_get_logger()->warning($line, ['source' => 'everifin-webhook']);
            }
        }
        return count($found) === 1 ? $found[0] : null;
    }

    /**
     * An error answer, recorded for the settings page (OPTION_LAST_REJECTED): the time, the HTTP
     * status and the status name; the page describes the status in its own words. Not the message
     * (it may quote the request), not the body, not the header.
     */
    private static function refuse(string $status, string $message, int $httpStatus): WP_REST_Response
    {
        self::trace(self::OPTION_LAST_REJECTED, ['httpStatus' => $httpStatus, 'status' => $status]);
        $data = ['ok' => false];
        if ($status !== '') {
            $data['status'] = $status;
        }
        $data['message'] = $message;
        return self::reply($data, $httpStatus);
    }

    /**
     * Stores $record with the time in $option (autoload off), unless the last record of that kind
     * is younger than TRACE_INTERVAL: at most one database write a minute per kind, whatever a
     * stranger sends, also in parallel. The read, the check and the write hold a MySQL named lock
     * taken without waiting (GET_LOCK(name, 0)): a request that finds it held writes nothing, and
     * the next one reads the row the holder wrote. Never changes the answer: a failure here is
     * ignored.
     *
     * @param array<string, mixed> $record
     */
    private static function trace(string $option, array $record): void
    {
        global $wpdb;
        try {
            $name = 'everifin-webhook:' . substr(md5($wpdb->prefix . (defined('DB_NAME') ? DB_NAME : '')), 0, 12) . ':' . $option;
            if ((string) $wpdb->get_var($wpdb->prepare('SELECT GET_LOCK(%s, %d)', $name, 0)) !== '1') {
                return;
            }
        } catch (\Throwable $e) {
            return;
        }
        try {
            $now = time();
            $last = get_option($option, null);
            if (is_array($last) && isset($last['time']) && is_int($last['time']) && $last['time'] <= $now && $now - $last['time'] < self::TRACE_INTERVAL) {
                return;
            }
            $record = ['time' => $now] + $record;
            if ($last === null) {
                add_option($option, $record, '', false);
            } else {
                update_option($option, $record, false);
            }
        } catch (\Throwable $e) {
            // The record is for the merchant's information only.
        } finally {
            try {
                $wpdb->get_var($wpdb->prepare('SELECT RELEASE_LOCK(%s)', $name));
            } catch (\Throwable $e) {
                // Released with the connection at the latest.
            }
        }
    }

    /**
     * An unexpected failure (a database error, WooCommerce missing, an order hook throwing) goes
     * to WooCommerce's log (WooCommerce > Status > Logs, source everifin-webhook), else PHP's error
     * log: Everifin retries, and the merchant needs to see why. Never the request or a secret.
     */
    private static function logFailure(\Throwable $e): void
    {
        self::log('error', sprintf('webhook not processed (answered 500, Everifin retries): %s: %s at %s:%d', get_class($e), $e->getMessage(), $e->getFile(), $e->getLine()));
    }

    /** $line at $level ('warning' or 'error', WC_Logger's method) in WooCommerce's log, source everifin-webhook, else PHP's error log. */
    private static function log(string $level, string $line): void
    {
        if (function_exists('wc_get_logger')) {
            wc_get_logger()->{$level}($line, ['source' => 'everifin-webhook']);
        } else {
            error_log('everifin-webhook: ' . $line);
        }
    }

    /** @param array<string, mixed> $data */
    private static function reply(array $data, int $status): WP_REST_Response
    {
        return new WP_REST_Response($data, $status);
    }

    /** @return list<int> order ids named by the event, most specific first */
    private static function candidateOrderIds(Event $event): array
    {
        $ids = [];
        if ($event->externalId !== null && preg_match('/\A[0-9]+\z/', $event->externalId) === 1 && strlen($event->externalId) < 19) {
            $ids[] = (int) $event->externalId;
        }
        if ($event->hookData instanceof \stdClass && isset($event->hookData->orderId) && is_int($event->hookData->orderId) && $event->hookData->orderId > 0) {
            $ids[] = $event->hookData->orderId;
        }
        return array_values(array_unique($ids));
    }

    /**
     * Drops the copies of order $orderId that WordPress's object cache holds (a persistent one,
     * Redis or Memcached, shares them between requests; WordPress's own lives for one request),
     * so that the next wc_get_order() reads the database. Only public WordPress and WooCommerce
     * functions, each where the installed version has it:
     * - posts storage: the post and its post meta (clean_post_cache(), which
     *   Abstract_WC_Order_Data_Store_CPT::clear_caches() calls after every save);
     * - both storages: the meta rows WC_Data::read_meta_data() caches in group "orders" under
     *   WC_Data::generate_meta_cache_key() (WooCommerce 4.7+), and the order's items list;
     * - HPOS: the order object WC_Order_Factory::get_order() returns from OrderCache when the
     *   orders cache is on (Automattic\WooCommerce\Caches\OrderCache::remove()), the HPOS
     *   data store's own cache when it has one (clear_cached_data(), through WC_Data_Store), and
     *   the HPOS meta data store's cache of the order's meta rows (the webhook state among them):
     *   the data store drops those only for an order whose row entry it could delete, so a row
     *   entry a persistent cache evicted before, with the meta still cached, would leave the
     *   meta stale (OrdersTableDataStoreMeta::clear_cached_data(), where the installed
     *   WooCommerce has it; a no-op unless HPOS data caching is on).
     */
    private static function forgetOrder(int $orderId): void
    {
        if (function_exists('clean_post_cache')) {
            clean_post_cache($orderId);
        }
        if (function_exists('wp_cache_delete')) {
            if (method_exists(WC_Order::class, 'generate_meta_cache_key')) {
                wp_cache_delete(WC_Order::generate_meta_cache_key($orderId, 'orders'), 'orders');
            }
            wp_cache_delete('order-items-' . $orderId, 'orders');
        }
        if (function_exists('wc_get_container') && class_exists(\Automattic\WooCommerce\Caches\OrderCache::class)) {
            wc_get_container()->get(\Automattic\WooCommerce\Caches\OrderCache::class)->remove($orderId);
        }
        if (class_exists(WC_Data_Store::class) && method_exists(WC_Data_Store::class, 'has_callable')) {
            $store = WC_Data_Store::load('order');
            if ($store->has_callable('clear_cached_data')) {
                $store->clear_cached_data([$orderId]);
            }
        }
        self::forgetHposMeta($orderId);
    }

    /**
     * Drops the order's meta rows HPOS's meta data store caches (OrdersTableDataStoreMeta::
     * clear_cached_data(), where the installed WooCommerce has it; a no-op unless HPOS data
     * caching is on). No query.
     */
    private static function forgetHposMeta(int $orderId): void
    {
        $meta = \Automattic\WooCommerce\Internal\DataStores\Orders\OrdersTableDataStoreMeta::class;
        if (function_exists('wc_get_container') && class_exists($meta) && method_exists($meta, 'clear_cached_data')) {
            try {
                $metaStore = wc_get_container()->get($meta);
            } catch (\Throwable $e) {
                // A WooCommerce whose container does not give it out (forgetOrder() asks the data store too).
                $metaStore = null;
            }
            if (is_object($metaStore) && method_exists($metaStore, 'clear_cached_data')) {
                $metaStore->clear_cached_data([$orderId]);
            }
        }
    }

    /**
     * forgetOrder() once the transaction has ended. The delivery's answer stands whatever
     * happens here: a failure is written to WooCommerce's log as a warning (pages may show the
     * order as it was until the cache expires).
     */
    private static function forgetOrderAfter(int $orderId, string $end): void
    {
        try {
            self::forgetOrder($orderId);
        } catch (\Throwable $e) {
            self::log('warning', sprintf('order %d: its cached copies could not be dropped after %s (%s: %s); pages may show the order as it was until the cache expires',
                $orderId, $end, get_class($e), $e->getMessage()));
        }
    }

    /** Order $orderId as the database holds it (forgetOrder(), then wc_get_order()), or false. */
    private static function freshOrder(int $orderId)
    {
        self::forgetOrder($orderId);
        return wc_get_order($orderId);
    }

    /**
     * Runs $work with the order locked: a MySQL named lock (GET_LOCK, released when the connection
     * ends, so a killed PHP worker never leaves it held) around a transaction, so two deliveries of
     * one order (or a delivery and the customer's return) never both read the old state.
     * Works with both order storages: the lock names the order, not a table row. The order's
     * cached copies are dropped once the lock is held (forgetOrder()): a copy cached before, by
     * this request (the lookup by Everifin id) or by another one while the last holder was
     * still working, would otherwise hide what the last holder saved. They are dropped again
     * when the transaction has ended: WordPress and WooCommerce drop them when they write the
     * order, not at COMMIT, and a persistent object cache (Redis, Memcached) would otherwise keep
     * what another request read meanwhile (the order as committed before: "pending" for an order
     * now paid) or, after a ROLLBACK, what this request read of its own writes. Only what
     * another request reads between the COMMIT and that second drop can still be cached old,
     * as with any write WordPress makes.
     *
     * @template T
     * @param callable(): T $work
     * @return T
     */
    private static function withOrderLock(int $orderId, callable $work)
    {
        global $wpdb;
        $name = 'everifin-webhook:' . substr(md5($wpdb->prefix . (defined('DB_NAME') ? DB_NAME : '')), 0, 12) . ':' . $orderId;
        $got = $wpdb->get_var($wpdb->prepare('SELECT GET_LOCK(%s, %d)', $name, self::LOCK_TIMEOUT));
        if ((string) $got !== '1') {
            throw new Everifin_Webhook_Order_Busy('order ' . $orderId . ' is locked');
        }
        try {
            $wpdb->query('START TRANSACTION');
            try {
                self::forgetOrder($orderId);
                $result = $work();
            } catch (\Throwable $e) {
                $wpdb->query('ROLLBACK');
                self::forgetOrderAfter($orderId, 'ROLLBACK');
                throw $e;
            }
            if ($wpdb->query('COMMIT') === false) {
                // The server did not commit (a lost connection): nothing of the delivery is kept.
                self::forgetOrderAfter($orderId, 'a failed COMMIT');
                throw new Everifin_Webhook_Not_Applied(sprintf('the database did not commit the delivery for order %d; nothing of it was kept', $orderId));
            }
            self::forgetOrderAfter($orderId, 'COMMIT');
            return $result;
        } finally {
            $wpdb->get_var($wpdb->prepare('SELECT RELEASE_LOCK(%s)', $name));
        }
    }

    /**
     * What paid the order, for Attention::of(): its transaction id (the Everifin payment id
     * payment_complete() set, another gateway's, or '' when it was paid another way) when the
     * order is paid or refunded; null when WooCommerce does not count it paid.
     */
    private static function paidBy(WC_Order $order): ?string
    {
        return $order->is_paid() || $order->get_status() === 'refunded' ? (string) $order->get_transaction_id() : null;
    }

    /** A private order note (not sent to the customer) and the same text in WooCommerce's log, with the order id. */
    private static function warn(WC_Order $order, string $text): void
    {
        $order->add_order_note($text);
        self::log('warning', sprintf('order %d: %s', $order->get_id(), $text));
    }

    /**
     * Moves the order when decide said apply. Decide knows only what earlier webhooks did; the
     * shop order may have moved since (paid by another gateway, completed, cancelled or refunded
     * by the merchant), so the order's own status is the last word:
     * - paid: payment_complete() once, for an order that is not paid or refunded yet. A second
     *   payment for a paid order, or a payment booked for a refunded order ($attention
     *   SECOND_PAYMENT, REFUNDED_ORDER), is told with warn() instead of the note: the customer
     *   may have paid twice. So is an order that payment_complete() left unpaid (a status it
     *   does not move: a checkout draft, a trashed order, a custom status; or an unpaid status
     *   that woocommerce_payment_complete_order_status chose, the warning says which): the event
     *   stays applied (its retries are duplicates) and the answer 200, with the order's status,
     *   since WooCommerce would leave the order so on every retry;
     * - refund booked: a note only. The webhook does not say the amount, and WooCommerce books a
     *   move to "refunded" as a full refund; the merchant records the amount with the Refund
     *   button (a full refund sets the order to Refunded);
     * - any other outcome: the suggested status, only for an order still waiting for its payment
     *   (OPEN_STATUSES). A paid, completed, cancelled or refunded order is never moved by it.
     * Every event it is called for leaves a note, also when the order is left as it is, except
     * one whose suggested status the order has already. payment_complete() and update_status()
     * return false when WooCommerce caught an Exception a hook or filter threw around their
     * save(): payment_complete()'s woocommerce_pre_payment_complete, its status filters,
     * woocommerce_payment_complete after the save; update_status()'s set_status() (the filters it
     * runs). A failure inside save() is not among them: save() catches it itself, logs it and
     * returns, and both answer true with the status set but not saved: update()'s own save()
     * writes it with the state, or fails too, which update() finds when it reads the state back
     * (checkStateSaved()). payment_complete() saves the order
     * paid (its e-mails, its stock) before it runs woocommerce_payment_complete: when the order is
     * saved after a false (savedByPaymentComplete(): paid, or in the unpaid status a filter chose;
     * a hook there failed), the event stays applied
     * with warn() and the answer is 200, since each retry would save the order paid again and
     * send its e-mails again. Otherwise it throws Everifin_Webhook_Not_Applied: withOrderLock()
     * rolls the delivery back (the webhook state too) and handle() answers 500, logged, so that
     * Everifin delivers it again.
     */
    private static function apply(WC_Order $order, Event $event, ?Attention $attention): void
    {
        $note = sprintf('Everifin %s %s: %s (event %s)', $event->entity, (string) $event->entityId, (string) $event->status, $event->eventId);
        $status = $order->get_status();
        if ($event->outcome === 'paid') {
            // Stock, e-mails and the paid date, once: never for an order that is already paid.
            if ($order->is_paid() || $status === 'refunded') {
                if ($attention !== null && in_array($attention->kind, [Attention::SECOND_PAYMENT, Attention::REFUNDED_ORDER], true)) {
                    self::warn($order, $attention->text);
                    return;
                }
                // The payment that paid the order in another paid status, or Everifin's order-level PAID: nothing new.
                $order->add_order_note(sprintf('%s (the order is %s already; left as it is)', $note, $status));
                return;
            }
            $transactionBefore = $order->get_transaction_id();
            if (!$order->payment_complete((string) $event->paymentId)) {
                if (!self::savedByPaymentComplete($order, $status, $transactionBefore, (string) $event->paymentId)) {
                    throw new Everifin_Webhook_Not_Applied(sprintf("WooCommerce's payment_complete() failed for order %d (%s); nothing of this delivery was kept", $order->get_id(), self::failureHint()));
                }
                // A woocommerce_payment_complete hook failed after WooCommerce saved the order:
                // paid, or in the unpaid status woocommerce_payment_complete_order_status chose.
                $saved = $order->is_paid()
                    ? sprintf('WooCommerce marked the order paid (%s)', $order->get_status())
                    : sprintf('WooCommerce saved the order %s, not a paid status (%s)', $order->get_status(), lcfirst(rtrim(self::MONEY_ARRIVED, '.')));
                self::warn($order, sprintf('%s: %s, but a woocommerce_payment_complete hook of another plugin failed afterwards; '
                    . 'WooCommerce wrote the cause to its log (WooCommerce > Status > Logs) and to an order note. What that hook does (a stock sync, an export) may not have happened: check it. '
                    . 'The payment stays applied: Everifin does not send it again.', $note, $saved));
                return;
            }
            if (!$order->is_paid()) {
                // payment_complete() marks paid only an order in a status of
                // woocommerce_valid_order_statuses_for_payment_complete (pending, on-hold, failed,
                // cancelled) and leaves any other as it is (a checkout draft, a trashed order, a
                // custom status), answering true. An order it takes gets the status
                // woocommerce_payment_complete_order_status filters, which another plugin (a fraud
                // review) may make an unpaid one. The money has arrived: the merchant decides.
                $now = $order->get_status();
                if ($now !== $status) {
                    $why = sprintf('WooCommerce moved it to %s, not a paid status', $now);
                } elseif (in_array($now, (array) apply_filters('woocommerce_valid_order_statuses_for_payment_complete', ['on-hold', 'pending', 'failed', 'cancelled'], $order), true)) {
                    $why = sprintf('WooCommerce left it %s, not a paid status', $now);
                } else {
                    $why = sprintf('it is %s, a status payment_complete() leaves as it is', $now);
                }
                self::warn($order, sprintf('%s reports a payment, but WooCommerce did not mark the order paid: %s. %s', $note, $why, self::MONEY_ARRIVED));
                return;
            }
            $order->add_order_note($note);
            return;
        }
        if ($event->outcome === 'refunded') {
            $order->add_order_note($note . ': a refund was booked at the bank. The webhook does not say its amount: record it with the Refund button (a full refund sets the order to Refunded).');
            return;
        }
        $target = $event->suggestedFor('woocommerce');
        if ($target === null) {
            $order->add_order_note($note . ' (order left as it is)');
            return;
        }
        if ($status === $target) {
            return;
        }
        if (!in_array($status, self::OPEN_STATUSES, true)) {
            $order->add_order_note(sprintf('%s (the order is %s; left as it is)', $note, $status));
            return;
        }
        if (!$order->update_status($target, $note)) {
            throw new Everifin_Webhook_Not_Applied(sprintf("WooCommerce's update_status('%s') failed for order %d (%s); nothing of this delivery was kept", $target, $order->get_id(), self::failureHint()));
        }
    }

    /**
     * Whether payment_complete(), answering false, had saved the order before what failed (a
     * woocommerce_payment_complete hook runs after its save()): no status or transaction id left
     * unsaved (WC_Data's get_changes()), and the status, or the transaction id it was given,
     * differs from the order's before the call. A hook that threw before (woocommerce_pre_payment_complete)
     * changed neither. An order kept in its status with no transaction id (an order-level PAID of
     * an on-hold order that woocommerce_payment_complete_order_status keeps on hold) cannot be
     * told apart, and counts as not saved.
     */
    private static function savedByPaymentComplete(WC_Order $order, string $statusBefore, string $transactionBefore, string $transactionId): bool
    {
        $unsaved = method_exists($order, 'get_changes') ? (array) $order->get_changes() : [];
        if (array_key_exists('status', $unsaved) || array_key_exists('transaction_id', $unsaved)) {
            return false;
        }
        return $order->get_status() !== $statusBefore
            || ($transactionId !== '' && $transactionBefore !== $transactionId && $order->get_transaction_id() === $transactionId);
    }

    /** Why payment_complete() or update_status() answers false, and where the cause is. */
    private static function failureHint(): string
    {
        return 'a hook threw; WooCommerce wrote the cause to its own log';
    }
}
