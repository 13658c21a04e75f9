<?php

/*
 * Differential fuzz of the PHP binding: every case of a JSON-lines file (fuzz/php/gen.py) through
 * the public API on both backends, `backend: 'ffi'` (the core) and `backend: 'php'` (the pure-PHP
 * fallback); the outcomes must be identical: the same Event (toArray(), json, hookDataJson,
 * signature), Decision (toArray(), stateJson), header, explain result (all but free-text
 * messages), or the same exception (class, status, httpStatus, field, signature). Messages are
 * free text and not compared; that both backends never leak a secret into one is checked.
 *
 *     php -d ffi.enable=1 fuzz/php/differential.php cases.jsonl
 *
 * Last line: `php-differential: N inputs, D differences`; exit status 1 on any difference.
 */

declare(strict_types=1);

require dirname(__DIR__, 2) . '/bindings/php/autoload.php';

use Everifin\Webhook\Exception\WebhookException;
use Everifin\Webhook\Verifier;

if (Verifier::defaultBackend() !== 'ffi') {
    fwrite(STDERR, "php-differential: the FFI backend is not available (php -d ffi.enable=1, EVERIFIN_WEBHOOK_LIB)\n");
    echo "php-differential: 0 inputs, 1 differences\n";
    exit(1);
}

function nowOf(int $ms): DateTimeImmutable
{
    $dt = DateTimeImmutable::createFromFormat('U.u', sprintf('%d.%06d', intdiv($ms, 1000), ($ms % 1000) * 1000));
    return $dt->setTimezone(new DateTimeZone('UTC'));
}

/** Drops free-text messages (recursively) so that only the structured parts are compared. */
function withoutMessages(mixed $v): mixed
{
    if (is_array($v)) {
        unset($v['message']);
        return array_map('withoutMessages', $v);
    }
    return $v;
}

/** One case on one backend: what the public API returned or threw, as comparable data. */
function run(array $c, string $backend): array
{
    try {
        if ($c['fn'] === 'sign') {
            return ['header' => Verifier::sign(base64_decode($c['body']), $c['secrets'], $c['timestamp'], $backend)];
        }
        if ($c['fn'] === 'story') {
            // One order's events, each normalized then decided on the state this backend returned.
            $v = new Verifier(['story-needs-no-secret'], confirmedIsPaid: $c['confirmedIsPaid'], backend: $backend);
            $state = '';
            $steps = [];
            foreach ($c['bodies'] as $b) {
                try {
                    $e = $v->normalize(base64_decode($b));
                } catch (WebhookException $ex) {
                    $steps[] = ['normalize' => $ex->status(), 'field' => $ex->field()];
                    continue;
                }
                $d = $v->decide($e, $state);
                $state = $d->stateJson;
                $steps[] = [$e->json, $d->toArray(), $d->stateJson];
            }
            return ['steps' => $steps];
        }
        if ($c['fn'] === 'decide') {
            $v = new Verifier(['decide-needs-no-secret'], backend: $backend);
            // Both as their exact bytes (gen.py writes them in base64).
            $d = $v->decide(base64_decode($c['event']), base64_decode($c['state']));
            return ['decision' => $d->toArray(), 'stateJson' => $d->stateJson, 'apply' => $d->shouldApply()];
        }
        $v = new Verifier($c['secrets'], $c['toleranceSeconds'], $c['confirmedIsPaid'], $c['maxBodyBytes'],
            $c['suggestedStates'], backend: $backend);
        if ($v->backend() !== $backend) {
            return ['wrong backend' => $v->backend()];
        }
        $body = base64_decode($c['body']);
        $now = nowOf((int) $c['nowMs']);
        if ($c['fn'] === 'explain') {
            return ['explain' => withoutMessages($v->explain($body, $c['header'], ['whsec-other-shop-0d5e2a9b77'], $now))];
        }
        $e = $c['fn'] === 'verify' ? $v->verify($body, $c['header'], $now) : $v->normalize($body);
        $sig = $e->signature;
        return [
            'event' => $e->toArray(), 'json' => $e->json, 'hookDataJson' => $e->hookDataJson,
            'signature' => $sig === null ? null : [$sig->timestamp, $sig->key, $sig->secretIndex, $sig->ageMs],
            'woocommerce' => $e->suggestedFor('woocommerce'),
        ];
    } catch (WebhookException $e) {
        $sig = $e->signature();
        return ['exception' => get_class($e), 'status' => $e->status(), 'httpStatus' => $e->httpStatus(),
            'code' => $e->getCode(), 'field' => $e->field(),
            'signature' => $sig === null ? null : [$sig->timestamp, $sig->key, $sig->secretIndex, $sig->ageMs],
            'messageEmpty' => trim($e->getMessage()) === '', '_message' => $e->getMessage()];
    } catch (\Throwable $e) {
        return ['uncaught' => get_class($e), '_message' => $e->getMessage()];
    }
}

$file = $argv[1] ?? '';
$fh = $file !== '' ? fopen($file, 'rb') : false;
if ($fh === false) {
    fwrite(STDERR, "usage: php -d ffi.enable=1 fuzz/php/differential.php cases.jsonl\n");
    exit(2);
}
$n = 0;
$diffs = 0;
$byFn = [];
while (($line = fgets($fh)) !== false) {
    $c = json_decode($line, true, 512, JSON_THROW_ON_ERROR);
    $n++;
    $ffi = run($c, 'ffi');
    $php = run($c, 'php');
    $problem = null;
    foreach ([$ffi, $php] as $r) {
        if (isset($r['uncaught'])) {
            $problem = 'an exception that is not a WebhookException: ' . $r['uncaught'] . ': ' . $r['_message'];
        }
        foreach ($c['secrets'] ?? [] as $s) {
            if (strlen($s) >= 8 && str_contains(json_encode($r, JSON_UNESCAPED_UNICODE | JSON_INVALID_UTF8_SUBSTITUTE), $s)
                && !str_contains(base64_decode($c['body'] ?? ''), $s)) {
                $problem = 'a secret appears in the result';
            }
        }
    }
    unset($ffi['_message'], $php['_message']);
    // serialize(): a deep, exact comparison (objects by value, floats exactly, key order included).
    if ($problem === null && serialize($ffi) !== serialize($php)) {
        $keys = array_unique(array_merge(array_keys($ffi), array_keys($php)));
        $differ = array_values(array_filter($keys, fn ($k) => serialize($ffi[$k] ?? null) !== serialize($php[$k] ?? null)));
        $problem = 'the backends disagree on ' . implode(', ', $differ);
    }
    $byFn[$c['fn']] = ($byFn[$c['fn']] ?? 0) + 1;
    if ($problem !== null) {
        $diffs++;
        if ($diffs <= 5) {
            echo "php-differential: case $n ({$c['fn']}, from {$c['origin']}): $problem\n";
            echo '  input: ' . rtrim($line) . "\n";
            echo '  ffi:   ' . json_encode($ffi, JSON_UNESCAPED_UNICODE | JSON_UNESCAPED_SLASHES | JSON_INVALID_UTF8_SUBSTITUTE) . "\n";
            echo '  php:   ' . json_encode($php, JSON_UNESCAPED_UNICODE | JSON_UNESCAPED_SLASHES | JSON_INVALID_UTF8_SUBSTITUTE) . "\n";
        }
    }
}
ksort($byFn);
echo 'php-differential: ' . implode(', ', array_map(fn ($k, $v) => "$k $v", array_keys($byFn), $byFn)) . "\n";
echo "php-differential: $n inputs, $diffs differences\n";
exit($diffs === 0 ? 0 : 1);
