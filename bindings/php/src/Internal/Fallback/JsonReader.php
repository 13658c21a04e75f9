<?php

declare(strict_types=1);

namespace Everifin\Webhook\Internal\Fallback;

/**
 * JSON reading over ext/json (json_decode), with what the core's serde_json does and ext/json
 * does not: a number beyond the float range is an error, `-0` is the float -0.0, integers up to
 * 2^64-1 stay exact where they are written again.
 *
 * @internal
 */
final class JsonReader
{
    private function __construct()
    {
    }

    /**
     * json_decode with the strictness the core's serde_json has and ext/json lacks: a number
     * beyond the float range is an error (ext/json makes it INF). Lone UTF-16 surrogates, invalid
     * UTF-8 and nesting deeper than $depth are already errors in ext/json. Objects are \stdClass
     * (so {} and [] stay apart); a key starting with NUL, which no PHP object can hold, makes
     * objects arrays instead. Without $checkNumbers the caller looks for infinities itself and
     * `-0` is read as ext/json reads it.
     *
     * @return array{0: bool, 1: mixed, 2: string, 3: bool} [ok, value, error message, objects as arrays]
     */
    public static function decode(string $json, int $depth, bool $checkNumbers = true): array
    {
        $assoc = false;
        if ($checkNumbers && strpos($json, '-0') !== false) {
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
        if ($checkNumbers && self::overflows($json, true)) {
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
        if (!preg_match('/(?:\A|[\[:,])\s*-0(?![0-9.eE])/', $json)) {
            return $json;
        }
        $out = preg_replace('/"(?:[^"\\\\]++|\\\\.)*+"(*SKIP)(*FAIL)|-0(?![0-9.eE])/', '-0.0', $json);
        return is_string($out) ? $out : $json;
    }

    /**
     * Whether valid JSON text has a number beyond the float range, where it is written (a value
     * later replaced by a duplicate key counts too, as in the core). A number overflows only with
     * an exponent of 100 or more or with 155 digits or more: texts without either are not scanned.
     * $digitRuns false skips the look for long digit runs (the body: {@see Event} finds those in
     * the decoded value).
     */
    public static function overflows(string $json, bool $digitRuns): bool
    {
        if (!preg_match($digitRuns ? '/[eE]\+?0*[1-9][0-9]{2}|[0-9]{155}/' : '/[eE]\+?0*[1-9][0-9]{2}/', $json)) {
            return false;
        }
        // Every number outside strings (strings are matched whole and skipped).
        if (!preg_match_all('/"(?:[^"\\\\]++|\\\\.)*+"(*SKIP)(*FAIL)|-?[0-9]+(?:\.[0-9]+)?(?:[eE][-+]?[0-9]+)?/', $json, $m)) {
            return false;
        }
        foreach ($m[0] as $number) {
            if (is_infinite((float) $number)) {
                return true;
            }
        }
        return false;
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
        $v = json_decode($text, true, Constants::MAX_INPUT_DEPTH, JSON_BIGINT_AS_STRING);
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
