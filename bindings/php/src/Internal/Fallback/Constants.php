<?php

declare(strict_types=1);

namespace Everifin\Webhook\Internal\Fallback;

/**
 * The limits and tables the core's modules share (src/options.rs, src/signature.rs,
 * src/event.rs, src/decide.rs), for the pure-PHP fallback.
 *
 * @internal
 */
final class Constants
{
    // src/options.rs
    public const DEFAULT_TOLERANCE_SECONDS = 300;
    public const MAX_TOLERANCE_SECONDS = 31536000;
    public const DEFAULT_MAX_BODY_BYTES = 1048576;
    public const MAX_MAX_BODY_BYTES = 67108864;
    public const MAX_SECRETS = 16;
    /** serde_json's recursion limit for options, states and decide's event. */
    public const MAX_INPUT_DEPTH = 128;

    // src/signature.rs
    public const MAX_HEADER_BYTES = 4096;
    public const MAX_SIGNATURES = 16;

    // src/event.rs
    public const MAX_JSON_DEPTH = 64;
    public const UUID_RE = '/\A[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}\z/';

    /** Outcome names, in the core's order (Outcome::ALL). */
    public const OUTCOMES = [
        'pending', 'authorized', 'partially_paid', 'paid', 'failed', 'expired', 'withdrawn', 'review',
        'refund_pending', 'refunded', 'refund_failed', 'unknown',
    ];

    /** The default suggested shop states (DEFAULT_SUGGESTED). */
    public const DEFAULT_SUGGESTED = [
        'woocommerce' => [
            'pending' => 'pending', 'authorized' => 'on-hold', 'partially_paid' => 'on-hold',
            'paid' => 'processing', 'failed' => 'failed', 'expired' => 'failed', 'withdrawn' => 'cancelled',
            'review' => 'on-hold', 'refund_pending' => null, 'refunded' => 'refunded', 'refund_failed' => null,
            'unknown' => null,
        ],
        'prestashop' => [
            'pending' => 'PS_OS_BANKWIRE', 'authorized' => 'PS_OS_BANKWIRE', 'partially_paid' => 'PS_OS_BANKWIRE',
            'paid' => 'PS_OS_PAYMENT', 'failed' => 'PS_OS_ERROR', 'expired' => 'PS_OS_CANCELED',
            'withdrawn' => 'PS_OS_CANCELED', 'review' => 'PS_OS_ERROR', 'refund_pending' => null,
            'refunded' => 'PS_OS_REFUND', 'refund_failed' => null, 'unknown' => null,
        ],
    ];

    // src/decide.rs
    public const MAX_RECENT_EVENT_IDS = 32;

    private function __construct()
    {
    }

    /** A stranger-supplied string cut to $maxChars characters for a message (options::truncate). */
    public static function truncate(string $s, int $maxChars): string
    {
        if (strlen($s) <= $maxChars || !preg_match('/\\A.{0,' . $maxChars . '}/su', $s, $m) || strlen($m[0]) === strlen($s)) {
            return $s;
        }
        return $m[0] . '...';
    }

    /**
     * json_decode with the strictness the core's serde_json has and ext/json lacks: a number
     * beyond the float range is an error (ext/json makes it INF). Lone UTF-16 surrogates, invalid
     * UTF-8 and nesting deeper than $depth are already errors in ext/json. Objects are \stdClass
     * (so {} and [] stay apart); a key starting with NUL, which no PHP object can hold, makes
     * objects arrays instead.
     *
     * @return array{0: bool, 1: mixed, 2: string, 3: bool} [ok, value, error message, objects as arrays]
     */
    public static function decode(string $json, int $depth): array
    {
        $assoc = false;
        if (strpos($json, '-0') !== false) {
            $json = self::negativeZeros($json);
        }
        $v = json_decode($json, false, $depth);
        if ($v === null && json_last_error() !== JSON_ERROR_NONE) {
            $code = json_last_error();
            if ($code === JSON_ERROR_INVALID_PROPERTY_NAME) {
                $assoc = true;
                $v = json_decode($json, true, $depth);
                $code = json_last_error();
            }
            if ($code !== JSON_ERROR_NONE) {
                return [false, null, $code === JSON_ERROR_DEPTH ? 'too deep' : json_last_error_msg(), $assoc];
            }
        }
        if (self::mayOverflow($json) && self::hasInfinity($v)) {
            return [false, null, 'number out of range', $assoc];
        }
        return [true, $v, '', $assoc];
    }

    /**
     * The number `-0` written `-0.0`: serde_json reads it as the float -0.0, ext/json as the
     * integer 0. Strings are matched whole and left as they are.
     */
    public static function negativeZeros(string $json): string
    {
        $out = preg_replace_callback('/"(?:[^"\\\\]++|\\\\.)*+"|-0(?![0-9.eE])/', static fn (array $m): string => $m[0] === '-0' ? '-0.0' : $m[0], $json);
        return is_string($out) ? $out : $json;
    }

    /** Whether the text may hold a number beyond the float range (an exponent, or 309+ digits). */
    public static function mayOverflow(string $json): bool
    {
        return preg_match('/(?:\A|[:\[,])\s*-?[0-9]+(?:\.[0-9]+)?[eE]|[0-9]{309}/', $json) === 1;
    }

    /** @param mixed $v */
    public static function hasInfinity($v): bool
    {
        if (is_float($v)) {
            return is_infinite($v);
        }
        if (is_array($v) || $v instanceof \stdClass) {
            foreach ($v as $x) {
                if (!is_scalar($x) && $x !== null ? self::hasInfinity($x) : (is_float($x) && is_infinite($x))) {
                    return true;
                }
            }
        }
        return false;
    }

    /**
     * The text decoded with integers beyond PHP's int range as their digits, when it has any
     * (ext/json makes them floats; the core keeps those up to 2^64-1 exact).
     *
     * @return array<array-key, mixed>|null
     */
    public static function bigIntegers(string $text): ?array
    {
        if (!preg_match('/[0-9]{19}/', $text)) {
            return null;
        }
        $v = json_decode($text, true, self::MAX_INPUT_DEPTH, JSON_BIGINT_AS_STRING);
        return is_array($v) ? $v : null;
    }

    /**
     * A decoded value with each float that was an integer up to 2^64-1 in the text written as its
     * digits ($digits: the same value from {@see bigIntegers()}).
     *
     * @param mixed $v
     * @param mixed $digits
     * @return mixed
     */
    public static function restoreBigIntegers($v, $digits)
    {
        if (is_float($v) && is_string($digits) && preg_match('/\A[0-9]+\z/', $digits)) {
            return (strlen($digits) < 20 || (strlen($digits) === 20 && strcmp($digits, '18446744073709551615') <= 0))
                ? new JsonRaw($digits) : $v;
        }
        if ($v instanceof \stdClass && is_array($digits)) {
            $out = new \stdClass();
            foreach ($v as $k => $x) {
                $out->$k = self::restoreBigIntegers($x, $digits[$k] ?? null);
            }
            return $out;
        }
        if (is_array($v) && is_array($digits)) {
            $out = [];
            foreach ($v as $i => $x) {
                $out[$i] = self::restoreBigIntegers($x, $digits[$i] ?? null);
            }
            return $out;
        }
        return $v;
    }
}
