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
