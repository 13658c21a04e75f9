<?php
/**
 * Plugin Name: TEST STAND-IN for WooCommerce (everifin-webhook tests only, never shipped)
 * Description: WooCommerce cannot be installed from the package registries reachable by the test
 *              machines. This must-use plugin of tests/dist/wordpress.sh provides the few
 *              WooCommerce functions and WC_Order methods the Everifin plugin calls: wc_get_logger,
 *              wc_get_orders (as the posts storage runs it), wc_get_order, get_status, is_paid,
 *              get_transaction_id, payment_complete, update_status, add_order_note, get_meta,
 *              update_meta_data, add_meta_data, save, get_data_store()->read_meta. Orders are
 *              posts of type shop_order with post meta (WooCommerce's posts storage), read through
 *              WordPress's object cache and written as WooCommerce writes them (WC_Order::save(),
 *              which catches what is thrown while it saves). It records what the test checks:
 *              every payment_complete() that marked an order paid (stock and e-mails happen there
 *              in WooCommerce) and every status change.
 */

declare(strict_types=1);

if (!defined('ABSPATH')) {
    exit;
}

/**
 * WooCommerce's logger (WooCommerce > Status > Logs): each line is kept in an option row of its own
 * (_test_wc_log_*, not autoloaded), read by setup.php's "log" command.
 */
final class WC_Test_Logger
{
    public function __call(string $level, array $args): void
    {
        [$message, $context] = $args + ['', []];
        add_option('_test_wc_log_' . str_replace('.', '', uniqid('', true)), ['level' => $level, 'message' => (string) $message, 'context' => (array) $context], '', false);
    }
}

function wc_get_logger(): WC_Test_Logger
{
    return new WC_Test_Logger();
}

/**
 * wc_get_orders() as WooCommerce's posts storage runs it (WC_Order_Data_Store_CPT::query()): a
 * WP_Query of shop_order posts to which meta_key, meta_value and meta_compare pass unchanged,
 * while a meta_query argument is dropped (WC_Data_Store_WP::get_wp_query_args() skips it).
 * Supports the arguments the plugin gives: limit, return => ids, meta_key/meta_value/meta_compare.
 *
 * @param array<string, mixed> $args
 * @return list<int>
 */
function wc_get_orders(array $args): array
{
    $query = ['post_type' => 'shop_order', 'post_status' => 'any', 'posts_per_page' => (int) ($args['limit'] ?? 10), 'fields' => 'ids', 'no_found_rows' => true];
    foreach (['meta_key', 'meta_value', 'meta_compare'] as $key) {
        if (isset($args[$key])) {
            $query[$key] = $args[$key];
        }
    }
    return array_map('intval', get_posts($query));
}

/** WC_Order_Factory::get_order(): the order read through WordPress's object cache (get_post()). */
function wc_get_order($id)
{
    $post = get_post((int) $id);
    return $post instanceof WP_Post && $post->post_type === 'shop_order' ? new WC_Order($post) : false;
}

/**
 * The posts storage's order data store (WC_Order_Data_Store_CPT), for what the plugin asks of it:
 * read_meta() as WC_Data_Store_WP::read_meta() runs it, a query of the order's post meta rows,
 * oldest first (without WooCommerce's filter of its internal keys).
 */
final class WC_Test_Order_Data_Store
{
    /** @return list<object> meta_id, meta_key and meta_value (as stored) of each row */
    public function read_meta(&$order): array
    {
        global $wpdb;
        return (array) $wpdb->get_results($wpdb->prepare(
            "SELECT meta_id as meta_id, meta_key, meta_value FROM {$wpdb->postmeta} WHERE post_id = %d ORDER BY meta_id",
            $order->get_id()
        ));
    }
}

/**
 * The order object as WooCommerce's posts storage has it: its status is read once, with the post
 * (WC_Data keeps the props Abstract_WC_Order_Data_Store_CPT::read() set), and written by save(),
 * which does what WC_Abstract_Order::save(), the data store's update() and WC_Order::save() do in
 * that order: the action woocommerce_before_order_object_save, the post, the meta, clear_caches()
 * (clean_post_cache()), the action woocommerce_update_order; an Exception thrown meanwhile is
 * caught, logged and noted (WC_Order::handle_exception()), and what was not written yet stays set,
 * unsaved. Then, saved or not, the status transition recorded when the status was set
 * (WC_Order::status_transition(): woocommerce_order_status_changed, where WooCommerce sends its
 * e-mails).
 */
class WC_Order
{
    private int $id;
    private string $status;
    /** the status set but not saved yet (WC_Data's changes) */
    private ?string $newStatus = null;
    /** @var array{0: string, 1: string, 2: string}|null from, to and note of the status change set, for the next save() */
    private ?array $transition = null;
    /** @var array<string, mixed> meta set but not saved yet */
    private array $pendingMeta = [];
    /** @var array<string, list<mixed>> meta rows added but not saved yet */
    private array $addedMeta = [];

    public function __construct(WP_Post $post)
    {
        $this->id = (int) $post->ID;
        $this->status = preg_replace('/^wc-/', '', (string) $post->post_status);
    }

    public function get_id(): int
    {
        return $this->id;
    }

    public function get_status(): string
    {
        return $this->newStatus ?? $this->status;
    }

    /** As WC_Data::get_changes(): what was set but not saved yet (here only the status). */
    public function get_changes(): array
    {
        return $this->newStatus === null ? [] : ['status' => $this->newStatus];
    }

    public function get_transaction_id(): string
    {
        return (string) get_post_meta($this->id, '_transaction_id', true);
    }

    /** As WC_Order::is_paid(): a status of wc_get_is_paid_statuses(). */
    public function is_paid(): bool
    {
        return in_array($this->get_status(), apply_filters('woocommerce_order_is_paid_statuses', ['processing', 'completed']), true);
    }

    /**
     * As WC_Order::needs_processing(): false for an order of virtual, downloadable products only;
     * here an order created with the post meta _test_needs_processing "no".
     */
    public function needs_processing(): bool
    {
        return get_post_meta($this->id, '_test_needs_processing', true) !== 'no';
    }

    /**
     * As WC_Order::payment_complete(): woocommerce_pre_payment_complete; then, only for an order
     * in a status of woocommerce_valid_order_statuses_for_payment_complete (on-hold, pending,
     * failed, cancelled), the transaction id when one is given (an empty one leaves the order's),
     * the status woocommerce_payment_complete_order_status filters (processing, or completed for
     * an order that needs no processing), save(), and only then woocommerce_payment_complete; for
     * any other status (paid, a checkout draft, a trashed order, a custom one) only
     * woocommerce_payment_complete_order_status_<status>, and the order stays as it is. Either way
     * true; an Exception a hook throws is caught, logged and noted, and the answer is false, also
     * when the order was saved paid before (a woocommerce_payment_complete hook). save() throws
     * none (it catches its own): a save that failed leaves the status set, unsaved, and the
     * answer true.
     */
    public function payment_complete(string $transactionId = ''): bool
    {
        try {
            do_action('woocommerce_pre_payment_complete', $this->id, $transactionId);
            if (!in_array($this->get_status(), apply_filters('woocommerce_valid_order_statuses_for_payment_complete', ['on-hold', 'pending', 'failed', 'cancelled'], $this), true)) {
                do_action('woocommerce_payment_complete_order_status_' . $this->get_status(), $this->id, $transactionId);
                return true;
            }
            if (!empty($transactionId)) {
                update_post_meta($this->id, '_transaction_id', wp_slash($transactionId));
            }
            // One row per order marked paid: the test counts them (WooCommerce reduces stock and sends e-mails here).
            add_post_meta($this->id, '_test_payment_complete', wp_slash($transactionId));
            $this->set_status((string) apply_filters('woocommerce_payment_complete_order_status', $this->needs_processing() ? 'processing' : 'completed', $this->id, $this));
            $this->save();
            do_action('woocommerce_payment_complete', $this->id, $transactionId);
        } catch (Exception $e) {
            wc_get_logger()->error(sprintf('Error completing payment for order #%d', $this->id), ['order' => $this->id, 'error' => $e->getMessage()]);
            $this->add_order_note('Payment complete event failed. ' . $e->getMessage());
            return false;
        }
        return true;
    }

    /**
     * As WC_Order::update_status(): set_status() and save(); an Exception is caught, logged and
     * noted, and the answer is false. save() throws none (it catches its own): a save that failed
     * leaves the status set, unsaved, and the answer true.
     */
    public function update_status(string $newStatus, string $note = ''): bool
    {
        try {
            $this->set_status($newStatus, $note);
            $this->save();
        } catch (Exception $e) {
            wc_get_logger()->error(sprintf('Error updating status for order #%d', $this->id), ['order' => $this->id, 'error' => $e->getMessage()]);
            $this->add_order_note('Update status event failed. ' . $e->getMessage());
            return false;
        }
        return true;
    }

    /** As WC_Order::set_status(): in the object until save(); a change is recorded for save()'s status transition, with its note. */
    public function set_status(string $newStatus, string $note = ''): void
    {
        $newStatus = (string) preg_replace('/^wc-/', '', $newStatus);
        $from = $this->get_status();
        $this->newStatus = $newStatus === $this->status ? null : $newStatus;
        if ($newStatus !== $from) {
            $this->transition = [$this->transition[0] ?? $from, $newStatus, $note];
        }
    }

    /** WC_Data::get_data_store(): the posts storage's order data store. */
    public function get_data_store(): WC_Test_Order_Data_Store
    {
        return new WC_Test_Order_Data_Store();
    }

    public function add_order_note(string $note): int
    {
        return (int) add_post_meta($this->id, '_test_order_note', wp_slash($note));
    }

    /** @return mixed with $single false, every row of $key as an object with ->key and ->value (WC_Meta_Data) */
    public function get_meta(string $key = '', bool $single = true)
    {
        if ($single) {
            if (array_key_exists($key, $this->pendingMeta)) {
                return $this->pendingMeta[$key];
            }
            return get_post_meta($this->id, $key, true);
        }
        $values = array_key_exists($key, $this->pendingMeta) ? [$this->pendingMeta[$key]] : get_post_meta($this->id, $key, false);
        return array_map(static fn ($v) => (object) ['key' => $key, 'value' => $v], array_merge($values, $this->addedMeta[$key] ?? []));
    }

    /** @param mixed $value */
    public function add_meta_data(string $key, $value, bool $unique = false): void
    {
        $this->addedMeta[$key][] = $value;
    }

    /** @param mixed $value */
    public function update_meta_data(string $key, $value): void
    {
        $this->pendingMeta[$key] = $value;
    }

    public function save(): int
    {
        try {
            // WC_Abstract_Order::save() runs this action before the data store writes anything.
            do_action('woocommerce_before_order_object_save', $this);
            if ($this->newStatus !== null) {
                wp_update_post(['ID' => $this->id, 'post_status' => 'wc-' . $this->newStatus]);
                $this->status = $this->newStatus;
                $this->newStatus = null;
            }
            foreach ($this->pendingMeta as $key => $value) {
                update_post_meta($this->id, $key, wp_slash($value));
            }
            $this->pendingMeta = [];
            foreach ($this->addedMeta as $key => $values) {
                foreach ($values as $value) {
                    add_post_meta($this->id, $key, wp_slash($value));
                }
            }
            $this->addedMeta = [];
            clean_post_cache($this->id);
            do_action('woocommerce_update_order', $this->id, $this);
        } catch (Exception $e) {
            // WC_Abstract_Order::save() and WC_Order::handle_exception().
            $message = sprintf('Error saving order ID %d.', $this->id);
            wc_get_logger()->error($message, ['order' => $this->id, 'error' => $e->getMessage()]);
            $this->add_order_note($message . ' ' . $e->getMessage());
        }
        $transition = $this->transition;
        $this->transition = null;
        if ($transition !== null) {
            add_post_meta($this->id, '_test_status_change', $transition[0] . '>' . $transition[1]);
            if ($transition[2] !== '') {
                $this->add_order_note($transition[2]);
            }
            // WC_Order::status_transition() catches what its hooks throw and leaves a note.
            try {
                do_action('woocommerce_order_status_changed', $this->id, $transition[0], $transition[1], $this);
            } catch (Exception $e) {
                $this->add_order_note('Error during status transition. ' . $e->getMessage());
            }
        }
        return $this->id;
    }
}
