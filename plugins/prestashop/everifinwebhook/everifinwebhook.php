<?php
/**
 * Everifin webhook module for PrestaShop 8 (PHP 8.1 or newer): the front controller
 * controllers/front/webhook.php receives Everifin Paygate webhooks at
 * index.php?fc=module&module=everifinwebhook&controller=webhook, verifies them and updates the
 * order with the order row locked. The configuration page takes the hook secrets, says which
 * backend of the bundled everifin-webhook library runs (native through FFI, or pure PHP) and why,
 * and shows the last deliveries that changed no order.
 *
 * Every query goes through PrestaShop's Db as it is: Db::getRow() and Db::getValue() append
 * " LIMIT 1" to whatever they are given (a query with its own LIMIT, or FOR UPDATE, is broken by
 * it), so they only get plain SELECTs without LIMIT; the locking read goes through executeS(),
 * which sends the query unchanged. Reads pass $use_cache = false (a cached answer would skip the
 * lock or give an old state).
 *
 * This file is read by PrestaShop's module list on any PHP it runs on: it keeps to PHP 7.1 syntax
 * and loads the library (PHP 8.1) only where it can run, so an older PHP gets a clear refusal at
 * install time instead of a parse error.
 */

declare(strict_types=1);

if (!defined('_PS_VERSION_')) {
    exit;
}

// The PHP binding everifin/webhook is bundled in vendor/everifin-webhook (native library in lib/).
if (PHP_VERSION_ID >= EverifinWebhook::MIN_PHP_VERSION_ID && !class_exists(\Everifin\Webhook\Verifier::class) && is_file(__DIR__ . '/vendor/everifin-webhook/autoload.php')) {
    require_once __DIR__ . '/vendor/everifin-webhook/autoload.php';
}

class EverifinWebhook extends Module
{
    /**
     * The hook secrets, one per line, base64-encoded: Configuration::updateValue() stores
     * pSQL($value), which without $html runs strip_tags() ("a<b" would be stored as "a"), and with
     * $html Tools::purifyHTML(); base64 has no character either changes.
     */
    public const CONFIG_SECRETS_ENCODED = 'EVERIFIN_WEBHOOK_SECRETS_B64';
    /** The hook secrets as 0.1.0 and 0.2.0 saved them (as typed, through pSQL()): read until new ones are saved. */
    public const CONFIG_SECRETS = 'EVERIFIN_WEBHOOK_SECRETS';
    public const STATE_TABLE = 'everifin_webhook_state';
    /** Everifin's ids (its orderId, paymentId, refundId) of the shop orders events matched. */
    public const REF_TABLE = 'everifin_webhook_ref';
    /** The last delivery of each kind that changed no order ("rejected", "unmatched"). */
    public const TRACE_TABLE = 'everifin_webhook_trace';
    /** The version of the module's tables in this shop (global configuration value). */
    public const CONFIG_SCHEMA = 'EVERIFIN_WEBHOOK_SCHEMA';
    /** 1: the state table (0.1.0); 2: the ref and trace tables. */
    public const SCHEMA_VERSION = 2;
    /** Seconds between two traces of one kind: a flood of requests writes at most one row a minute. */
    public const TRACE_INTERVAL = 60;
    /** The bundled library needs PHP 8.1. */
    public const MIN_PHP_VERSION_ID = 80100;

    public function __construct()
    {
        $this->name = 'everifinwebhook';
        $this->tab = 'payments_gateways';
        $this->version = '0.2.0';
        $this->author = 'Everifin';
        $this->need_instance = 0;
        // PrestaShop 8.0 is the first that runs on PHP 8.1.
        $this->ps_versions_compliancy = ['min' => '8.0.0', 'max' => _PS_VERSION_];
        $this->bootstrap = true;
        parent::__construct();
        $this->displayName = 'Everifin webhook';
        $this->description = 'Verifies Everifin Paygate webhooks and updates orders.';
        $problem = self::libraryProblem();
        if ($problem !== null) {
            $this->warning = $problem;
        }
    }

    public static function phpTooOld(): string
    {
        return sprintf('This module needs PHP 8.1 or newer; this shop runs PHP %s.', PHP_VERSION);
    }

    /**
     * Why the module cannot run here, in one sentence, or null: a PHP older than 8.1 (this file
     * does not load the library there), or the library missing from the module folder.
     * PrestaShop makes the module object for its module list and for every request to the
     * webhook, catching no Error: nothing of the class may need the library before this check
     * (no class constant taken from it either).
     */
    public static function libraryProblem(): ?string
    {
        if (PHP_VERSION_ID < self::MIN_PHP_VERSION_ID) {
            return self::phpTooOld();
        }
        if (!class_exists(\Everifin\Webhook\Verifier::class)) {
            return 'The everifin-webhook library is missing from the module folder (vendor/everifin-webhook); reinstall the module.';
        }
        return null;
    }

    public function install(): bool
    {
        $problem = self::libraryProblem();
        if ($problem !== null) {
            $this->_errors[] = $problem;
            return false;
        }
        return parent::install() && self::installSchema();
    }

    /**
     * Creates the module's tables that are missing (install, upgrade/upgrade-0.2.0.php, and
     * ensureSchema() for a shop whose files were replaced without PrestaShop running the upgrade),
     * then records SCHEMA_VERSION. Never drops or alters anything.
     */
    public static function installSchema(): bool
    {
        $db = Db::getInstance();
        $engine = ') ENGINE=' . _MYSQL_ENGINE_ . ' DEFAULT CHARSET=utf8mb4';
        $ok = $db->execute('CREATE TABLE IF NOT EXISTS `' . _DB_PREFIX_ . self::STATE_TABLE . '` (
                `id_order` INT UNSIGNED NOT NULL PRIMARY KEY,
                `state` TEXT NOT NULL
            ' . $engine)
            && $db->execute('CREATE TABLE IF NOT EXISTS `' . _DB_PREFIX_ . self::REF_TABLE . '` (
                `ref_type` VARCHAR(8) NOT NULL,
                `ref_id` VARCHAR(64) NOT NULL,
                `id_order` INT UNSIGNED NOT NULL,
                PRIMARY KEY (`ref_type`, `ref_id`),
                KEY `id_order` (`id_order`)
            ' . $engine)
            && $db->execute('CREATE TABLE IF NOT EXISTS `' . _DB_PREFIX_ . self::TRACE_TABLE . '` (
                `kind` VARCHAR(16) NOT NULL PRIMARY KEY,
                `time` INT UNSIGNED NOT NULL,
                `record` TEXT NOT NULL
            ' . $engine);
        return $ok && Configuration::updateGlobalValue(self::CONFIG_SCHEMA, self::SCHEMA_VERSION);
    }

    /** Creates the tables of this version unless the shop has them (one configuration read). */
    public static function ensureSchema(): void
    {
        if ((int) Configuration::getGlobalValue(self::CONFIG_SCHEMA) < self::SCHEMA_VERSION && !self::installSchema()) {
            throw new RuntimeException('cannot create the tables of the everifinwebhook module');
        }
    }

    public function uninstall(): bool
    {
        Configuration::deleteByName(self::CONFIG_SECRETS_ENCODED);
        Configuration::deleteByName(self::CONFIG_SECRETS);
        Configuration::deleteByName(self::CONFIG_SCHEMA);
        return parent::uninstall();
    }

    /**
     * @return list<string> the hook secrets, oldest first: CONFIG_SECRETS_ENCODED, else what 0.1.0
     * or 0.2.0 saved (CONFIG_SECRETS); none when the encoded value is not base64.
     */
    public static function secrets(): array
    {
        $encoded = Configuration::get(self::CONFIG_SECRETS_ENCODED);
        if (is_string($encoded) && $encoded !== '') {
            $text = base64_decode($encoded, true);
            return is_string($text) ? self::lines($text) : [];
        }
        return self::lines((string) Configuration::get(self::CONFIG_SECRETS));
    }

    /**
     * Replaces the hook secrets (saveSecrets(['a', 'b'])) of the shop context the Back Office is in
     * -- a shop, a shop group or all shops: Configuration::updateValue() writes that context's
     * value, as for PrestaShop's own settings, and a shop or group with a value of its own keeps
     * it -- stored base64-encoded, so that PrestaShop stores their exact bytes. What 0.1.0 and
     * 0.2.0 saved is moved to the new key first, every value where it is (moveFormerSecrets()).
     * Throws what Db throws.
     *
     * @param list<string> $secrets
     */
    public static function saveSecrets(array $secrets): bool
    {
        return self::moveFormerSecrets()
            && Configuration::updateValue(self::CONFIG_SECRETS_ENCODED, base64_encode(implode("\n", $secrets)));
    }

    /**
     * The configuration rows of the hook secrets, both keys, of every shop, group and the global
     * one: name, level ("shop 2", "group 1", "global") and rank (0, 1, 2), the levels
     * Configuration::get() reads in that level's stead when it has no row (the shop's group and
     * global; for a group, global), value, and the restriction of an UPDATE of that level's row
     * (Configuration::sqlRestriction()). The levels as Configuration::loadConfiguration() tells
     * them apart: id_shop set, a shop's; else id_shop_group set, a group's; else the global one.
     * Null when the query fails.
     *
     * @return list<array{name: string, level: string, rank: int, above: list<string>, value: string, where: string}>|null
     */
    private static function secretRows(): ?array
    {
        $rows = Db::getInstance()->executeS('SELECT c.`name`, c.`id_shop_group`, c.`id_shop`, c.`value`, s.`id_shop_group` AS `group_of_shop` FROM `'
            . _DB_PREFIX_ . 'configuration` c LEFT JOIN `' . _DB_PREFIX_ . 'shop` s ON s.`id_shop` = c.`id_shop` WHERE c.`name` IN (\''
            . self::CONFIG_SECRETS . "', '" . self::CONFIG_SECRETS_ENCODED . "')", true, false);
        if (!is_array($rows)) {
            return null;
        }
        $out = [];
        foreach ($rows as $row) {
            $shop = (int) $row['id_shop'];
            $group = (int) $row['id_shop_group'];
            if ($shop > 0) {
                // The group the shop is in now (its row was written with the group it was in then).
                $groupOfShop = (int) ($row['group_of_shop'] ?? 0) ?: $group;
                [$level, $rank, $above, $where] = ["shop $shop", 0, ["group $groupOfShop", 'global'], ' AND `id_shop` = ' . $shop];
            } elseif ($group > 0) {
                [$level, $rank, $above, $where] = ["group $group", 1, ['global'], ' AND `id_shop_group` = ' . $group . ' AND (`id_shop` IS NULL OR `id_shop` = 0)'];
            } else {
                [$level, $rank, $above, $where] = ['global', 2, [], ' AND (`id_shop_group` IS NULL OR `id_shop_group` = 0) AND (`id_shop` IS NULL OR `id_shop` = 0)'];
            }
            $out[] = ['name' => (string) $row['name'], 'level' => $level, 'rank' => $rank, 'above' => $above, 'value' => (string) $row['value'], 'where' => $where];
        }
        return $out;
    }

    /**
     * Moves the hook secrets 0.1.0 and 0.2.0 saved (CONFIG_SECRETS) to CONFIG_SECRETS_ENCODED,
     * base64-encoded, each row where it is: the same shop's, group's or global row. Saving only
     * the new key in the current context and deleting the former one, whose
     * Configuration::deleteByName() deletes the rows of every shop, left the other shops without
     * secrets (every delivery to them answered 500).
     *
     * Every shop reads the same secrets before, after and at each step. Configuration::get() reads
     * a shop's row, else its group's, else the global one, and secrets() the former key only when
     * the new one has none of them: a former row is moved unless the new key has a row at its level
     * or one get() reads in its stead (then it was never read and is deleted). Shops' rows first,
     * then groups', then the global one: moving a row changes nothing for a shop that has a row of
     * its own, or whose group has. The rows are moved with SQL (Configuration reads and writes the
     * current shop context; updateValue() ignores the ids given while multistore is off, when the
     * rows of shops and groups stay for when it is on again), then Configuration::deleteByName()
     * deletes the former rows left and empties Configuration's cache, which the UPDATEs bypassed
     * (with its cache as it was, updateValue() would take a moved row for absent, find it in the
     * table and write nothing).
     */
    private static function moveFormerSecrets(): bool
    {
        $rows = self::secretRows();
        if ($rows === null) {
            return false;
        }
        $new = [];
        $former = [];
        foreach ($rows as $row) {
            if ($row['name'] === self::CONFIG_SECRETS_ENCODED) {
                $new[$row['level']] = true;
            } else {
                $former[] = $row;
            }
        }
        if ($former === []) {
            return true;
        }
        usort($former, static function (array $a, array $b): int {
            return $a['rank'] <=> $b['rank'];
        });
        $db = Db::getInstance();
        foreach ($former as $row) {
            $read = array_filter(array_merge([$row['level']], $row['above']), static function ($level) use ($new) {
                return isset($new[$level]);
            });
            if ($read !== []) {
                continue;   // the new key's value is read instead
            }
            $new[$row['level']] = true;
            if (!$db->execute('UPDATE `' . _DB_PREFIX_ . 'configuration` SET `name` = \'' . self::CONFIG_SECRETS_ENCODED . "', `value` = '"
                . pSQL(base64_encode($row['value'])) . "', `date_upd` = NOW() WHERE `name` = '" . self::CONFIG_SECRETS . "'" . $row['where'])) {
                return false;
            }
        }
        return Configuration::deleteByName(self::CONFIG_SECRETS);
    }

    /**
     * After a save for all shops or a shop group, with multistore: how many of the shops and
     * groups it covers have hook secrets of their own, which they keep (Configuration::get()
     * reads them first), as a sentence; else ''.
     */
    private static function ownSecretsKept(): string
    {
        if (!Shop::isFeatureActive() || (int) Shop::getContext() === Shop::CONTEXT_SHOP) {
            return '';
        }
        $group = (int) Shop::getContext() === Shop::CONTEXT_GROUP ? 'group ' . (int) Shop::getContextShopGroupID() : null;
        $own = 0;
        try {
            $rows = self::secretRows() ?? [];
        } catch (\Throwable $e) {
            $rows = [];   // the secrets are saved: only this sentence is left out
        }
        foreach ($rows as $row) {
            if ($row['name'] === self::CONFIG_SECRETS_ENCODED && $row['level'] !== 'global' && $row['level'] !== $group
                && ($group === null || $row['above'][0] === $group)) {
                $own++;
            }
        }
        return $own === 0 ? '' : sprintf(' %d %s with hook secrets of their own keep them: select one at the top of the page to change its secrets.', $own, $group === null ? 'shop(s) or shop group(s)' : 'shop(s) of the group');
    }

    /**
     * @return list<string> the non-empty lines of $text, as typed (a secret is its exact bytes).
     * Split on CR LF, LF or CR only: \R also splits on the bytes 0x0B, 0x0C and 0x85, and 0x85 is
     * the second byte of UTF-8 characters such as "Å" and "ą".
     */
    private static function lines(string $text): array
    {
        return array_values(array_filter(preg_split('/\r\n|\n|\r/', $text) ?: [], static function ($s) {
            return $s !== '';
        }));
    }

    /**
     * A line in Advanced Parameters > Logs about an order (severity 1: informative, 3: error).
     * PrestaShop refuses <, >, { and } in a log message: they are replaced.
     */
    public static function log(string $message, int $severity, ?int $idOrder = null): void
    {
        $message = 'everifin-webhook: ' . strtr($message, ['<' => '(', '>' => ')', '{' => '(', '}' => ')']);
        PrestaShopLogger::addLog($message, $severity, null, $idOrder === null ? null : 'Order', $idOrder, true);
    }

    /**
     * Reads the state of an order; call with the order row locked (see the front controller).
     * getValue() appends " LIMIT 1" to the query: it has none.
     */
    public static function loadState(int $idOrder): string
    {
        $v = Db::getInstance()->getValue('SELECT `state` FROM `' . _DB_PREFIX_ . self::STATE_TABLE . '` WHERE `id_order` = ' . (int) $idOrder, false);
        return is_string($v) ? $v : '';
    }

    /**
     * Stores the state JSON byte for byte: pSQL() with $htmlOK true (without it, PrestaShop's
     * escape() runs strip_tags(nl2br()) and would cut a status such as "<x>" out of the JSON).
     */
    public static function saveState(int $idOrder, string $stateJson): void
    {
        Db::getInstance()->execute('REPLACE INTO `' . _DB_PREFIX_ . self::STATE_TABLE . '` (`id_order`, `state`) VALUES ('
            . (int) $idOrder . ", '" . pSQL($stateJson, true) . "')");
    }

    /**
     * Everifin's ids an event carries, by kind, in the order they are looked up: its orderId, then
     * paymentId, then refundId (UUIDs, lower-cased by the library).
     *
     * @return array<string, string>
     */
    public static function everifinIds(\Everifin\Webhook\Event $event): array
    {
        $ids = [];
        foreach (['order' => $event->orderId, 'payment' => $event->paymentId, 'refund' => $event->refundId] as $type => $id) {
            if (is_string($id) && $id !== '' && strlen($id) <= 64) {
                $ids[$type] = $id;
            }
        }
        return $ids;
    }

    /**
     * Records that the event's Everifin ids belong to shop order $idOrder (the first order an id
     * was matched to keeps it), so that a later event without a usable externalId or
     * hookData.orderId -- a refund typically carries only refundId and Everifin's orderId -- finds it.
     */
    public static function rememberIds(int $idOrder, \Everifin\Webhook\Event $event): void
    {
        $rows = [];
        foreach (self::everifinIds($event) as $type => $id) {
            $rows[] = "('" . $type . "', '" . pSQL($id) . "', " . (int) $idOrder . ')';
        }
        if ($rows !== []) {
            Db::getInstance()->execute('INSERT IGNORE INTO `' . _DB_PREFIX_ . self::REF_TABLE . '` (`ref_type`, `ref_id`, `id_order`) VALUES ' . implode(', ', $rows));
        }
    }

    /**
     * Records that Everifin payment $paymentId paid order $idOrder (a row of kind "paid"; the
     * webhook moved the order to PS_OS_PAYMENT for it): a later paid status of the same payment
     * is no second payment (Attention).
     */
    public static function rememberPaidBy(int $idOrder, string $paymentId): void
    {
        if ($paymentId !== '' && strlen($paymentId) <= 64) {
            Db::getInstance()->execute('INSERT IGNORE INTO `' . _DB_PREFIX_ . self::REF_TABLE . "` (`ref_type`, `ref_id`, `id_order`) VALUES ('paid', '" . pSQL($paymentId) . "', " . (int) $idOrder . ')');
        }
    }

    /** The Everifin payment the webhook marked order $idOrder paid for (rememberPaidBy()), or null. */
    public static function paidBy(int $idOrder): ?string
    {
        $v = Db::getInstance()->getValue('SELECT `ref_id` FROM `' . _DB_PREFIX_ . self::REF_TABLE . "` WHERE `ref_type` = 'paid' AND `id_order` = " . (int) $idOrder, false);
        return is_string($v) && $v !== '' ? $v : null;
    }

    /**
     * What paid order $order as PrestaShop records it, for an event of Everifin payment
     * $paymentId, when the webhook did not mark it paid itself (no paidBy() row): a checkout
     * payment module marks the order paid on the customer's return (validateOrder() with its
     * transaction_id), the merchant by hand. Read from the order's payments (table order_payment,
     * the rows of OrderPayment::getByOrderReference(), shared by the orders of one cart through
     * their reference): $paymentId when a payment's transaction_id is it (case aside), else the
     * first other transaction id (not $everifinOrderId: an Everifin order holds several payments),
     * else '' (no id recorded: PrestaShop's own payment row of a move to a paid state has none).
     * Not through PrestaShop's query cache, like every read of the module.
     */
    public static function paidByOrderPayments(Order $order, ?string $paymentId, ?string $everifinOrderId): string
    {
        $reference = (string) $order->reference;
        if ($reference === '') {
            return '';
        }
        $rows = Db::getInstance()->executeS('SELECT `transaction_id` FROM `' . _DB_PREFIX_ . "order_payment` WHERE `order_reference` = '" . pSQL($reference) . "' ORDER BY `id_order_payment`", true, false);
        $other = '';
        foreach (is_array($rows) ? $rows : [] as $row) {
            $id = trim((string) ($row['transaction_id'] ?? ''));
            if ($id === '') {
                continue;
            }
            if ($paymentId !== null && strcasecmp($id, $paymentId) === 0) {
                return $paymentId;
            }
            if ($other === '' && ($everifinOrderId === null || strcasecmp($id, $everifinOrderId) !== 0)) {
                $other = $id;
            }
        }
        return $other;
    }

    /**
     * The shop orders earlier events tied to the event's Everifin ids: by its orderId, then its
     * paymentId, then its refundId.
     *
     * @return list<int>
     */
    public static function ordersByEverifinIds(\Everifin\Webhook\Event $event): array
    {
        $found = [];
        foreach (self::everifinIds($event) as $type => $id) {
            $v = Db::getInstance()->getValue('SELECT `id_order` FROM `' . _DB_PREFIX_ . self::REF_TABLE . "` WHERE `ref_type` = '" . $type . "' AND `ref_id` = '" . pSQL($id) . "'", false);
            if ($v !== false && (int) $v > 0) {
                $found[] = (int) $v;
            }
        }
        return array_values(array_unique($found));
    }

    /**
     * Records a delivery that changed no order ($kind "rejected" or "unmatched") for the
     * configuration page: the time and $record (ids and status names only, never the body, the
     * header or a message quoting them). At most one record of a kind every TRACE_INTERVAL
     * seconds, whatever a stranger sends: first one read of the kind's record; while it is fresh
     * the request costs nothing more (no write statement, nothing in the binary log). Only when
     * it is missing or older (or dated in the future), one INSERT ... ON DUPLICATE KEY UPDATE that
     * replaces the row only when it is still older, so that requests which read the old record
     * at the same moment replace it once. Returns whether it wrote. Never throws: the record is
     * for the merchant's information only.
     *
     * @param array<string, mixed> $record
     */
    public static function trace(string $kind, array $record): bool
    {
        try {
            $now = time();
            $db = Db::getInstance();
            // getValue() appends " LIMIT 1"; not from the cache (the row changes between requests).
            $time = $db->getValue('SELECT `time` FROM `' . _DB_PREFIX_ . self::TRACE_TABLE . "` WHERE `kind` = '" . pSQL($kind) . "'", false);
            if (is_numeric($time) && (int) $time > $now - self::TRACE_INTERVAL && (int) $time <= $now) {
                return false;
            }
            $json = pSQL((string) json_encode($record, JSON_UNESCAPED_SLASHES | JSON_UNESCAPED_UNICODE | JSON_INVALID_UTF8_SUBSTITUTE), true);
            $stale = '`time` > ' . $now . ' OR `time` <= ' . ($now - self::TRACE_INTERVAL);
            $db->execute('INSERT INTO `' . _DB_PREFIX_ . self::TRACE_TABLE . "` (`kind`, `time`, `record`) VALUES ('" . pSQL($kind) . "', " . $now . ", '" . $json . "')"
                . " ON DUPLICATE KEY UPDATE `record` = IF(" . $stale . ", '" . $json . "', `record`), `time` = IF(" . $stale . ', ' . $now . ', `time`)');
            return $db->Affected_Rows() > 0;
        } catch (\Throwable $e) {
            return false;
        }
    }

    /**
     * The traces recorded: kind => record with its 'time'. Empty when there are none or the table
     * cannot be read.
     *
     * @return array<string, array<string, mixed>>
     */
    public static function traces(): array
    {
        try {
            $rows = Db::getInstance()->executeS('SELECT `kind`, `time`, `record` FROM `' . _DB_PREFIX_ . self::TRACE_TABLE . '`', true, false);
        } catch (\Throwable $e) {
            return [];
        }
        $out = [];
        foreach (is_array($rows) ? $rows : [] as $row) {
            $record = json_decode((string) $row['record'], true);
            if (is_array($record)) {
                $out[(string) $row['kind']] = ['time' => (int) $row['time']] + $record;
            }
        }
        return $out;
    }

    /**
     * A private message on the order (employees only): the order page's "Messages" block, which
     * shows the messages of the order's customer service thread, and Customers > Customer Service.
     * The thread of the order is created when it has none. False when it cannot be written (the
     * order's customer no longer exists, a validation error): the caller logs the text anyway.
     */
    public static function addPrivateNote(Order $order, string $text): bool
    {
        try {
            $customer = new Customer((int) $order->id_customer);
            if (!Validate::isLoadedObject($customer)) {
                return false;
            }
            // The thread in the order's shop: CustomerThread::getIdCustomerThreadByEmailAndIdOrder()
            // looks in the shop of the request's URL, and with multistore a webhook URL of one
            // shop may deliver an event of another's order (a new thread for every note).
            // getValue() appends " LIMIT 1"; not from the cache.
            $idThread = (int) Db::getInstance()->getValue('SELECT `id_customer_thread` FROM `' . _DB_PREFIX_ . "customer_thread` WHERE `email` = '" . pSQL((string) $customer->email)
                . "' AND `id_shop` = " . (int) $order->id_shop . ' AND `id_order` = ' . (int) $order->id, false);
            if ($idThread <= 0) {
                $thread = new CustomerThread();
                $thread->id_contact = 0;
                $thread->id_customer = (int) $order->id_customer;
                $thread->id_shop = (int) $order->id_shop;
                $thread->id_order = (int) $order->id;
                $thread->id_lang = (int) $order->id_lang;
                $thread->email = $customer->email;
                $thread->status = 'open';
                $thread->token = Tools::passwdGen(12);
                if (!$thread->add()) {
                    return false;
                }
                $idThread = (int) $thread->id;
            }
            $message = new CustomerMessage();
            $message->id_customer_thread = $idThread;
            $message->id_employee = 0;
            $message->message = $text;
            $message->private = 1;
            return (bool) $message->add();
        } catch (\Throwable $e) {
            return false;
        }
    }

    /**
     * Runs $work inside a transaction with the order's row locked (SELECT ... FOR UPDATE), so two
     * deliveries of one order never both read the old state. Returns null when there is no such order.
     *
     * @template T
     * @param callable(): T $work
     * @return T|null
     */
    public static function withOrderLocked(int $idOrder, callable $work)
    {
        $db = Db::getInstance();
        if (!$db->execute('START TRANSACTION')) {
            throw new RuntimeException('cannot start a transaction');
        }
        try {
            // executeS() sends the query as written. Not getValue()/getRow(): they always append
            // " LIMIT 1", and "... FOR UPDATE LIMIT 1" is a syntax error. Not from the cache.
            $locked = $db->executeS('SELECT `id_order` FROM `' . _DB_PREFIX_ . 'orders` WHERE `id_order` = ' . (int) $idOrder . ' FOR UPDATE', true, false);
            $result = is_array($locked) && $locked !== [] ? $work() : null;
        } catch (\Throwable $e) {
            $db->execute('ROLLBACK');
            throw $e;
        }
        if (!$db->execute('COMMIT')) {
            throw new RuntimeException('cannot commit the order update');
        }
        return $result;
    }

    /**
     * Where the native library and its header are copied for PHP-FPM: a folder outside modules/
     * that only root can write (PHP-FPM's master, which runs as root, loads them when it starts).
     * php.ini must never name a file in the module folder: updating the module can replace it and
     * deleting the module removes it, and PHP-FPM then does not start at all. The binding's
     * Environment::STABLE_DIR, written out: PHP evaluates a class's constants when the first object
     * is made, and a constant taken from the library made that a fatal Error wherever the
     * library is missing or an earlier copy of it (without STABLE_DIR) was loaded first.
     */
    public const NATIVE_DIR = '/opt/everifin-webhook';

    /**
     * The backend in one sentence, from Environment::diagnose() (or the given result of it):
     * [ok, text]. The binding's own php.ini advice names files in its package folder, here the
     * module folder: it is left out, and the "Native library" panel says what to do instead.
     *
     * @param array<string, mixed>|null $d
     * @return array{0: bool, 1: string}
     */
    public static function backendSummary(?array $d = null): array
    {
        $problem = $d === null ? self::libraryProblem() : null;
        if ($problem !== null) {
            return [false, $problem];
        }
        if ($d === null) {
            $d = \Everifin\Webhook\Environment::diagnose();
        }
        if ($d['backend'] === 'ffi') {
            return [true, sprintf('The native library runs (PHP FFI, %s, library %s).', $d['via'] === 'scope' ? 'preloaded at PHP start' : 'loaded from ' . (string) $d['library'], (string) $d['libraryVersion'])];
        }
        if (method_exists(\Everifin\Webhook\Environment::class, 'withoutIniAdvice')) {
            $d = \Everifin\Webhook\Environment::withoutIniAdvice($d);
        }
        $text = sprintf('The pure-PHP fallback runs, because %s.', rtrim((string) $d['reason'], '.'));
        foreach ($d['fix'] as $fix) {
            $text .= ' ' . $fix;
        }
        return [false, $text . ' To use the native library, follow "Native library" below (php.ini must not name files in the module folder).'];
    }

    /**
     * The ffi.preload and opcache.preload entries of this PHP (or of $settings) that name a file in
     * the module folder: PHP-FPM does not start once an update or a deletion removed it.
     *
     * @param array<string, string>|null $settings
     * @return list<string> "ffi.preload=/path", ...
     */
    public static function preloadsInModuleFolder(?array $settings = null): array
    {
        if (!method_exists(\Everifin\Webhook\Environment::class, 'preloadsInside')) {
            return [];
        }
        return \Everifin\Webhook\Environment::preloadsInside(__DIR__, $settings);
    }

    /**
     * The commands that set up the native library for PHP-FPM with this shop's module folder, PHP
     * version and Debian's www-data as the pool user (Environment::phpFpmSetup() of the bundled
     * binding): copies of the library and its header in NATIVE_DIR, an opcache.preload script there
     * that preloads the module's library classes only while the module is installed, the php.ini
     * lines, php-fpm -t, then the reload. docs/release.md gives the same with example paths.
     * Null where they cannot be given: not on a server with "/" paths (Windows), or a module folder
     * whose path phpFpmSetup() refuses (", \ or $ in it); nativeSetupUnavailable() says why.
     *
     * @param string|null $moduleDir default: this module's folder
     */
    public static function nativeSetup(?string $moduleDir = null): ?string
    {
        if (DIRECTORY_SEPARATOR !== '/') {
            return null;
        }
        try {
            return \Everifin\Webhook\Environment::phpFpmSetup(($moduleDir === null ? __DIR__ : $moduleDir) . '/vendor/everifin-webhook', 'module', self::NATIVE_DIR, 'www-data');
        } catch (\InvalidArgumentException $e) {
            return null;
        }
    }

    /** Why nativeSetup() gives no commands, in one sentence. */
    public static function nativeSetupUnavailable(): string
    {
        if (DIRECTORY_SEPARATOR !== '/') {
            return 'The native library runs on Linux x86_64 only; on this server the pure-PHP fallback runs, with the same results.';
        }
        return 'The commands cannot be shown for this module folder: its path has a character they cannot quote (", \\ or $). Follow vendor/everifin-webhook/README.md in the module folder ("A broken ffi.preload or opcache.preload stops PHP-FPM") with your paths.';
    }

    /**
     * An unmatched delivery's trace record for the page: "event E (type STATUS), looked for
     * externalId "43", hookData.orderId 7, Everifin orderId ..." (the binding's Unmatched; an older
     * copy of the binding loaded by another module may lack it).
     *
     * @param array<string, mixed> $record
     */
    public static function describeUnmatched(array $record): string
    {
        if (class_exists(\Everifin\Webhook\Unmatched::class)) {
            return \Everifin\Webhook\Unmatched::describe($record);
        }
        return 'event ' . (string) ($record['eventId'] ?? '');
    }

    /**
     * What the status of a rejected delivery means, in the module's own words: the record holds no
     * text of the request (the library's message quotes it), so a stranger cannot put words on
     * the configuration page.
     */
    public static function describeRejection(int $httpStatus, string $status): string
    {
        // The binding's sentence (an older copy of the binding loaded by another plugin may lack it).
        $meaning = method_exists(\Everifin\Webhook\Status::class, 'rejectionMeaning') ? \Everifin\Webhook\Status::rejectionMeaning($status) : null;
        if ($meaning !== null) {
            return \Everifin\Webhook\Status::family($status) === 'internal' ? $meaning . ' (see Advanced Parameters > Logs, messages starting with everifin-webhook).' : $meaning . '.';
        }
        return 'see the status name.';
    }

    /** How an event finds its order, for the configuration page (the binding's sentence, as the WooCommerce plugin shows it). */
    public static function matching(): string
    {
        if (class_exists(\Everifin\Webhook\Unmatched::class)) {
            return \Everifin\Webhook\Unmatched::matching('PrestaShop', 'ps-1042');
        }
        return 'An event is matched to an order by its externalId when it is the PrestaShop order ID (digits only), else by hookData.orderId.';
    }

    /**
     * The "Deliveries that changed no order" panel (HTML, everything escaped): the last delivery
     * answered with an error (a wrong secret makes every genuine delivery a 401) and the last
     * verified one that matched no order, at most one of each kind recorded a minute.
     */
    private static function deliveriesPanel(): string
    {
        $h = static function (string $text): string {
            return htmlspecialchars($text, ENT_QUOTES);
        };
        $when = static function (int $time): string {
            return date('Y-m-d H:i:s', $time);
        };
        $traces = self::traces();
        $out = '<div class="panel everifin-webhook-deliveries"><h3>Deliveries that changed no order</h3>';
        $rejected = $traces['rejected'] ?? null;
        if ($rejected !== null) {
            $http = (int) ($rejected['httpStatus'] ?? 0);
            $status = (string) ($rejected['status'] ?? '');
            $out .= '<p class="everifin-webhook-last-rejected">' . $h(sprintf('Last answered with an error: %s, HTTP %s: %s', $when((int) $rejected['time']), trim($http . ' ' . $status), self::describeRejection($http, $status))) . '</p>'
                . '<p class="help-block">' . $h($http >= 500
                    ? 'Everifin retries a 5xx answer a few times: fix the cause soon.'
                    : 'Everifin does not retry a 4xx answer. A stranger\'s request is rejected like this too; if Everifin\'s own deliveries are (its Back Office shows their answers), the hook secret here is not the one in the Back Office: enter it again.') . '</p>';
        } else {
            $out .= '<p class="everifin-webhook-last-rejected">No delivery answered with an error has been recorded.</p>';
        }
        $unmatched = $traces['unmatched'] ?? null;
        if ($unmatched !== null) {
            $out .= '<p class="everifin-webhook-last-unmatched">' . $h(sprintf('Last verified delivery that matched no order: %s, %s.', $when((int) $unmatched['time']), self::describeUnmatched($unmatched))) . '</p>'
                . '<p class="help-block">' . $h('Answered 200 (Everifin does not send it again) and logged in Advanced Parameters > Logs.') . '</p>';
        } else {
            $out .= '<p class="everifin-webhook-last-unmatched">No verified delivery without a matching order has been recorded.</p>';
        }
        return $out . '<p class="help-block">' . $h(self::matching()) . '</p>'
            . '<p class="help-block">At most one delivery of each kind is recorded a minute. Their bodies and Signature headers are not stored, nor the error message sent back (it may quote them).</p></div>';
    }

    /** The "Native library" panel of the configuration page (HTML, everything escaped). */
    private static function nativePanel(): string
    {
        $h = static function (string $text): string {
            return htmlspecialchars($text, ENT_QUOTES);
        };
        $out = '<div class="panel everifin-webhook-native"><h3>Native library (optional, faster)</h3>';
        if (!method_exists(\Everifin\Webhook\Environment::class, 'phpFpmSetup')) {
            return $out . '<p>' . $h('The commands need the library of this module version; reload PHP-FPM (the classes it preloaded at its start are of an older version) or reinstall the module.') . '</p></div>';
        }
        $setup = self::nativeSetup();
        if ($setup === null) {
            return $out . '<p class="everifin-webhook-native-setup">' . $h(self::nativeSetupUnavailable()) . '</p></div>';
        }
        $out .= '<p>' . $h('The pure-PHP fallback gives the same results; the native library is faster. Under PHP-FPM it is loaded when PHP-FPM starts, from files named in php.ini. Those files must not be in the module folder: updating the module can replace the folder and deleting the module removes it, and PHP-FPM does not start at all with a missing file (every page of the shop answers 502). With sudo, with this shop\'s paths (Debian/Ubuntu; elsewhere adapt the php.ini folder and the service name, and www-data to the user of your PHP-FPM pool):') . '</p>'
            . '<pre class="everifin-webhook-native-setup">' . $h($setup) . '</pre>';
        return $out . '<p>' . $h(sprintf(
            'PHP allows one opcache.preload: if php.ini has one already, leave out the opcache.preload line and add the line require \'%s/preload.php\'; to that file. After each module update, run the first three commands again (the new library and its header), then the last line: php-fpm -t must succeed before PHP-FPM is reloaded; until then the library copied before is used. Before deleting the module: delete 90-everifin-webhook.ini, run the last line, then delete %s.',
            self::NATIVE_DIR,
            self::NATIVE_DIR
        )) . '</p></div>';
    }

    /** The configuration page: the hook secrets (never shown back) and the backend notice. */
    public function getContent(): string
    {
        $out = '';
        try {
            self::ensureSchema();   // the tables of this version, as the front controller does
        } catch (\Throwable $e) {
            $out .= $this->displayError(htmlspecialchars('The module\'s tables could not be created: ' . $e->getMessage(), ENT_QUOTES));
        }
        if (Tools::isSubmit('submitEverifinWebhook')) {
            // As posted: not through Tools::getValue(), which removes NUL bytes and a backslash
            // followed by zeros.
            $posted = $_POST['EVERIFIN_WEBHOOK_SECRETS'] ?? '';
            $secrets = self::lines(is_string($posted) ? $posted : '');
            $error = null;
            if ($secrets !== [] && class_exists(\Everifin\Webhook\Verifier::class)) {
                try {
                    new \Everifin\Webhook\Verifier($secrets);
                } catch (\Everifin\Webhook\Exception\WebhookException $e) {
                    $error = $e->getMessage();   // names the problem, never a secret
                }
            }
            // A blank pasted with a secret would make every genuine webhook a 401 (SecretInput).
            $blank = $error === null && class_exists(\Everifin\Webhook\SecretInput::class)
                ? \Everifin\Webhook\SecretInput::blankProblem($secrets) : null;
            if ($blank !== null) {
                $error = 'Not saved: ' . $blank . ' The configured secrets are unchanged.';
            }
            if ($error !== null) {
                $out .= $this->displayError(htmlspecialchars($error, ENT_QUOTES)); // displayError() prints HTML as given
            } elseif ($secrets !== []) {
                try {
                    $saved = self::saveSecrets($secrets);
                } catch (\Throwable $e) {
                    $saved = false;   // not shown: a database error may quote the statement, and so the secrets
                }
                $out .= $saved
                    ? $this->displayConfirmation(sprintf('%d hook secret(s) saved.', count($secrets)) . self::ownSecretsKept())
                    : $this->displayError('Not saved: the configuration could not be written. The configured secrets are unchanged.');
            }
        }
        [$ok, $summary] = self::backendSummary();
        // displayInformation(), displayWarning() and displayError() print HTML as given.
        $out .= $ok ? $this->displayInformation(htmlspecialchars($summary, ENT_QUOTES)) : $this->displayWarning(htmlspecialchars($summary, ENT_QUOTES));
        $inside = self::preloadsInModuleFolder();
        if ($inside !== []) {
            $out .= $this->displayError(htmlspecialchars(sprintf(
                'php.ini names a file in the module folder (%s). Updating or deleting the module removes it, and PHP-FPM then does not start at all (every page of the shop answers 502). Move it to %s as "Native library" below says, and check with php-fpm -t before PHP-FPM is next reloaded or restarted.',
                implode(', ', $inside),
                self::NATIVE_DIR
            ), ENT_QUOTES));
        }
        if (self::secrets() === []) {
            $out .= $this->displayWarning('No hook secret is configured: webhooks are answered with HTTP 500 (Everifin retries them) until you set one.');
        }
        $url = $this->context->link->getModuleLink($this->name, 'webhook', [], true);
        $out .= '<div class="panel"><h3>Everifin webhook</h3>'
            . '<p>Webhook URL to enter in the Everifin Back Office: <code>' . htmlspecialchars($url, ENT_QUOTES) . '</code></p>'
            . '<form method="post" action="' . htmlspecialchars((string) $_SERVER['REQUEST_URI'], ENT_QUOTES) . '">'
            . '<p>' . count(self::secrets()) . ' hook secret(s) configured. One per line, oldest first; saving replaces them all.</p>'
            . '<textarea name="EVERIFIN_WEBHOOK_SECRETS" rows="3" cols="70" autocomplete="off"></textarea>'
            . '<button type="submit" name="submitEverifinWebhook" class="btn btn-primary">Save</button>'
            . '</form></div>';
        $out .= self::deliveriesPanel();
        if (class_exists(\Everifin\Webhook\Environment::class)) {
            $out .= self::nativePanel();
        }
        return $out;
    }
}
