<?php
/**
 * Test stubs of the few WordPress / WooCommerce functions and classes the WooCommerce example
 * calls. Not WordPress: just enough recorded behaviour to test the example's request handling.
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
    /** @var array<int, WC_Order> */
    public static array $orders = [];

    public static function reset(): void
    {
        self::$options = [];
        self::$orders = [];
    }
}

function add_action(string $hook, callable $callback): void
{
    WpStub::$actions[$hook][] = $callback;
}

function do_action(string $hook): void
{
    foreach (WpStub::$actions[$hook] ?? [] as $cb) {
        $cb();
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

function wc_get_order($id)
{
    return WpStub::$orders[(int) $id] ?? false;
}

class WP_REST_Request
{
    private string $body;
    /** @var array<string, string> */
    private array $headers = [];

    /** @param array<string, string> $headers */
    public function __construct(string $body, array $headers)
    {
        $this->body = $body;
        foreach ($headers as $k => $v) {
            // WordPress canonicalizes header names: lower case, '-' as '_'.
            $this->headers[strtolower(str_replace('-', '_', $k))] = $v;
        }
    }

    public function get_body(): string
    {
        return $this->body;
    }

    public function get_header(string $key): ?string
    {
        return $this->headers[strtolower(str_replace('-', '_', $key))] ?? null;
    }
}

class WP_REST_Response
{
    /** @var mixed */
    public $data;
    public int $status;

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
    private string $status;
    /** @var array<string, mixed> */
    private array $meta = [];
    /** @var array<string, mixed> */
    private array $pendingMeta = [];
    /** @var list<string> */
    public array $notes = [];
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

    public function get_status(): string
    {
        return $this->status;
    }

    public function is_paid(): bool
    {
        return in_array($this->status, ['processing', 'completed'], true);
    }

    public function payment_complete(string $transactionId = ''): bool
    {
        $this->paymentCompleteCalls++;
        $this->transactionId = $transactionId;
        $this->status = 'processing';
        return true;
    }

    public function update_status(string $status, string $note = ''): bool
    {
        $this->status = $status;
        $this->notes[] = $note;
        return true;
    }

    public function add_order_note(string $note): int
    {
        $this->notes[] = $note;
        return count($this->notes);
    }

    /** @return mixed */
    public function get_meta(string $key, bool $single = true)
    {
        return $this->meta[$key] ?? '';
    }

    /** @param mixed $value */
    public function update_meta_data(string $key, $value): void
    {
        $this->pendingMeta[$key] = $value;
    }

    public function save(): int
    {
        $this->meta = $this->pendingMeta + $this->meta;
        $this->pendingMeta = [];
        $this->saves++;
        return $this->id;
    }
}
