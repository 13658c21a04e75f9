<?php
/**
 * Plugin Name: TEST STAND-IN for WooCommerce (everifin-webhook tests only, never shipped)
 * Description: WooCommerce cannot be installed from the package registries reachable by the test
 *              machines. This must-use plugin of tests/dist/wordpress.sh provides the few
 *              WooCommerce functions and WC_Order methods the Everifin plugin calls: wc_get_logger,
 *              wc_get_orders (as the posts storage runs it), wc_get_order, get_status, is_paid,
 *              get_transaction_id, payment_complete, update_status, add_order_note, get_meta,
 *              update_meta_data, add_meta_data, save. Orders are posts of type shop_order with
 *              post meta (WooCommerce's posts storage). It records what the test checks: every
 *              payment_complete() that marked an order paid (stock and e-mails happen there in
 *              WooCommerce) and every status change.
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

function wc_get_order($id)
{
    $post = get_post((int) $id);
    return $post instanceof WP_Post && $post->post_type === 'shop_order' ? new WC_Order((int) $post->ID) : false;
}

class WC_Order
{
    private int $id;
    /** @var array<string, mixed> meta set but not saved yet */
    private array $pendingMeta = [];
    /** @var array<string, list<mixed>> meta rows added but not saved yet */
    private array $addedMeta = [];

    public function __construct(int $id)
    {
        $this->id = $id;
    }

    public function get_id(): int
    {
        return $this->id;
    }

    public function get_status(): string
    {
        return preg_replace('/^wc-/', '', (string) get_post_status($this->id));
    }

    public function get_transaction_id(): string
    {
        return (string) get_post_meta($this->id, '_transaction_id', true);
    }

    public function is_paid(): bool
    {
        return in_array($this->get_status(), ['processing', 'completed'], true);
    }

    public function payment_complete(string $transactionId = ''): bool
    {
        if ($this->is_paid()) {
            return false;
        }
        update_post_meta($this->id, '_transaction_id', wp_slash($transactionId));
        // One row per call: the test counts them (WooCommerce reduces stock and sends e-mails here).
        add_post_meta($this->id, '_test_payment_complete', wp_slash($transactionId));
        $this->setStatus('processing');
        return true;
    }

    public function update_status(string $newStatus, string $note = ''): bool
    {
        $newStatus = preg_replace('/^wc-/', '', $newStatus);
        if ($note !== '') {
            $this->add_order_note($note);
        }
        $this->setStatus($newStatus);
        return true;
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
        foreach ($this->pendingMeta as $key => $value) {
            update_post_meta($this->id, $key, wp_slash($value));
        }
        foreach ($this->addedMeta as $key => $values) {
            foreach ($values as $value) {
                add_post_meta($this->id, $key, wp_slash($value));
            }
        }
        $this->pendingMeta = [];
        $this->addedMeta = [];
        return $this->id;
    }

    private function setStatus(string $status): void
    {
        $old = $this->get_status();
        if ($old === $status) {
            return;
        }
        wp_update_post(['ID' => $this->id, 'post_status' => 'wc-' . $status]);
        add_post_meta($this->id, '_test_status_change', $old . '>' . $status);
    }
}
