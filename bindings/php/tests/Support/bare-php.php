<?php

/*
 * Run by ExtensionsTest under `php -n` (no php.ini, so none of the extensions Debian ships as
 * packages: ctype, mbstring, iconv, intl, ...): the pure-PHP backend on every case of
 * tests/vectors/*.json and on the public API (both Signature header parsing paths, explain, decide,
 * diagnose). A call into an extension composer.json does not require is an "undefined function"
 * Error here. Every notice, warning or deprecation counts as a failure too.
 *
 * Prints one JSON object: {"extensions": [...], "cases": N, "checks": N, "failures": [...]}.
 */

declare(strict_types=1);

// A command-line script: when vendor/ is under a web root, a request must not run it.
if (PHP_SAPI !== 'cli') {
    http_response_code(404);
    exit;
}

set_error_handler(static function (int $no, string $message, string $file, int $line): bool {
    throw new \ErrorException($message, 0, $no, $file, $line);
});

require dirname(__DIR__, 2) . '/autoload.php';
require __DIR__ . '/BigInt.php';
require __DIR__ . '/Vectors.php';

use Everifin\Webhook\Environment;
use Everifin\Webhook\Exception\WebhookException;
use Everifin\Webhook\Internal\PhpBackend;
use Everifin\Webhook\Tests\Support\Vectors;
use Everifin\Webhook\Verifier;

$failures = [];
$checks = 0;
$check = static function (bool $ok, string $what) use (&$failures, &$checks): void {
    $checks++;
    if (!$ok) {
        $failures[] = $what;
    }
};

// Every vector case on the pure-PHP backend: status, HTTP status and the documented values.
$backend = new PhpBackend();
$cases = 0;
foreach (Vectors::cases() as $name => [, $case]) {
    $cases++;
    try {
        $r = Vectors::decode(Vectors::run($backend, $case));
        $expect = $case->expect;
        if (property_exists($expect, 'compact')) {
            // the compact process result (option compactResult): exactly this array
            $check(is_array($r) && Vectors::canon($expect->compact) === Vectors::canon($r), "$name: " . json_encode($r));
            continue;
        }
        $same = $r instanceof \stdClass && ($r->status ?? null) === $expect->status && ($r->httpStatus ?? null) === $expect->httpStatus;
        foreach (['event', 'decision', 'state', 'header', 'field'] as $key) {
            if ($same && property_exists($expect, $key)) {
                $same = Vectors::canon($expect->$key) === Vectors::canon($r->$key ?? null);
            }
        }
        $check($same, "$name: " . json_encode($r));
    } catch (\Throwable $e) {
        $check(false, "$name: " . get_class($e) . ': ' . $e->getMessage());
    }
}

// The public API on the pure-PHP backend.
try {
    $secret = 'bare-php-hook-secret';
    $body = '{"eventId":"c2949dfe-4585-46eb-9213-35f0f7faf055","eventType":"payment.statusChange","eventTimestamp":"2024-05-07T14:49:55.884Z","data":{"paymentId":"da96bc8f-3c3e-4b7a-9d1e-0c1f3b5a7e21","status":"BOOKED","externalId":"1042","hookData":{"note":"objednávka/42","shop":{}}}}';
    $v = new Verifier([$secret], backend: 'php');
    $check($v->backend() === 'php', 'the verifier uses the pure-PHP backend');
    $header = Verifier::sign($body, [$secret]);
    $check(preg_match('/\Ats=\S+;v0=[0-9a-f]{64}\z/', $header) === 1, "sign: $header");
    [$ts, $mac] = explode(';', $header);
    $now = new \DateTimeImmutable();
    // The usual header (one regular expression) and the slower part-by-part path.
    foreach ([$header, "$ts; " . strtoupper($mac), " $ts ;\t$mac ;v1=" . str_repeat('A', 64)] as $h) {
        $e = $v->verify($body, $h, $now);
        $check($e->outcome === 'paid' && $e->signature !== null && $e->hookData->note === 'objednávka/42' && $e->externalId === '1042', "verify($h)");
        $check($v->decide($e, [])->shouldApply(), "decide after verify($h)");
    }
    foreach (["$ts; v0=" . str_repeat('g', 64) => 'HEADER_MALFORMED', "$ts; <b>x</b>" => 'HEADER_MALFORMED', "$ts; v0=" . str_repeat('0', 64) => 'SIGNATURE_MISMATCH'] as $h => $status) {
        try {
            $v->verify($body, $h, $now);
            $check(false, "verify($h) accepted");
        } catch (WebhookException $x) {
            $check($x->status() === $status, "verify($h): " . $x->status());
        }
    }
    $r = $v->explain(json_encode(json_decode($body), JSON_PRETTY_PRINT | JSON_UNESCAPED_UNICODE | JSON_UNESCAPED_SLASHES), $header, [], $now);
    $check(($r['findings'][0]['code'] ?? null) === 'body_reencoded', 'explain: ' . json_encode($r['findings']));
    $r = (new Verifier([" $secret\n"], backend: 'php'))->explain($body, $header, [], $now);
    $check(($r['findings'][0]['code'] ?? null) === 'secret_whitespace', 'explain: ' . json_encode($r['findings']));
    $state = $v->decide($v->verify($body, $header, $now), [])->stateJson;
    $check($v->decide($v->verify($body, $header, $now), $state)->reason === 'duplicate', 'decide on the stored state');
    $d = Environment::diagnose();
    $check($d['backend'] === 'php' && is_string($d['reason']) && $d['reason'] !== '', 'diagnose: ' . json_encode($d));
} catch (\Throwable $e) {
    $check(false, 'public API: ' . get_class($e) . ': ' . $e->getMessage() . ' at ' . $e->getFile() . ':' . $e->getLine());
}

echo json_encode(['extensions' => array_map('strtolower', get_loaded_extensions()), 'cases' => $cases, 'checks' => $checks, 'failures' => $failures], JSON_UNESCAPED_SLASHES | JSON_UNESCAPED_UNICODE | JSON_INVALID_UTF8_SUBSTITUTE), "\n";
