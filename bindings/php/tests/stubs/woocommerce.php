<?php
/**
 * Test stubs of the few WordPress / WooCommerce functions and classes the WooCommerce plugin
 * (plugins/woocommerce/everifin-webhook) calls. Not WordPress: just enough recorded behaviour to
 * test the plugin's request handling and its order lock. The plugin is tested in a real
 * WordPress by tests/dist/wordpress.sh.
 */

declare(strict_types=1);

if (!defined('ABSPATH')) {
    define('ABSPATH', '/tmp/wordpress-stub/');
}

final class WpStub
{
    /** @var array<string, list<callable>> */
    public static array $actions = [];
    /** @var array<string, array<string, mixed>> */
    public static array $routes = [];
    /** @var array<string, mixed> */
    public static array $options = [];
    /** @var array<int, WC_Order> the orders as the database holds them */
    public static array $orders = [];
    /**
     * @var array<int, WC_Order> the copies of orders WordPress's object cache holds (a persistent
     * cache shares them between requests): wc_get_order() returns the copy when there is one and
     * keeps the order it read. Dropped by clean_post_cache() on the posts storage, by
     * OrderCache::remove() with HPOS ($hpos).
     */
    public static array $cachedOrders = [];
    /** @var bool the orders are in HPOS's tables (OrderCache), else posts (the post cache) */
    public static bool $hpos = false;
    /**
     * @var array<int, true> the orders whose row HPOS's data cache holds (group orders_data);
     * a persistent cache may have evicted a row while keeping its meta
     */
    public static array $hposRowCache = [];
    /** @var array<int, mixed> the meta rows HPOS's meta data store caches per order (group orders_meta) */
    public static array $hposMetaCache = [];
    /** @var bool wc_get_container() does not give out HPOS's meta data store (it throws, as for any unknown id) */
    public static bool $containerWithoutHposMeta = false;
    /** @var array<int, WC_Order>|null the orders as committed, while a transaction is open */
    public static ?array $committed = null;
    /** Whether the server answers COMMIT with an error (and rolls the transaction back). */
    public static bool $commitFails = false;
    /** @var list<string> what happened, in order: SQL sent through $wpdb, wc_get_order, save */
    public static array $log = [];
    /** @var bool wc_get_orders() ignores meta_key / meta_value (a storage that does not know them) when true */
    public static bool $ordersQueryIgnoresMeta = false;
    /** @var list<array<string, mixed>> the arguments of each wc_get_orders() call */
    public static array $orderQueries = [];
    /** @var bool GET_LOCK of an order answers 0 (another request holds the order) when true */
    public static bool $lockHeld = false;
    /** @var bool GET_LOCK of a record of the settings page answers 0 (another request is writing it) when true */
    public static bool $traceLockHeld = false;
    /** @var array<string, array{0: string, 1: bool}> option => [serialized value, autoload] as add_option/update_option stored it */
    public static array $stored = [];
    /** @var list<array{0: string, 1: string, 2: array<string, mixed>}> wc_get_logger(): [level, message, context] */
    public static array $logged = [];
    /** @var list<int>|null the sites of a network (is_multisite() when not null) */
    public static ?array $sites = null;
    /** @var array<int, array<string, mixed>> the options of each site of the network */
    public static array $siteOptions = [];
    public static int $blog = 1;

    public static function reset(): void
    {
        self::$options = [];
        self::$orders = [];
        self::$cachedOrders = [];
        self::$hpos = false;
        self::$hposRowCache = [];
        self::$hposMetaCache = [];
        self::$containerWithoutHposMeta = false;
        self::$committed = null;
        self::$commitFails = false;
        // The hooks a test added to WooCommerce's actions (the plugin's own stay).
        foreach (array_keys(self::$actions) as $hook) {
            if (str_starts_with($hook, 'woocommerce_')) {
                unset(self::$actions[$hook]);
            }
        }
        self::$log = [];
        self::$lockHeld = false;
        self::$ordersQueryIgnoresMeta = false;
        self::$orderQueries = [];
        self::$traceLockHeld = false;
        self::$stored = [];
        self::$logged = [];
        self::$sites = null;
        self::$siteOptions = [];
        self::$blog = 1;
    }
}

/** $wpdb: records the SQL; answers GET_LOCK / RELEASE_LOCK. */
final class WpdbStub
{
    public string $prefix = 'wp_';
    public string $options = 'wp_options';

    public function esc_like(string $text): string
    {
        return addcslashes($text, '_%\\');
    }

    public function prepare(string $query, ...$args): string
    {
        $i = 0;
        return (string) preg_replace_callback('/%[sd]/', static function (array $m) use ($args, &$i): string {
            $v = $args[$i++];
            return $m[0] === '%d' ? (string) (int) $v : "'" . addslashes((string) $v) . "'";
        }, $query);
    }

    /** @return string|null */
    public function get_var(string $query)
    {
        WpStub::$log[] = $query;
        if (str_starts_with($query, 'SELECT GET_LOCK(')) {
            // An order's lock ends with its id; the settings page's records with the option name.
            return (preg_match("/:[0-9]+', /", $query) === 1 ? WpStub::$lockHeld : WpStub::$traceLockHeld) ? '0' : '1';
        }
        if (str_starts_with($query, 'SELECT RELEASE_LOCK(')) {
            return '1';
        }
        throw new RuntimeException("unexpected query: $query");
    }

    /**
     * A transaction over the orders: START TRANSACTION keeps a copy of each as stored, ROLLBACK
     * puts the copies back (the objects in WpStub::$orders are replaced), COMMIT drops them.
     *
     * @return int|bool
     */
    public function query(string $query)
    {
        WpStub::$log[] = $query;
        if ($query === 'START TRANSACTION') {
            WpStub::$committed = array_map(static fn (WC_Order $o): WC_Order => clone $o, WpStub::$orders);
        } elseif ($query === 'ROLLBACK' && WpStub::$committed !== null) {
            WpStub::$orders = WpStub::$committed;
            WpStub::$committed = null;
        } elseif ($query === 'COMMIT' && WpStub::$commitFails) {
            // As $wpdb->query() when the server answers an error (a lost connection): false, and
            // the server rolled the transaction back.
            WpStub::$orders = WpStub::$committed ?? WpStub::$orders;
            WpStub::$committed = null;
            return false;
        } elseif ($query === 'COMMIT') {
            WpStub::$committed = null;
        }
        return true;
    }
}

$GLOBALS['wpdb'] = new WpdbStub();

function add_filter(string $hook, callable $callback): void
{
    WpStub::$actions[$hook][] = $callback;
}

/** @return mixed the value after every callback of $hook, in the order they were added */
function apply_filters(string $hook, $value, ...$args)
{
    foreach (WpStub::$actions[$hook] ?? [] as $cb) {
        $value = $cb($value, ...$args);
    }
    return $value;
}

function plugin_basename(string $file): string
{
    return basename(dirname($file)) . '/' . basename($file);
}

function add_option(string $name, $value = '', $deprecated = '', $autoload = 'yes'): bool
{
    if (array_key_exists($name, WpStub::$options)) {
        return false;
    }
    WpStub::$options[$name] = $value;
    WpStub::$stored[$name] = [serialize($value), !in_array($autoload, [false, 'no', 'off'], true)];
    return true;
}

function update_option(string $name, $value, $autoload = null): bool
{
    WpStub::$options[$name] = $value;
    $keep = WpStub::$stored[$name][1] ?? true;
    WpStub::$stored[$name] = [serialize($value), $autoload === null ? $keep : !in_array($autoload, [false, 'no', 'off'], true)];
    return true;
}

function add_action(string $hook, callable $callback): void
{
    WpStub::$actions[$hook][] = $callback;
}

function do_action(string $hook, ...$args): void
{
    foreach (WpStub::$actions[$hook] ?? [] as $cb) {
        $cb(...$args);
    }
}

function register_rest_route(string $namespace, string $route, array $args): bool
{
    WpStub::$routes[$namespace . $route] = $args;
    return true;
}

function __return_true(): bool
{
    return true;
}

function get_option(string $name, $default = false)
{
    return WpStub::$options[$name] ?? $default;
}

function delete_option(string $name): bool
{
    if (WpStub::$sites !== null) {
        unset(WpStub::$siteOptions[WpStub::$blog][$name]);
    }
    unset(WpStub::$options[$name]);
    return true;
}

function is_multisite(): bool
{
    return WpStub::$sites !== null;
}

/** @return list<int> */
function get_sites(array $args = []): array
{
    return WpStub::$sites ?? [];
}

function switch_to_blog(int $id): bool
{
    WpStub::$blog = $id;
    return true;
}

function restore_current_blog(): bool
{
    WpStub::$blog = 1;
    return true;
}

final class WcLoggerStub
{
    public function error(string $message, array $context = []): void
    {
        WpStub::$logged[] = ['error', $message, $context];
    }

    public function warning(string $message, array $context = []): void
    {
        WpStub::$logged[] = ['warning', $message, $context];
    }

    public function info(string $message, array $context = []): void
    {
        WpStub::$logged[] = ['info', $message, $context];
    }
}

function wc_get_logger(): WcLoggerStub
{
    return new WcLoggerStub();
}

class WP_Error
{
    private string $code;

    public function __construct(string $code = '', string $message = '', $data = '')
    {
        $this->code = $code;
    }

    public function get_error_code(): string
    {
        return $this->code;
    }
}

/**
 * wc_get_orders() as WooCommerce's posts storage runs it (WC_Order_Data_Store_CPT): meta_key /
 * meta_value / meta_compare '=' select by saved meta (WP_Query's), a meta_query argument is
 * dropped (WC_Data_Store_WP::get_wp_query_args() skips it). With WpStub::$ordersQueryIgnoresMeta,
 * a storage that ignores the meta condition too: the first orders. Only 'return' => 'ids'.
 *
 * @param array<string, mixed> $args
 * @return list<int>
 */
function wc_get_orders(array $args): array
{
    WpStub::$log[] = 'wc_get_orders(' . json_encode($args) . ')';
    WpStub::$orderQueries[] = $args;
    if (($args['return'] ?? null) !== 'ids') {
        throw new RuntimeException('the stub answers return => ids only');
    }
    $ids = [];
    foreach (WpStub::$orders as $id => $order) {
        if (!WpStub::$ordersQueryIgnoresMeta && isset($args['meta_key'])) {
            if (($args['meta_compare'] ?? '=') !== '=') {
                throw new RuntimeException('the stub compares with = only');
            }
            if (!in_array($args['meta_value'] ?? null, $order->savedMeta[$args['meta_key']] ?? [], true)) {
                continue;
            }
        }
        $ids[] = $id;
    }
    return array_slice($ids, 0, (int) ($args['limit'] ?? 10));
}

/**
 * WC_Order_Factory::get_order(): the copy the object cache holds (HPOS: OrderCache; posts: the
 * post and its meta through get_post() and WC_Data::read_meta_data()), else the order as stored,
 * which is then cached.
 */
function wc_get_order($id)
{
    WpStub::$log[] = 'wc_get_order(' . (int) $id . ')';
    $id = (int) $id;
    if (isset(WpStub::$cachedOrders[$id])) {
        return WpStub::$cachedOrders[$id];
    }
    if (!isset(WpStub::$orders[$id])) {
        return false;
    }
    return WpStub::$cachedOrders[$id] = WpStub::$orders[$id];
}

/** WordPress: drops a post's cached copies (the order's, on the posts storage). */
function clean_post_cache($post): void
{
    $id = is_object($post) ? (int) $post->ID : (int) $post;
    WpStub::$log[] = 'clean_post_cache(' . $id . ')';
    if (!WpStub::$hpos) {
        unset(WpStub::$cachedOrders[$id]);
    }
}

function wp_cache_delete($key, string $group = ''): bool
{
    WpStub::$log[] = 'wp_cache_delete(' . $key . ', ' . $group . ')';
    return true;
}

require_once __DIR__ . '/woocommerce-caches.php';

/** WooCommerce's dependency container: only the order cache and HPOS's meta data store. */
function wc_get_container(): object
{
    return new class () {
        public function get(string $id): object
        {
            $known = [\Automattic\WooCommerce\Caches\OrderCache::class];
            if (!WpStub::$containerWithoutHposMeta) {
                $known[] = \Automattic\WooCommerce\Internal\DataStores\Orders\OrdersTableDataStoreMeta::class;
            }
            if (!in_array($id, $known, true)) {
                throw new RuntimeException("the stub container has no $id");
            }
            return new $id();
        }
    };
}

/**
 * WC_Data_Store::load('order') and WC_Order::get_data_store(): the order storage's data store.
 * has_callable() answers for the store of the storage in use (WpStub::$hpos): HPOS's
 * OrdersTableDataStore has clear_cached_data(), the posts storage's WC_Order_Data_Store_CPT has
 * not. Both have read_meta().
 */
final class WC_Data_Store
{
    public static function load(string $type): self
    {
        return new self();
    }

    public function has_callable(string $method): bool
    {
        return $method === 'clear_cached_data' && WpStub::$hpos;
    }

    /**
     * As WC_Data_Store_WP::read_meta() (posts storage) and OrdersTableDataStore::read_meta()
     * (HPOS): the order's meta rows as the database holds them, by a query of their own (logged),
     * oldest first, each with meta_id, meta_key and meta_value as stored (serialized).
     *
     * @return list<object>
     */
    public function read_meta(WC_Order &$order): array
    {
        $id = $order->get_id();
        WpStub::$log[] = WpStub::$hpos
            ? "SELECT id, order_id as object_id, meta_key, meta_value FROM wp_wc_orders_meta WHERE order_id in ( $id )"
            : "SELECT meta_id as meta_id, meta_key, meta_value FROM wp_postmeta WHERE post_id = $id ORDER BY meta_id";
        $rows = [];
        foreach ((isset(WpStub::$orders[$id]) ? WpStub::$orders[$id]->savedMeta : []) as $key => $values) {
            foreach ($values as $value) {
                $rows[] = (object) ['meta_id' => count($rows) + 1, 'meta_key' => (string) $key, 'meta_value' => is_string($value) ? $value : serialize($value)];
            }
        }
        return $rows;
    }

    /**
     * As OrdersTableDataStore::clear_cached_data() with HPOS data caching on: deletes each
     * order's row entry, and the meta entry only of the orders whose row delete succeeded (a
     * row entry already evicted answers false, and its meta stays cached).
     *
     * @param list<int> $ids
     * @return array<int, bool>
     */
    public function clear_cached_data(array $ids): array
    {
        WpStub::$log[] = 'clear_cached_data(' . implode(',', $ids) . ')';
        $deleted = [];
        foreach ($ids as $id) {
            $deleted[$id] = isset(WpStub::$hposRowCache[$id]);
            unset(WpStub::$hposRowCache[$id]);
            if ($deleted[$id]) {
                unset(WpStub::$hposMetaCache[$id]);
            }
        }
        return $deleted;
    }
}

class WP_REST_Request
{
    /** null: no raw body, as WordPress builds a batch sub-request (WP_REST_Request's default) */
    private ?string $body;
    /** @var array<string, string> */
    private array $headers = [];
    private string $method;
    private string $route;

    /** @param array<string, string> $headers */
    public function __construct(?string $body, array $headers, string $method = 'POST', string $route = '/everifin/v1/webhook')
    {
        $this->body = $body;
        $this->method = $method;
        $this->route = $route;
        foreach ($headers as $k => $v) {
            // WordPress canonicalizes header names: lower case, '-' as '_'.
            $this->headers[strtolower(str_replace('-', '_', $k))] = $v;
        }
    }

    public function get_body(): ?string
    {
        return $this->body;
    }

    public function set_body(string $body): void
    {
        $this->body = $body;
    }

    public function get_method(): string
    {
        return $this->method;
    }

    public function get_route(): string
    {
        return $this->route;
    }

    public function get_header(string $key): ?string
    {
        return $this->headers[strtolower(str_replace('-', '_', $key))] ?? null;
    }
}

/** WordPress's REST server: the routes as register_rest_route() stored them (methods normalized). */
class WP_REST_Server
{
    /** @return array<string, list<array<string, mixed>>> route => handlers */
    public function get_routes(): array
    {
        $routes = [];
        foreach (WpStub::$routes as $route => $args) {
            $args['methods'] = [(string) $args['methods'] => true];
            $routes['/' . $route] = [$args];
        }
        return $routes;
    }
}

class WP_REST_Response
{
    /** @var mixed */
    public $data;
    public int $status;
    private ?string $matchedRoute = null;
    /** @var array<string, mixed>|null */
    private ?array $matchedHandler = null;

    public function set_matched_route(string $route): void
    {
        $this->matchedRoute = $route;
    }

    public function get_matched_route(): ?string
    {
        return $this->matchedRoute;
    }

    /** @param array<string, mixed> $handler */
    public function set_matched_handler(array $handler): void
    {
        $this->matchedHandler = $handler;
    }

    /** @return array<string, mixed>|null */
    public function get_matched_handler(): ?array
    {
        return $this->matchedHandler;
    }

    /** @param mixed $data */
    public function __construct($data = null, int $status = 200)
    {
        $this->data = $data;
        $this->status = $status;
    }

    public function get_status(): int
    {
        return $this->status;
    }

    /** @return mixed */
    public function get_data()
    {
        return $this->data;
    }
}

class WC_Order
{
    private int $id;
    /** the status as saved */
    private string $status;
    /** the status set but not saved yet (WC_Data's changes, get_changes()) */
    private ?string $newStatus = null;
    /** the note of the status change set_status() recorded, added by the next save() (WC_Order::status_transition()) */
    private ?string $transitionNote = null;
    /** WC_Order's date_paid: set by payment_complete(), or by set_status() moving to the status payment_complete() would give */
    private ?int $datePaid = null;
    /** what needs_processing() answers: false for an order of virtual, downloadable products only */
    public bool $needsProcessing = true;
    /** @var array<string, list<mixed>> the meta rows as the object holds them, saved or not (as WC_Data does) */
    private array $meta = [];
    /** @var array<string, list<mixed>> the meta rows as last saved: what wc_get_orders() finds */
    public array $savedMeta = [];
    /** @var list<string> */
    public array $notes = [];
    /** @var list<string> */
    public array $customerNotes = [];
    public int $paymentCompleteCalls = 0;
    public ?string $transactionId = null;
    public int $saves = 0;

    public function __construct(int $id, string $status = 'pending')
    {
        $this->id = $id;
        $this->status = $status;
    }

    public function get_id(): int
    {
        return $this->id;
    }

    /** WC_Data::generate_meta_cache_key(): the key WC_Data::read_meta_data() caches the meta rows under. */
    public static function generate_meta_cache_key($id, string $group): string
    {
        return $group . '-object_' . $id . '-object_meta_' . $id;
    }

    /** As WC_Abstract_Order::get_status(): the status set, saved or not. */
    public function get_status(): string
    {
        return $this->newStatus ?? $this->status;
    }

    /** As WC_Data::get_changes(): what was set but not saved yet (here only the status). */
    public function get_changes(): array
    {
        return $this->newStatus === null ? [] : ['status' => $this->newStatus];
    }

    /**
     * As WC_Order::set_status(): in the object only, until save(). A change of status is recorded
     * for save()'s status transition (its note added then), and, while the order has no paid
     * date, WC_Order::maybe_set_date_paid() runs: the status woocommerce_payment_complete_order_status
     * filters, and the paid date when the order moves to it. What a filter throws is not caught here.
     */
    public function set_status(string $status, string $note = ''): void
    {
        $from = $this->get_status();
        $this->newStatus = $status === $this->status ? null : $status;
        if ($status === $from) {
            return;
        }
        $this->transitionNote = $note;
        if ($this->datePaid === null
            && $status === apply_filters('woocommerce_payment_complete_order_status', $this->needs_processing() ? 'processing' : 'completed', $this->id, $this)) {
            $this->datePaid = time();
        }
    }

    public function needs_processing(): bool
    {
        return $this->needsProcessing;
    }

    /** As WC_Order::is_paid(): a status of wc_get_is_paid_statuses(), the one set (has_status()), saved or not. */
    public function is_paid(): bool
    {
        return in_array($this->get_status(), apply_filters('woocommerce_order_is_paid_statuses', ['processing', 'completed']), true);
    }

    public function get_transaction_id(): string
    {
        return (string) $this->transactionId;
    }

    /**
     * As WC_Order::payment_complete(): woocommerce_pre_payment_complete; then, only for an order
     * in a status of woocommerce_valid_order_statuses_for_payment_complete (on-hold, pending,
     * failed, cancelled), the transaction id when one is given, the status
     * woocommerce_payment_complete_order_status filters (processing, or completed for an order
     * that needs no processing), save() (where WooCommerce sends its e-mails and reduces stock),
     * and only then woocommerce_payment_complete; any other order stays as it is (only
     * woocommerce_payment_complete_order_status_<status>). Either way true; an Exception a hook
     * or filter throws is caught, logged and noted, and the answer is false, also when the order
     * was saved paid before. save() throws none (it catches its own): a save that failed leaves
     * the status set but not saved, and the answer true. $paymentCompleteCalls counts the calls.
     */
    public function payment_complete(string $transactionId = ''): bool
    {
        $this->paymentCompleteCalls++;
        try {
            do_action('woocommerce_pre_payment_complete', $this->id, $transactionId);
            if (in_array($this->get_status(), apply_filters('woocommerce_valid_order_statuses_for_payment_complete', ['on-hold', 'pending', 'failed', 'cancelled'], $this), true)) {
                if (!empty($transactionId)) {
                    $this->transactionId = $transactionId;
                }
                $this->datePaid ??= time();
                $this->set_status(apply_filters('woocommerce_payment_complete_order_status', $this->needs_processing() ? 'processing' : 'completed', $this->id, $this));
                $this->save();
                do_action('woocommerce_payment_complete', $this->id, $transactionId);
            } else {
                do_action('woocommerce_payment_complete_order_status_' . $this->get_status(), $this->id, $transactionId);
            }
        } catch (Exception $e) {
            wc_get_logger()->error(sprintf('Error completing payment for order #%d', $this->id), ['order' => $this, 'error' => $e]);
            $this->notes[] = 'Payment complete event failed. ' . $e->getMessage();
            return false;
        }
        return true;
    }

    /**
     * As WC_Order::update_status(): set_status() and save(); an Exception is caught, logged and
     * noted, and the answer is false. Only set_status() can throw one (a filter it runs): save()
     * catches its own, so a save that failed (a woocommerce_before_order_object_save hook) leaves
     * the status set but not saved, and the answer true.
     */
    public function update_status(string $status, string $note = ''): bool
    {
        try {
            $this->set_status($status, $note);
            $this->save();
        } catch (Exception $e) {
            wc_get_logger()->error(sprintf('Error updating status for order #%d', $this->id), ['order' => $this, 'error' => $e]);
            $this->notes[] = 'Update status event failed. ' . $e->getMessage();
            return false;
        }
        return true;
    }

    /** WooCommerce sends a customer note (is_customer_note 1) to the customer by e-mail; $customerNotes records those. */
    public function add_order_note(string $note, $isCustomerNote = 0, bool $addedByUser = false): int
    {
        $this->notes[] = $note;
        if ($isCustomerNote) {
            $this->customerNotes[] = $note;
        }
        return count($this->notes);
    }

    /** @return mixed the first value ('' when none), or with $single false every row as an object with ->key and ->value (WC_Meta_Data) */
    public function get_meta(string $key, bool $single = true)
    {
        $values = $this->meta[$key] ?? [];
        if ($single) {
            return $values[0] ?? '';
        }
        return array_map(static fn ($v) => (object) ['key' => $key, 'value' => $v], $values);
    }

    /** @param mixed $value */
    public function update_meta_data(string $key, $value): void
    {
        $this->meta[$key] = [$value];
    }

    /** @param mixed $value */
    public function add_meta_data(string $key, $value, bool $unique = false): void
    {
        if ($unique && isset($this->meta[$key])) {
            return;
        }
        $this->meta[$key][] = $value;
    }

    /** WooCommerce's order data store for this order (WC_Data::get_data_store()). */
    public function get_data_store(): WC_Data_Store
    {
        return WC_Data_Store::load('order');
    }

    /**
     * As WC_Order::save(): WC_Abstract_Order::save() runs woocommerce_before_order_object_save,
     * then writes the status and the meta (logged as save(ID)); an Exception thrown meanwhile is
     * caught, logged ("Error saving order ID ...") and noted (WC_Order::handle_exception()), and
     * nothing is written: the changes stay set, unsaved. Then, saved or not, the status
     * transition: the note of the status change (WooCommerce adds it to its "Order status
     * changed" note). Returns the order's id either way.
     */
    public function save(): int
    {
        try {
            do_action('woocommerce_before_order_object_save', $this);
            if ($this->newStatus !== null) {
                $this->status = $this->newStatus;
                $this->newStatus = null;
            }
            $this->savedMeta = $this->meta;
            $this->saves++;
            WpStub::$log[] = 'save(' . $this->id . ')';
        } catch (Exception $e) {
            $message = sprintf('Error saving order ID %d.', $this->id);
            wc_get_logger()->error($message, ['order' => $this, 'error' => $e]);
            $this->notes[] = $message . ' ' . $e->getMessage();
        }
        if ($this->transitionNote !== null) {
            if ($this->transitionNote !== '') {
                $this->notes[] = $this->transitionNote;
            }
            $this->transitionNote = null;
        }
        return $this->id;
    }
}
