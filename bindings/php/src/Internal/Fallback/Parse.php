<?php

declare(strict_types=1);

namespace Everifin\Webhook\Internal\Fallback;

use Everifin\Webhook\Status;

/**
 * src/parse.rs: the body must be UTF-8 and strict JSON (nesting depth, no lone surrogate escapes,
 * numbers within the float range) and an object.
 *
 * The body is decoded by ext/json; what ext/json lets through and the core refuses (a number
 * beyond the float range) is checked on the text and on the decoded value. hookData is passed
 * through as the exact text of the body: {@see hookDataText()}.
 *
 * @internal
 */
final class Parse
{
    private const REENCODE = JSON_UNESCAPED_SLASHES | JSON_UNESCAPED_UNICODE | JSON_UNESCAPED_LINE_TERMINATORS | JSON_PRESERVE_ZERO_FRACTION;

    private function __construct()
    {
    }

    /**
     * Body bytes -> its top-level members (objects as \stdClass; as arrays when a key starts with
     * NUL, then the second item is true) and data.hookData written again by ext/json (for
     * {@see hookDataText()}; null when not written).
     *
     * @return array{0: \stdClass, 1: bool, 2: string|false|null}
     * @throws Failure BODY_NOT_UTF8, BODY_NOT_JSON or EVENT_INVALID (not an object)
     */
    public static function body(string $body): array
    {
        // ext/json accepts only valid UTF-8 (strictly: no overlong forms, no surrogates), so a body
        // it decodes is UTF-8; the check is made when it does not.
        $root = json_decode($body, false, Constants::MAX_JSON_DEPTH + 1);
        if ($root instanceof \stdClass) {
            // The usual body, as JsonReader::decode reads it.
            [$ok, $hookText] = self::finite($root, false, $body);
            if ($ok) {
                return [$root, false, $hookText];
            }
            throw new Failure(Status::BODY_NOT_JSON, 'the body has a number beyond the range of a 64-bit float');
        }
        [$ok, $root, $error, $assoc] = JsonReader::decode($body, Constants::MAX_JSON_DEPTH + 1, false);
        if (!$ok && !preg_match('//u', $body)) {
            throw new Failure(Status::BODY_NOT_UTF8, sprintf('the body is not valid UTF-8 (invalid byte at offset %d)', self::validUpTo($body)));
        }
        $hookText = null;
        if ($ok) {
            [$ok, $hookText] = self::finite($root, $assoc, $body);
            $error = $ok ? '' : 'number out of range';
        }
        if (!$ok) {
            switch ($error) {
                case 'too deep':
                    $what = sprintf('nests arrays/objects deeper than %d levels', Constants::MAX_JSON_DEPTH);
                    break;
                case 'number out of range':
                    $what = 'has a number beyond the range of a 64-bit float';
                    break;
                default:
                    $what = json_last_error() === JSON_ERROR_UTF16 ? 'has a \\u escape of a lone UTF-16 surrogate' : 'is not JSON: ' . $error;
            }
            throw new Failure(Status::BODY_NOT_JSON, 'the body ' . $what);
        }
        if ($assoc && is_array($root) && ($root === [] || !array_is_list($root))) {
            $root = (object) $root; // decoded with objects as arrays (a key starting with NUL)
        }
        if (!$root instanceof \stdClass) {
            throw new Failure(Status::EVENT_INVALID, 'the body must be a JSON object (an Everifin event)', '');
        }
        return [$root, $assoc, $hookText];
    }

    /**
     * Whether the body holds no number beyond the float range (the core refuses it; ext/json
     * decodes it as INF), and data.hookData written again by ext/json. Exponents are looked for
     * in the text; long digit runs as INF in the decoded value: the walk costs nothing more than
     * writing hookData again (which fails on INF), which {@see hookDataText()} needs anyway. (A
     * 155-digit number under a key that a duplicate key replaces is the one overflow missed.)
     *
     * @param mixed $root
     * @return array{0: bool, 1: string|false|null} [finite, hookData written again]
     */
    private static function finite($root, bool $assoc, string $body): array
    {
        // JsonReader::overflows()'s look for an exponent, written out: most bodies have none.
        if (preg_match('/[eE]\+?0*[1-9][0-9]{2}/', $body) && JsonReader::overflows($body, false)) {
            return [false, null]; // an exponent beyond the range, wherever it is written
        }
        if ($assoc || !$root instanceof \stdClass) {
            return [!JsonReader::hasInfinity($root), null];
        }
        $hookText = null;
        foreach ($root as $k => $v) {
            if (is_string($v)) {
                continue;
            }
            if ($k === 'data' && $v instanceof \stdClass) {
                foreach ($v as $dk => $dv) {
                    if (is_string($dv)) {
                        continue;
                    }
                    if ($dk === 'hookData' && $dv !== null) {
                        $hookText = json_encode($dv, self::REENCODE, 512);
                        if ($hookText === false && json_last_error() === JSON_ERROR_INF_OR_NAN) {
                            return [false, null];
                        }
                    } elseif (is_float($dv) ? is_infinite($dv) : (!is_scalar($dv) && $dv !== null && JsonReader::hasInfinity($dv))) {
                        return [false, null];
                    }
                }
            } elseif (is_float($v) ? is_infinite($v) : (!is_scalar($v) && $v !== null && JsonReader::hasInfinity($v))) {
                return [false, null];
            }
        }
        return [true, $hookText];
    }

    /** Where invalid UTF-8 starts (Utf8Error::valid_up_to), for the message. */
    public static function validUpTo(string $s): int
    {
        $i = 0;
        $n = strlen($s);
        while ($i < $n) {
            $i += strspn($s, implode('', array_map('chr', range(0, 127))), $i);
            if ($i >= $n) {
                break;
            }
            $c = ord($s[$i]);
            [$len, $lo, $hi] = $c >= 0xC2 && $c <= 0xDF ? [2, 0x80, 0xBF]
                : ($c === 0xE0 ? [3, 0xA0, 0xBF] : ($c === 0xED ? [3, 0x80, 0x9F] : ($c >= 0xE1 && $c <= 0xEF ? [3, 0x80, 0xBF]
                : ($c === 0xF0 ? [4, 0x90, 0xBF] : ($c === 0xF4 ? [4, 0x80, 0x8F] : ($c >= 0xF1 && $c <= 0xF3 ? [4, 0x80, 0xBF] : [0, 0, 0]))))));
            if ($len === 0 || $i + $len > $n) {
                return $i;
            }
            for ($k = 1; $k < $len; $k++) {
                $b = ord($s[$i + $k]);
                if ($k === 1 ? ($b < $lo || $b > $hi) : ($b < 0x80 || $b > 0xBF)) {
                    return $i;
                }
            }
            $i += $len;
        }
        return $n;
    }

    /**
     * hookData's exact text in the body (the core passes it through raw).
     *
     * The usual body spells every key plainly (no \u escape) and writes hookData as ext/json
     * does: then the decoded hookData, written again, is found once right after its key, and
     * that is its text. Otherwise the span is found by walking the body's top level and `data`
     * (last key wins, as in the core), skipping the other values.
     *
     * @param mixed $hook the decoded data.hookData
     * @param string|false|null $text $hook written again by ext/json, when done already
     */
    public static function hookDataText(string $body, $hook, $text): string
    {
        [$start, $length] = self::hookDataRange($body, $hook, $text);
        return substr($body, $start, $length);
    }

    /**
     * hookDataText()'s place in the body: [byte offset, length].
     *
     * @param mixed $hook the decoded data.hookData
     * @param string|false|null $text $hook written again by ext/json, when done already
     * @return array{0: int, 1: int}
     */
    public static function hookDataRange(string $body, $hook, $text): array
    {
        $text ??= json_encode($hook, self::REENCODE, 512);
        $at = is_string($text) && strpos($body, '\\u') === false ? strpos($body, '"hookData"') : false;
        if ($at !== false && strpos($body, '"hookData"', $at + 10) === false) {
            $at += 10;
            $at += strspn($body, " \t\n\r", $at);
            if (($body[$at] ?? '') === ':') {
                $at += 1 + strspn($body, " \t\n\r", $at + 1);
                if (substr_compare($body, $text, $at, strlen($text)) === 0) {
                    $end = $at + strlen($text);
                    $next = $body[$end + strspn($body, " \t\n\r", $end)] ?? '';
                    if ($next === ',' || $next === '}') {
                        return [$at, strlen($text)];
                    }
                }
            }
        }
        [$start, $end] = self::hookDataSpan($body);
        return [$start, $end - $start];
    }

    /**
     * [start, end) of the last `data` member's last `hookData` value, in a body known to be a
     * valid JSON object.
     *
     * @return array{0: int, 1: int}
     */
    private static function hookDataSpan(string $b): array
    {
        $span = [0, 0];
        $i = self::ws($b, 0) + 1; // after the top-level "{"
        foreach (self::members($b, $i) as [$key, $at]) {
            if ($key === 'data') {
                $span = [0, 0];
                if ($b[$at] === '{') {
                    foreach (self::members($b, $at + 1) as [$inner, $valueAt]) {
                        if ($inner === 'hookData') {
                            $span = [$valueAt, self::skip($b, $valueAt)];
                        }
                    }
                }
            }
        }
        return $span;
    }

    /**
     * The members of the object whose "{" is just before $i: [key, value offset] each.
     *
     * Also walks a stored decide state (Decide::memberTexts).
     *
     * @return \Generator<array{0: string, 1: int}>
     */
    public static function members(string $b, int $i): \Generator
    {
        $i = self::ws($b, $i);
        while (($b[$i] ?? '}') === '"') {
            $end = self::skipString($b, $i);
            $raw = substr($b, $i + 1, $end - $i - 2);
            $key = strpos($raw, '\\') === false ? $raw : (string) json_decode('"' . $raw . '"');
            $at = self::ws($b, self::ws($b, $end) + 1); // past ":"
            yield [$key, $at];
            $i = self::ws($b, self::skip($b, $at));
            if (($b[$i] ?? '}') !== ',') {
                return;
            }
            $i = self::ws($b, $i + 1);
        }
    }

    /** Past the JSON white space at $i. */
    public static function ws(string $b, int $i): int
    {
        return $i + strspn($b, " \t\n\r", $i);
    }

    /** Past the value that starts at $i. */
    public static function skip(string $b, int $i): int
    {
        $c = $b[$i] ?? '';
        if ($c === '"') {
            return self::skipString($b, $i);
        }
        if ($c !== '{' && $c !== '[') {
            return $i + strcspn($b, ",}] \t\n\r", $i);
        }
        $depth = 0;
        $n = strlen($b);
        while ($i < $n) {
            $i += strcspn($b, '"{}[]', $i);
            $c = $b[$i] ?? '';
            if ($c === '"') {
                $i = self::skipString($b, $i);
                continue;
            }
            $depth += ($c === '{' || $c === '[') ? 1 : -1;
            $i++;
            if ($depth === 0) {
                return $i;
            }
        }
        return $n;
    }

    /** Past the string whose opening quote is at $i. */
    private static function skipString(string $b, int $i): int
    {
        $n = strlen($b);
        $i++;
        while ($i < $n) {
            $i += strcspn($b, '"\\', $i);
            if (($b[$i] ?? '"') === '"') {
                return $i + 1;
            }
            $i += 2;
        }
        return $n;
    }
}
