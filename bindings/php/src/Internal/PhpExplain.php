<?php

declare(strict_types=1);

namespace Everifin\Webhook\Internal;

/**
 * The pure-PHP port of the core's explain search (src/explain.rs): why does a signature fail?
 * It tries what the sender could have signed instead (a secret with stray whitespace, the body
 * before something re-encoded it, another concatenation of ts and body, another spelling of ts,
 * a retired secret) and says what matched, never an expected signature; secrets are named by
 * index or fingerprint only.
 *
 * The candidates, their order and the findings' codes and details are the core's; the JSON
 * re-encodings reproduce serde_json's output byte for byte (compact, ", "/": " spaced, pretty
 * with 2 and 4 spaces, floats as serde_json writes them).
 *
 * @internal
 */
final class PhpExplain
{
    /** Bodies larger than this are not re-encoded in search of a cause (the plain checks still run). */
    public const MAX_REENCODE_BYTES = 262144;
    /** Objects with at most this many keys have every key order tried. */
    public const MAX_PERMUTED_KEYS = 6;
    /** Key orders are permuted only for bodies up to this size. */
    public const MAX_PERMUTED_BYTES = 16384;

    private const COMPACT = 0;
    private const SPACED = 1;
    private const PRETTY2 = 2;
    private const PRETTY4 = 3;

    private const CONFIGURED = 'configured';
    private const TRIMMED = 'trimmed';
    private const RETIRED = 'retired';

    /** Rust's char::is_whitespace (Unicode White_Space), which str::trim removes. */
    private const WS = '\x{0009}-\x{000D}\x{0020}\x{0085}\x{00A0}\x{1680}\x{2000}-\x{200A}\x{2028}\x{2029}\x{202F}\x{205F}\x{3000}';

    private const TOP_ORDER = ['eventId', 'eventType', 'eventTimestamp', 'clientId', 'hookType', 'timestamp', 'data'];
    private const DATA_ORDER = ['paymentId', 'refundId', 'orderId', 'status', 'reasonCode', 'instructionId', 'externalId', 'hookData'];

    private string $ts;
    /** @var list<string> the header's signatures, lowercase hex */
    private array $given;
    /** @var list<array{0: string, 1: int, 2: string}> [kind, index, secret] in search order */
    private array $keys;

    /**
     * @param list<string> $given
     * @param list<array{0: string, 1: int, 2: string}> $keys
     */
    private function __construct(string $ts, array $given, array $keys)
    {
        $this->ts = $ts;
        $this->given = $given;
        $this->keys = $keys;
    }

    /** `sha256:` and the first 8 hex digits of SHA-256 over the secret. */
    public static function fingerprint(#[\SensitiveParameter] string $secret): string
    {
        return 'sha256:' . substr(hash('sha256', $secret), 0, 8);
    }

    /**
     * A clock-skew finding when the signature is authentic but not fresh (or more than a minute off).
     */
    public static function skewFinding(int $ageMs, int $toleranceSeconds): ?JsonObject
    {
        $abs = $ageMs === PHP_INT_MIN ? PHP_INT_MAX : abs($ageMs);
        $outside = $toleranceSeconds > 0 && $abs > $toleranceSeconds * 1000;
        if (!$outside && $abs < 60000) {
            return null;
        }
        if ($ageMs >= 0) {
            $s = sprintf('%.1f', $ageMs / 1000);
            $direction = 'behind';
            $message = "the signature is authentic and was made $s s before this server's now: the request was delayed or replayed, or this server's clock is $s s ahead of Everifin's";
        } else {
            $s = sprintf('%.1f', -($ageMs / 1000));
            $direction = 'ahead';
            $message = "the signature is authentic but dated $s s after this server's now: this server's clock is $s s behind Everifin's (check NTP)";
        }
        return self::finding('clock_skew', $message, [
            'ageMs' => $ageMs,
            'direction' => $direction,
            'toleranceSeconds' => $toleranceSeconds,
            'outsideTolerance' => $outside,
        ]);
    }

    /**
     * The findings for a request whose signature matches none of the configured secrets.
     *
     * @param list<string> $configured
     * @param list<string> $retired
     * @return list<JsonObject>
     */
    public static function search(string $body, string $header, #[\SensitiveParameter] array $configured, #[\SensitiveParameter] array $retired): array
    {
        try {
            [$ts, $sigs] = PhpBackend::parseHeader($header);
        } catch (Failure $f) {
            return [];
        }
        $keys = [];
        foreach ($configured as $s) {
            $keys[] = [self::CONFIGURED, 0, $s];
        }
        foreach ($configured as $i => $s) {
            if (preg_match('//u', $s)) {
                $trimmed = (string) preg_replace('/\A[' . self::WS . ']+|[' . self::WS . ']+\z/u', '', $s);
                if (strlen($trimmed) !== strlen($s) && $trimmed !== '') {
                    $keys[] = [self::TRIMMED, $i, $trimmed];
                }
            }
        }
        foreach ($retired as $i => $s) {
            $keys[] = [self::RETIRED, $i, $s];
        }
        $search = new self($ts, array_map(static fn (array $sig): string => $sig[1], $sigs), $keys);
        $findings = [];

        // The key: whitespace around a configured secret, or a retired secret.
        $m = $search->matches($ts . '.' . $body);
        if ($m !== null && $m[0] === self::TRIMMED) {
            $i = $m[1];
            $what = self::describeWhitespace($configured[$i]);
            $findings[] = self::finding(
                'secret_whitespace',
                "configured secret $i $what; the signature matches without it: remove the whitespace from the configured secret",
                ['secretIndex' => $i, 'whitespace' => $what]
            );
        } elseif ($m !== null && $m[0] === self::RETIRED) {
            $fp = self::fingerprint($retired[$m[1]]);
            $findings[] = self::finding(
                'retired_secret',
                "the request is signed with the retired secret $fp, which is no longer configured: Everifin still uses it (was the new secret regenerated again, or is this an old delivery?)",
                ['fingerprint' => $fp]
            );
        }

        // The body: what the sender signed before something re-encoded it.
        $transforms = $search->reencoding($body);
        if ($transforms !== null) {
            $list = implode(', ', $transforms);
            $findings[] = self::finding(
                'body_reencoded',
                "the signature matches the body as it was before it was changed ($list): verify the raw request body exactly as received (php://input, request.get_data()), never a re-encoded one",
                ['transform' => $transforms[0], 'transforms' => $transforms]
            );
        }

        // The message layout: another concatenation of ts and body.
        foreach (['body.ts' => $body . '.' . $ts, 'ts+body' => $ts . $body, 'body' => $body] as $variant => $message) {
            $m = $search->matches($message);
            if ($m !== null && $m[0] === self::CONFIGURED) {
                $findings[] = self::finding(
                    'concatenation_order',
                    "the signature matches HMAC over \"$variant\" instead of \"ts.body\": the signed message must be the ts string, a dot, then the raw body",
                    ['variant' => $variant]
                );
            }
        }

        // The timestamp: the same instant written another way.
        $tsMs = Timestamp::parseMs($ts);
        if ($tsMs !== null) {
            foreach (self::tsSpellings($tsMs) as $alt) {
                if ($alt === $ts) {
                    continue;
                }
                $m = $search->matches($alt . '.' . $body);
                if ($m !== null && $m[0] === self::CONFIGURED) {
                    $findings[] = self::finding(
                        'ts_reformatted',
                        "the signature matches when the timestamp is written \"$alt\" instead of the header's \"$ts\": sign and verify the ts exactly as it appears in the header",
                        ['signedTs' => $alt, 'headerTs' => $ts]
                    );
                    break;
                }
            }
        }

        if ($findings === []) {
            $n = count($sigs);
            $c = count($configured);
            if ($n > $c) {
                $findings[] = self::finding(
                    'rotation_in_progress',
                    "the header carries $n signatures: Everifin signs with $n secrets while a regenerated secret is being rolled out, and none matches the $c configured: add the newest hook secret from the Back Office (oldest first)",
                    ['signatures' => $n, 'configuredSecrets' => $c]
                );
            } else {
                $findings[] = self::finding(
                    'no_cause_found',
                    'no common cause matched: check that the configured secret is this shop\'s current hook secret (compare the fingerprints) and that the raw, unmodified body is verified',
                    []
                );
            }
        }
        return $findings;
    }

    /** @param array<string, mixed> $details */
    private static function finding(string $code, string $message, array $details): JsonObject
    {
        $o = new JsonObject();
        $o->set('code', $code);
        $o->set('message', $message);
        foreach ($details as $k => $v) {
            $o->set($k, $v);
        }
        return $o;
    }

    /**
     * The first key under which $message carries one of the header's signatures: [kind, index].
     *
     * @return array{0: string, 1: int}|null
     */
    private function matches(string $message): ?array
    {
        foreach ($this->keys as [$kind, $index, $secret]) {
            $mac = hash_hmac('sha256', $message, $secret);
            foreach ($this->given as $g) {
                if (hash_equals($g, $mac)) {
                    return [$kind, $index];
                }
            }
        }
        return null;
    }

    /** Whether a body with the header's ts carries a signature under a configured secret. */
    private function bodyMatches(string $body): bool
    {
        $message = $this->ts . '.' . $body;
        foreach ($this->keys as [$kind, , $secret]) {
            if ($kind !== self::CONFIGURED) {
                continue;
            }
            $mac = hash_hmac('sha256', $message, $secret);
            foreach ($this->given as $g) {
                if (hash_equals($g, $mac)) {
                    return true;
                }
            }
        }
        return false;
    }

    private static function describeWhitespace(string $secret): string
    {
        $kind = static function (string $c): string {
            switch ($c) {
                case "\n":
                    return 'a newline';
                case "\r":
                    return 'a carriage return';
                case "\t":
                    return 'a tab';
                default:
                    return 'a space';
            }
        };
        $lead = preg_match('/\A[' . self::WS . ']/u', $secret) === 1;
        $trail = preg_match('/[' . self::WS . ']\z/u', $secret) === 1;
        $first = preg_match('/\A./su', $secret, $m) ? $m[0] : '';
        $last = preg_match('/.\z/su', $secret, $m) ? $m[0] : '';
        if ($lead && $trail) {
            return 'starts with ' . $kind($first) . ' and ends with ' . $kind($last);
        }
        if ($lead) {
            return 'starts with ' . $kind($first);
        }
        return 'ends with ' . $kind($last);
    }

    /**
     * The same instant in the spellings senders and frameworks commonly produce.
     *
     * @return list<string>
     */
    public static function tsSpellings(int $ms): array
    {
        $canonical = Timestamp::formatMs($ms);
        $base = substr($canonical, 0, 19);
        $frac = substr($canonical, 19, 4);
        $seconds = intdiv($ms, 1000);
        if ($ms % 1000 < 0) {
            $seconds -= 1; // div_euclid
        }
        $all = [
            $canonical,
            $base . 'Z',
            $base . $frac . '+00:00',
            $base . '+00:00',
            $base . $frac . '000Z',
            $base . $frac . '000+00:00',
            str_replace('T', ' ', $base) . $frac . 'Z',
            $base . $frac,
            (string) $seconds,
            (string) $ms,
        ];
        $out = [];
        foreach ($all as $s) {
            if ($out === [] || $out[count($out) - 1] !== $s) {
                $out[] = $s; // Vec::dedup: consecutive duplicates only
            }
        }
        return $out;
    }

    /**
     * Transformations of the received body that undo a re-encoding; returns what was undone.
     *
     * @return list<string>|null
     */
    private function reencoding(string $body): ?array
    {
        $bom = "\xEF\xBB\xBF";
        $textual = [
            ['bom', strncmp($body, $bom, 3) === 0 ? substr($body, 3) : null],
            ['crlf', str_contains($body, "\r\n") ? str_replace("\r\n", "\n", $body) : null],
            ['lf', str_contains($body, "\n") ? str_replace("\n", "\r\n", str_replace("\r\n", "\n", $body)) : null],
            ['trailing_newline', str_ends_with($body, "\n") ? rtrim($body, " \t\n\r\x0C") : null],
            ['escaped_slashes', str_contains($body, '\\/') ? str_replace('\\/', '/', $body) : null],
            ['unescaped_slashes', str_contains($body, '/') ? str_replace('/', '\\/', str_replace('\\/', '/', $body)) : null],
        ];
        foreach ($textual as [$label, $candidate]) {
            if ($candidate !== null && $candidate !== $body && $this->bodyMatches($candidate)) {
                return [$label];
            }
        }
        if ((str_ends_with($body, '}') || str_ends_with($body, ']')) && $this->bodyMatches($body . "\n")) {
            return ['trailing_newline'];
        }
        if (strlen($body) > self::MAX_REENCODE_BYTES) {
            return null;
        }
        return $this->jsonReencoding($body);
    }

    /** @return list<string>|null */
    private function jsonReencoding(string $body): ?array
    {
        $text = strncmp($body, "\xEF\xBB\xBF", 3) === 0 ? substr($body, 3) : $body;
        if (!preg_match('//u', $text)) {
            return null;
        }
        try {
            $received = Json::parseSerde($text, 127); // serde_json's recursion limit
        } catch (JsonError $e) {
            return null;
        }
        $receivedPretty = self::hasWhitespaceOutsideStrings($text);
        $escapesUnicode = str_contains($text, '\\u');
        $escapesSlashes = str_contains($text, '\\/');

        $orders = [
            ['received', $received],
            ['sorted', self::sortKeys($received)],
            ['documented', self::documentedOrder($received)],
        ];
        foreach ($orders as [$order, $value]) {
            foreach ([self::COMPACT, self::SPACED, self::PRETTY2, self::PRETTY4] as $format) {
                foreach ([false, true] as $ascii) {
                    foreach ([false, true] as $slashes) {
                        $candidate = self::render($value, $format, $ascii, $slashes);
                        if ($candidate === $body || !$this->bodyMatches($candidate)) {
                            continue;
                        }
                        $t = [];
                        if ($order !== 'received' && !self::sameOrder($received, $value)) {
                            $t[] = 'key_order';
                        }
                        if ($format === self::COMPACT) {
                            if ($receivedPretty) {
                                $t[] = 'pretty_printed';
                            }
                        } else {
                            $t[] = $receivedPretty ? 'pretty_printed' : 'compacted';
                        }
                        if (!$ascii && $escapesUnicode) {
                            $t[] = 'unicode_escaped';
                        }
                        if ($ascii && !$escapesUnicode) {
                            $t[] = 'unicode_unescaped';
                        }
                        if (!$slashes && $escapesSlashes) {
                            $t[] = 'escaped_slashes';
                        }
                        if ($slashes && !$escapesSlashes) {
                            $t[] = 'unescaped_slashes';
                        }
                        if ($t === []) {
                            $t[] = 'reformatted';
                        }
                        return $t;
                    }
                }
            }
        }
        // One level re-ordered in any way: every order of the top-level keys, then of data's.
        if (strlen($body) > self::MAX_PERMUTED_BYTES) {
            return null;
        }
        foreach ([null, 'data'] as $path) {
            foreach (self::permutationsAt($received, $path) as $rendered) {
                if ($rendered !== $body && $this->bodyMatches($rendered)) {
                    return $receivedPretty ? ['key_order', 'pretty_printed'] : ['key_order'];
                }
            }
        }
        return null;
    }

    /**
     * Whether two values have the same key order everywhere.
     *
     * @param mixed $a
     * @param mixed $b
     */
    private static function sameOrder($a, $b): bool
    {
        if ($a instanceof JsonObject && $b instanceof JsonObject) {
            $x = [];
            foreach ($a->members() as $k => $v) {
                $x[] = (string) $k;
            }
            $y = [];
            foreach ($b->members() as $k => $v) {
                $y[] = (string) $k;
            }
            if ($x !== $y) {
                return false;
            }
            foreach ($a->members() as $k => $v) {
                if (!self::sameOrder($v, $b->get((string) $k))) {
                    return false;
                }
            }
            return true;
        }
        if (is_array($a) && is_array($b)) {
            if (count($a) !== count($b)) {
                return false;
            }
            foreach ($a as $i => $v) {
                if (!self::sameOrder($v, $b[$i])) {
                    return false;
                }
            }
        }
        return true;
    }

    /**
     * @param mixed $value
     * @return mixed
     */
    private static function sortKeys($value)
    {
        if ($value instanceof JsonObject) {
            $entries = [];
            foreach ($value->members() as $k => $v) {
                $entries[] = [(string) $k, $v];
            }
            usort($entries, static fn (array $p, array $q): int => strcmp($p[0], $q[0]));
            $out = new JsonObject();
            foreach ($entries as [$k, $v]) {
                $out->set($k, self::sortKeys($v));
            }
            return $out;
        }
        if (is_array($value)) {
            return array_map([self::class, 'sortKeys'], $value);
        }
        return $value;
    }

    /**
     * The key order of Everifin's documentation: metadata first, then data in its documented order.
     *
     * @param mixed $value
     * @return mixed
     */
    private static function documentedOrder($value)
    {
        return $value instanceof JsonObject ? self::reorder($value, self::TOP_ORDER, true) : $value;
    }

    /**
     * The keys named in $order first (those present, in that order), then the others as they were.
     *
     * @param list<string> $order
     */
    private static function reorder(JsonObject $map, array $order, bool $top): JsonObject
    {
        $out = new JsonObject();
        foreach ($order as $key) {
            if ($map->has($key)) {
                $v = $map->get($key);
                if ($top && $key === 'data' && $v instanceof JsonObject) {
                    $v = self::reorder($v, self::DATA_ORDER, false);
                }
                $out->set($key, $v);
            }
        }
        foreach ($map->members() as $k => $v) {
            if (!$out->has((string) $k)) {
                $out->set((string) $k, $v);
            }
        }
        return $out;
    }

    /**
     * Every key order of the object at $path (null = top level), when it has few enough keys, as
     * compact JSON of the whole value. Rendering is compositional: each member is rendered once
     * and the orders are joined from the pieces (the core renders each re-ordered value whole;
     * the text is the same).
     *
     * @param mixed $value
     * @return \Generator<string> one at a time: up to 720 copies of a large body would not fit in memory
     */
    private static function permutationsAt($value, ?string $path): \Generator
    {
        if (!$value instanceof JsonObject) {
            return;
        }
        $target = $path === null ? $value : $value->get($path);
        if (!$target instanceof JsonObject || $target->count() < 2 || $target->count() > self::MAX_PERMUTED_KEYS) {
            return;
        }
        $pieces = [];
        foreach ($target->members() as $k => $v) {
            $pieces[] = Json::encodeString((string) $k) . ':' . self::compact($v);
        }
        // The rest of the whole value around the object at $path.
        $before = '';
        $after = '';
        if ($path !== null) {
            $parts = [];
            $at = 0;
            foreach ($value->members() as $k => $v) {
                if ((string) $k === $path) {
                    $at = count($parts);
                    $parts[] = '';
                } else {
                    $parts[] = Json::encodeString((string) $k) . ':' . self::compact($v);
                }
            }
            $before = '{' . implode(',', array_slice($parts, 0, $at)) . ($at > 0 ? ',' : '') . Json::encodeString($path) . ':';
            $rest = array_slice($parts, $at + 1);
            $after = ($rest === [] ? '' : ',' . implode(',', $rest)) . '}';
        }
        foreach (self::permutations(range(0, count($pieces) - 1), 0) as $order) {
            $members = [];
            foreach ($order as $i) {
                $members[] = $pieces[$i];
            }
            yield $before . '{' . implode(',', $members) . '}' . $after;
        }
    }

    /**
     * Every order of $items, in the core's order (swap each later item into place k, recurse).
     *
     * @param list<int> $items
     * @return \Generator<list<int>>
     */
    private static function permutations(array $items, int $k): \Generator
    {
        $n = count($items);
        if ($k === $n) {
            yield $items;
            return;
        }
        for ($i = $k; $i < $n; $i++) {
            [$items[$k], $items[$i]] = [$items[$i], $items[$k]];
            yield from self::permutations($items, $k + 1);
            [$items[$k], $items[$i]] = [$items[$i], $items[$k]];
        }
    }

    private static function hasWhitespaceOutsideStrings(string $json): bool
    {
        $inString = false;
        $escaped = false;
        $n = strlen($json);
        for ($i = 0; $i < $n; $i++) {
            $b = $json[$i];
            if ($inString) {
                if ($escaped) {
                    $escaped = false;
                } elseif ($b === '\\') {
                    $escaped = true;
                } elseif ($b === '"') {
                    $inString = false;
                }
            } elseif ($b === '"') {
                $inString = true;
            } elseif ($b === ' ' || $b === "\n" || $b === "\r" || $b === "\t") {
                return true;
            }
        }
        return false;
    }

    // ---------------------------------------------------------------- serde_json's output

    /**
     * The value as serde_json writes it in one of the formats, optionally with every non-ASCII
     * character escaped (\uXXXX, lowercase, surrogate pairs) and every "/" escaped.
     *
     * @param mixed $value a value from {@see Json::parse()}
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

    /** serde_json::to_string */
    public static function compact($value): string
    {
        return self::render($value, self::COMPACT);
    }

    /** @param mixed $v */
    private static function write($v, string $comma, string $colon, ?string $indent, int $level): string
    {
        if ($v instanceof JsonObject) {
            if ($v->count() === 0) {
                return '{}';
            }
            $parts = [];
            foreach ($v->members() as $k => $val) {
                $parts[] = Json::encodeString((string) $k) . $colon . self::write($val, $comma, $colon, $indent, $level + 1);
            }
            return self::wrap('{', '}', $parts, $comma, $indent, $level);
        }
        if (is_array($v)) {
            if ($v === []) {
                return '[]';
            }
            $parts = [];
            foreach ($v as $val) {
                $parts[] = self::write($val, $comma, $colon, $indent, $level + 1);
            }
            return self::wrap('[', ']', $parts, $comma, $indent, $level);
        }
        if (is_string($v)) {
            return Json::encodeString($v);
        }
        if (is_float($v)) {
            return self::formatFloat($v);
        }
        if ($v instanceof JsonBigInt) {
            return $v->digits;
        }
        if ($v instanceof JsonRaw) {
            return $v->json;
        }
        if ($v === null) {
            return 'null';
        }
        if (is_bool($v)) {
            return $v ? 'true' : 'false';
        }
        return (string) (int) $v;
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
     * A finite float as serde_json writes it (zmij): the shortest round-trip digits, fixed
     * notation for decimal exponents -5 to 15 ("100.0", "0.00001"), else "1.5e-7" / "1e+20".
     */
    public static function formatFloat(float $f): string
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
        // Decimal exponent of the first digit, after dropping leading zeros.
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
        return (string) preg_replace_callback('/[^\x00-\x7F]/u', static function (array $m): string {
            $c = $m[0];
            $b = array_values((array) unpack('C*', $c));
            switch (count($b)) {
                case 2:
                    $cp = (($b[0] & 0x1F) << 6) | ($b[1] & 0x3F);
                    break;
                case 3:
                    $cp = (($b[0] & 0x0F) << 12) | (($b[1] & 0x3F) << 6) | ($b[2] & 0x3F);
                    break;
                default:
                    $cp = (($b[0] & 0x07) << 18) | (($b[1] & 0x3F) << 12) | (($b[2] & 0x3F) << 6) | ($b[3] & 0x3F);
            }
            if ($cp < 0x10000) {
                return sprintf('\\u%04x', $cp);
            }
            $cp -= 0x10000;
            return sprintf('\\u%04x\\u%04x', 0xD800 | ($cp >> 10), 0xDC00 | ($cp & 0x3FF));
        }, $s);
    }
}
