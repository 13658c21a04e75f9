<?php
/**
 * The PrestaShop module ZIP as shipped: unpacked by tests/dist/run.sh, loaded from there (with the
 * binding and the native library it bundles, not the checkout's), against the PrestaShop stubs of
 * bindings/php/tests/stubs (PrestaShop itself is not installable here). Their Db rewrites queries
 * exactly as PrestaShop's Db does (getRow/getValue always append " LIMIT 1") and, with
 * EVF_PS_MYSQL=SOCKET:DATABASE (tests/dist/run.sh starts a private MariaDB), sends them to MariaDB
 * through PDO set up as PrestaShop's DbPDO does: the module's SQL runs in MySQL's dialect. Every
 * folder has an index.php; install creates the tables; a payment BOOKED moves the order to
 * PS_OS_PAYMENT once; the duplicate is skipped; a second payment is told, naming the payment that
 * paid the order; a forged request is 401 and recorded, and the next ones, while that record is
 * fresh, cost one read and no write statement; a refund
 * without externalId finds its order by Everifin's orderId; a delivery that matches no order is
 * logged and recorded once a minute; with multistore, saving hook secrets in one shop moves the
 * ones earlier versions saved for the others where they are.
 *
 *     [EVF_PS_MYSQL=/path/mysqld.sock:db] php -d ffi.enable=1|0 prestashop.php UNPACKED_DIR ffi|php
 * Prints one line per check; exit status 1 on any failure.
 */

declare(strict_types=1);

[$self, $dir, $expect] = $argv + [null, '', ''];
$failures = 0;
$check = static function (string $what, bool $ok, $detail = '') use (&$failures): void {
    echo ($ok ? 'ok    ' : 'FAIL  '), $what, $ok ? '' : ': ' . json_encode($detail), "\n";
    $failures += $ok ? 0 : 1;
};

require __DIR__ . '/../../bindings/php/tests/stubs/prestashop.php';
require $dir . '/everifinwebhook/everifinwebhook.php';
require $dir . '/everifinwebhook/controllers/front/webhook.php';

// MariaDB, connected as PrestaShop's DbPDOCore::getPDO() and connect() do (no PDO::ATTR_ERRMODE:
// PHP 8's default, exceptions; sql_mode emptied).
$mysql = null;
if ((string) getenv('EVF_PS_MYSQL') !== '') {
    [$sock, $dbName] = explode(':', (string) getenv('EVF_PS_MYSQL'), 2);
    $mysql = new PDO("mysql:dbname=$dbName;unix_socket=$sock;charset=utf8mb4", 'root', '', [
        PDO::ATTR_TIMEOUT => 5, PDO::MYSQL_ATTR_USE_BUFFERED_QUERY => true, PDO::MYSQL_ATTR_INIT_COMMAND => 'SET NAMES utf8mb4']);
    $mysql->exec("SET SESSION sql_mode = ''");
    $mysql->exec('CREATE TABLE `ps_orders` (`id_order` INT UNSIGNED NOT NULL PRIMARY KEY, `current_state` INT UNSIGNED NOT NULL) ENGINE=InnoDB');
    // PrestaShop's order_payment (install-dev/data/db_structure.sql), what OrderPayment reads and writes.
    $mysql->exec('CREATE TABLE `ps_order_payment` (`id_order_payment` INT NOT NULL AUTO_INCREMENT PRIMARY KEY, `order_reference` VARCHAR(9),
        `id_currency` INT UNSIGNED NOT NULL, `amount` DECIMAL(20,6) NOT NULL, `payment_method` VARCHAR(255) NOT NULL, `conversion_rate` DECIMAL(13,6) NOT NULL DEFAULT 1,
        `transaction_id` VARCHAR(254) NULL, `card_number` VARCHAR(254) NULL, `card_brand` VARCHAR(254) NULL, `card_expiration` CHAR(7) NULL, `card_holder` VARCHAR(254) NULL,
        `date_add` DATETIME NOT NULL, KEY `order_reference` (`order_reference`)) ENGINE=InnoDB');
    // PrestaShop's customer_thread (db_structure.sql): the module looks up an order's thread in it;
    // the stubs' CustomerThread::add() writes its rows there too.
    $mysql->exec("CREATE TABLE `ps_customer_thread` (`id_customer_thread` INT UNSIGNED NOT NULL AUTO_INCREMENT PRIMARY KEY, `id_shop` INT UNSIGNED NOT NULL DEFAULT 1,
        `id_lang` INT UNSIGNED NOT NULL, `id_contact` INT UNSIGNED NOT NULL, `id_customer` INT UNSIGNED NULL, `id_order` INT UNSIGNED NULL, `id_product` INT UNSIGNED NULL,
        `status` ENUM('open', 'closed', 'pending1', 'pending2') NOT NULL DEFAULT 'open', `email` VARCHAR(255) NOT NULL, `token` VARCHAR(12) NULL,
        `date_add` DATETIME NOT NULL, `date_upd` DATETIME NOT NULL, KEY `id_order` (`id_order`)) ENGINE=InnoDB");
    // PrestaShop's configuration and shop tables (db_structure.sql; ps_shop without its unused
    // columns): the module moves the hook secrets of earlier versions with SQL; the stubs copy
    // their configuration there for each such statement.
    $mysql->exec('CREATE TABLE `ps_configuration` (`id_configuration` INT(11) UNSIGNED NOT NULL AUTO_INCREMENT, `id_shop_group` INT(11) UNSIGNED DEFAULT NULL,
        `id_shop` INT(11) UNSIGNED DEFAULT NULL, `name` VARCHAR(254) NOT NULL, `value` TEXT, `date_add` DATETIME NOT NULL, `date_upd` DATETIME NOT NULL,
        PRIMARY KEY (`id_configuration`), KEY `name` (`name`), KEY `id_shop` (`id_shop`), KEY `id_shop_group` (`id_shop_group`)) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4');
    $mysql->exec('CREATE TABLE `ps_shop` (`id_shop` INT(11) UNSIGNED NOT NULL AUTO_INCREMENT, `id_shop_group` INT(11) UNSIGNED NOT NULL, `name` VARCHAR(64) NOT NULL,
        `id_category` INT(11) UNSIGNED NOT NULL, `theme_name` VARCHAR(255) NOT NULL, `active` TINYINT(1) NOT NULL, `deleted` TINYINT(1) NOT NULL,
        PRIMARY KEY (`id_shop`), KEY `IDX_SHOP_GROUP` (`id_shop_group`, `deleted`)) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4');
    Db::useLink($mysql);
    echo 'database: ', $mysql->query('SELECT VERSION()')->fetchColumn(), " (EVF_PS_MYSQL)\n";
} else {
    echo "database: the stubs' in-memory tables (set EVF_PS_MYSQL for MariaDB)\n";
}
/** A shop order, in the stubs and in MariaDB's ps_orders (what the lock reads). */
$order = static function (int $id, int $state) use ($mysql): void {
    PsStub::$orders[$id] = ['state' => $state];
    $mysql?->exec("INSERT INTO `ps_orders` VALUES ($id, $state)");
};
/** A payment of order $id as a payment module's validateOrder() records it (OrderPayment), in the stubs and in MariaDB. */
$payment = static function (int $id, string $transactionId) use ($mysql): void {
    PsStub::addPayment($id, $transactionId);
    $mysql?->exec("INSERT INTO `ps_order_payment` (`order_reference`, `id_currency`, `amount`, `payment_method`, `transaction_id`, `date_add`) VALUES ('"
        . PsStub::reference($id) . "', 1, 10, 'Everifin', " . $mysql->quote($transactionId) . ', NOW())');
};
/** The rows of one of the module's tables (MariaDB) or of the stubs' in-memory one. */
$rows = static function (string $table) use ($mysql): array {
    if ($mysql !== null) {
        return $mysql->query("SELECT * FROM `ps_$table` ORDER BY 1, 2")->fetchAll(PDO::FETCH_NUM);
    }
    return match ($table) {
        'everifin_webhook_state' => array_map(null, array_keys(PsStub::$stateTable), array_values(PsStub::$stateTable)),
        'everifin_webhook_ref' => array_map(static fn ($k, $v) => [...explode(' ', $k), $v], array_keys(PsStub::$refs), array_values(PsStub::$refs)),
        'everifin_webhook_trace' => array_map(static fn ($k, $v) => [$k, $v['time'], $v['record']], array_keys(PsStub::$traces), array_values(PsStub::$traces)),
    };
};

$missing = is_file($dir . '/everifinwebhook/index.php') ? [] : ['everifinwebhook'];
foreach (new RecursiveIteratorIterator(new RecursiveDirectoryIterator($dir . '/everifinwebhook', FilesystemIterator::SKIP_DOTS), RecursiveIteratorIterator::SELF_FIRST) as $f) {
    if ($f->isDir() && !is_file($f->getPathname() . '/index.php')) {
        $missing[] = substr($f->getPathname(), strlen($dir) + 1);
    }
}
$check('every folder of the module has an index.php (PrestaShop convention: no directory listing)', $missing === [], $missing);
$logo = @getimagesize($dir . '/everifinwebhook/logo.png');
$check('logo.png, the module\'s icon in the Back Office, is a 32x32 PNG', is_array($logo) && [$logo[0], $logo[1], $logo['mime']] === [32, 32, 'image/png'], $logo);

$bundled = realpath($dir . '/everifinwebhook/vendor/everifin-webhook');
$file = (new ReflectionClass(\Everifin\Webhook\Verifier::class))->getFileName();
$check('the binding is loaded from the ZIP (vendor/everifin-webhook)', str_starts_with((string) $file, $bundled . '/'), $file);
$d = \Everifin\Webhook\Environment::diagnose();
$check("backend is $expect", $d['backend'] === $expect, [$d['backend'], $d['reason']]);
if ($expect === 'ffi') {
    $check('the native library is the bundled one', realpath((string) $d['library']) === $bundled . '/lib/libeverifin_webhook.so', $d['library']);
}
[$ok, $summary] = EverifinWebhook::backendSummary();
$check('the configuration page names the backend', $ok === ($expect === 'ffi') && str_contains($summary, $expect === 'ffi' ? 'native library runs' : 'pure-PHP fallback runs, because'), $summary);

// The configuration page's "Native library" commands (docs/release.md): php.ini names only copies
// in /opt/everifin-webhook, never the module folder, which an update or a deletion removes.
$module = realpath($dir . '/everifinwebhook');
$setup = EverifinWebhook::nativeSetup();
$check('the native library commands name the unpacked module\'s binding', str_contains($setup, "\$file = '$module/vendor/everifin-webhook/preload.php';"), $setup);
$ini = preg_match("~<<'INI'\n(.*?)\nINI\n~s", $setup, $m) === 1 ? $m[1] : '';
$check('their php.ini lines name only /opt/everifin-webhook', $ini !== '' && !str_contains($ini, $module) && substr_count($ini, '=/opt/everifin-webhook/') === 2, $ini);
$_SERVER['REQUEST_URI'] = '/admin/index.php?controller=AdminModules&configure=everifinwebhook';
$page = (new EverifinWebhook())->getContent();
$check('the configuration page shows them, escaped', str_contains($page, '<pre class="everifin-webhook-native-setup">' . htmlspecialchars($setup, ENT_QUOTES) . '</pre>') && !str_contains($page, '<?php'), $page);
$check('the configuration page warns about php.ini naming the module folder', EverifinWebhook::preloadsInModuleFolder(['opcache.preload' => "$module/vendor/everifin-webhook/preload.php"]) === ["opcache.preload=$module/vendor/everifin-webhook/preload.php"]
    && EverifinWebhook::preloadsInModuleFolder(['ffi.preload' => '/opt/everifin-webhook/everifin_webhook.ffi.h', 'opcache.preload' => '/opt/everifin-webhook/preload.php']) === [], $module);
if ($expect === 'ffi') {
    // Run them as the shop's admin would (without sudo, /opt/everifin-webhook and conf.d in a
    // temporary folder, without the reload); then delete the module (its folder moved away): PHP
    // still starts with the copies, and does not with the header of the former setup in the module folder.
    $tmp = sys_get_temp_dir() . '/evf-ps-native-' . getmypid();
    $php = PHP_MAJOR_VERSION . '.' . PHP_MINOR_VERSION;
    $run = strtr(preg_replace(['/^sudo php-fpm.* -t && .*\n/m', '/^sudo /m'], '', $setup), [
        '/opt/everifin-webhook' => "$tmp/opt", "/etc/php/$php/fpm/conf.d/90-everifin-webhook.ini" => "$tmp/90-everifin-webhook.ini"]);
    $phpRun = static function (array $args): array {
        $p = proc_open(array_merge([PHP_BINARY], $args), [0 => ['file', '/dev/null', 'r'], 1 => ['pipe', 'w'], 2 => ['pipe', 'w']], $pipes);
        $out = stream_get_contents($pipes[1]) . stream_get_contents($pipes[2]);
        fclose($pipes[1]);
        fclose($pipes[2]);
        return [proc_close($p), $out];
    };
    $scope = ['-d', 'ffi.enable=1', '-r', 'echo FFI::scope("EVERIFIN_WEBHOOK") ? "scope" : "none";'];
    @mkdir($tmp, 0700, true);
    file_put_contents("$tmp/setup.sh", $run);
    exec('PATH=' . escapeshellarg(dirname(PHP_BINARY)) . ':"$PATH" bash -e ' . escapeshellarg("$tmp/setup.sh") . ' 2>&1', $out, $rc);
    $header = (string) @file_get_contents("$tmp/opt/everifin_webhook.ffi.h");
    $check('the commands copy the library, its header and the preload script', $rc === 0 && is_file("$tmp/opt/libeverifin_webhook.so") && is_file("$tmp/opt/preload.php")
        && str_contains($header, "#define FFI_LIB \"$tmp/opt/libeverifin_webhook.so\"") && !str_contains((string) @file_get_contents("$tmp/90-everifin-webhook.ini"), $module), [$rc, $out]);
    [$rc, $out] = $phpRun(array_merge(['-d', "ffi.preload=$tmp/opt/everifin_webhook.ffi.h"], $scope));
    $check('PHP preloads the copied header', [$rc, $out] === [0, 'scope'], [$rc, $out]);
    $former = $bundled . '/lib/everifin_webhook.ffi.h';
    $shipped = file_exists($former);
    $phpRun([$bundled . '/bin/ffi-header.php']);   // the former setup: the header in the module folder
    rename($module, "$module.deleted");
    try {
        [$rc, $out] = $phpRun(array_merge(['-d', "ffi.preload=$tmp/opt/everifin_webhook.ffi.h"], $scope));
        $check('with the module deleted, PHP still starts with the copies', [$rc, $out] === [0, 'scope'], [$rc, $out]);
        [$rc2, $out2] = $phpRun(array_merge(['-d', "ffi.preload=$former"], $scope));
        $check('with the module deleted, the former setup (header in the module folder) stops PHP', $rc2 !== 0 && str_contains($out2, 'Unable to start FFI module'), [$rc2, $out2]);
    } finally {
        rename("$module.deleted", $module);
        if (!$shipped) {
            @unlink($former);
        }
        exec('rm -rf ' . escapeshellarg($tmp));
    }
}

$secret = 'prestashop test hook secret';
PsStub::$config = ['PS_OS_PAYMENT' => 2, 'PS_OS_BANKWIRE' => 10, 'PS_OS_REFUND' => 7, 'PS_OS_CANCELED' => 6];
EverifinWebhook::saveSecrets(['old secret', $secret]);
PsStub::newRequest();
$order(77, 10);
$check('install() creates the tables', (new EverifinWebhook())->install()
    && ($mysql === null || $mysql->query("SHOW TABLES LIKE 'ps\\_everifin\\_webhook\\_%'")->fetchAll(PDO::FETCH_COLUMN) === ['ps_everifin_webhook_ref', 'ps_everifin_webhook_state', 'ps_everifin_webhook_trace']));
if ($mysql !== null) {
    // What the module sent before: Db::getValue() appends " LIMIT 1" after its "LIMIT 1 FOR UPDATE".
    try {
        Db::getInstance()->getValue('SELECT `id_order` FROM `ps_orders` WHERE `id_order` = 77 LIMIT 1 FOR UPDATE', false);
        $check('the former lock query through Db::getValue() is a syntax error on MariaDB', false, end(PsStub::$log));
    } catch (PDOException $e) {
        $check('the former lock query through Db::getValue() is a syntax error on MariaDB', str_contains($e->getMessage(), '1064') && end(PsStub::$log) === 'SELECT `id_order` FROM `ps_orders` WHERE `id_order` = 77 LIMIT 1 FOR UPDATE LIMIT 1', $e->getMessage());
    }
}
$now = new DateTimeImmutable('now', new DateTimeZone('UTC'));
$evfOrder = '8840d948-12da-4ca1-8269-3cfdc10b73bc';
$body = json_encode(['eventId' => '0f6f3a52-7f38-4c56-9d0e-1d8f1b0c2a77', 'eventType' => 'payment.statusChange',
    'eventTimestamp' => $now->format('Y-m-d\TH:i:s.v\Z'),
    'data' => ['paymentId' => 'da96bc8f-3c3e-4b7a-9d1e-0c1f3b5a7e21', 'status' => 'BOOKED', 'externalId' => '77', 'orderId' => $evfOrder]]);
$sign = static function (string $body, string $secret) use ($now): string {
    $ts = $now->format('Y-m-d\TH:i:s.v\Z');
    return "ts=$ts;v0=" . hash_hmac('sha256', "$ts.$body", $secret);
};
$c = new EverifinWebhookWebhookModuleFrontController();
[$code, $payload] = $c->handle($body, $sign($body, $secret));
$check('BOOKED -> 200 apply first, order in PS_OS_PAYMENT', [$code, $payload, PsStub::$orders[77]['state']]
    === [200, ['received' => true, 'order' => 77, 'decision' => ['action' => 'apply', 'reason' => 'first'], 'orderOutcome' => 'paid', 'orderState' => 2], 2], [$code, $payload]);
$state = $rows('everifin_webhook_state');
$check('the state is stored', count($state) === 1 && (int) $state[0][0] === 77 && json_decode($state[0][1], true)['status'] === 'BOOKED', $state);
$refs = array_map(static fn ($r) => [$r[0], $r[1], (int) $r[2]], $rows('everifin_webhook_ref'));
sort($refs);
$check("Everifin's orderId and paymentId, and the payment the order was marked paid for, are recorded for the order", $refs
    === [['order', $evfOrder, 77], ['paid', 'da96bc8f-3c3e-4b7a-9d1e-0c1f3b5a7e21', 77], ['payment', 'da96bc8f-3c3e-4b7a-9d1e-0c1f3b5a7e21', 77]], $refs);
[$code, $payload] = $c->handle($body, $sign($body, 'old secret'));
$check('the same event again -> 200 skip duplicate, one history row', [$code, $payload['decision']['reason'] ?? null, count(PsStub::$history)] === [200, 'duplicate', 1], [$code, $payload]);
[$code, $payload] = $c->handle($body, $sign($body, 'not the secret'));
$check('forged -> 401 SIGNATURE_MISMATCH', [$code, $payload['status'] ?? null] === [401, 'SIGNATURE_MISMATCH'], [$code, $payload]);
$trace = $rows('everifin_webhook_trace');
$check('the rejected delivery is recorded: status only', count($trace) === 1 && $trace[0][0] === 'rejected' && $trace[0][2] === '{"httpStatus":401,"status":"SIGNATURE_MISMATCH"}', $trace);
// While that record is fresh, a stranger's request costs one read and no write statement: the
// statements sent, and MariaDB's own count of the write statements it ran in this session.
$writes = static function () use ($mysql): int {
    $n = 0;
    foreach ($mysql->query("SHOW SESSION STATUS WHERE `Variable_name` IN ('Com_insert', 'Com_insert_select', 'Com_update', 'Com_update_multi', 'Com_replace', 'Com_replace_select', 'Com_delete', 'Com_delete_multi')")->fetchAll(PDO::FETCH_NUM) as [, $v]) {
        $n += (int) $v;
    }
    return $n;
};
$writesBefore = $mysql === null ? 0 : $writes();
$from = count(PsStub::$log);
for ($i = 0; $i < 20; $i++) {
    $c->handle('{"a":' . $i . '}', 'ts=' . $now->format('Y-m-d\TH:i:s.v\Z') . ';v0=' . str_repeat('0', 64));
}
$sent = array_slice(PsStub::$log, $from);
$writesAfter = $mysql === null ? 0 : $writes();
$check('20 forged requests while the rejected record is fresh: one read each, no write statement' . ($mysql === null ? '' : ' (MariaDB counted none)'),
    count($sent) === 20 && preg_grep('/^SELECT `time` FROM `ps_everifin_webhook_trace`/', $sent, PREG_GREP_INVERT) === [] && $writesAfter === $writesBefore, [$sent, $writesBefore, $writesAfter]);
$check('every order update ran inside a transaction with the row locked',
    in_array('SELECT `id_order` FROM `ps_orders` WHERE `id_order` = 77 FOR UPDATE', PsStub::$log, true)
    && count(array_keys(PsStub::$log, 'START TRANSACTION')) === 2 && count(array_keys(PsStub::$log, 'COMMIT')) === 2, PsStub::$log);
$second = json_encode(['eventId' => '0f6f3a52-7f38-4c56-9d0e-1d8f1b0c2a78', 'eventType' => 'payment.statusChange', 'eventTimestamp' => $now->format('Y-m-d\TH:i:s.v\Z'),
    'data' => ['paymentId' => 'da96bc8f-3c3e-4b7a-9d1e-0c1f3b5a7e23', 'status' => 'BOOKED', 'externalId' => '77']]);
[$code, $payload] = $c->handle($second, $sign($second, $secret));
$check('a second payment for the paid order -> 200 apply, not paid again, a warning naming the payment that paid it',
    [$code, $payload['decision']['action'] ?? null, count(PsStub::$history), end(PsStub::$logs)[1]] === [200, 'apply', 1, 2]
    && str_contains(end(PsStub::$logs)[0], 'paid by payment da96bc8f-3c3e-4b7a-9d1e-0c1f3b5a7e21; left as it is): the customer may have paid twice'), [$code, $payload, end(PsStub::$logs)]);
$check('... and a private message on the order, in its customer service thread', count(PsStub::$messages) === 1 && !str_contains(end(PsStub::$logs)[0], 'could not be added')
    && ($mysql === null || $mysql->query('SELECT `id_order`, `id_shop` FROM `ps_customer_thread`')->fetchAll(PDO::FETCH_NUM) === [[77, 1]]), [PsStub::$messages, end(PsStub::$logs)]);

// Orders the shop's checkout module marked paid before the webhook came: its payment's
// transaction id is read from order_payment (no note), a payment without one gets the check.
$order(78, 2);
$payment(78, 'da96bc8f-3c3e-4b7a-9d1e-0c1f3b5a7e24');
$order(79, 2);
$payment(79, '');
$logs = count(PsStub::$logs);
foreach (['78' => 'da96bc8f-3c3e-4b7a-9d1e-0c1f3b5a7e24', '79' => 'da96bc8f-3c3e-4b7a-9d1e-0c1f3b5a7e25'] as $ext => $pay) {
    $paid = json_encode(['eventId' => '0f6f3a52-7f38-4c56-9d0e-1d8f1b0c2a9' . substr((string) $ext, 1), 'eventType' => 'payment.statusChange', 'eventTimestamp' => $now->format('Y-m-d\TH:i:s.v\Z'),
        'data' => ['paymentId' => $pay, 'status' => 'BOOKED', 'externalId' => (string) $ext]]);
    [$code, $payload] = $c->handle($paid, $sign($paid, $secret));
}
$new = array_slice(PsStub::$logs, $logs);
$check('orders paid before the webhook: the payment recorded with its transaction id -> no warning; without one -> "check before you refund anything"',
    $code === 200 && count($new) === 1 && $new[0][3] === 79 && str_contains($new[0][0], 'marked paid without a payment id this shop knows')
    && str_contains($new[0][0], 'before you refund anything') && PsStub::$orders[78]['state'] === 2, [$payload, $new]);

// A refund as Everifin sends it: refundId and Everifin's orderId, no externalId.
$refund = json_encode(['eventId' => '4e896aa3-bbba-4a75-a888-000000000026', 'eventType' => 'payment.statusChange', 'eventTimestamp' => $now->modify('+1 second')->format('Y-m-d\TH:i:s.v\Z'),
    'data' => ['refundId' => '7c1d9e2a-5b4f-4e3c-8a2d-1f0e9d8c7b6a', 'orderId' => $evfOrder, 'status' => 'BOOKED', 'instructionId' => 'refund-77-1']]);
[$code, $payload] = $c->handle($refund, $sign($refund, $secret));
$check("a refund without externalId finds its order by Everifin's orderId -> 200 apply, refunded, logged",
    [$code, $payload['order'] ?? null, $payload['orderOutcome'] ?? null] === [200, 77, 'refunded'] && str_contains((string) end(PsStub::$logs)[0], 'a refund was booked at the bank'), [$code, $payload]);

// A verified delivery for no order of this shop: logged, and recorded at most once a minute.
$logs = count(PsStub::$logs);
foreach (['43', '44'] as $i => $ext) {
    $stray = json_encode(['eventId' => "0f6f3a52-7f38-4c56-9d0e-1d8f1b0c2a8$i", 'eventType' => 'payment.statusChange', 'eventTimestamp' => $now->format('Y-m-d\TH:i:s.v\Z'),
        'data' => ['paymentId' => 'da96bc8f-3c3e-4b7a-9d1e-0c1f3b5a7e22', 'status' => 'BOOKED', 'externalId' => $ext]]);
    [$code, $payload] = $c->handle($stray, $sign($stray, $secret));
}
$trace = array_column($rows('everifin_webhook_trace'), null, 0);
$check('unmatched deliveries -> 200, both logged, the first recorded, the second (same minute) not',
    $code === 200 && array_key_exists('order', $payload) && $payload['order'] === null && count(PsStub::$logs) === $logs + 2
    && str_contains(end(PsStub::$logs)[0], 'matched no order') && str_contains((string) ($trace['unmatched'][2] ?? ''), '"externalId":"43"'), [$trace, array_slice(PsStub::$logs, $logs)]);
$page = (new EverifinWebhook())->getContent();
$check('the configuration page shows the last rejected and unmatched deliveries', str_contains($page, 'HTTP 401 SIGNATURE_MISMATCH: no signature in the Signature header matches')
    && str_contains($page, 'Last verified delivery that matched no order: ') && str_contains($page, 'looked for externalId &quot;43&quot;'), $page);
$awkward = '{"status":"<b>\\n\'x\'","entities":[]}';
EverifinWebhook::saveState(77, $awkward);
$check('a state JSON with <, \\ and \' is stored byte for byte', EverifinWebhook::loadState(77) === $awkward, EverifinWebhook::loadState(77));
// Multistore: hook secrets 0.1.0 and 0.2.0 saved per shop stay each shop's when new ones are saved
// in one shop (moved where they are: the same shop's, group's or global row).
PsStub::$shops = [1 => 1, 2 => 1, 3 => 2];
PsStub::$config = ['PS_MULTISHOP_FEATURE_ACTIVE' => '1', 'PS_OS_PAYMENT' => 2, EverifinWebhook::CONFIG_SECRETS => 'former secret of the other shops'];
PsStub::$configShop = [1 => [EverifinWebhook::CONFIG_SECRETS => 'former secret of shop 1'], 2 => [EverifinWebhook::CONFIG_SECRETS => 'former secret of shop 2']];
PsStub::$configGroup = [2 => [EverifinWebhook::CONFIG_SECRETS => 'former secret of group 2']];
PsStub::newRequest();
Shop::setContext(Shop::CONTEXT_SHOP, 1);
$saved = EverifinWebhook::saveSecrets(['new secret of shop 1']);
$moved = $mysql === null ? null : $mysql->query('SELECT `id_shop_group`, `id_shop`, `name`, `value` FROM `ps_configuration` WHERE `name` LIKE \'EVERIFIN\\_WEBHOOK\\_SECRETS%\' ORDER BY 2, 1')->fetchAll(PDO::FETCH_NUM);
$moved = $moved === null ? null : array_map(static fn ($r) => array_map(static fn ($v) => $v === null ? null : (string) $v, $r), $moved);
$each = [];
foreach ([1, 2, 3] as $idShop) {
    PsStub::newRequest();
    Shop::setContext(Shop::CONTEXT_SHOP, $idShop);
    $each[$idShop] = EverifinWebhook::secrets();
}
$check('multistore: secrets saved in shop 1 keep shop 2\'s and group 2\'s (shop 3) former ones', $saved
    && $each === [1 => ['new secret of shop 1'], 2 => ['former secret of shop 2'], 3 => ['former secret of group 2']], $each);
$b64 = EverifinWebhook::CONFIG_SECRETS_ENCODED;
$check('multistore: on MariaDB, each former row renamed where it was, base64-encoded', $mysql === null || $moved === [
    [null, null, $b64, base64_encode('former secret of the other shops')], ['2', null, $b64, base64_encode('former secret of group 2')],
    ['1', '1', $b64, base64_encode('former secret of shop 1')], ['1', '2', $b64, base64_encode('former secret of shop 2')]], $moved);

echo "prestashop module ($expect): ", $failures === 0 ? 'all checks passed' : "$failures failed", "\n";
exit($failures === 0 ? 0 : 1);
