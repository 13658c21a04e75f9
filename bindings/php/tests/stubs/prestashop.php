<?php
/**
 * Test stubs of the few PrestaShop classes and functions the module
 * plugins/prestashop/everifinwebhook calls (Module, ModuleFrontController, Configuration, Shop,
 * Tools, Db, Order, OrderHistory, Customer, CustomerThread, CustomerMessage, PrestaShopLogger,
 * Validate, pSQL), and PrestaShop's order_payment, configuration and shop tables. Not PrestaShop:
 * just enough recorded behaviour to test the module's request handling, its order lock, its notes
 * and what it logs; where PrestaShop's behaviour matters to the module it is PrestaShop's own, as
 * its source has it: Db's query rewriting, pSQL(), what Configuration stores, caches and reads in
 * which shop context (multistore) and Tools::getValue() returns, the module object
 * ModuleFrontController makes, the pages FrontController::init() ends a request with, which
 * states e-mail the customer and have the paid flag, the payment a paid state adds, a rollback
 * (PsStub::transaction()), the shop a thread is looked up in.
 */

declare(strict_types=1);

if (!defined('_PS_VERSION_')) {
    define('_PS_VERSION_', '8.1.0');
    define('_DB_PREFIX_', 'ps_');
    define('_MYSQL_ENGINE_', 'InnoDB');
}

final class PsStub
{
    /**
     * @var array<string, mixed> the configuration table's global rows (id_shop_group and id_shop
     * NULL), name => value as the database holds it
     */
    public static array $config = [];
    /** @var array<int, array<string, mixed>> its rows of a shop group (id_shop NULL): id_shop_group => name => value */
    public static array $configGroup = [];
    /** @var array<int, array<string, mixed>> its rows of a shop (id_shop_group: the shop's group): id_shop => name => value */
    public static array $configShop = [];
    /**
     * @var array{global: array<string, mixed>, group: array<int, array<string, mixed>>, shop: array<int, array<string, mixed>>}
     * Configuration's cache of this request (its $_new_cache_global/group/shop): the table as
     * loaded by the first read, and the values updateValue() was given, as given
     */
    public static array $configCache = ['global' => [], 'group' => [], 'shop' => []];
    /** Whether the cache holds the table (Configuration::$_initialized): newRequest() and Configuration::deleteByName() clear it. */
    public static bool $configLoaded = false;
    /** @var array<int, int> the shop table: id_shop => id_shop_group (multistore is on with PS_MULTISHOP_FEATURE_ACTIVE and two shops or more) */
    public static array $shops = [1 => 1];
    /**
     * The shop context (Shop::setContext()): Shop::CONTEXT_SHOP, CONTEXT_GROUP or CONTEXT_ALL,
     * with its shop and group ids (null where the context has none)
     *
     * @var array{0: int, 1: ?int, 2: ?int}
     */
    public static array $shopContext = [1, 1, 1];
    /** @var array<int, array{state: int, customer?: int, reference?: string, shop?: int, total?: float}> (reference: default reference(id); shop: default 1; total: default 10.0, total_paid_tax_incl) */
    public static array $orders = [];
    /**
     * PrestaShop's order_payment table (OrderPayment): the payments of an order, keyed by the
     * order's reference (the orders of one cart share it), each with the transaction_id its
     * payment module gave (validateOrder()'s extra_vars) or '' (the row PrestaShop adds itself
     * when an order without payments moves to a paid state).
     *
     * @var list<array{id_order_payment: int, order_reference: string, transaction_id: string, amount: float}>
     */
    public static array $payments = [];
    /** @var array<int, string> id_order => state JSON (the module's table) */
    public static array $stateTable = [];
    /** @var array<string, int> "ref_type ref_id" => id_order (the module's table of Everifin ids) */
    public static array $refs = [];
    /** @var array<string, array{time: int, record: string}> kind => row (the module's table of traces) */
    public static array $traces = [];
    /** @var list<string> the module's tables created (CREATE TABLE IF NOT EXISTS) */
    public static array $tables = [];
    /** @var list<array{0: int, 1: int}> [id_order, id_order_state] */
    public static array $history = [];
    /** @var list<array{0: int, 1: string}> e-mails to customers (Mail::Send): [id_order, template] */
    public static array $mails = [];
    /** @var list<string> the SQL sent, in order */
    public static array $log = [];
    /** @var list<array{0: string, 1: int, 2: ?string, 3: ?int}> PrestaShopLogger::addLog: [message, severity, object type, object id] */
    public static array $logs = [];
    /** @var array<int, array{id_customer: int, id_order: int, email: string, status: string, id_shop?: int}> id_customer_thread => thread (id_shop: default 1) */
    public static array $threads = [];
    /** @var list<array{id_customer_thread: int, id_employee: int, message: string, private: int}> */
    public static array $messages = [];
    /** @var array<int, string> id_customer => e-mail; an order's customer absent here does not exist */
    public static array $customers = [1 => 'customer@shop.example'];
    /** @var string|null Db::query throws for SQL starting with this (a database failure) */
    public static ?string $failOn = null;
    /** The module of the request's URL (fc=module&module=...) when $_GET has none. */
    public static string $requestModule = 'everifinwebhook';
    /** The shop of the request's URL (Context::getContext()->shop->id); with multistore, not always the order's. */
    public static int $contextShop = 1;
    /** With PS_GEOLOCATION_ENABLED: whether the visitor's address is in a country the shop allows. */
    public static bool $visitorCountryAllowed = true;
    /**
     * States with PrestaShop's "paid" flag in a fresh install (install-dev/data/xml/order_state.xml):
     * payment accepted, processing in progress, shipped, delivered, on backorder (paid), remote
     * payment accepted. Not Refunded (7): an order refunded after it was paid has been paid
     * through the paid state in its history.
     */
    public const PAID_STATES = [2, 3, 4, 5, 9, 11];
    /**
     * The e-mail template of each state with "send_email" in a fresh install
     * (install-dev/data/xml/order_state.xml, langs/en/data/order_state.xml): OrderHistory's
     * sendEmail() sends it to the customer. 5 (Delivered) and 13 (Awaiting cash on delivery) send none.
     */
    public const MAIL_TEMPLATES = [1 => 'cheque', 2 => 'payment', 3 => 'preparation', 4 => 'shipped', 6 => 'order_canceled', 7 => 'refund',
        8 => 'payment_error', 9 => 'outofstock', 10 => 'bankwire', 11 => 'payment', 12 => 'outofstock'];

    public static function reset(): void
    {
        self::$config = [];
        self::$configGroup = [];
        self::$configShop = [];
        self::newRequest();
        self::$shops = [1 => 1];
        self::$shopContext = [1, 1, 1];
        self::$orders = [];
        self::$payments = [];
        self::$stateTable = [];
        self::$refs = [];
        self::$traces = [];
        self::$tables = [];
        self::$history = [];
        self::$mails = [];
        self::$log = [];
        self::$logs = [];
        self::$threads = [];
        self::$messages = [];
        self::$customers = [1 => 'customer@shop.example'];
        self::$failOn = null;
        self::$visitorCountryAllowed = true;
        self::$snapshot = null;
        self::$contextShop = 1;
    }

    /** @var array<string, mixed>|null the in-memory tables at START TRANSACTION, until COMMIT or ROLLBACK */
    private static ?array $snapshot = null;
    /** The in-memory tables a transaction covers: PrestaShop's (orders, history, payments, threads, messages, log) and the module's. */
    private const TRANSACTIONAL = ['orders', 'history', 'payments', 'stateTable', 'refs', 'traces', 'threads', 'messages', 'logs'];

    /** START TRANSACTION, COMMIT, ROLLBACK of the in-memory tables (Db::query() sends them to MariaDB too): an e-mail sent is not rolled back. */
    public static function transaction(string $sql): void
    {
        if ($sql === 'START TRANSACTION') {
            self::$snapshot = [];
            foreach (self::TRANSACTIONAL as $table) {
                self::$snapshot[$table] = self::$$table;
            }
        } elseif ($sql === 'ROLLBACK' && self::$snapshot !== null) {
            foreach (self::$snapshot as $table => $rows) {
                self::$$table = $rows;
            }
            self::$snapshot = null;
        } elseif ($sql === 'COMMIT') {
            self::$snapshot = null;
        }
    }

    /** What the next request sees: the configuration as the database holds it, no cache of this one. */
    public static function newRequest(): void
    {
        self::$configCache = ['global' => [], 'group' => [], 'shop' => []];
        self::$configLoaded = false;
    }

    /** An order's reference as PrestaShop makes them (9 capital letters), unless the test set one. */
    public static function reference(int $idOrder): string
    {
        return self::$orders[$idOrder]['reference'] ?? substr('ORDER' . strtr(sprintf('%04d', $idOrder), '0123456789', 'ABCDEFGHIJ'), 0, 9);
    }

    /**
     * A payment recorded for order $idOrder (OrderPayment, what a payment module's validateOrder()
     * adds), of $amount (default: the order's whole total).
     */
    public static function addPayment(int $idOrder, string $transactionId, ?float $amount = null): void
    {
        self::$payments[] = ['id_order_payment' => count(self::$payments) + 1, 'order_reference' => self::reference($idOrder), 'transaction_id' => $transactionId,
            'amount' => $amount ?? self::total($idOrder)];
    }

    /** The order's total (total_paid_tax_incl), 10.0 unless the test set one. */
    public static function total(int $idOrder): float
    {
        return (float) (self::$orders[$idOrder]['total'] ?? 10.0);
    }

    /** What the order's invoice has left to pay (OrderInvoice::getRestPaid()): its total less the payments recorded. */
    public static function restPaid(int $idOrder): float
    {
        $paid = 0.0;
        foreach (self::$payments as $p) {
            $paid += $p['order_reference'] === self::reference($idOrder) ? $p['amount'] : 0.0;
        }
        return round(self::total($idOrder) - $paid, 6);
    }

    /**
     * The in-memory backend of Db::query(): the module's statements, exactly as it writes them,
     * after PrestaShop's rewriting; anything else is the syntax error MySQL answers.
     *
     * @return PsResult
     */
    public static function run(string $sql): PsResult
    {
        $str = "'((?:[^'\\\\]|\\\\.)*)'";   // a quoted SQL string as pSQL() escapes it
        if (in_array($sql, ['START TRANSACTION', 'COMMIT', 'ROLLBACK'], true)) {
            return new PsResult();
        }
        if (preg_match('/^CREATE TABLE IF NOT EXISTS `ps_(everifin_webhook_\w+)` \(/', $sql, $m)) {
            self::$tables[] = $m[1];
            return new PsResult();
        }
        if (preg_match('/^SELECT `id_order` FROM `ps_orders` WHERE `id_order` = (\d+) FOR UPDATE$/', $sql, $m)) {
            return new PsResult(isset(self::$orders[(int) $m[1]]) ? [['id_order' => $m[1]]] : []);
        }
        if (preg_match('/^SELECT `state` FROM `ps_everifin_webhook_state` WHERE `id_order` = (\d+) LIMIT 1$/', $sql, $m)) {
            return new PsResult(isset(self::$stateTable[(int) $m[1]]) ? [['state' => self::$stateTable[(int) $m[1]]]] : []);
        }
        if (preg_match("/^REPLACE INTO `ps_everifin_webhook_state` \\(`id_order`, `state`\\) VALUES \\((\\d+), $str\\)$/s", $sql, $m)) {
            self::$stateTable[(int) $m[1]] = self::unquote($m[2]);
            return new PsResult([], 1);
        }
        if (preg_match("/^INSERT IGNORE INTO `ps_everifin_webhook_ref` \\(`ref_type`, `ref_id`, `id_order`\\) VALUES ((?:\\($str, $str, \\d+\\)(?:, )?)+)$/", $sql, $m)) {
            preg_match_all("/\\($str, $str, (\\d+)\\)/", $m[1], $rows, PREG_SET_ORDER);
            $n = 0;
            foreach ($rows as [, $type, $id, $order]) {
                $key = self::unquote($type) . ' ' . self::unquote($id);
                if (!isset(self::$refs[$key])) {
                    self::$refs[$key] = (int) $order;
                    $n++;
                }
            }
            return new PsResult([], $n);
        }
        if (preg_match("/^SELECT `id_order` FROM `ps_everifin_webhook_ref` WHERE `ref_type` = $str AND `ref_id` = $str LIMIT 1$/", $sql, $m)) {
            $key = self::unquote($m[1]) . ' ' . self::unquote($m[2]);
            return new PsResult(isset(self::$refs[$key]) ? [['id_order' => (string) self::$refs[$key]]] : []);
        }
        if (preg_match("/^SELECT `transaction_id` FROM `ps_order_payment` WHERE `order_reference` = $str ORDER BY `id_order_payment`$/", $sql, $m)) {
            $rows = [];
            foreach (self::$payments as $p) {
                if ($p['order_reference'] === self::unquote($m[1])) {
                    $rows[] = ['transaction_id' => $p['transaction_id']];
                }
            }
            return new PsResult($rows);
        }
        if (preg_match("/^SELECT `ref_id` FROM `ps_everifin_webhook_ref` WHERE `ref_type` = 'paid' AND `id_order` = (\\d+) LIMIT 1$/", $sql, $m)) {
            foreach (self::$refs as $key => $idOrder) {
                if ($idOrder === (int) $m[1] && str_starts_with($key, 'paid ')) {
                    return new PsResult([['ref_id' => substr($key, 5)]]);
                }
            }
            return new PsResult([]);
        }
        if (preg_match("/^SELECT `time` FROM `ps_everifin_webhook_trace` WHERE `kind` = $str LIMIT 1$/", $sql, $m)) {
            $t = self::$traces[self::unquote($m[1])] ?? null;
            return new PsResult($t === null ? [] : [['time' => (string) $t['time']]]);
        }
        // The rate-limited trace: insert, or replace a row older than the interval (or from the future).
        if (preg_match("/^INSERT INTO `ps_everifin_webhook_trace` \\(`kind`, `time`, `record`\\) VALUES \\($str, (\\d+), $str\\) ON DUPLICATE KEY UPDATE `record` = IF\\(`time` > (\\d+) OR `time` <= (\\d+), $str, `record`\\), `time` = IF\\(`time` > (\\d+) OR `time` <= (\\d+), (\\d+), `time`\\)$/", $sql, $m)) {
            [, $kind, $now, $record, $after, $before, $record2, $after2, $before2, $now2] = $m;
            if ([$record, $after, $before] !== [$record2, $after2, $before2] || $now2 !== $now) {
                throw new RuntimeException("the trace's two IF() differ: $sql");
            }
            $kind = self::unquote($kind);
            $old = self::$traces[$kind] ?? null;
            if ($old === null) {
                self::$traces[$kind] = ['time' => (int) $now, 'record' => self::unquote($record)];
                return new PsResult([], 1);
            }
            if ($old['time'] > (int) $after || $old['time'] <= (int) $before) {
                self::$traces[$kind] = ['time' => (int) $now, 'record' => self::unquote($record)];
                return new PsResult([], 2);
            }
            return new PsResult([], 0);
        }
        if (preg_match("/^SELECT `id_customer_thread` FROM `ps_customer_thread` WHERE `email` = $str AND `id_shop` = (\\d+) AND `id_order` = (\\d+) LIMIT 1$/", $sql, $m)) {
            foreach (self::$threads as $id => $t) {
                if ($t['email'] === self::unquote($m[1]) && ($t['id_shop'] ?? 1) === (int) $m[2] && $t['id_order'] === (int) $m[3]) {
                    return new PsResult([['id_customer_thread' => (string) $id]]);
                }
            }
            return new PsResult([]);
        }
        // The configuration rows of some keys, with the group of each row's shop (LEFT JOIN: NULL for no such shop).
        if (preg_match("/^SELECT c\\.`name`, c\\.`id_shop_group`, c\\.`id_shop`, c\\.`value`, s\\.`id_shop_group` AS `group_of_shop` FROM `ps_configuration` c LEFT JOIN `ps_shop` s ON s\\.`id_shop` = c\\.`id_shop` WHERE c\\.`name` IN \\(((?:$str(?:, )?)+)\\)$/", $sql, $m)) {
            preg_match_all("/$str/", $m[1], $names);
            $names = array_map([self::class, 'unquote'], $names[1]);
            $rows = [];
            foreach (self::configurationRows() as [$group, $shop, $name, $value]) {
                if (in_array($name, $names, true)) {
                    $rows[] = ['name' => $name, 'id_shop_group' => $group, 'id_shop' => $shop, 'value' => $value,
                        'group_of_shop' => $shop === null || !isset(self::$shops[(int) $shop]) ? null : (string) self::$shops[(int) $shop]];
                }
            }
            return new PsResult($rows);
        }
        // A key's row of one shop, group or the global one renamed and given a value, as
        // Configuration::sqlRestriction() tells the levels apart.
        if (preg_match("/^UPDATE `ps_configuration` SET `name` = $str, `value` = $str, `date_upd` = NOW\\(\\) WHERE `name` = $str AND (?:`id_shop` = (\\d+)|`id_shop_group` = (\\d+) AND \\(`id_shop` IS NULL OR `id_shop` = 0\\)|(\\(`id_shop_group` IS NULL OR `id_shop_group` = 0\\) AND \\(`id_shop` IS NULL OR `id_shop` = 0\\)))$/", $sql, $m)) {
            [$to, $value, $from] = [self::unquote($m[1]), self::unquote($m[2]), self::unquote($m[3])];
            if (($m[4] ?? '') !== '') {
                $table = &self::$configShop[(int) $m[4]];
            } elseif (($m[5] ?? '') !== '') {
                $table = &self::$configGroup[(int) $m[5]];
            } else {
                $table = &self::$config;
            }
            $table ??= [];
            if (!array_key_exists($from, $table)) {
                return new PsResult([], 0);
            }
            if ($to !== $from && array_key_exists($to, $table)) {
                throw new RuntimeException("two rows of $to for one shop context: Configuration reads only one of them ($sql)");
            }
            unset($table[$from]);
            $table[$to] = $value;
            return new PsResult([], 1);
        }
        if ($sql === 'SELECT `kind`, `time`, `record` FROM `ps_everifin_webhook_trace`') {
            $rows = [];
            foreach (self::$traces as $kind => $t) {
                $rows[] = ['kind' => $kind, 'time' => (string) $t['time'], 'record' => $t['record']];
            }
            return new PsResult($rows);
        }
        throw new PDOException("SQLSTATE[42000]: Syntax error or access violation: 1064 You have an error in your SQL syntax (the PrestaShop stub knows only the module's statements): $sql");
    }

    /**
     * The configuration table's rows as the database holds them: [id_shop_group, id_shop, name,
     * value], NULL as null, ids as strings (a shop's row has its shop's group, as updateValue()
     * writes it in the shop's context).
     *
     * @return list<array{0: ?string, 1: ?string, 2: string, 3: string}>
     */
    public static function configurationRows(): array
    {
        $rows = [];
        foreach (self::$config as $name => $value) {
            $rows[] = [null, null, (string) $name, (string) $value];
        }
        foreach (self::$configGroup as $idGroup => $values) {
            foreach ($values as $name => $value) {
                $rows[] = [(string) $idGroup, null, (string) $name, (string) $value];
            }
        }
        foreach (self::$configShop as $idShop => $values) {
            foreach ($values as $name => $value) {
                $rows[] = [isset(self::$shops[$idShop]) ? (string) self::$shops[$idShop] : null, (string) $idShop, (string) $name, (string) $value];
            }
        }
        return $rows;
    }

    /**
     * With Db::useLink(), before a statement on the configuration table: the in-memory
     * configuration and shop tables written to MariaDB's (tests/dist/prestashop.php creates them
     * as PrestaShop's install does), so that the statement runs on them there.
     */
    public static function configurationToDatabase(PDO $link): void
    {
        $link->exec('DELETE FROM `ps_configuration`');
        $link->exec('DELETE FROM `ps_shop`');
        $shop = $link->prepare('INSERT INTO `ps_shop` (`id_shop`, `id_shop_group`, `name`, `id_category`, `theme_name`, `active`, `deleted`) VALUES (?, ?, ?, 2, \'classic\', 1, 0)');
        foreach (self::$shops as $idShop => $idGroup) {
            $shop->execute([$idShop, $idGroup, "Shop $idShop"]);
        }
        $row = $link->prepare('INSERT INTO `ps_configuration` (`id_shop_group`, `id_shop`, `name`, `value`, `date_add`, `date_upd`) VALUES (?, ?, ?, ?, NOW(), NOW())');
        foreach (self::configurationRows() as $values) {
            $row->execute($values);
        }
    }

    /** After it: the configuration table read back from MariaDB, each row at its level as Configuration::loadConfiguration() sorts them. */
    public static function configurationFromDatabase(PDO $link): void
    {
        self::$config = self::$configGroup = self::$configShop = [];
        foreach ($link->query('SELECT `id_shop_group`, `id_shop`, `name`, `value` FROM `ps_configuration` ORDER BY `id_configuration`')->fetchAll(PDO::FETCH_ASSOC) as $r) {
            if ((int) $r['id_shop'] > 0) {
                self::$configShop[(int) $r['id_shop']][$r['name']] = (string) $r['value'];
            } elseif ((int) $r['id_shop_group'] > 0) {
                self::$configGroup[(int) $r['id_shop_group']][$r['name']] = (string) $r['value'];
            } else {
                self::$config[$r['name']] = (string) $r['value'];
            }
        }
    }

    /** The text of a quoted string pSQL() escaped (the inverse of DbPDOCore::_escape()): what MySQL stores. */
    public static function unquote(string $s): string
    {
        return preg_replace_callback('/\\\\(.)/s', static fn ($m) => ['0' => "\0", 'n' => "\n", 'r' => "\r", 'Z' => "\x1a"][$m[1]] ?? $m[1], $s);
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
    /** @var bool installed and enabled (PrestaShop reads it from its module table) */
    public $active = true;
    /** @var list<string> */
    protected $_errors = [];

    public function __construct()
    {
        $this->context = (object) ['link' => new Link()];
    }

    /**
     * Like PrestaShop's: the module's instance, made with `new` from the class its file declares
     * (false for no such module). ModuleFrontController::__construct() calls it for every request
     * to a module's controller, the Back Office module list for every module: whatever `new`
     * throws is not caught.
     *
     * @return Module|false
     */
    public static function getInstanceByName($moduleName)
    {
        if (!is_string($moduleName) || !preg_match('/^[a-zA-Z0-9_-]+$/', $moduleName) || !class_exists($moduleName, false)) {
            return false;
        }
        return new $moduleName();
    }

    /** @return list<string> what install() refused, for the Back Office */
    public function getErrors(): array
    {
        return $this->_errors;
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

    public function uninstall(): bool
    {
        return true;
    }
}

/** What ends a PrestaShop request before the controller's postProcess() (PrestaShop prints the page and exits). */
final class PsStubExit extends RuntimeException
{
    public function __construct(public readonly int $httpStatus, string $page)
    {
        parent::__construct("HTTP $httpStatus: $page");
    }
}

class ModuleFrontController
{
    public const GEOLOC_ALLOWED = 0;
    public const GEOLOC_FORBIDDEN = 2;
    public $ajax = false;
    public $ssl = false;
    public $display_header = true;
    public $display_footer = true;
    /** @var Module */
    public $module;
    protected $maintenance = false;
    protected $restrictedCountry = self::GEOLOC_ALLOWED;

    /**
     * Like PrestaShop's: the instance of the module named by the URL (the Dispatcher routes
     * fc=module&module=NAME&controller=... here; PsStub::$requestModule when the test gives no
     * $_GET['module']), before anything of the controller runs.
     */
    public function __construct()
    {
        $this->module = Module::getInstanceByName(Tools::getValue('module', PsStub::$requestModule));
        if (!$this->module || !$this->module->active) {
            throw new RuntimeException('PrestaShop redirects to the home page: the module is not active');
        }
        // Controller::__construct(): "Usage of ajax parameter is deprecated".
        $this->ajax = Tools::getValue('ajax') || Tools::isSubmit('ajax');
    }

    /**
     * Like PrestaShop 8's FrontController::init(), the parts that answer before postProcess():
     * no theme header and footer for $ajax; with PS_GEOLOCATION_ENABLED, geolocationManagement()
     * (a visitor whose country the shop does not allow: PsStub::$visitorCountryAllowed false)
     * and the restricted-country page (403); the maintenance page (503) while PS_SHOP_ENABLE is 0,
     * for every address not in PS_MAINTENANCE_IP. A page ends the request: PsStubExit. (Not
     * modelled: the context, cookie and cart init() makes, and 8.1's maintenance exception for
     * a logged-in employee, which a webhook has not.)
     */
    public function init()
    {
        if ($this->ajax) {
            $this->display_header = false;
            $this->display_footer = false;
        }
        if (Configuration::get('PS_GEOLOCATION_ENABLED')) {
            $this->geolocationManagement(null);
        }
        $this->displayMaintenancePage();
        if ($this->restrictedCountry === self::GEOLOC_FORBIDDEN) {
            $this->displayRestrictedCountryPage();
        }
    }

    /** @return false */
    protected function geolocationManagement($defaultCountry)
    {
        if (!PsStub::$visitorCountryAllowed) {
            $this->restrictedCountry = self::GEOLOC_FORBIDDEN;
        }
        return false;
    }

    protected function displayMaintenancePage()
    {
        if ($this->maintenance == true || !(int) Configuration::get('PS_SHOP_ENABLE')) {
            $this->maintenance = true;
            if (!in_array(Tools::getRemoteAddr(), explode(',', (string) Configuration::get('PS_MAINTENANCE_IP')), true)) {
                throw new PsStubExit(503, 'the maintenance page (HTML, Retry-After: 3600)');
            }
        }
    }

    protected function displayRestrictedCountryPage()
    {
        throw new PsStubExit(403, 'the restricted-country page (HTML)');
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

    /**
     * Like PrestaShop 8's ToolsCore::getValue(): $_POST, then $_GET, and a string loses every NUL
     * and every backslash followed by zeros ("\\0", "\\00"...).
     *
     * @return mixed
     */
    public static function getValue(string $key, $default = false)
    {
        $value = $_POST[$key] ?? $_GET[$key] ?? $default;
        if (is_string($value)) {
            return urldecode(preg_replace('/((\%5C0+)|(\%00+))/i', '', urlencode($value)));
        }
        return $value;
    }

    public static function getRemoteAddr(): string
    {
        return (string) ($_SERVER['REMOTE_ADDR'] ?? '');
    }

    public static function passwdGen($length = 8, $flag = 'ALPHANUMERIC'): string
    {
        return substr(bin2hex(random_bytes($length)), 0, $length);
    }
}

/**
 * Like PrestaShop's ConfigurationCore (classes/Configuration.php) for the calls the module makes,
 * without languages, multistore included:
 *   - the table: global rows (PsStub::$config), rows of a shop group (PsStub::$configGroup) and of
 *     a shop (PsStub::$configShop), each value as the database holds it;
 *   - the cache: the first read of a request loads the whole table (loadConfiguration());
 *     updateValue() writes the table and caches the value as given (set()); deleteByName() empties
 *     the cache and the next read loads the table again. A statement sent through Db does not
 *     touch the cache;
 *   - get($key): in the shop context (Shop::getContextShopID(true) and getContextShopGroupID(true),
 *     null without multistore), the shop's row, else its group's, else the global one, from the
 *     cache; getGlobalValue() the global one;
 *   - updateValue($key, $value, $html, $idShopGroup, $idShop): the row of the shop context, or of
 *     the ids given when multistore is on. Nothing when get() for them already answers that value
 *     (also from the group's or the global row); the row's UPDATE when the cache has it; else an
 *     INSERT, unless the table has a row there that the cache has not (getIdByName()): then
 *     nothing is written. It stores pSQL($value, $html): without $html, strip_tags(nl2br()) of the
 *     escaped text, so "<" cuts the value ("a<b" is stored as "a", "a<>b" as "ab"); $html true
 *     runs Tools::purifyHTML() first, which the stub does not model;
 *   - deleteByName($key): DELETE ... WHERE `name` = ...: the rows of every shop and group and the
 *     global one.
 */
class Configuration
{
    public static function updateValue(string $key, $value, $html = false, $idShopGroup = null, $idShop = null): bool
    {
        if ($html) {
            throw new LogicException('Configuration::updateValue($key, $value, true) runs Tools::purifyHTML(), which the stub does not model');
        }
        if ($idShop === null || !Shop::isFeatureActive()) {
            $idShop = Shop::getContextShopID(true);
        }
        if ($idShopGroup === null || !Shop::isFeatureActive()) {
            $idShopGroup = Shop::getContextShopGroupID(true);
        }
        $stored = self::get($key, null, $idShopGroup, $idShop);
        if ((!is_numeric($value) && $value === $stored) || (is_numeric($value) && $value == $stored && self::hasKey($key))) {
            return true;
        }
        $escaped = pSQL($value, false);
        $text = is_numeric($escaped) ? (string) $escaped : PsStub::unquote((string) $escaped);
        if (self::hasKey($key, null, $idShopGroup, $idShop) || !array_key_exists($key, self::table($idShopGroup, $idShop))) {
            if ($idShop) {
                PsStub::$configShop[(int) $idShop][$key] = $text;
            } elseif ($idShopGroup) {
                PsStub::$configGroup[(int) $idShopGroup][$key] = $text;
            } else {
                PsStub::$config[$key] = $text;
            }
        }
        self::set($key, $value, $idShopGroup, $idShop);
        return true;
    }

    /** The cache only, at the level of the ids given (the shop's row, else the group's, else the global one). */
    public static function set(string $key, $value, $idShopGroup = null, $idShop = null): void
    {
        if ($idShop === null) {
            $idShop = Shop::getContextShopID(true);
        }
        if ($idShopGroup === null) {
            $idShopGroup = Shop::getContextShopGroupID(true);
        }
        if ($idShop) {
            PsStub::$configCache['shop'][(int) $idShop][$key] = $value;
        } elseif ($idShopGroup) {
            PsStub::$configCache['group'][(int) $idShopGroup][$key] = $value;
        } else {
            PsStub::$configCache['global'][$key] = $value;
        }
    }

    public static function deleteByName(string $key): bool
    {
        unset(PsStub::$config[$key]);
        foreach (PsStub::$configGroup as $idGroup => $_) {
            unset(PsStub::$configGroup[$idGroup][$key]);
        }
        foreach (PsStub::$configShop as $idShop => $_) {
            unset(PsStub::$configShop[$idShop][$key]);
        }
        PsStub::newRequest();   // the cache emptied: the next read loads the table
        return true;
    }

    /** @return mixed */
    public static function get(string $key, $idLang = null, $idShopGroup = null, $idShop = null, $default = false)
    {
        self::load();
        if ($idShop === null || !Shop::isFeatureActive()) {
            $idShop = Shop::getContextShopID(true);
        }
        if ($idShopGroup === null || !Shop::isFeatureActive()) {
            $idShopGroup = Shop::getContextShopGroupID(true);
        }
        if ($idShop && self::hasKey($key, null, null, $idShop)) {
            return PsStub::$configCache['shop'][(int) $idShop][$key];
        } elseif ($idShopGroup && self::hasKey($key, null, $idShopGroup)) {
            return PsStub::$configCache['group'][(int) $idShopGroup][$key];
        } elseif (self::hasKey($key)) {
            return PsStub::$configCache['global'][$key];
        }
        return $default;
    }

    /** Whether the cache has the key at that level (the shop's row, else the group's, else the global one). */
    public static function hasKey(string $key, $idLang = null, $idShopGroup = null, $idShop = null): bool
    {
        if ($idShop) {
            return isset(PsStub::$configCache['shop'][(int) $idShop][$key]);
        } elseif ($idShopGroup) {
            return isset(PsStub::$configCache['group'][(int) $idShopGroup][$key]);
        }
        return isset(PsStub::$configCache['global'][$key]);
    }

    public static function updateGlobalValue(string $key, $value, $html = false): bool
    {
        return self::updateValue($key, $value, $html, 0, 0);
    }

    /** @return mixed */
    public static function getGlobalValue(string $key)
    {
        return self::get($key, null, 0, 0);
    }

    /** loadConfiguration(): every row of the table into the cache (over what set() put there). */
    private static function load(): void
    {
        if (PsStub::$configLoaded) {
            return;
        }
        PsStub::$configCache['global'] = PsStub::$config + PsStub::$configCache['global'];
        foreach (PsStub::$configGroup as $idGroup => $values) {
            PsStub::$configCache['group'][$idGroup] = $values + (PsStub::$configCache['group'][$idGroup] ?? []);
        }
        foreach (PsStub::$configShop as $idShop => $values) {
            PsStub::$configCache['shop'][$idShop] = $values + (PsStub::$configCache['shop'][$idShop] ?? []);
        }
        PsStub::$configLoaded = true;
    }

    /** @return array<string, mixed> the table's rows at the level of the ids given */
    private static function table($idShopGroup, $idShop): array
    {
        if ($idShop) {
            return PsStub::$configShop[(int) $idShop] ?? [];
        }
        return $idShopGroup ? PsStub::$configGroup[(int) $idShopGroup] ?? [] : PsStub::$config;
    }
}

/**
 * Like PrestaShop's ShopCore (classes/shop/Shop.php), its context only: setContext() (the Back
 * Office's shop selector, the shop of a front request's URL), getContextShopID() and
 * getContextShopGroupID() (null with $null_value_without_multishop when multistore is off), and
 * isFeatureActive(): PS_MULTISHOP_FEATURE_ACTIVE and more than one shop (PsStub::$shops).
 */
class Shop
{
    public const CONTEXT_SHOP = 1;
    public const CONTEXT_GROUP = 2;
    public const CONTEXT_ALL = 4;

    /** In a shop's context, Context::getContext()->shop is that shop too (PsStub::$contextShop), as PrestaShop sets it. */
    public static function setContext($type, $id = null): void
    {
        PsStub::$shopContext = match ($type) {
            self::CONTEXT_ALL => [self::CONTEXT_ALL, null, null],
            self::CONTEXT_GROUP => [self::CONTEXT_GROUP, null, (int) $id],
            self::CONTEXT_SHOP => [self::CONTEXT_SHOP, (int) $id, self::getGroupFromShop($id)],
            default => throw new PrestaShopException('Unknown context for shop'),
        };
        if ($type === self::CONTEXT_SHOP) {
            PsStub::$contextShop = (int) $id;
        }
    }

    public static function getContext(): int
    {
        return PsStub::$shopContext[0];
    }

    public static function getContextShopID($null_value_without_multishop = false): ?int
    {
        return $null_value_without_multishop && !self::isFeatureActive() ? null : PsStub::$shopContext[1];
    }

    public static function getContextShopGroupID($null_value_without_multishop = false): ?int
    {
        return $null_value_without_multishop && !self::isFeatureActive() ? null : PsStub::$shopContext[2];
    }

    /** @return int|false */
    public static function getGroupFromShop($shop_id, $as_id = true)
    {
        if (!$as_id) {
            throw new LogicException('Shop::getGroupFromShop($id, false) (the group\'s data) is not modelled');
        }
        return PsStub::$shops[(int) $shop_id] ?? false;
    }

    public static function isFeatureActive(): bool
    {
        return (bool) (PsStub::$config['PS_MULTISHOP_FEATURE_ACTIVE'] ?? false) && count(PsStub::$shops) > 1;
    }
}

/**
 * PrestaShop's pSQL() (config/alias.php) and DbCore::escape() + DbPDOCore::_escape(): backslash
 * escaping of \ NUL LF CR ^Z ' ", and, unless $htmlOK, strip_tags(Tools::nl2br()) -- which drops
 * every newline and anything that looks like an HTML tag.
 */
function pSQL($string, $htmlOK = false)
{
    return Db::getInstance()->escape($string, $htmlOK);
}

class PrestaShopException extends Exception
{
}

class PrestaShopDatabaseException extends PrestaShopException
{
}

/**
 * The query-rewriting and routing of PrestaShop's Db, exactly: DbCore in classes/db/Db.php of
 * PrestaShop/PrestaShop as its current source has it (what is quoted here is the same back to 1.5
 * but where said):
 *   - getRow($sql, $use_cache = true):
 *         $sql = rtrim($sql, " \t\n\r\0\x0B;") . ' LIMIT 1';
 *     ALWAYS, whether or not the query has a LIMIT or a FOR UPDATE (1.5 already did
 *     `$sql .= ' LIMIT 1';`): "SELECT ... LIMIT 1 FOR UPDATE" becomes
 *     "SELECT ... LIMIT 1 FOR UPDATE LIMIT 1", a MySQL syntax error (1064);
 *   - getValue($sql, $use_cache = true): array_shift() of getRow($sql, $use_cache), so the same
 *     LIMIT 1 is appended;
 *   - executeS($sql, $array = true, $use_cache = true): the query unchanged; refuses anything not
 *     starting with select|show|explain|describe|desc|checksum (or containing outfile/dumpfile)
 *     with PrestaShopDatabaseException (1.5: only with _PS_MODE_DEV_, else it ran it with
 *     execute(); and without checksum or the outfile/dumpfile test);
 *   - execute($sql, $use_cache = true): the query unchanged (query() + (bool));
 *   - query($sql): DbPDOCore::_query() = PDO::query(); DbPDOCore::getPDO() sets no
 *     PDO::ATTR_ERRMODE, so on PHP 8 a failing query throws PDOException.
 * With $use_cache true and _PS_CACHE_ENABLED_, getRow/getValue/executeS may answer from the cache
 * without asking the database: the stub refuses a read of the module's with $use_cache true (a
 * locking read or the order's state must come from the database).
 *
 * Two backends: a real MariaDB/MySQL (Db::useLink(), tests/dist/prestashop.php), or, by
 * default, PsStub's in-memory tables, which understand exactly the module's statements (below,
 * PsStub::run()) and answer anything else with the 1064 syntax error MySQL gives.
 */
class Db
{
    private static ?Db $instance = null;
    public ?PDO $link = null;
    /** @var PDOStatement|PsResult|false */
    protected $result = false;

    public static function getInstance($master = true): Db
    {
        return self::$instance ??= new Db();
    }

    /** @return PDOStatement|PsResult|false */
    public function query($sql)
    {
        PsStub::$log[] = $sql;
        if (PsStub::$failOn !== null && str_starts_with($sql, PsStub::$failOn)) {
            throw new PDOException('SQLSTATE[HY000]: General error: 2006 MySQL server has gone away');
        }
        PsStub::transaction($sql);
        // On MariaDB, a statement on the configuration table runs on a copy of the stubs' one.
        $configuration = $this->link !== null && str_contains($sql, '`' . _DB_PREFIX_ . 'configuration`');
        if ($configuration) {
            PsStub::configurationToDatabase($this->link);
        }
        $this->result = $this->link !== null ? $this->link->query($sql) : PsStub::run($sql);
        if ($configuration) {
            PsStub::configurationFromDatabase($this->link);
        }
        return $this->result;
    }

    public function execute($sql, $use_cache = true)
    {
        $this->result = $this->query($sql);
        return (bool) $this->result;
    }

    /** @return array<int, array<string, mixed>>|PDOStatement|PsResult|false */
    public function executeS($sql, $array = true, $use_cache = true)
    {
        if (!preg_match('#^\s*\(?\s*(select|show|explain|describe|desc|checksum)\s#i', $sql)
            || stripos($sql, 'outfile') !== false || stripos($sql, 'dumpfile') !== false) {
            throw new PrestaShopDatabaseException('Db->executeS() must be used only with select, show, explain or describe queries');
        }
        self::noCache($sql, $use_cache);
        $this->result = $this->query($sql);
        if (!$this->result) {
            return false;
        }
        return $array ? $this->result->fetchAll(PDO::FETCH_ASSOC) : $this->result;
    }

    /** @return array<string, mixed>|false */
    public function getRow($sql, $use_cache = true)
    {
        $sql = rtrim($sql, " \t\n\r\0\x0B;") . ' LIMIT 1';
        self::noCache($sql, $use_cache);
        $this->result = $this->query($sql);
        $result = $this->result ? $this->result->fetch(PDO::FETCH_ASSOC) : false;
        return $result === null ? false : $result;
    }

    /** @return mixed|false */
    public function getValue($sql, $use_cache = true)
    {
        if (!$result = $this->getRow($sql, $use_cache)) {
            return false;
        }
        return array_shift($result);
    }

    /** DbPDOCore::Affected_Rows(): the row count of the last statement. */
    public function Affected_Rows(): int
    {
        return $this->result->rowCount();
    }

    public function escape($string, $html_ok = false, $bq_sql = false)
    {
        if (!is_numeric($string)) {
            $string = str_replace(['\\', "\0", "\n", "\r", "\x1a", "'", '"'], ['\\\\', '\\0', '\\n', '\\r', '\Z', "\'", '\"'], (string) $string);
            if (!$html_ok) {
                $string = strip_tags(str_replace(["\r\n", "\r", "\n"], '<br />', $string));
            }
            if ($bq_sql === true) {
                $string = str_replace('`', '\`', $string);
            }
        }
        return $string;
    }

    private static function noCache(string $sql, $useCache): void
    {
        if ($useCache && preg_match('/ps_orders|ps_everifin_webhook/', $sql)) {
            throw new RuntimeException("the module must not read through PrestaShop's query cache: $sql");
        }
    }

    /** Test helper: points Db at a MariaDB/MySQL connection (null: back to the in-memory tables). */
    public static function useLink(?PDO $link): void
    {
        self::getInstance()->link = $link;
    }
}

/** The in-memory backend's answer to a statement: PDOStatement's fetch/fetchAll/rowCount. */
final class PsResult
{
    /** @param list<array<string, mixed>> $rows */
    public function __construct(private array $rows = [], private int $affected = 0)
    {
    }

    /** @return array<string, mixed>|false */
    public function fetch($mode = PDO::FETCH_ASSOC)
    {
        return array_shift($this->rows) ?? false;
    }

    /** @return list<array<string, mixed>> */
    public function fetchAll($mode = PDO::FETCH_ASSOC): array
    {
        $rows = $this->rows;
        $this->rows = [];
        return $rows;
    }

    public function rowCount(): int
    {
        return $this->affected;
    }
}

class Order
{
    public $id;
    public $id_customer;
    public $id_shop = 1;
    public $id_lang = 1;
    /** @var string|null the reference its payments (order_payment) are recorded under */
    public $reference;

    public function __construct(int $id)
    {
        PsStub::$log[] = 'new Order(' . $id . ')';
        $this->id = isset(PsStub::$orders[$id]) ? $id : null;
        $this->id_customer = $this->id === null ? null : (PsStub::$orders[$id]['customer'] ?? 1);
        $this->reference = $this->id === null ? null : PsStub::reference($id);
        $this->id_shop = $this->id === null ? null : (PsStub::$orders[$id]['shop'] ?? 1);
    }

    public function getCurrentState(): int
    {
        return PsStub::$orders[(int) $this->id]['state'];
    }

    /** Empties the cache of the orders' history (PrestaShop's addWithemail() calls it after add()). */
    public static function cleanHistoryCache(): void
    {
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
    public $id;
    public $id_order;
    public $id_order_state;

    /**
     * Like PrestaShop's: moving to a state with the paid flag records a payment without a
     * transaction id for what the order's invoice has left to pay (getRestPaid() > 0: nothing
     * when its payments cover the total, the rest when they cover part of it).
     */
    public function changeIdOrderState(int $idState, $order, bool $useExistingPayment = false): void
    {
        $this->id_order_state = $idState;
        PsStub::$orders[(int) $order->id]['state'] = $idState;
        $rest = PsStub::restPaid((int) $order->id);
        if (in_array($idState, PsStub::PAID_STATES, true) && $rest > 0) {
            PsStub::addPayment((int) $order->id, '', $rest);
        }
    }

    /** Like PrestaShop's: the history row (ObjectModel::add()), no e-mail. */
    public function add($autodate = true, $nullValues = false): bool
    {
        PsStub::$history[] = [(int) $this->id_order, (int) $this->id_order_state];
        $this->id = count(PsStub::$history);
        return true;
    }

    /** Like PrestaShop's: add(), then sendEmail(). */
    public function addWithemail($autodate = true, $templateVars = false, $context = null): bool
    {
        $order = new Order((int) $this->id_order);
        if (!$this->add($autodate)) {
            return false;
        }
        Order::cleanHistoryCache();
        return $this->sendEmail($order, $templateVars);
    }

    /**
     * Like PrestaShop's: the e-mail of this history row's state to the order's customer (the
     * state's template, when the state has send_email), through Mail::Send(), which sends at once.
     */
    public function sendEmail($order, $templateVars = false): bool
    {
        [$idOrder, $idState] = PsStub::$history[(int) $this->id - 1] ?? [0, 0];
        $template = PsStub::MAIL_TEMPLATES[$idState] ?? null;
        if ($template !== null) {
            PsStub::$log[] = "Mail::Send($template) for order $idOrder";
            if (PsStub::$failOn === 'Mail::Send') {
                return false;   // Mail::Send() returns false when the mail cannot be sent
            }
            PsStub::$mails[] = [$idOrder, $template];
        }
        return true;
    }
}

class Customer
{
    public $id;
    public $email;

    public function __construct($id = null)
    {
        $this->id = isset(PsStub::$customers[(int) $id]) ? (int) $id : null;
        $this->email = $this->id === null ? null : PsStub::$customers[(int) $id];
    }
}

/** PrestaShop's customer service thread of an order (what the order page's "Messages" shows). */
class CustomerThread
{
    public $id;
    public $id_shop;
    public $id_lang;
    public $id_contact;
    public $id_customer;
    public $id_order;
    public $email;
    public $token;
    public $status;

    /** Like PrestaShop's: the thread of that e-mail and order in the shop of the request's URL (Context::getContext()->shop->id), else false. */
    public static function getIdCustomerThreadByEmailAndIdOrder($email, $id_order)
    {
        foreach (PsStub::$threads as $id => $t) {
            if ($t['email'] === $email && ($t['id_shop'] ?? 1) === PsStub::$contextShop && $t['id_order'] === (int) $id_order) {
                return $id;
            }
        }
        return false;
    }

    public function add($autoDate = true, $nullValues = false): bool
    {
        foreach (['id_lang', 'id_customer', 'id_order', 'email', 'token', 'status'] as $field) {
            if ($this->$field === null || $this->$field === '') {
                throw new PrestaShopException("CustomerThread->$field is empty");
            }
        }
        $this->id = count(PsStub::$threads) + 1;
        PsStub::$threads[$this->id] = ['id_customer' => (int) $this->id_customer, 'id_order' => (int) $this->id_order, 'email' => (string) $this->email, 'status' => (string) $this->status, 'id_shop' => (int) $this->id_shop];
        // On MariaDB (Db::useLink()), the row in PrestaShop's customer_thread too, where a query reads it.
        Db::getInstance()->link?->exec('INSERT INTO `ps_customer_thread` (`id_customer_thread`, `id_shop`, `id_lang`, `id_contact`, `id_customer`, `id_order`, `status`, `email`, `token`, `date_add`, `date_upd`) VALUES ('
            . $this->id . ', ' . (int) $this->id_shop . ', ' . (int) $this->id_lang . ', ' . (int) $this->id_contact . ', ' . (int) $this->id_customer . ', ' . (int) $this->id_order
            . ", 'open', " . Db::getInstance()->link->quote((string) $this->email) . ', ' . Db::getInstance()->link->quote((string) $this->token) . ', NOW(), NOW())');
        return true;
    }
}

class CustomerMessage
{
    public $id;
    public $id_customer_thread;
    public $id_employee;
    public $message;
    public $private = 0;

    public function add($autoDate = true, $nullValues = false): bool
    {
        // ObjectModel::add() validates the fields first: message is required and isCleanHtml.
        if (!isset(PsStub::$threads[(int) $this->id_customer_thread]) || (string) $this->message === ''
            || preg_match('/<\s*script|\bon\w+\s*=|javascript:/i', (string) $this->message)) {
            throw new PrestaShopException('CustomerMessage: invalid fields');
        }
        $this->id = count(PsStub::$messages) + 1;
        PsStub::$messages[] = ['id_customer_thread' => (int) $this->id_customer_thread, 'id_employee' => (int) $this->id_employee, 'message' => (string) $this->message, 'private' => (int) $this->private];
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
