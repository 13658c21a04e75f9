<?php

declare(strict_types=1);

namespace Everifin\Webhook\Internal;

/**
 * A strict RFC 8259 JSON reader for the pure-PHP backend.
 *
 * PHP's json_decode() cannot tell `{}` from `[]` when decoding to arrays, refuses object keys
 * that start with NUL when decoding to objects, accepts numbers out of the float range, and counts
 * nesting depth differently from the Rust core. This reader behaves like serde_json (the core's
 * parser): objects become {@see JsonObject} (last duplicate key wins), arrays become PHP lists,
 * integers that fit in 64 bits become int (an integer above PHP_INT_MAX but within u64 becomes a
 * {@see JsonBigInt}), other numbers become float, out-of-range numbers and lone UTF-16 surrogates
 * are errors. Each object also remembers the exact source text of its members' values.
 *
 * @internal
 */
final class Json
{
    private string $s;
    private int $len;
    private int $pos = 0;
    private int $maxDepth;
    /** Read non-integer numbers exactly as serde_json (without float_roundtrip) does. */
    private bool $serdeFloats = false;

    private function __construct(string $text, int $maxDepth)
    {
        $this->s = $text;
        $this->len = strlen($text);
        $this->maxDepth = $maxDepth;
    }

    /**
     * Like parse(), but every number that serde_json reads as a float gets the value serde_json
     * (the core's parser, built without its float_roundtrip feature) gives it: the significand's
     * first digits (up to u64) scaled by a power of ten, which is not always the correctly
     * rounded value. For re-encoding a body exactly as the core does (explain).
     *
     * @return mixed
     * @throws JsonError
     */
    public static function parseSerde(string $text, int $maxDepth = 128)
    {
        $p = new self($text, $maxDepth);
        $p->serdeFloats = true;
        $p->ws();
        $v = $p->value(0);
        $p->ws();
        if ($p->pos !== $p->len) {
            throw new JsonError('trailing characters after the JSON value', $p->pos);
        }
        return $v;
    }

    /**
     * Parses one JSON value with optional surrounding whitespace.
     *
     * @return mixed JsonObject|list<mixed>|string|int|float|bool|JsonBigInt|null
     * @throws JsonError
     */
    public static function parse(string $text, int $maxDepth = 128)
    {
        $p = new self($text, $maxDepth);
        $p->ws();
        $v = $p->value(0);
        $p->ws();
        if ($p->pos !== $p->len) {
            throw new JsonError('trailing characters after the JSON value', $p->pos);
        }
        return $v;
    }

    private function ws(): void
    {
        $this->pos += strspn($this->s, " \t\n\r", $this->pos);
    }

    /** @return mixed */
    private function value(int $depth)
    {
        if ($this->pos >= $this->len) {
            throw new JsonError('unexpected end of input', $this->pos);
        }
        $c = $this->s[$this->pos];
        switch ($c) {
            case '{':
                return $this->object($depth + 1);
            case '[':
                return $this->arr($depth + 1);
            case '"':
                return $this->str();
            case 't':
                return $this->lit('true', true);
            case 'f':
                return $this->lit('false', false);
            case 'n':
                return $this->lit('null', null);
            default:
                if ($c === '-' || ($c >= '0' && $c <= '9')) {
                    return $this->num();
                }
                throw new JsonError('unexpected character', $this->pos);
        }
    }

    /** @param mixed $v @return mixed */
    private function lit(string $word, $v)
    {
        if (substr_compare($this->s, $word, $this->pos, strlen($word)) !== 0 || $this->len - $this->pos < strlen($word)) {
            throw new JsonError('invalid literal', $this->pos);
        }
        $this->pos += strlen($word);
        return $v;
    }

    private function object(int $depth): JsonObject
    {
        if ($depth > $this->maxDepth) {
            throw new JsonError('nesting too deep', $this->pos);
        }
        $this->pos++;
        $obj = new JsonObject();
        $this->ws();
        if ($this->pos < $this->len && $this->s[$this->pos] === '}') {
            $this->pos++;
            return $obj;
        }
        while (true) {
            $this->ws();
            if ($this->pos >= $this->len || $this->s[$this->pos] !== '"') {
                throw new JsonError('expected a string key', $this->pos);
            }
            $key = $this->str();
            $this->ws();
            if ($this->pos >= $this->len || $this->s[$this->pos] !== ':') {
                throw new JsonError("expected ':'", $this->pos);
            }
            $this->pos++;
            $this->ws();
            $start = $this->pos;
            $v = $this->value($depth);
            $obj->set($key, $v, substr($this->s, $start, $this->pos - $start));
            $this->ws();
            if ($this->pos >= $this->len) {
                throw new JsonError('unexpected end of input', $this->pos);
            }
            $c = $this->s[$this->pos++];
            if ($c === '}') {
                return $obj;
            }
            if ($c !== ',') {
                throw new JsonError("expected ',' or '}'", $this->pos - 1);
            }
        }
    }

    /** @return list<mixed> */
    private function arr(int $depth): array
    {
        if ($depth > $this->maxDepth) {
            throw new JsonError('nesting too deep', $this->pos);
        }
        $this->pos++;
        $out = [];
        $this->ws();
        if ($this->pos < $this->len && $this->s[$this->pos] === ']') {
            $this->pos++;
            return $out;
        }
        while (true) {
            $this->ws();
            $out[] = $this->value($depth);
            $this->ws();
            if ($this->pos >= $this->len) {
                throw new JsonError('unexpected end of input', $this->pos);
            }
            $c = $this->s[$this->pos++];
            if ($c === ']') {
                return $out;
            }
            if ($c !== ',') {
                throw new JsonError("expected ',' or ']'", $this->pos - 1);
            }
        }
    }

    /** @return string */
    private function str()
    {
        // A JSON string: no raw control characters, only the RFC 8259 escapes.
        if (!preg_match('/\G"(?:[^"\\\\\x00-\x1f]++|\\\\(?:["\\\\\/bfnrt]|u[0-9a-fA-F]{4}))*+"/', $this->s, $m, 0, $this->pos)) {
            throw new JsonError('invalid string', $this->pos);
        }
        $tok = $m[0];
        $this->pos += strlen($tok);
        if (strpos($tok, '\\') === false) {
            $out = substr($tok, 1, -1);
        } else {
            $out = json_decode($tok, false, 1);
            if (!is_string($out)) {
                // Lone UTF-16 surrogates: refused like serde_json does when it decodes a string.
                throw new JsonError('invalid escape in string', $this->pos);
            }
        }
        if (!preg_match('//u', $out)) {
            throw new JsonError('string is not valid UTF-8', $this->pos);
        }
        return $out;
    }

    /** @return int|float|JsonBigInt */
    private function num()
    {
        if (!preg_match('/\G-?(?:0|[1-9][0-9]*+)(\.[0-9]++)?([eE][+-]?[0-9]++)?/', $this->s, $m, 0, $this->pos)) {
            throw new JsonError('invalid number', $this->pos);
        }
        $tok = $m[0];
        $this->pos += strlen($tok);
        $isFloat = (isset($m[1]) && $m[1] !== '') || (isset($m[2]) && $m[2] !== '');
        if ($this->serdeFloats && ($isFloat || strlen($tok) > 20)) {
            $f = self::serdeFloat($tok);
            if ($f === null) {
                throw new JsonError('number out of range', $this->pos);
            }
            if ($isFloat || is_float($f)) {
                return $f;
            }
        }
        if (!$isFloat) {
            if ($tok === '-0') {
                return -0.0; // serde_json reads -0 as a float
            }
            $neg = $tok[0] === '-';
            $digits = $neg ? substr($tok, 1) : $tok;
            if (strlen($digits) < 19 || (strlen($digits) === 19 && strcmp($digits, $neg ? '9223372036854775808' : '9223372036854775807') <= 0)) {
                if ($neg && $digits === '9223372036854775808') {
                    return PHP_INT_MIN;
                }
                return (int) $tok;
            }
            if (!$neg && (strlen($digits) < 20 || (strlen($digits) === 20 && strcmp($digits, '18446744073709551615') <= 0))) {
                return new JsonBigInt($digits);
            }
        }
        $f = (float) $tok;
        if (is_infinite($f) || is_nan($f)) {
            throw new JsonError('number out of range', $this->pos);
        }
        return $f;
    }

    /**
     * serde_json's reading of a number token (de.rs, parse_integer and the functions it calls,
     * without float_roundtrip): a float, true when the token is an integer that fits u64/i64
     * (the caller reads those), or null when serde_json reports "number out of range".
     *
     * @return float|bool|null
     */
    private static function serdeFloat(string $tok)
    {
        $n = strlen($tok);
        $i = 0;
        $positive = $tok[0] !== '-';
        if (!$positive) {
            $i++;
        }
        $sig = '0';
        $exponent = 0;
        // overflow!(sig * 10 + digit, u64::MAX): the next digit would not fit a u64.
        $push = static function (string $sig, string $d): ?string {
            $next = ltrim($sig . $d, '0');
            $next = $next === '' ? '0' : $next;
            if (strlen($next) > 20 || (strlen($next) === 20 && strcmp($next, '18446744073709551615') > 0)) {
                return null;
            }
            return $next;
        };
        $isDigit = static fn (int $at): bool => $at < $n && $tok[$at] >= '0' && $tok[$at] <= '9';
        // Integer part (parse_integer, parse_long_integer).
        $long = false;
        while ($isDigit($i)) {
            if ($long) {
                $exponent++;
            } else {
                $next = $push($sig, $tok[$i]);
                if ($next === null) {
                    $long = true;
                    $exponent++;
                } else {
                    $sig = $next;
                }
            }
            $i++;
        }
        if (!$long && $i === $n) {
            return true; // an integer serde_json keeps as u64 / i64 (or -0 and below i64::MIN: exact casts)
        }
        // Fraction (parse_decimal, parse_decimal_overflow).
        if ($i < $n && $tok[$i] === '.') {
            $i++;
            $overflowed = false;
            while ($isDigit($i)) {
                if (!$overflowed) {
                    $next = $push($sig, $tok[$i]);
                    if ($next === null) {
                        $overflowed = true;
                    } else {
                        $sig = $next;
                        $exponent--;
                    }
                }
                $i++;
            }
        }
        // Exponent (parse_exponent, parse_exponent_overflow).
        if ($i < $n && ($tok[$i] === 'e' || $tok[$i] === 'E')) {
            $i++;
            $positiveExp = true;
            if ($tok[$i] === '+' || $tok[$i] === '-') {
                $positiveExp = $tok[$i] === '+';
                $i++;
            }
            $exp = 0;
            for (; $i < $n; $i++) {
                $d = ord($tok[$i]) - 48;
                if ($exp > 214748364 || ($exp === 214748364 && $d > 7)) {
                    if ($sig !== '0' && $positiveExp) {
                        return null;
                    }
                    return $positive ? 0.0 : -0.0;
                }
                $exp = $exp * 10 + $d;
            }
            $exponent = $positiveExp ? min(2147483647, $exponent + $exp) : max(-2147483648, $exponent - $exp);
        }
        // f64_from_parts: (sig as f64) scaled by POW10[|exponent|], 1e308 at a time below that.
        $f = (float) $sig;
        while (true) {
            $abs = $exponent === -2147483648 ? -1 : abs($exponent);
            if ($abs >= 0 && $abs <= 308) {
                $pow = (float) ('1e' . $abs);
                if ($exponent >= 0) {
                    $f *= $pow;
                    if (is_infinite($f)) {
                        return null;
                    }
                } else {
                    $f /= $pow;
                }
                break;
            }
            if ($f == 0.0) {
                break;
            }
            if ($exponent >= 0) {
                return null;
            }
            $f /= 1e308;
            $exponent += 308;
        }
        return $positive ? $f : -$f;
    }

    /**
     * Compact JSON text for a value produced by parse() or built from PHP values. Objects are
     * JsonObject or stdClass; PHP arrays are lists.
     *
     * @param mixed $v
     */
    public static function encode($v): string
    {
        if ($v instanceof JsonObject) {
            $parts = [];
            foreach ($v->members() as $k => $val) {
                $parts[] = self::encodeString((string) $k) . ':' . self::encode($val);
            }
            return '{' . implode(',', $parts) . '}';
        }
        if ($v instanceof JsonRaw) {
            return $v->json;
        }
        if ($v instanceof JsonBigInt) {
            return $v->digits;
        }
        if ($v instanceof \stdClass) {
            $parts = [];
            foreach (get_object_vars($v) as $k => $val) {
                $parts[] = self::encodeString((string) $k) . ':' . self::encode($val);
            }
            return '{' . implode(',', $parts) . '}';
        }
        if (is_array($v)) {
            if ($v !== [] && !array_is_list($v)) {
                $parts = [];
                foreach ($v as $k => $val) {
                    $parts[] = self::encodeString((string) $k) . ':' . self::encode($val);
                }
                return '{' . implode(',', $parts) . '}';
            }
            return '[' . implode(',', array_map([self::class, 'encode'], $v)) . ']';
        }
        if (is_string($v)) {
            return self::encodeString($v);
        }
        if (is_float($v)) {
            return self::encodeFloat($v);
        }
        $out = json_encode($v);
        if ($out === false) {
            throw new \InvalidArgumentException('value cannot be encoded as JSON');
        }
        return $out;
    }

    public static function encodeString(string $s): string
    {
        $out = json_encode($s, JSON_UNESCAPED_SLASHES | JSON_UNESCAPED_UNICODE | JSON_UNESCAPED_LINE_TERMINATORS);
        if ($out === false) {
            throw new \InvalidArgumentException('string is not valid UTF-8');
        }
        return $out;
    }

    private static function encodeFloat(float $f): string
    {
        if (is_infinite($f) || is_nan($f)) {
            return 'null';
        }
        $prev = ini_get('serialize_precision');
        ini_set('serialize_precision', '-1');
        try {
            $out = json_encode($f);
        } finally {
            ini_set('serialize_precision', (string) $prev);
        }
        return (string) $out;
    }
}
