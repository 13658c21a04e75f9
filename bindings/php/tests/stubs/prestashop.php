<?php
/**
 * Test stubs of the few PrestaShop classes and functions the module
 * plugins/prestashop/everifinwebhook calls (Module, ModuleFrontController, Configuration, Db,
 * Order, OrderHistory, PrestaShopLogger, Validate, pSQL). Not PrestaShop: just enough recorded
 * behaviour to test the module's request handling, its order lock and what it logs.
 */

declare(strict_types=1);

if (!defined('_PS_VERSION_')) {
    define('_PS_VERSION_', '8.1.0');
    define('_DB_PREFIX_', 'ps_');
    define('_MYSQL_ENGINE_', 'InnoDB');
}

final class PsStub
{
    /** @var array<string, mixed> */
    public static array $config = [];
    /** @var array<int, array{state: int}> */
    public static array $orders = [];
    /** @var array<int, string> id_order => state JSON (the module's table) */
    public static array $stateTable = [];
    /** @var list<array{0: int, 1: int}> [id_order, id_order_state] */
    public static array $history = [];
    /** @var list<string> the SQL sent, in order */
    public static array $log = [];
    /** @var list<array{0: string, 1: int, 2: ?string, 3: ?int}> PrestaShopLogger::addLog: [message, severity, object type, object id] */
    public static array $logs = [];
    /** @var string|null Db::execute throws for SQL starting with this (a database failure) */
    public static ?string $failOn = null;
    /** States with PrestaShop's "paid" flag in a fresh install: payment accepted, processing in progress, shipped, delivered, refunded, remote payment accepted. */
    public const PAID_STATES = [2, 3, 4, 5, 7, 11];

    public static function reset(): void
    {
        self::$config = [];
        self::$orders = [];
        self::$stateTable = [];
        self::$history = [];
        self::$log = [];
        self::$logs = [];
        self::$failOn = null;
    }
}

class Module
{
    public $name;
    public $tab;
    public $version;
    public $author;
    public $need_instance;
    public $ps_versions_compliancy;
    public $bootstrap;
    public $displayName;
    public $description;
    public $context;
    public $warning;
    /** @var list<string> */
    protected $_errors = [];

    public function __construct()
    {
        $this->context = (object) ['link' => new Link()];
    }

    public function displayError($m): string
    {
        return '<div class="alert alert-danger">' . $m . '</div>';
    }

    public function displayConfirmation($m): string
    {
        return '<div class="alert alert-success">' . $m . '</div>';
    }

    public function displayInformation($m): string
    {
        return '<div class="alert alert-info">' . $m . '</div>';
    }

    public function displayWarning($m): string
    {
        return '<div class="alert alert-warning">' . $m . '</div>';
    }

    public function install(): bool
    {
        return true;
    }
}

class ModuleFrontController
{
    public $ajax = false;
    public $ssl = false;

    public function __construct()
    {
    }
}

class Link
{
    public function getModuleLink(string $module, string $controller, array $params = [], ?bool $ssl = null): string
    {
        return 'https://shop.example/module/' . $module . '/' . $controller;
    }
}

class Tools
{
    public static function isSubmit(string $key): bool
    {
        return isset($_POST[$key]) || isset($_GET[$key]);
    }

    /** @return mixed */
    public static function getValue(string $key, $default = false)
    {
        return $_POST[$key] ?? $_GET[$key] ?? $default;
    }
}

class Configuration
{
    public static function updateValue(string $key, $value): bool
    {
        PsStub::$config[$key] = $value;
        return true;
    }

    public static function deleteByName(string $key): bool
    {
        unset(PsStub::$config[$key]);
        return true;
    }

    /** @return mixed */
    public static function get(string $key)
    {
        return PsStub::$config[$key] ?? false;
    }
}

function pSQL(string $s): string
{
    return addslashes($s);
}

class Db
{
    private static ?Db $instance = null;

    public static function getInstance(): Db
    {
        return self::$instance ??= new Db();
    }

    /** @return string|false */
    public function getValue(string $sql, bool $useCache = true)
    {
        PsStub::$log[] = $sql;
        // Like PrestaShop's Db::getValue: LIMIT 1 is appended unless the query has a LIMIT.
        if (!preg_match('/\sLIMIT\s/i', $sql)) {
            $sql .= ' LIMIT 1';
        }
        if (preg_match('/^SELECT `id_order` FROM `ps_orders` WHERE `id_order` = (\d+) LIMIT 1 FOR UPDATE$/', $sql, $m)) {
            if ($useCache) {
                throw new RuntimeException('a locking read must not be served from the query cache');
            }
            return isset(PsStub::$orders[(int) $m[1]]) ? $m[1] : false;
        }
        if (preg_match('/FROM `ps_everifin_webhook_state` WHERE `id_order` = (\d+) LIMIT 1$/', $sql, $m)) {
            return PsStub::$stateTable[(int) $m[1]] ?? false;
        }
        throw new RuntimeException("unexpected query: $sql");
    }

    public function execute(string $sql): bool
    {
        PsStub::$log[] = $sql;
        if (PsStub::$failOn !== null && str_starts_with($sql, PsStub::$failOn)) {
            throw new RuntimeException('MySQL server has gone away');
        }
        if (in_array($sql, ['START TRANSACTION', 'COMMIT', 'ROLLBACK'], true)) {
            return true;
        }
        if (preg_match("/^REPLACE INTO `ps_everifin_webhook_state` \\(`id_order`, `state`\\) VALUES \\((\\d+), '(.*)'\\)$/s", $sql, $m)) {
            PsStub::$stateTable[(int) $m[1]] = stripslashes($m[2]);
            return true;
        }
        if (str_starts_with($sql, 'CREATE TABLE IF NOT EXISTS `ps_everifin_webhook_state`')) {
            return true;
        }
        throw new RuntimeException("unexpected query: $sql");
    }
}

class Order
{
    public $id;

    public function __construct(int $id)
    {
        PsStub::$log[] = 'new Order(' . $id . ')';
        $this->id = isset(PsStub::$orders[$id]) ? $id : null;
    }

    public function getCurrentState(): int
    {
        return PsStub::$orders[(int) $this->id]['state'];
    }

    /** Like PrestaShop's: whether the order's history has a state with the paid flag (the current one included). */
    public function hasBeenPaid(): int
    {
        $states = [PsStub::$orders[(int) $this->id]['state']];
        foreach (PsStub::$history as [$idOrder, $idState]) {
            if ($idOrder === (int) $this->id) {
                $states[] = $idState;
            }
        }
        return count(array_intersect($states, PsStub::PAID_STATES));
    }
}

class Validate
{
    public static function isLoadedObject($o): bool
    {
        return is_object($o) && !empty($o->id);
    }
}

class OrderHistory
{
    public $id_order;
    private ?int $newState = null;

    public function changeIdOrderState(int $idState, $order, bool $useExistingPayment = false): void
    {
        $this->newState = $idState;
        PsStub::$orders[(int) $order->id]['state'] = $idState;
    }

    public function addWithemail(bool $autodate = true): bool
    {
        PsStub::$history[] = [(int) $this->id_order, (int) $this->newState];
        return true;
    }
}

class PrestaShopLogger
{
    public static function addLog($message, $severity = 1, $errorCode = null, $objectType = null, $objectId = null, $allowDuplicate = false, $idEmployee = null): bool
    {
        if (preg_match('/[<>{}]/', (string) $message)) {
            throw new RuntimeException('PrestaShop refuses <, >, { and } in a log message');
        }
        PsStub::$logs[] = [(string) $message, (int) $severity, $objectType, $objectId === null ? null : (int) $objectId];
        return true;
    }
}
