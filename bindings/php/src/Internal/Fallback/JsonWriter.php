<?php

declare(strict_types=1);

namespace Everifin\Webhook\Internal\Fallback;

/**
 * The one JSON writer of the pure-PHP fallback: compact JSON as the core writes it (strings with
 * only `"`, `\` and control characters escaped; floats in their shortest round-trip digits, with
 * ".0" for whole numbers and an exponent outside 1e-5..1e16, e.g. `100.0`, `-0.0`, `1e+22`,
 * `5e-7`), plus the spaced and pretty layouts explain's search tries. Strings and numbers are
 * written by ext/json; only the float layout is ours.
 *
 * @internal
 */
final class JsonWriter
{
    public const COMPACT = 0;
    public const SPACED = 1;
    public const PRETTY2 = 2;
    public const PRETTY4 = 3;

    private const STRING_FLAGS = JSON_UNESCAPED_SLASHES | JSON_UNESCAPED_UNICODE | JSON_UNESCAPED_LINE_TERMINATORS;

    private function __construct()
    {
    }

    public static function string(string $s): string
    {
        $out = json_encode($s, self::STRING_FLAGS);
        if ($out === false) {
            throw new \InvalidArgumentException('string is not valid UTF-8');
        }
        return $out;
    }

    /**
     * Compact JSON of a decoded value (\stdClass objects, lists, scalars; a {@see JsonRaw} as it is).
     *
     * @param mixed $v
     */
    public static function compact($v): string
    {
        return self::write($v, ',', ':', null, 0);
    }

    /**
     * A value in one of the layouts, optionally with every non-ASCII character escaped
     * (\uXXXX, lowercase, surrogate pairs) and every "/" escaped.
     *
     * @param mixed $value
     */
    public static function render($value, int $format, bool $ascii = false, bool $slashes = false): string
    {
        switch ($format) {
            case self::SPACED:
                $out = self::write($value, ', ', ': ', null, 0);
                break;
            case self::PRETTY2:
                $out = self::write($value, ',', ': ', '  ', 0);
                break;
            case self::PRETTY4:
                $out = self::write($value, ',', ': ', '    ', 0);
                break;
            default:
                $out = self::write($value, ',', ':', null, 0);
        }
        if ($ascii) {
            $out = self::escapeNonAscii($out);
        }
        if ($slashes) {
            $out = str_replace('/', '\\/', $out);
        }
        return $out;
    }

    /** @param mixed $v */
    private static function write($v, string $comma, string $colon, ?string $indent, int $level): string
    {
        if (is_string($v)) {
            return self::string($v);
        }
        if ($v === null) {
            return 'null';
        }
        if (is_bool($v)) {
            return $v ? 'true' : 'false';
        }
        if (is_int($v)) {
            return (string) $v;
        }
        if (is_float($v)) {
            return self::float($v);
        }
        if ($v instanceof JsonRaw) {
            return $v->json;
        }
        if ($v instanceof \stdClass || (is_array($v) && $v !== [] && !array_is_list($v))) {
            $parts = [];
            foreach ($v as $k => $val) {
                $parts[] = self::string((string) $k) . $colon . self::write($val, $comma, $colon, $indent, $level + 1);
            }
            return $parts === [] ? '{}' : self::wrap('{', '}', $parts, $comma, $indent, $level);
        }
        if (is_array($v)) {
            $parts = [];
            foreach ($v as $val) {
                $parts[] = self::write($val, $comma, $colon, $indent, $level + 1);
            }
            return $parts === [] ? '[]' : self::wrap('[', ']', $parts, $comma, $indent, $level);
        }
        throw new \InvalidArgumentException('value cannot be written as JSON');
    }

    /** @param list<string> $parts */
    private static function wrap(string $open, string $close, array $parts, string $comma, ?string $indent, int $level): string
    {
        if ($indent === null) {
            return $open . implode($comma, $parts) . $close;
        }
        $inner = "\n" . str_repeat($indent, $level + 1);
        return $open . $inner . implode(',' . $inner, $parts) . "\n" . str_repeat($indent, $level) . $close;
    }

    /**
     * A finite float as the core writes it: the shortest round-trip digits (ext/json with
     * serialize_precision -1), fixed notation for decimal exponents -5 to 15 ("100.0",
     * "0.00001"), else "1.5e-7" / "1e+20".
     */
    public static function float(float $f): string
    {
        if (is_nan($f) || is_infinite($f)) {
            return 'null';
        }
        if ($f == 0.0) {
            return fdiv(1.0, $f) < 0 ? '-0.0' : '0.0';
        }
        $prev = ini_get('serialize_precision');
        ini_set('serialize_precision', '-1');
        try {
            $repr = (string) json_encode(abs($f));
        } finally {
            ini_set('serialize_precision', (string) $prev);
        }
        $sign = $f < 0 ? '-' : '';
        $exp = 0;
        $e = strcspn($repr, 'eE');
        if ($e < strlen($repr)) {
            $exp = (int) substr($repr, $e + 1);
            $repr = substr($repr, 0, $e);
        }
        $dot = strpos($repr, '.');
        $intLen = $dot === false ? strlen($repr) : $dot;
        $digits = str_replace('.', '', $repr);
        $lead = strspn($digits, '0');
        $dec = $exp + $intLen - 1 - $lead;
        $digits = rtrim(substr($digits, $lead), '0');
        if ($digits === '') {
            return $sign . '0.0';
        }
        $n = strlen($digits);
        if ($dec >= -5 && $dec <= 15) {
            if ($n - 1 <= $dec) {
                return $sign . $digits . str_repeat('0', $dec - $n + 1) . '.0';
            }
            if ($dec >= 0) {
                return $sign . substr($digits, 0, $dec + 1) . '.' . substr($digits, $dec + 1);
            }
            return $sign . '0.' . str_repeat('0', -$dec - 1) . $digits;
        }
        $mantissa = $n > 1 ? $digits[0] . '.' . substr($digits, 1) : $digits;
        return $sign . $mantissa . 'e' . ($dec < 0 ? '-' : '+') . abs($dec);
    }

    private static function escapeNonAscii(string $s): string
    {
        // ext/json writes a non-ASCII character as \uXXXX (lowercase, surrogate pairs).
        return (string) preg_replace_callback('/[^\x00-\x7F]+/u', static fn (array $m): string => substr((string) json_encode($m[0]), 1, -1), $s);
    }
}
