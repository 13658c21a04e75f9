<?php
/*
 * The lean hand-written PHP verifier the benchmarks compare the binding with (bench.php, and the
 * PHP-FPM endpoint of fpm.sh): what a shop would write by hand to check an Everifin webhook.
 */

declare(strict_types=1);

/**
 * The lean hand-written verifier: returns [eventId, status, paymentId, timestamp ms] or throws.
 *
 * @return array{0: string, 1: string, 2: string, 3: int}
 */
function lean_verify(string $body, string $header, string $secret, int $nowMs): array
{
    $ts = null;
    $sigs = [];
    foreach (explode(';', $header) as $part) {
        [$k, $v] = array_pad(explode('=', trim($part), 2), 2, '');
        if ($k === 'ts') {
            $ts = $v;
        } elseif ($k !== '' && $k[0] === 'v') {
            $sigs[] = $v;
        }
    }
    if ($ts === null || $sigs === []) {
        throw new RuntimeException('malformed header');
    }
    $mac = hash_hmac('sha256', $ts . '.' . $body, $secret);
    $ok = false;
    foreach ($sigs as $s) {
        $ok = $ok || hash_equals($mac, $s);
    }
    if (!$ok) {
        throw new RuntimeException('bad signature');
    }
    // The quick way to parse an RFC 3339 UTC time: a literal Z and a prepared UTC zone (parsing
    // "Z" as a zone name with "P" costs ten times more in PHP 8.2).
    static $utc = null;
    $utc ??= new DateTimeZone('UTC');
    $signed = DateTimeImmutable::createFromFormat('Y-m-d\TH:i:s.v\Z', $ts, $utc);
    if ($signed === false || abs($nowMs - (int) $signed->format('Uv')) > 300000) {
        throw new RuntimeException('too old');
    }
    $e = json_decode($body, true, 64);
    if (!is_array($e) || !is_string($e['eventId'] ?? null) || !is_array($e['data'] ?? null) || !is_string($e['data']['status'] ?? null)) {
        throw new RuntimeException('bad event');
    }
    $uuid = '/^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i';
    if (!preg_match($uuid, $e['eventId']) || !preg_match($uuid, (string) ($e['data']['paymentId'] ?? ''))) {
        throw new RuntimeException('bad id');
    }
    $at = DateTimeImmutable::createFromFormat('Y-m-d\TH:i:s.v\Z', (string) ($e['eventTimestamp'] ?? ''), $utc);
    if ($at === false) {
        throw new RuntimeException('bad timestamp');
    }
    return [strtolower($e['eventId']), $e['data']['status'], strtolower($e['data']['paymentId']), (int) $at->format('Uv')];
}

