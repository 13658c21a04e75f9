<?php
/**
 * The PrestaShop module ZIP as shipped: unpacked by tests/dist/run.sh, loaded from there (with the
 * binding and the native library it bundles, not the checkout's), against the PrestaShop stubs of
 * bindings/php/tests/stubs (PrestaShop itself is not installable here). Every folder has an
 * index.php; a payment BOOKED moves the order to PS_OS_PAYMENT once; the duplicate is skipped; a
 * forged request is 401.
 *
 *     php -d ffi.enable=1|0 prestashop.php UNPACKED_DIR ffi|php
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
PsStub::$config = [EverifinWebhook::CONFIG_SECRETS => "old secret\n$secret", 'PS_OS_PAYMENT' => 2, 'PS_OS_BANKWIRE' => 10];
PsStub::$orders[77] = ['state' => 10];
$check('install() creates the state table', (new EverifinWebhook())->install());
$now = new DateTimeImmutable('now', new DateTimeZone('UTC'));
$body = json_encode(['eventId' => '0f6f3a52-7f38-4c56-9d0e-1d8f1b0c2a77', 'eventType' => 'payment.statusChange',
    'eventTimestamp' => $now->format('Y-m-d\TH:i:s.v\Z'),
    'data' => ['paymentId' => 'da96bc8f-3c3e-4b7a-9d1e-0c1f3b5a7e21', 'status' => 'BOOKED', 'externalId' => '77']]);
$sign = static function (string $body, string $secret) use ($now): string {
    $ts = $now->format('Y-m-d\TH:i:s.v\Z');
    return "ts=$ts;v0=" . hash_hmac('sha256', "$ts.$body", $secret);
};
$c = new EverifinWebhookWebhookModuleFrontController();
[$code, $payload] = $c->handle($body, $sign($body, $secret));
$check('BOOKED -> 200 apply first, order in PS_OS_PAYMENT', [$code, $payload, PsStub::$orders[77]['state']]
    === [200, ['received' => true, 'order' => 77, 'decision' => ['action' => 'apply', 'reason' => 'first'], 'orderOutcome' => 'paid', 'orderState' => 2], 2], [$code, $payload]);
[$code, $payload] = $c->handle($body, $sign($body, 'old secret'));
$check('the same event again -> 200 skip duplicate, one history row', [$code, $payload['decision']['reason'] ?? null, count(PsStub::$history)] === [200, 'duplicate', 1], [$code, $payload]);
[$code, $payload] = $c->handle($body, $sign($body, 'not the secret'));
$check('forged -> 401 SIGNATURE_MISMATCH', [$code, $payload['status'] ?? null] === [401, 'SIGNATURE_MISMATCH'], [$code, $payload]);
$check('every order update ran inside a transaction with the row locked',
    in_array('SELECT `id_order` FROM `ps_orders` WHERE `id_order` = 77 LIMIT 1 FOR UPDATE', PsStub::$log, true)
    && count(array_keys(PsStub::$log, 'START TRANSACTION')) === 2 && count(array_keys(PsStub::$log, 'COMMIT')) === 2, PsStub::$log);
echo "prestashop module ($expect): ", $failures === 0 ? 'all checks passed' : "$failures failed", "\n";
exit($failures === 0 ? 0 : 1);
