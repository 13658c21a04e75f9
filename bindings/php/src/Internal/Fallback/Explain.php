<?php

declare(strict_types=1);

namespace Everifin\Webhook\Internal\Fallback;

use Everifin\Webhook\Status;

/**
 * src/explain.rs: why does a signature fail?
 * It tries what the sender could have signed instead (a secret with stray whitespace, the body
 * before something re-encoded it, another concatenation of ts and body, another spelling of ts,
 * a retired secret) and says what matched, never an expected signature; secrets are named by
 * index or fingerprint only.
 *
 * The candidates, their order and the findings' codes and details are the core's. The body is
 * decoded by ext/json (objects as \stdClass keep their key order) and written again by
 * {@see JsonWriter} in the layouts the core tries (compact, ", "/": " spaced, pretty with 2 and 4
 * spaces).
 *
 * @internal
 */
final class Explain
{
    /** Bodies larger than this are not re-encoded in search of a cause (the plain checks still run). */
    public const MAX_REENCODE_BYTES = 262144;
    /** Objects with at most this many keys have every key order tried. */
    public const MAX_PERMUTED_KEYS = 6;
    /** Key orders are permuted only for bodies up to this size. */
    public const MAX_PERMUTED_BYTES = 16384;
    /**
     * At most this many bytes of candidate bodies are tried in one search (the search then stops
     * and says so with `search_stopped`): bounds its time and memory whatever the body.
     */
    public const MAX_CANDIDATE_BYTES = 16777216;
    /**
     * Beyond this age (one day) a clock_skew finding no longer blames a clock: the delivery is
     * old (or the now given is wrong).
     */
    public const MAX_PLAUSIBLE_SKEW_MS = 86400000;

    private const COMPACT = JsonWriter::COMPACT;
    private const SPACED = JsonWriter::SPACED;
    private const PRETTY2 = JsonWriter::PRETTY2;
    private const PRETTY4 = JsonWriter::PRETTY4;

    private const CONFIGURED = 'configured';
    private const TRIMMED = 'trimmed';
    private const BOM = 'bom';
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
    /** Bytes of candidate bodies tried so far. */
    private int $spent = 0;
    private bool $stopped = false;

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

    /**
     * explain/options.rs: the verifier options and the retired secrets of evf_explain's options:
     * the JSON, then "retiredSecrets", then the verifier options.
     *
     * @return array{0: Options, 1: list<string>}
     * @throws Failure
     */
    public static function options(string $json): array
    {
        if ($json === '') {
            return [Options::forVerifier($json), []];
        }
        Secret::requireUtf8($json, 'options');
        [$ok, $value, $error] = JsonReader::decode($json, Constants::MAX_INPUT_DEPTH);
        if (!$ok) {
            throw new Failure(Status::INVALID_OPTIONS, 'options are not valid JSON (' . $error . ')');
        }
        $retired = [];
        if ($value instanceof \stdClass && property_exists($value, 'retiredSecrets')) {
            $list = $value->retiredSecrets;
            unset($value->retiredSecrets);
            if (is_array($list) && $list !== []) {
                $retired = Secret::parseList($list, 'options: "retiredSecrets"');
            } elseif (!is_array($list)) {
                throw new Failure(Status::INVALID_OPTIONS, 'options: "retiredSecrets" must be an array of strings');
            }
        }
        return [Options::requireSecrets(Options::fromValue($value)), $retired];
    }

    /** `sha256:` and the first 8 hex digits of SHA-256 over the secret. */
    public static function fingerprint(#[\SensitiveParameter] string $secret): string
    {
        return 'sha256:' . substr(hash('sha256', $secret), 0, 8);
    }

    /**
     * A clock-skew finding when the signature is authentic but not fresh (or more than a minute off).
     */
    public static function skewFinding(int $ageMs, int $toleranceSeconds): ?\stdClass
    {
        $abs = $ageMs === PHP_INT_MIN ? PHP_INT_MAX : abs($ageMs);
        $outside = $toleranceSeconds > 0 && $abs > $toleranceSeconds * 1000;
        if (!$outside && $abs < 60000) {
            return null;
        }
        $far = $abs > self::MAX_PLAUSIBLE_SKEW_MS;
        $s = sprintf('%.1f', $ageMs >= 0 ? $ageMs / 1000 : -($ageMs / 1000));
        $days = sprintf('%.1f', ($ageMs >= 0 ? $ageMs / 1000 : -($ageMs / 1000)) / 86400);
        if ($ageMs >= 0) {
            $direction = 'behind';
            $message = $far
                ? "the signature is authentic and the delivery is $s s ($days days) old: far more than any clock difference, so this is an old delivery (replayed, or examined from a log); to explain a logged delivery, give the time it was received as now (--now with everifin-webhook explain)"
                : "the signature is authentic and was made $s s before this server's now: the request was delayed or replayed, or this server's clock is $s s ahead of Everifin's";
        } else {
            $direction = 'ahead';
            $message = $far
                ? "the signature is authentic but dated $s s ($days days) after the now used: far more than any clock difference; when explaining a logged delivery, give the time it was received as now (--now with everifin-webhook explain), otherwise check this server's clock"
                : "the signature is authentic but dated $s s after this server's now: this server's clock is $s s behind Everifin's (check NTP)";
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
     * @return list<\stdClass>
     */
    public static function search(string $body, string $header, #[\SensitiveParameter] array $configured, #[\SensitiveParameter] array $retired): array
    {
        try {
            [$ts, $sigs] = Verify::parseHeader($header);
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
        foreach ($configured as $i => $s) {
            if (strncmp($s, "\xEF\xBB\xBF", 3) === 0 && preg_match('//u', substr($s, 3))) {
                $trimmed = (string) preg_replace('/\A[' . self::WS . ']+|[' . self::WS . ']+\z/u', '', substr($s, 3));
                if ($trimmed !== '') {
                    $keys[] = [self::BOM, $i, $trimmed];
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
        } elseif ($m !== null && $m[0] === self::BOM) {
            $i = $m[1];
            $findings[] = self::finding(
                'secret_bom',
                "configured secret $i starts with a byte order mark (U+FEFF, which Windows Notepad writes at the start of a UTF-8 file); the signature matches without it: save the secret without it (UTF-8 without BOM, or paste it again)",
                ['secretIndex' => $i]
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

        $stopped = $search->stopped;
        if ($findings === []) {
            $n = count($sigs);
            $c = count($configured);
            if ($n > $c) {
                $findings[] = self::finding(
                    'rotation_in_progress',
                    "the header carries $n signatures: Everifin signs with $n secrets while a regenerated secret is being rolled out, and none matches the $c configured: add the newest hook secret from the Back Office (oldest first)",
                    ['signatures' => $n, 'configuredSecrets' => $c]
                );
            } elseif (!$stopped) {
                $findings[] = self::noCauseFound($body);
            }
        }
        if ($stopped) {
            $spent = $search->spent;
            $limit = self::MAX_CANDIDATE_BYTES;
            $findings[] = self::finding(
                'search_stopped',
                "the search for a re-encoded body stopped after trying $spent bytes of candidate bodies (the limit is $limit): causes that were not tried may remain; no candidate tried matched",
                ['candidateBytes' => $spent, 'limitBytes' => $limit]
            );
        }
        return $findings;
    }

    private const CHECK_SECRET = 'check that the configured secret is this shop\'s current hook secret (compare the fingerprints) and that the raw, unmodified body is verified';

    /**
     * What the search could not try on this body, worst first: not JSON (cut short?), too large
     * for JSON re-encodings, numbers a JSON decoder may have rewritten; null for none.
     */
    public static function bodyNote(string $body): ?string
    {
        $json = strncmp($body, "\xEF\xBB\xBF", 3) === 0 ? substr($body, 3) : $body;
        try {
            Parse::body($json);
        } catch (Failure $f) {
            if ($f->status === Status::BODY_NOT_JSON || $f->status === Status::BODY_NOT_UTF8) {
                return 'not_json';
            }
        }
        if (strlen($body) > self::MAX_REENCODE_BYTES) {
            return 'too_large_to_reencode';
        }
        return self::hasFractionOrExponent($json) ? 'numbers_may_be_rewritten' : null;
    }

    /** no_cause_found, with what the search could not try on this body ("body") first. */
    private static function noCauseFound(string $body): \stdClass
    {
        $note = self::bodyNote($body);
        if ($note === null) {
            return self::finding('no_cause_found', 'no common cause matched: ' . self::CHECK_SECRET, []);
        }
        switch ($note) {
            case 'not_json':
                $why = 'the body is not valid JSON, while Everifin signs a complete JSON event: it was probably cut short (truncated by a proxy, a body size limit or a log) or is not the body that was received; verify the whole raw body exactly as received. Otherwise';
                break;
            case 'too_large_to_reencode':
                $why = 'the body is larger than ' . self::MAX_REENCODE_BYTES . ' bytes, so JSON re-encodings (pretty printing, key order, escapes, numbers) were not tried; verify the raw body exactly as received. Otherwise';
                break;
            default:
                $why = 'the body has numbers with a fraction or an exponent: a JSON decoder that re-encoded the body may have rewritten them in a way that cannot be undone (1.50 written 1.5 was tried; 1.500, 1E2 and the like cannot be rebuilt), so verify the raw body exactly as received (php://input, request.get_data()), never a decoded and re-encoded one. Otherwise';
        }
        return self::finding('no_cause_found', "no common cause matched: $why, " . self::CHECK_SECRET, ['body' => $note]);
    }

    /** @param array<string, mixed> $details */
    private static function finding(string $code, string $message, array $details): \stdClass
    {
        return (object) (['code' => $code, 'message' => $message] + $details);
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

    /**
     * Whether a candidate body with the header's ts carries a signature under a configured secret.
     * Past {@see MAX_CANDIDATE_BYTES} of candidates it tries nothing and gives false.
     */
    private function bodyMatches(string $body): bool
    {
        $spent = $this->spent + strlen($body);
        if ($this->stopped || $spent > self::MAX_CANDIDATE_BYTES) {
            $this->stopped = true;
            return false;
        }
        $this->spent = $spent;
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
        if (strncmp($body, "\xEF\xBB\xBF", 3) === 0 && $this->bodyMatches(substr($body, 3))) {
            return ['bom'];
        }
        // Each candidate is built only when tried (and counts against the byte budget).
        $textual = [
            ['crlf', str_contains($body, "\r\n"), static fn (string $b): string => str_replace("\r\n", "\n", $b)],
            ['lf', str_contains($body, "\n"), static fn (string $b): string => str_replace("\n", "\r\n", str_replace("\r\n", "\n", $b))],
            ['trailing_newline', str_ends_with($body, "\n"), static fn (string $b): string => rtrim($b, " \t\n\r\x0C")],
            ['escaped_slashes', str_contains($body, '\\/'), static fn (string $b): string => str_replace('\\/', '/', $b)],
            ['unescaped_slashes', str_contains($body, '/'), static fn (string $b): string => str_replace('/', '\\/', str_replace('\\/', '/', $b))],
        ];
        foreach ($textual as [$label, $applies, $build]) {
            if (!$applies || $this->stopped) {
                continue;
            }
            $candidate = $build($body);
            if ($candidate !== $body && $this->bodyMatches($candidate)) {
                return [$label];
            }
        }
        if ((str_ends_with($body, '}') || str_ends_with($body, ']')) && $this->bodyMatches($body . "\n")) {
            return ['trailing_newline'];
        }
        if (strlen($body) > self::MAX_REENCODE_BYTES || $this->stopped) {
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
        [$ok, $received] = JsonReader::decode($text, Constants::MAX_INPUT_DEPTH);
        if (!$ok) {
            return null;
        }
        $big = JsonReader::bigIntegers($text);
        if ($big !== null) {
            $received = JsonReader::restoreBigIntegers($received, $big);
        }
        $receivedPretty = self::hasWhitespaceOutsideStrings($text);
        $escapesUnicode = str_contains($text, '\\u');
        $escapesSlashes = str_contains($text, '\\/');

        $orders = [
            ['received', $received],
            ['sorted', self::sortKeys($received)],
            ['documented', self::documentedOrder($received)],
        ];
        $formats = [self::COMPACT, self::SPACED, self::PRETTY2, self::PRETTY4];
        foreach ($orders as [$order, $value]) {
            foreach ($formats as $format) {
                foreach ([false, true] as $ascii) {
                    foreach ([false, true] as $slashes) {
                        if ($this->stopped) {
                            return null;
                        }
                        $candidate = self::render($value, $format, $ascii, $slashes);
                        if ($candidate === $body || !$this->bodyMatches($candidate)) {
                            continue;
                        }
                        $t = self::labels($received, $value, $order, $format, $ascii, $slashes, $receivedPretty, $escapesUnicode, $escapesSlashes);
                        if ($t === []) {
                            $t[] = 'reformatted';
                        }
                        return $t;
                    }
                }
            }
        }
        // The renderings in the received key order (decoders keep it) with the amounts a JSON
        // decoder shortened written with two decimals again: one-digit fractions padded (1.5 ->
        // 1.50, Python's 100.0 -> 100.00), then integers too (PHP's and JavaScript's 100 ->
        // 100.00). One rendering tells whether a variant changes anything.
        $compact = self::render($received, self::COMPACT, false, false);
        $fractions = self::padDecimals($compact, false);
        $integers = self::padDecimals($compact, true);
        foreach ([[false, $fractions !== null], [true, $integers !== null && $integers !== $fractions]] as [$padIntegers, $applies]) {
            if (!$applies) {
                continue;
            }
            foreach ($formats as $format) {
                foreach ([false, true] as $ascii) {
                    foreach ([false, true] as $slashes) {
                        if ($this->stopped) {
                            return null;
                        }
                        $candidate = self::padDecimals(self::render($received, $format, $ascii, $slashes), $padIntegers);
                        if ($candidate === null || $candidate === $body || !$this->bodyMatches($candidate)) {
                            continue;
                        }
                        $t = self::labels($received, $received, 'received', $format, $ascii, $slashes, $receivedPretty, $escapesUnicode, $escapesSlashes);
                        $t[] = 'decimals_shortened';
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
                if ($this->stopped) {
                    return null;
                }
                if ($rendered !== $body && $this->bodyMatches($rendered)) {
                    return $receivedPretty ? ['key_order', 'pretty_printed'] : ['key_order'];
                }
            }
        }
        return null;
    }

    /**
     * What a rendering changed from the received body: key order, layout, escapings.
     *
     * @param mixed $received
     * @param mixed $value
     * @return list<string>
     */
    private static function labels($received, $value, string $order, int $format, bool $ascii, bool $slashes, bool $receivedPretty, bool $escapesUnicode, bool $escapesSlashes): array
    {
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
        return $t;
    }

    /**
     * explain/text.rs pad_decimals: $json (valid JSON) with its numbers written with two
     * decimals: a one-digit fraction gets a second digit (1.5 -> 1.50, 100.0 -> 100.00) and, with
     * $integers, an integer gets .00; numbers with an exponent or a longer fraction stay as they
     * are. Null when no number changes.
     */
    public static function padDecimals(string $json, bool $integers): ?string
    {
        $out = null;
        $copied = 0;
        $inside = $escaped = false;
        $n = strlen($json);
        $i = 0;
        while ($i < $n) {
            $c = $json[$i];
            if (!self::outside($c, $inside, $escaped) || ($c !== '-' && ($c < '0' || $c > '9'))) { // not ctype_digit: ext-ctype may be missing
                $i++;
                continue;
            }
            $end = $i + strspn($json, '0123456789.eE+-', $i);
            $number = substr($json, $i, $end - $i);
            $dot = strpos($number, '.');
            $suffix = '';
            if (strpbrk($number, 'eE') === false) {
                if ($dot !== false && strlen($number) - $dot === 2) {
                    $suffix = '0';
                } elseif ($dot === false && $integers) {
                    $suffix = '.00';
                }
            }
            if ($suffix !== '') {
                $out[] = substr($json, $copied, $end - $copied) . $suffix;
                $copied = $end;
            }
            $i = $end;
        }
        if ($out === null) {
            return null;
        }
        $out[] = substr($json, $copied);
        return implode('', $out);
    }

    /** explain/text.rs has_fraction_or_exponent: a number with a fraction or an exponent, outside strings. */
    private static function hasFractionOrExponent(string $json): bool
    {
        $inside = $escaped = false;
        $previous = '';
        $n = strlen($json);
        for ($i = 0; $i < $n; $i++) {
            $b = $json[$i];
            if (self::outside($b, $inside, $escaped) && ($b === '.' || (($b === 'e' || $b === 'E') && $previous >= '0' && $previous <= '9'))) {
                return true;
            }
            $previous = $b;
        }
        return false;
    }

    /**
     * explain/text.rs Strings::outside: follows valid JSON byte by byte ($inside and $escaped
     * carry the state); true when $b is outside every string (a quote is inside).
     */
    private static function outside(string $b, bool &$inside, bool &$escaped): bool
    {
        if ($inside) {
            if ($escaped) {
                $escaped = false;
            } elseif ($b === '\\') {
                $escaped = true;
            } elseif ($b === '"') {
                $inside = false;
            }
            return false;
        }
        if ($b === '"') {
            $inside = true;
            return false;
        }
        return true;
    }

    /**
     * Whether two values have the same key order everywhere.
     *
     * @param mixed $a
     * @param mixed $b
     */
    private static function sameOrder($a, $b): bool
    {
        if ($a instanceof \stdClass && $b instanceof \stdClass) {
            if (array_map('strval', array_keys(get_object_vars($a))) !== array_map('strval', array_keys(get_object_vars($b)))) {
                return false;
            }
            foreach ($a as $k => $v) {
                if (!self::sameOrder($v, $b->$k)) {
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
        if ($value instanceof \stdClass) {
            $entries = [];
            foreach ($value as $k => $v) {
                $entries[] = [(string) $k, $v];
            }
            usort($entries, static fn (array $p, array $q): int => strcmp($p[0], $q[0]));
            $out = new \stdClass();
            foreach ($entries as [$k, $v]) {
                $out->$k = self::sortKeys($v);
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
        return $value instanceof \stdClass ? self::reorder($value, self::TOP_ORDER, true) : $value;
    }

    /**
     * The keys named in $order first (those present, in that order), then the others as they were.
     *
     * @param list<string> $order
     */
    private static function reorder(\stdClass $map, array $order, bool $top): \stdClass
    {
        $out = new \stdClass();
        foreach ($order as $key) {
            if (property_exists($map, $key)) {
                $v = $map->$key;
                if ($top && $key === 'data' && $v instanceof \stdClass) {
                    $v = self::reorder($v, self::DATA_ORDER, false);
                }
                $out->$key = $v;
            }
        }
        foreach ($map as $k => $v) {
            if (!property_exists($out, (string) $k)) {
                $out->$k = $v;
            }
        }
        return $out;
    }

    /**
     * Every key order of the object at $path (null = top level), when it has few enough keys, as
     * compact JSON of the whole value, in the core's order (lexicographic in the member indices).
     * Each member is rendered once and each candidate is joined from the pieces, as the core does.
     *
     * @param mixed $value
     * @return \Generator<string> one at a time: up to 720 copies of a large body would not fit in memory
     */
    private static function permutationsAt($value, ?string $path): \Generator
    {
        if (!$value instanceof \stdClass) {
            return;
        }
        $target = $path === null ? $value : ($value->$path ?? null);
        $count = $target instanceof \stdClass ? count(get_object_vars($target)) : 0;
        if ($count < 2 || $count > self::MAX_PERMUTED_KEYS) {
            return;
        }
        $pieces = [];
        foreach ($target as $k => $v) {
            $pieces[] = JsonWriter::string((string) $k) . ':' . self::compact($v);
        }
        // The rest of the whole value around the object at $path.
        $before = '';
        $after = '';
        if ($path !== null) {
            $parts = [];
            $at = 0;
            foreach ($value as $k => $v) {
                if ((string) $k === $path) {
                    $at = count($parts);
                    $parts[] = '';
                } else {
                    $parts[] = JsonWriter::string((string) $k) . ':' . self::compact($v);
                }
            }
            $before = '{' . implode(',', array_slice($parts, 0, $at)) . ($at > 0 ? ',' : '') . JsonWriter::string($path) . ':';
            $rest = array_slice($parts, $at + 1);
            $after = ($rest === [] ? '' : ',' . implode(',', $rest)) . '}';
        }
        foreach (self::permutations(count($pieces)) as $order) {
            $members = [];
            foreach ($order as $i) {
                $members[] = $pieces[$i];
            }
            yield $before . '{' . implode(',', $members) . '}' . $after;
        }
    }

    /**
     * Every order of 0..$n-1 in lexicographic sequence (the core's next_permutation), one at a time.
     *
     * @return \Generator<list<int>>
     */
    private static function permutations(int $n): \Generator
    {
        $order = range(0, $n - 1);
        while (true) {
            yield $order;
            $i = $n - 2;
            while ($i >= 0 && $order[$i] >= $order[$i + 1]) {
                $i--;
            }
            if ($i < 0) {
                return;
            }
            $j = $n - 1;
            while ($order[$j] <= $order[$i]) {
                $j--;
            }
            [$order[$i], $order[$j]] = [$order[$j], $order[$i]];
            $tail = array_reverse(array_slice($order, $i + 1));
            array_splice($order, $i + 1, count($tail), $tail);
        }
    }

    private static function hasWhitespaceOutsideStrings(string $json): bool
    {
        $inside = $escaped = false;
        $n = strlen($json);
        for ($i = 0; $i < $n; $i++) {
            $b = $json[$i];
            if (self::outside($b, $inside, $escaped) && ($b === ' ' || $b === "\n" || $b === "\r" || $b === "\t")) {
                return true;
            }
        }
        return false;
    }

    /** @param mixed $value */
    public static function render($value, int $format, bool $ascii = false, bool $slashes = false): string
    {
        return JsonWriter::render($value, $format, $ascii, $slashes);
    }

    /** @param mixed $value */
    public static function compact($value): string
    {
        return JsonWriter::compact($value);
    }
}
