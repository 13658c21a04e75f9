<?php
/*
 * The PHP binding against a lean hand-written PHP verifier, in one process: both backends (FFI and
 * the pure-PHP fallback) and the lean verifier are timed in interleaved rounds on the same inputs,
 * and the medians are compared. Run by `make bench-php` (and `make bench`):
 *
 *     php -d ffi.enable=1 -d opcache.enable_cli=1 bindings/php/bench/bench.php [--rounds=N]
 *
 * The lean verifier is what a shop would write by hand: split the Signature header, hash_hmac,
 * hash_equals, json_decode, a UUID regex, a DateTime parse. The binding is used as a shop uses it:
 * verify(), then the fields that drive the order (eventId, status, outcome, entityId, suggested).
 * A ratio is lean time / binding time: above 1 the binding is faster.
 */

declare(strict_types=1);

// A command-line script: when vendor/ is under a web root, a request must not run it.
if (PHP_SAPI !== 'cli') {
    http_response_code(404);
    exit;
}

require dirname(__DIR__) . '/autoload.php';
require __DIR__ . '/lean.php';

use Everifin\Webhook\Verifier;

const SECRET = 'bench-hook-secret-3f9a';

$opts = getopt('', ['rounds:']);
$rounds = max(5, (int) ($opts['rounds'] ?? 31));

/** The official payment event (benches/verify.rs "typical"). */
function official_body(): string
{
    return '{"eventId":"c2949dfe-4585-46eb-9213-35f0f7faf055","eventType":"payment.statusChange","eventTimestamp":"2024-05-07T14:49:55.884Z","data":{"paymentId":"da96bc8f-3c3e-4b7a-9d1e-0c1f3b5a7e21","orderId":"8840d948-12da-4ca1-8269-3cfdc10b73bc","status":"BOOKED","instructionId":"302d7603-f5ce-45fb-82b3-a1a90ee26aca","hookData":{"customId":12341234,"note":"order x54352"}}}';
}

/** The same event whose hookData carries 64 KiB of order lines. */
function large_body(int $hookBytes): string
{
    $line = '{"sku":"SKU-000123","qty":2,"price":12.5,"name":"Modrotlačový obrus 140×180"}';
    $lines = [];
    $size = 2;
    while ($size + strlen($line) + 1 <= $hookBytes - 2) {
        $lines[] = $line;
        $size += strlen($line) + 1;
    }
    $hook = '{"lines":[' . implode(',', $lines) . '],"pad":"' . str_repeat('x', max(0, $hookBytes - $size - 18)) . '"}';
    return '{"eventId":"c2949dfe-4585-46eb-9213-35f0f7faf055","eventType":"payment.statusChange","eventTimestamp":"2024-05-07T14:49:55.884Z","data":{"paymentId":"da96bc8f-3c3e-4b7a-9d1e-0c1f3b5a7e21","status":"BOOKED","hookData":' . $hook . '}}';
}

/** Median of a list of floats. */
function median(array $xs): float
{
    sort($xs);
    $n = count($xs);
    return $n % 2 ? $xs[intdiv($n, 2)] : ($xs[$n / 2 - 1] + $xs[$n / 2]) / 2;
}

$cases = [
    'official event' => official_body(),
    '64 KiB hookData' => large_body(64 * 1024),
];
$goals = ['official event' => ['ffi' => 1.5, 'php' => 0.7], '64 KiB hookData' => ['ffi' => 3.0, 'php' => 0.5]];
$backends = ['php'];
if (Verifier::defaultBackend() === 'ffi') {
    array_unshift($backends, 'ffi');
} else {
    fwrite(STDERR, "bench-php: FFI is not available here (see Environment::report()); only the fallback is timed\n" . Everifin\Webhook\Environment::report());
}

$failed = false;
foreach ($cases as $name => $body) {
    // Signed now, and checked against the clock, as a shop's endpoint does (the whole bench takes
    // seconds, far within the 300 s tolerance).
    $header = Verifier::sign($body, [SECRET]);
    $verifiers = [];
    foreach ($backends as $b) {
        $verifiers[$b] = new Verifier([SECRET], maxBodyBytes: 1 << 20, backend: $b);
    }
    // Same answers first.
    $lean = lean_verify($body, $header, SECRET, (int) (microtime(true) * 1000));
    foreach ($verifiers as $b => $v) {
        $e = $v->verify($body, $header);
        $got = [$e->eventId, $e->status, $e->paymentId, $e->eventTimestampMs];
        if ($got !== $lean) {
            fwrite(STDERR, "bench-php: $b disagrees with the lean verifier on the $name\n");
            exit(1);
        }
    }
    $impls = ['lean' => static function () use ($body, $header): void {
        [$id, $status] = lean_verify($body, $header, SECRET, (int) (microtime(true) * 1000));
    }];
    foreach ($verifiers as $b => $v) {
        $impls[$b] = static function () use ($v, $body, $header): void {
            $e = $v->verify($body, $header);
            $id = $e->eventId;
            $s = $e->status;
            $o = $e->outcome;
            $entity = $e->entityId;
            $state = $e->suggestedFor('woocommerce');
        };
    }
    if (isset($verifiers['ffi'])) {
        // The floor of the FFI path: the library call alone (evf_verifier_process + evf_result_free).
        $handle = (new ReflectionProperty(Verifier::class, 'handle'))->getValue($verifiers['ffi']);
        $backend = Verifier::pickBackend('ffi');
        $ffi = (new ReflectionProperty($backend, 'ffi'))->getValue($backend);
        // The library call as the FFI backend makes it: the result JSON into a buffer, then copied.
        $buffer = $ffi->new('char[4096]');
        $impls['call'] = static function () use ($ffi, $handle, $body, $header, $buffer): void {
            $json = FFI::string($buffer, $ffi->evf_verifier_process_into($handle->ptr, $body, strlen($body), $header, strlen($header), 0, $buffer, 4096));
        };
    }
    // Calibrate: about 20 ms per implementation per round.
    $iters = [];
    foreach ($impls as $k => $f) {
        $n = 0;
        $t0 = hrtime(true);
        do {
            $f();
            $n++;
        } while (hrtime(true) - $t0 < 5e6);
        $iters[$k] = max(20, (int) ($n * 4));
    }
    $samples = array_fill_keys(array_keys($impls), []);
    for ($r = 0; $r < $rounds; $r++) {
        $order = array_keys($impls);
        if ($r % 2) {
            $order = array_reverse($order);
        }
        foreach ($order as $k) {
            $f = $impls[$k];
            $n = $iters[$k];
            $t0 = hrtime(true);
            for ($i = 0; $i < $n; $i++) {
                $f();
            }
            $samples[$k][] = (hrtime(true) - $t0) / $n / 1000;
        }
    }
    $m = array_map('median', $samples);
    $parts = [sprintf('lean %.2f us', $m['lean'])];
    foreach ($backends as $b) {
        $ratio = $m['lean'] / $m[$b];
        $goal = $goals[$name][$b];
        $met = $ratio >= $goal;
        $failed = $failed || !$met;
        $parts[] = sprintf('%s %.2f us = %.2fx lean (goal >= %.1fx: %s)', $b, $m[$b], $ratio, $goal, $met ? 'met' : 'NOT met');
    }
    if (isset($m['call'])) {
        $parts[] = sprintf('(library call alone %.2f us = %.2fx lean)', $m['call'], $m['lean'] / $m['call']);
    }
    printf("bench-php %s (%d B, %d rounds, medians): %s\n", $name, strlen($body), $rounds, implode('; ', $parts));
}
printf("bench-php: PHP %s, %s\n", PHP_VERSION, Verifier::defaultBackend() === 'ffi' ? 'FFI ' . (Everifin\Webhook\Environment::diagnose()['libraryVersion'] ?? '?') : 'no FFI');
exit(0);
