<?php

declare(strict_types=1);

namespace Everifin\Webhook\Internal\Fallback;

use Everifin\Webhook\Status;

/**
 * src/verify.rs (and src/signature_info.rs: the info array): the `Signature` header's grammar,
 * the HMAC-SHA256 over `ts.body`, rotation, the tolerance check, and signing.
 *
 * @internal
 */
final class Verify
{
    private function __construct()
    {
    }

    /**
     * The header's ts text as given and its [key, lowercase hex] signatures.
     *
     * @return array{0: string, 1: list<array{0: string, 1: string}>}
     * @throws Failure HEADER_MISSING or HEADER_MALFORMED
     */
    public static function parseHeader(string $header): array
    {
        // The usual header, "ts=...;v0=<hex>[;v1=<hex>...]" without spaces: one match.
        if (strlen($header) <= Constants::MAX_HEADER_BYTES && preg_match('/\Ats=([!-:<-~]+)((?:;[vV][0-9]{1,3}=[0-9a-fA-F]{64}){1,16})\z/', $header, $m)) {
            if (strlen($m[2]) <= 70) { // one signature: ";vN=" and 64 digits
                return [$m[1], [[substr($m[2], 1, -65), strtolower(substr($m[2], -64))]]];
            }
            $sigs = [];
            foreach (explode(';', substr($m[2], 1)) as $part) {
                $sigs[] = [substr($part, 0, -65), strtolower(substr($part, -64))];
            }
            return [$m[1], $sigs];
        }
        if (strspn($header, " \t\r\n") === strlen($header)) {
            throw new Failure(Status::HEADER_MISSING, 'the Signature header is missing or empty');
        }
        if (strlen($header) > Constants::MAX_HEADER_BYTES) {
            throw new Failure(Status::HEADER_MALFORMED, sprintf('the Signature header is %d bytes long; at most %d are accepted', strlen($header), Constants::MAX_HEADER_BYTES));
        }
        $bad = strspn($header, "\t\r\n !\"#$%&'()*+,-./0123456789:;<=>?@ABCDEFGHIJKLMNOPQRSTUVWXYZ[\\]^_`abcdefghijklmnopqrstuvwxyz{|}~");
        if ($bad < strlen($header)) {
            throw new Failure(Status::HEADER_MALFORMED, sprintf('the Signature header has a byte that is not printable ASCII at offset %d', $bad));
        }
        $ts = null;
        $sigs = [];
        foreach (explode(';', $header) as $part) {
            $part = trim($part, " \t\r\n");
            if ($part === '') {
                continue;
            }
            $eq = strpos($part, '=');
            if ($eq === false) {
                throw new Failure(Status::HEADER_MALFORMED, sprintf('Signature header part %s is not key=value', JsonWriter::string(Text::truncate($part, 24))));
            }
            $key = trim(substr($part, 0, $eq), " \t\r\n");
            $value = trim(substr($part, $eq + 1), " \t\r\n");
            if (strcasecmp($key, 'ts') === 0) {
                if ($ts !== null) {
                    throw new Failure(Status::HEADER_MALFORMED, 'the Signature header has more than one ts part');
                }
                $ts = $value;
            } elseif (($key[0] ?? '') === 'v' || ($key[0] ?? '') === 'V') {
                $n = strlen($key) - 1;
                if ($n < 1 || $n > 3 || strspn($key, '0123456789', 1) !== $n) {
                    continue;
                }
                if (count($sigs) === Constants::MAX_SIGNATURES) {
                    throw new Failure(Status::HEADER_MALFORMED, sprintf('the Signature header has more than %d signatures', Constants::MAX_SIGNATURES));
                }
                if (strlen($value) !== 64 || strspn($value, '0123456789abcdefABCDEF') !== 64) { // not ctype_xdigit: ext-ctype may be missing
                    throw new Failure(Status::HEADER_MALFORMED, sprintf('Signature header part %s is not 64 hexadecimal digits', $key));
                }
                $sigs[] = [$key, strtolower($value)];
            }
        }
        if ($ts === null) {
            throw new Failure(Status::HEADER_MALFORMED, 'the Signature header has no ts part');
        }
        if ($sigs === []) {
            throw new Failure(Status::HEADER_MALFORMED, 'the Signature header has no v0 (or v1, v2, ...) signature');
        }
        return [$ts, $sigs];
    }

    /**
     * Verifies the header against the body: the signature info (timestamp, key, secretIndex, ageMs).
     *
     * @param Options $o the secrets and the tolerance
     * @return array{timestamp: string, key: string, secretIndex: int, ageMs: int}
     * @throws Failure
     */
    public static function verify(string $header, string $body, Options $o, int $nowMs): array
    {
        $toleranceSeconds = $o->toleranceSeconds;
        [$ts, $sigs] = self::parseHeader($header);
        $tsMs = Timestamp::parseMs($ts);
        if ($tsMs === null) {
            throw new Failure(Status::HEADER_TIMESTAMP_INVALID, sprintf("the Signature header's ts %s is not an RFC 3339 UTC date-time like 2024-01-09T13:08:48.069Z", JsonWriter::string(Text::truncate($ts, 40))));
        }
        $macs = $o->macs($ts, $body);
        $match = null;
        foreach ($sigs as [$key, $given]) {
            foreach ($macs as $i => $mac) {
                if (hash_equals($mac, $given)) {
                    $match = [$key, $i];
                    break 2;
                }
            }
        }
        if ($match === null) {
            // Like src/verify.rs: no secret count in a message that goes back over HTTP.
            throw new Failure(
                Status::SIGNATURE_MISMATCH,
                'no signature in the Signature header matches the body under the configured secrets: check the hook secret and that the raw, unmodified request body is verified'
            );
        }
        $age = $nowMs - $tsMs;
        if (is_float($age)) { // i64 saturating_sub
            $age = $age > 0 ? PHP_INT_MAX : PHP_INT_MIN;
        }
        // Timestamp::isCanonical($ts), written out.
        $info = ['timestamp' => strlen($ts) === 24 && $ts[19] === '.' && $ts[23] === 'Z' ? $ts : Timestamp::formatMs($tsMs), 'key' => strtolower($match[0]), 'secretIndex' => $match[1], 'ageMs' => $age];
        $limit = $toleranceSeconds * 1000;
        if ($toleranceSeconds > 0 && $age > $limit) {
            $f = new Failure(Status::TIMESTAMP_TOO_OLD, sprintf('the signature is authentic but %d s old; at most %d s are accepted', intdiv($age, 1000), $toleranceSeconds));
            $f->signature = $info;
            throw $f;
        }
        if ($toleranceSeconds > 0 && $age < -$limit) {
            $f = new Failure(Status::TIMESTAMP_IN_FUTURE, sprintf(
                'the signature is authentic but dated %d s in the future; at most %d s of clock skew are accepted (check the server clock)',
                -intdiv($age, 1000),
                $toleranceSeconds
            ));
            $f->signature = $info;
            throw $f;
        }
        return $info;
    }

    /**
     * A `Signature` header for a body (verifier.rs sign: the secrets JSON, then the timestamp).
     *
     * @throws Failure
     */
    public static function sign(string $body, string $timestamp, #[\SensitiveParameter] string $secretsJson, int $nowMs): string
    {
        Secret::requireUtf8($secretsJson, 'secrets');
        [$ok, $value, $error] = JsonReader::decode($secretsJson, Constants::MAX_INPUT_DEPTH);
        if (!$ok) {
            throw new Failure(Status::INVALID_OPTIONS, 'secrets must be a JSON array of strings (' . $error . ')');
        }
        $secrets = Secret::parseList($value, 'secrets');
        $ts = $timestamp === '' ? Timestamp::formatMs($nowMs) : $timestamp;
        if (Timestamp::parseMs($ts) === null) {
            throw new Failure(Status::HEADER_TIMESTAMP_INVALID, sprintf('timestamp %s is not an RFC 3339 UTC date-time like 2024-01-09T13:08:48.069Z', JsonWriter::string(Text::truncate($ts, 40))));
        }
        $header = 'ts=' . $ts;
        foreach ($secrets as $i => $secret) {
            $header .= ';v' . $i . '=' . hash_hmac('sha256', $ts . '.' . $body, $secret);
        }
        return $header;
    }
}
