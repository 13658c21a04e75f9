<?php

declare(strict_types=1);

namespace Everifin\Webhook\Tests;

use Everifin\Webhook\Exception\ConfigurationException;
use Everifin\Webhook\Status;
use Everifin\Webhook\Verifier;
use PHPUnit\Framework\TestCase;

/**
 * Verifier::explain on both backends: each planted fault is found with the core's codes and
 * details, nothing secret leaks, and (when FFI is usable) the pure-PHP port gives exactly the
 * core's findings for every case.
 */
final class ExplainTest extends TestCase
{
    private const SECRET = 'explain-shop-hook-secret-5d1c';
    private const RETIRED = 'retired-shop-hook-secret-0a9f';
    private const TS = '2024-05-07T14:49:55.887Z';
    private const TS_MS = 1715093395887;
    private const NOW_MS = self::TS_MS + 2500;

    /** Everifin's documented key order (hookData's keys sorted), a non-ASCII character and a slash. */
    private const BODY = '{"eventId":"c2949dfe-4585-46eb-9213-35f0f7faf055","eventType":"payment.statusChange",'
        . '"eventTimestamp":"2024-05-07T14:49:55.884Z","data":{"paymentId":"da96bc8f-3c3e-4b7a-9d1e-0c1f3b5a7e21",'
        . '"status":"BOOKED","hookData":{"items":[],"note":"objednávka/42","shop":{}}}}';

    // ------------------------------------------------------------ helpers

    /** @return array<string, array{0: string}> */
    public function backends(): array
    {
        $out = ['php' => ['php']];
        if (Verifier::defaultBackend() === 'ffi') {
            $out['ffi'] = ['ffi'];
        }
        return $out;
    }

    private static function atMs(int $ms): \DateTimeImmutable
    {
        $t = \DateTimeImmutable::createFromFormat('U.u', sprintf('%d.%03d000', intdiv($ms, 1000), $ms % 1000));
        \assert($t instanceof \DateTimeImmutable);
        return $t;
    }

    private static function fp(string $secret): string
    {
        return 'sha256:' . substr(hash('sha256', $secret), 0, 8);
    }

    /** The body decoded with objects as \stdClass (keeps {} apart from [] and the key order). */
    private static function decoded(string $json): \stdClass
    {
        return json_decode($json, false, 512, JSON_THROW_ON_ERROR);
    }

    /** PHP's pretty print: serde_json's PrettyFormatter with four spaces. */
    private static function pretty4(string $json): string
    {
        return json_encode(json_decode($json), JSON_PRETTY_PRINT | JSON_UNESCAPED_UNICODE | JSON_UNESCAPED_SLASHES | JSON_THROW_ON_ERROR);
    }

    /** Two-space pretty print (serde_json::to_string_pretty, JSON.stringify(v, null, 2)). */
    private static function pretty2(string $json): string
    {
        return (string) preg_replace_callback('/^( +)/m', static fn (array $m): string => str_repeat(' ', intdiv(strlen($m[1]), 2)), self::pretty4($json));
    }

    /** Every non-ASCII character as \uXXXX, slashes as they are. */
    private static function asciiCompact(string $json): string
    {
        return json_encode(json_decode($json), JSON_UNESCAPED_SLASHES | JSON_THROW_ON_ERROR);
    }

    /** Python's json.dumps default: ", " and ": ", non-ASCII escaped. */
    private static function pythonDefault($v): string
    {
        if ($v instanceof \stdClass) {
            $v = get_object_vars($v);
            if ($v === []) {
                return '{}';
            }
            $parts = [];
            foreach ($v as $k => $x) {
                $parts[] = json_encode((string) $k, JSON_UNESCAPED_SLASHES) . ': ' . self::pythonDefault($x);
            }
            return '{' . implode(', ', $parts) . '}';
        }
        if (is_array($v)) {
            return '[' . implode(', ', array_map([self::class, 'pythonDefault'], $v)) . ']';
        }
        return json_encode($v, JSON_UNESCAPED_SLASHES | JSON_THROW_ON_ERROR);
    }

    /**
     * @param mixed $v
     * @return mixed the value with every object's keys sorted (byte order)
     */
    private static function sortedKeys($v)
    {
        if ($v instanceof \stdClass) {
            $a = get_object_vars($v);
            ksort($a, SORT_STRING);
            $out = new \stdClass();
            foreach ($a as $k => $x) {
                $out->{$k} = self::sortedKeys($x);
            }
            return $out;
        }
        return is_array($v) ? array_map([self::class, 'sortedKeys'], $v) : $v;
    }

    /** @param mixed $v */
    private static function compact($v): string
    {
        return json_encode($v, JSON_UNESCAPED_UNICODE | JSON_UNESCAPED_SLASHES | JSON_THROW_ON_ERROR);
    }

    /** @param list<string> $keys @return \stdClass the object with these keys first, in this order */
    private static function reordered(\stdClass $o, array $keys): \stdClass
    {
        $out = new \stdClass();
        foreach ($keys as $k) {
            $out->{$k} = $o->{$k};
        }
        foreach (get_object_vars($o) as $k => $x) {
            if (!property_exists($out, (string) $k)) {
                $out->{$k} = $x;
            }
        }
        return $out;
    }

    /** The BODY with data's keys in an order neither sorted nor documented. */
    private static function unusualOrder(): string
    {
        $v = self::decoded(self::BODY);
        $v->data = self::reordered($v->data, ['status', 'hookData', 'paymentId']);
        return self::compact($v);
    }

    private static function header(string $signed, string $secret = self::SECRET, string $ts = self::TS): string
    {
        return Verifier::sign($signed, [$secret], $ts, 'php');
    }

    /** A header with the header's ts but a MAC over another message. */
    private static function headerOver(string $message, string $secret = self::SECRET): string
    {
        return 'ts=' . self::TS . ';v0=' . hash_hmac('sha256', $message, $secret);
    }

    /**
     * Planted faults: the configured secrets, the body received, the header received, the
     * expected first finding's code and details (message left out).
     *
     * @return array<string, array{0: list<string>, 1: string, 2: string, 3: string, 4: array<string, mixed>}>
     */
    public static function plantedCases(): array
    {
        $b = self::BODY;
        $h = self::header($b);
        $crlf = str_replace("\n", "\r\n", self::pretty4($b));
        $reencoded = static fn (string $signed, string $received, array $transforms): array =>
            [[self::SECRET], $received, self::header($signed), 'body_reencoded', ['transform' => $transforms[0], 'transforms' => $transforms]];
        return [
            'secret with a trailing newline' => [[self::SECRET . "\n"], $b, $h, 'secret_whitespace', ['secretIndex' => 0, 'whitespace' => 'ends with a newline']],
            'second secret with a leading space' => [['old-shop-secret', ' ' . self::SECRET], $b, $h, 'secret_whitespace', ['secretIndex' => 1, 'whitespace' => 'starts with a space']],
            'secret wrapped in a tab and CRLF' => [["\t" . self::SECRET . "\r\n"], $b, $h, 'secret_whitespace', ['secretIndex' => 0, 'whitespace' => 'starts with a tab and ends with a newline']],
            'byte order mark added' => $reencoded($b, "\xEF\xBB\xBF" . $b, ['bom']),
            'LF turned into CRLF' => $reencoded(self::pretty4($b), $crlf, ['crlf']),
            'CRLF turned into LF' => $reencoded($crlf, self::pretty4($b), ['lf']),
            'trailing newline added' => $reencoded($b, $b . "\n", ['trailing_newline']),
            'trailing newline removed' => $reencoded($b . "\n", $b, ['trailing_newline']),
            'slashes escaped' => $reencoded($b, str_replace('/', '\\/', $b), ['escaped_slashes']),
            'slashes unescaped' => $reencoded(str_replace('/', '\\/', $b), $b, ['unescaped_slashes']),
            'pretty printed (4 spaces)' => $reencoded($b, self::pretty4($b), ['pretty_printed']),
            'pretty printed (2 spaces)' => $reencoded($b, self::pretty2($b), ['pretty_printed']),
            'compacted' => $reencoded(self::pretty2($b), $b, ['compacted']),
            'keys sorted' => $reencoded($b, self::compact(self::sortedKeys(self::decoded($b))), ['key_order']),
            'sorted keys re-ordered' => $reencoded(self::compact(self::sortedKeys(self::decoded($b))), $b, ['key_order']),
            'keys moved from the documented order' => $reencoded($b, self::compact(self::reordered(self::decoded($b), ['data', 'eventType'])), ['key_order']),
            'keys in an unusual order re-ordered' => $reencoded(self::unusualOrder(), $b, ['key_order']),
            'data keys re-ordered, data between other keys' => $reencoded(
                self::compact(self::reordered(self::decoded(self::unusualOrder()), ['eventId', 'data'])),
                self::compact(self::reordered(self::decoded($b), ['eventId', 'data'])),
                ['key_order']
            ),
            'unicode escaped' => $reencoded($b, self::asciiCompact($b), ['unicode_escaped']),
            'PHP json_encode defaults' => $reencoded($b, json_encode(json_decode($b)), ['unicode_escaped', 'escaped_slashes']),
            'unicode unescaped' => $reencoded(self::asciiCompact($b), $b, ['unicode_unescaped']),
            'Python json.dumps default, then pretty printed' => $reencoded(self::pythonDefault(json_decode($b)), self::pretty4($b), ['pretty_printed', 'unicode_unescaped']),
            'number re-formatted' => $reencoded(str_replace('"items":[]', '"items":[1.5,100.0,1e+20]', $b), str_replace('"items":[]', '"items":[1.50,1E2,100000000000000000000]', $b), ['reformatted']),
            'decimals shortened by json_encode(json_decode())' => $reencoded(
                str_replace('"items":[]', '"items":[1.50,100.00]', $b),
                json_encode(json_decode(str_replace('"items":[]', '"items":[1.50,100.00]', $b))),
                ['unicode_escaped', 'escaped_slashes', 'decimals_shortened']
            ),
            'decimals shortened by json.dumps (Python)' => $reencoded(
                str_replace('"items":[]', '"items":[1.50,100.00,7]', $b),
                str_replace('"items": [1.5, 100, 7]', '"items": [1.5, 100.0, 7]', self::pythonDefault(json_decode(str_replace('"items":[]', '"items":[1.50,100.00,7]', $b)))),
                ['pretty_printed', 'unicode_escaped', 'decimals_shortened']
            ),
            'decimals shortened and pretty printed' => $reencoded(
                str_replace('"items":[]', '"items":[0.10,12.34]', $b),
                self::pretty4(str_replace('"items":[]', '"items":[0.10,12.34]', $b)),
                ['pretty_printed', 'decimals_shortened']
            ),
            'secret saved with a byte order mark' => [["\xEF\xBB\xBF" . self::SECRET], $b, $h, 'secret_bom', ['secretIndex' => 0]],
            'no cause found, numbers a decoder may have rewritten' => [[self::SECRET], str_replace('"items":[]', '"items":[1.5]', $b),
                self::header(str_replace('"items":[]', '"items":[1.5]', $b), 'a-guessed-secret'), 'no_cause_found', ['body' => 'numbers_may_be_rewritten']],
            'no cause found, body cut short' => [[self::SECRET], substr($b, 0, 150), $h, 'no_cause_found', ['body' => 'not_json']],
            'signed body.ts' => [[self::SECRET], $b, self::headerOver($b . '.' . self::TS), 'concatenation_order', ['variant' => 'body.ts']],
            'signed ts+body' => [[self::SECRET], $b, self::headerOver(self::TS . $b), 'concatenation_order', ['variant' => 'ts+body']],
            'signed the body alone' => [[self::SECRET], $b, self::headerOver($b), 'concatenation_order', ['variant' => 'body']],
            'ts signed with +00:00' => [[self::SECRET], $b, self::headerOver('2024-05-07T14:49:55.887+00:00.' . $b), 'ts_reformatted', ['signedTs' => '2024-05-07T14:49:55.887+00:00', 'headerTs' => self::TS]],
            'ts signed as Unix milliseconds' => [[self::SECRET], $b, self::headerOver(self::TS_MS . '.' . $b), 'ts_reformatted', ['signedTs' => (string) self::TS_MS, 'headerTs' => self::TS]],
            'retired secret' => [[self::SECRET], $b, self::header($b, self::RETIRED), 'retired_secret', ['fingerprint' => self::fp(self::RETIRED)]],
            'rotation in progress' => [[self::SECRET], $b, Verifier::sign($b, ['unknown-old-shop-secret', 'unknown-new-shop-secret'], self::TS, 'php'), 'rotation_in_progress', ['signatures' => 2, 'configuredSecrets' => 1]],
            'no cause found' => [[self::SECRET], $b, self::header($b, 'a-guessed-secret'), 'no_cause_found', []],
        ];
    }

    /** @return array<string, array{0: string, 1: list<string>, 2: string, 3: string, 4: string, 5: array<string, mixed>}> */
    public function plantedOnBackends(): array
    {
        $out = [];
        foreach ($this->backends() as $backend => [$name]) {
            foreach (self::plantedCases() as $case => $args) {
                $out["$backend: $case"] = array_merge([$name], $args);
            }
        }
        return $out;
    }

    /** @return array<string, mixed> */
    private static function explain(string $backend, array $secrets, string $body, string $header, int $nowMs = self::NOW_MS, int $tolerance = 300): array
    {
        $v = new Verifier($secrets, $tolerance, backend: $backend);
        return $v->explain($body, $header, [self::RETIRED], self::atMs($nowMs));
    }

    /**
     * @param array<string, mixed> $finding
     * @return array<string, mixed>
     */
    private static function details(array $finding): array
    {
        unset($finding['code'], $finding['message']);
        return $finding;
    }

    /** Nothing in the result is a secret, a trimmed secret or a MAC of any kind. */
    private function assertNothingSecret(array $result, array $secrets, string $body): void
    {
        $json = json_encode($result, JSON_UNESCAPED_UNICODE | JSON_UNESCAPED_SLASHES | JSON_THROW_ON_ERROR);
        foreach (array_merge($secrets, [self::RETIRED, self::SECRET]) as $s) {
            $this->assertStringNotContainsString(trim($s), $json);
        }
        // No expected signature: no MAC under any secret, and no 64-hex string at all.
        $this->assertStringNotContainsString(hash_hmac('sha256', self::TS . '.' . $body, self::SECRET), $json);
        $this->assertDoesNotMatchRegularExpression('/[0-9a-fA-F]{64}/', $json);
    }

    // ------------------------------------------------------------ tests

    /** @dataProvider backends */
    public function testAGoodRequestHasNoFindings(string $backend): void
    {
        $r = self::explain($backend, [self::SECRET], self::BODY, self::header(self::BODY));
        $this->assertTrue($r['ok']);
        $this->assertSame('OK', $r['status']);
        $this->assertSame(2500, $r['signature']['ageMs']);
        $this->assertSame('c2949dfe-4585-46eb-9213-35f0f7faf055', $r['event']['eventId']);
        $this->assertSame([], $r['findings']);
        $this->assertSame([['index' => 0, 'fingerprint' => self::fp(self::SECRET)]], $r['secrets']);
        $this->assertNothingSecret($r, [self::SECRET], self::BODY);
    }

    /**
     * @dataProvider plantedOnBackends
     * @param list<string> $secrets
     * @param array<string, mixed> $details
     */
    public function testEachPlantedFaultIsFound(string $backend, array $secrets, string $body, string $header, string $code, array $details): void
    {
        $r = self::explain($backend, $secrets, $body, $header);
        $this->assertFalse($r['ok']);
        $this->assertSame(Status::SIGNATURE_MISMATCH, $r['status']);
        $this->assertSame(401, $r['httpStatus']);
        $this->assertNotEmpty($r['findings']);
        $first = $r['findings'][0];
        $this->assertSame($code, $first['code'], json_encode($r['findings']));
        $this->assertSame($details, self::details($first));
        $this->assertIsString($first['message']);
        $this->assertNotSame('', $first['message']);
        $this->assertCount(1, $r['findings'], json_encode($r['findings']));
        $expected = [];
        foreach ($secrets as $i => $s) {
            $expected[] = ['index' => $i, 'fingerprint' => self::fp($s)];
        }
        $this->assertSame($expected, $r['secrets']);
        $this->assertNothingSecret($r, $secrets, $body);
    }

    /** @dataProvider backends */
    public function testTheRetiredSecretIsNamedByItsFingerprint(string $backend): void
    {
        $r = self::explain($backend, [self::SECRET], self::BODY, self::header(self::BODY, self::RETIRED));
        $this->assertSame('retired_secret', $r['findings'][0]['code']);
        $this->assertSame('sha256:' . substr(hash('sha256', self::RETIRED), 0, 8), $r['findings'][0]['fingerprint']);
        $this->assertStringContainsString($r['findings'][0]['fingerprint'], $r['findings'][0]['message']);
        // Without the retired secret, nothing recognises it.
        $v = new Verifier([self::SECRET], backend: $backend);
        $r = $v->explain(self::BODY, self::header(self::BODY, self::RETIRED), [], self::atMs(self::NOW_MS));
        $this->assertSame('no_cause_found', $r['findings'][0]['code']);
    }

    /** @dataProvider backends */
    public function testClockSkewHasItsSizeAndDirection(string $backend): void
    {
        $h = self::header(self::BODY);
        $late = self::explain($backend, [self::SECRET], self::BODY, $h, self::TS_MS + 412000);
        $this->assertSame(Status::TIMESTAMP_TOO_OLD, $late['status']);
        $this->assertSame([['code' => 'clock_skew', 'ageMs' => 412000, 'direction' => 'behind', 'toleranceSeconds' => 300, 'outsideTolerance' => true]],
            array_map(static fn (array $f): array => array_diff_key($f, ['message' => 1]), $late['findings']));
        $this->assertStringContainsString('412.0 s', $late['findings'][0]['message']);

        $early = self::explain($backend, [self::SECRET], self::BODY, $h, self::TS_MS - 301000);
        $this->assertSame(Status::TIMESTAMP_IN_FUTURE, $early['status']);
        $this->assertSame('clock_skew', $early['findings'][0]['code']);
        $this->assertSame(-301000, $early['findings'][0]['ageMs']);
        $this->assertSame('ahead', $early['findings'][0]['direction']);
        $this->assertTrue($early['findings'][0]['outsideTolerance']);
        $this->assertStringContainsString('301.0 s', $early['findings'][0]['message']);

        // Accepted, but more than a minute off: reported, inside the tolerance.
        $drift = self::explain($backend, [self::SECRET], self::BODY, $h, self::TS_MS - 90000);
        $this->assertTrue($drift['ok']);
        $this->assertSame(['code' => 'clock_skew', 'ageMs' => -90000, 'direction' => 'ahead', 'toleranceSeconds' => 300, 'outsideTolerance' => false],
            array_diff_key($drift['findings'][0], ['message' => 1]));
        // The check turned off: still reported, never "outside".
        $off = self::explain($backend, [self::SECRET], self::BODY, $h, self::TS_MS + 7200000, 0);
        $this->assertTrue($off['ok']);
        $this->assertSame([7200000, 'behind', 0, false], [$off['findings'][0]['ageMs'], $off['findings'][0]['direction'],
            $off['findings'][0]['toleranceSeconds'], $off['findings'][0]['outsideTolerance']]);
        // Beyond a day no clock is that far off: an old delivery, explained with --now.
        $old = self::explain($backend, [self::SECRET], self::BODY, $h, self::TS_MS + 86400001);
        $this->assertSame(['clock_skew', 'behind'], [$old['findings'][0]['code'], $old['findings'][0]['direction']]);
        $this->assertStringContainsString('old delivery', $old['findings'][0]['message']);
        $this->assertStringContainsString('--now', $old['findings'][0]['message']);
        $this->assertStringNotContainsString('clock is', $old['findings'][0]['message']);
        $day = self::explain($backend, [self::SECRET], self::BODY, $h, self::TS_MS + 86400000);
        $this->assertStringContainsString('clock is 86400.0 s ahead', $day['findings'][0]['message']);
        $future = self::explain($backend, [self::SECRET], self::BODY, $h, self::TS_MS - 86400001);
        $this->assertStringContainsString('--now', $future['findings'][0]['message']);
        // Under a minute and inside the tolerance: nothing to say.
        $this->assertSame([], self::explain($backend, [self::SECRET], self::BODY, $h, self::TS_MS + 59999)['findings']);
        $this->assertSame([], self::explain($backend, [self::SECRET], self::BODY, $h, self::TS_MS - 59999)['findings']);
    }

    /** @dataProvider backends */
    public function testRejectedRequestsAreExplainedNotThrown(string $backend): void
    {
        $v = new Verifier([self::SECRET], maxBodyBytes: 4096, backend: $backend);
        $now = self::atMs(self::NOW_MS);
        $cases = [
            Status::HEADER_MISSING => [self::BODY, ''],
            Status::HEADER_MALFORMED => [self::BODY, 'ts=' . self::TS . ';v0=abc'],
            Status::HEADER_TIMESTAMP_INVALID => [self::BODY, 'ts=yesterday;v0=' . str_repeat('ab', 32)],
            Status::BODY_TOO_LARGE => [str_repeat(' ', 5000) . self::BODY, self::header(self::BODY)],
        ];
        foreach ($cases as $status => [$body, $header]) {
            $r = $v->explain($body, $header, [], $now);
            $this->assertSame($status, $r['status']);
            $this->assertSame([], $r['findings'], $status);
            $this->assertSame([['index' => 0, 'fingerprint' => self::fp(self::SECRET)]], $r['secrets']);
        }
        // Authentic but not an event: the signature is there, no finding about it.
        $r = $v->explain('[1,2]', self::header('[1,2]'), [], $now);
        $this->assertSame(Status::EVENT_INVALID, $r['status']);
        $this->assertSame(2500, $r['signature']['ageMs']);
        $this->assertSame([], $r['findings']);
    }

    /** @dataProvider backends */
    public function testInvalidRetiredSecretsAreAConfigurationError(string $backend): void
    {
        $v = new Verifier([self::SECRET], backend: $backend);
        foreach ([[''], [42], array_fill(0, 17, 'x')] as $retired) {
            try {
                $v->explain(self::BODY, self::header(self::BODY), $retired);
                $this->fail('no exception for ' . json_encode($retired));
            } catch (ConfigurationException $e) {
                $this->assertSame(Status::INVALID_OPTIONS, $e->status());
                $this->assertStringContainsString('retiredSecrets', $e->getMessage());
                $this->assertStringNotContainsString(self::SECRET, $e->getMessage());
            }
        }
    }

    /** @dataProvider backends */
    public function testLargeBodiesSkipTheJsonReencodings(string $backend): void
    {
        $big = str_replace('"items":[]', '"items":["' . str_repeat('objednávka/42 ', 20000) . '"]', self::BODY);
        $this->assertGreaterThan(256 * 1024, strlen($big));
        $h = self::header($big);
        $v = new Verifier([self::SECRET], maxBodyBytes: 4 << 20, backend: $backend);
        $now = self::atMs(self::NOW_MS);
        // Pretty printing needs a JSON re-encoding: not tried above 256 KiB, and the finding says so.
        $f = $v->explain(self::pretty4($big), $h, [], $now)['findings'][0];
        $this->assertSame(['no_cause_found', 'too_large_to_reencode'], [$f['code'], $f['body']]);
        $this->assertStringContainsString('262144', $f['message']);
        // The plain checks still run.
        $this->assertSame(['bom'], $v->explain("\xEF\xBB\xBF" . $big, $h, [], $now)['findings'][0]['transforms']);
        // Just under the limit the re-encodings are tried.
        $small = str_replace('"items":[]', '"items":["' . str_repeat('a', 200000) . '"]', self::BODY);
        $this->assertSame(['pretty_printed'], $v->explain(self::pretty4($small), self::header($small), [], $now)['findings'][0]['transforms']);
    }

    /** @dataProvider backends */
    public function testExplainDoesNotChangeTheVerifier(string $backend): void
    {
        $v = new Verifier([self::SECRET], backend: $backend);
        $v->explain(self::BODY, self::header(self::BODY, self::RETIRED), [self::RETIRED], self::atMs(self::NOW_MS));
        // The retired secret was only used to recognise the signature: it is not accepted.
        $r = $v->explain(self::BODY, self::header(self::BODY, self::RETIRED), [], self::atMs(self::NOW_MS));
        $this->assertSame(Status::SIGNATURE_MISMATCH, $r['status']);
        $this->assertSame('c2949dfe-4585-46eb-9213-35f0f7faf055', $v->verify(self::BODY, self::header(self::BODY), self::atMs(self::NOW_MS))->eventId);
    }

    // ------------------------------------------------------------ the port against the core

    private function requireFfi(): void
    {
        if (Verifier::defaultBackend() !== 'ffi') {
            if (getenv('EVERIFIN_EXPECT_BACKEND') === 'ffi') {
                $this->fail('the FFI backend is expected but not usable');
            }
            $this->markTestSkipped('the differential test needs the FFI backend (run by tests/run.sh with ffi.enable=1)');
        }
    }

    /**
     * The whole result with messages left out (the port's messages may be worded differently).
     *
     * @return array<string, mixed>
     */
    private static function withoutMessages(array $r): array
    {
        unset($r['message']);
        $r['findings'] = array_map(static fn (array $f): array => array_diff_key($f, ['message' => 1]), $r['findings'] ?? []);
        return $r;
    }

    /**
     * @dataProvider plantedCases
     * @param list<string> $secrets
     */
    public function testThePortFindsWhatTheCoreFinds(array $secrets, string $body, string $header): void
    {
        $this->requireFfi();
        $ffi = self::explain('ffi', $secrets, $body, $header);
        $php = self::explain('php', $secrets, $body, $header);
        $this->assertNotEmpty($ffi['findings']);
        $this->assertSame(
            array_map(static fn (array $f): array => array_diff_key($f, ['message' => 1]), $ffi['findings']),
            array_map(static fn (array $f): array => array_diff_key($f, ['message' => 1]), $php['findings'])
        );
        $this->assertSame(self::withoutMessages($ffi), self::withoutMessages($php));
    }

    public function testThePortMatchesTheCoreOnRandomReencodings(): void
    {
        $this->requireFfi();
        $ffi = Verifier::pickBackend('ffi');
        $php = Verifier::pickBackend('php');
        mt_srand(20240507);
        $strings = ['objednávka/42', 'Zľava 10 €', 'a\\b"c', "tab\there", 'https://shop.example/order/7', '😀 emoji', 'plain', ''];
        // Not '-1.25e-300' and the like: serde_json (without its float_roundtrip feature) reads
        // some such floats one unit off and writes that; the fallback reads floats exactly
        // (ext/json) and does not emulate it.
        $numbers = ['1.5', '1.50', '100.0', '1E2', '-0', '1e+20', '0.1', '12345678901234567890', '18446744073709551616', '2.5e-7', '42', '0.000001', '-1.25e-3'];
        $codes = [];
        for ($i = 0; $i < 60; $i++) {
            // A random event-like body, its keys in random order.
            $data = ['paymentId' => '"da96bc8f-3c3e-4b7a-9d1e-0c1f3b5a7e21"', 'status' => '"BOOKED"',
                'externalId' => json_encode($strings[mt_rand(0, 7)], JSON_UNESCAPED_UNICODE | JSON_UNESCAPED_SLASHES),
                'hookData' => '{"amount":' . $numbers[mt_rand(0, 12)] . ',"list":[' . $numbers[mt_rand(0, 12)] . ',{}],"note":'
                    . json_encode($strings[mt_rand(0, 7)]) . '}'];
            $top = ['eventId' => '"c2949dfe-4585-46eb-9213-35f0f7faf055"', 'eventType' => '"payment.statusChange"',
                'eventTimestamp' => '"2024-05-07T14:49:55.884Z"', 'data' => null];
            $shuffle = static function (array $a): array {
                $keys = array_keys($a);
                shuffle($keys);
                $out = [];
                foreach ($keys as $k) {
                    $out[$k] = $a[$k];
                }
                return $out;
            };
            $data = $shuffle($data);
            $top = $shuffle($top);
            $join = static function (array $a, string $comma, string $colon): string {
                $parts = [];
                foreach ($a as $k => $v) {
                    $parts[] = '"' . $k . '"' . $colon . $v;
                }
                return '{' . implode($comma, $parts) . '}';
            };
            $top['data'] = $join($data, ',', ':');
            $received = $join($top, ',', ':');
            $variants = [
                self::pretty4($received),
                self::pretty2($received),
                json_encode(json_decode($received)),
                self::compact(self::sortedKeys(self::decoded($received))),
                $received,
            ];
            $signed = $variants[mt_rand(0, 4)];
            $header = self::header($signed);
            foreach ([$received, self::pretty4($received), "\xEF\xBB\xBF" . $received, $received . "\n"] as $body) {
                $opts = '{"secrets":[' . json_encode(self::SECRET) . '],"toleranceSeconds":0}';
                $a = json_decode($ffi->explain($body, $header, $opts, self::NOW_MS), true, 512, JSON_THROW_ON_ERROR);
                $b = json_decode($php->explain($body, $header, $opts, self::NOW_MS), true, 512, JSON_THROW_ON_ERROR);
                $this->assertSame(self::withoutMessages($a), self::withoutMessages($b), "signed: $signed\nreceived: $body");
                foreach ($a['findings'] as $f) {
                    $codes[$f['code']] = true;
                }
            }
        }
        // The sample exercised both outcomes.
        $this->assertArrayHasKey('body_reencoded', $codes);
    }

    /**
     * 6 top-level keys and 6 `data` keys (720 orders each) full of tiny values, close to 16 KiB:
     * built as tests/explain_bound.rs builds it for the core.
     */
    private static function adversarialBody(): string
    {
        $tiny = '[' . str_repeat('0,', 1300) . '0]';
        $body = '{"eventId":"c2949dfe-4585-46eb-9213-35f0f7faf055","eventType":"payment.statusChange",'
            . '"eventTimestamp":"2024-05-07T14:49:55.884Z","data":{"paymentId":"da96bc8f-3c3e-4b7a-9d1e-0c1f3b5a7e21",'
            . '"status":"BOOKED","hookData":' . $tiny . ',"x1":' . $tiny . ',"x2":' . $tiny . ',"x3":' . $tiny . '},'
            . '"a1":' . $tiny . ',"a2":' . $tiny . '}';
        self::assertGreaterThanOrEqual(15500, strlen($body));
        self::assertLessThan(16384, strlen($body));
        return $body;
    }

    /**
     * The pure-PHP search stops after the core's budget of candidate bytes and says so last,
     * within bounded memory, and (with FFI) gives exactly the core's findings.
     */
    public function testAnAdversarialBodyExplainsWithinBoundsAndSaysItStopped(): void
    {
        $body = self::adversarialBody();
        // Signed under another secret: no candidate can match, so the whole search runs.
        $header = Verifier::sign($body, ['some-other-secret'], self::TS, 'php');
        $opts = '{"secrets":[' . json_encode(self::SECRET) . ']}';
        $php = Verifier::pickBackend('php');

        gc_collect_cycles();
        $before = memory_get_usage();
        if (function_exists('memory_reset_peak_usage')) {
            memory_reset_peak_usage();
        }
        $t0 = hrtime(true);
        $json = $php->explain($body, $header, $opts, self::NOW_MS);
        $seconds = (hrtime(true) - $t0) / 1e9;
        $growth = memory_get_peak_usage() - $before;
        fwrite(STDERR, sprintf("\nfallback explain of the adversarial body (%d bytes): %.2f s, peak memory growth %.1f MiB\n", strlen($body), $seconds, $growth / 1048576));

        $r = json_decode($json, true, 512, JSON_THROW_ON_ERROR);
        $this->assertSame(Status::SIGNATURE_MISMATCH, $r['status']);
        $this->assertSame(['search_stopped'], array_column($r['findings'], 'code'), $json);
        $stopped = $r['findings'][0];
        $this->assertSame(['candidateBytes', 'limitBytes'], array_keys(self::details($stopped)));
        $this->assertSame(16 * 1024 * 1024, $stopped['limitBytes']);
        $this->assertLessThanOrEqual($stopped['limitBytes'], $stopped['candidateBytes']);
        $this->assertGreaterThan($stopped['limitBytes'] - 64 * 1024, $stopped['candidateBytes']);
        $this->assertStringContainsString((string) $stopped['candidateBytes'], $stopped['message']);
        $this->assertLessThan(100 * 1024 * 1024, $growth, "explain's peak memory grew by $growth bytes");
        $this->assertNothingSecret($r, [self::SECRET], $body);

        if (Verifier::defaultBackend() === 'ffi') {
            $core = json_decode(Verifier::pickBackend('ffi')->explain($body, $header, $opts, self::NOW_MS), true, 512, JSON_THROW_ON_ERROR);
            $this->assertSame(array_column($core['findings'], 'code'), array_column($r['findings'], 'code'));
            // The same candidates were tried: the same bytes, the same message.
            $this->assertSame($core['findings'], $r['findings']);
        } elseif (getenv('EVERIFIN_EXPECT_BACKEND') === 'ffi') {
            $this->fail('the FFI backend is expected but not usable');
        }
    }

    public function testTheProcessResultInsideIsByteExactLikeTheCore(): void
    {
        $this->requireFfi();
        $body = str_replace('"items":[]', '"items":[1.50,1E2,"\u00e9\/",12345678901234567890123,0.00001,0.000001,1e15,1e16,-0.0,4.35e-5]', self::BODY);
        $opts = '{"secrets":[' . json_encode(self::SECRET) . ']}';
        $header = self::header($body);
        $ffi = Verifier::pickBackend('ffi')->explain($body, $header, $opts, self::NOW_MS);
        $php = Verifier::pickBackend('php')->explain($body, $header, $opts, self::NOW_MS);
        // Byte for byte, and hookData exactly as received: findings and secrets are appended to
        // the process result's text, which is never re-serialized.
        $this->assertSame($ffi, $php);
        $this->assertStringContainsString('"items":[1.50,1E2,"\\u00e9\\/",12345678901234567890123,0.00001,0.000001,1e15,1e16,-0.0,4.35e-5]', $php);
    }

    public function testAStalePreloadedHeaderWithoutEvfExplainFallsBackToThePort(): void
    {
        $this->requireFfi();
        $lib = getenv('EVERIFIN_WEBHOOK_LIB') ?: dirname(__DIR__) . '/lib/libeverifin_webhook.so';
        $header = (string) file_get_contents(dirname(__DIR__) . '/include/everifin_webhook.h');
        // The header as it was before evf_explain existed.
        $stale = (string) preg_replace('/struct evf_result \*evf_explain\([^;]*;/s', '', $header);
        $this->assertStringNotContainsString('evf_explain', $stale);
        $backend = new \Everifin\Webhook\Internal\FfiBackend(\FFI::cdef($stale, $lib));
        $body = str_replace('BOOKED', 'FAILED', self::BODY);
        $opts = '{"secrets":[' . json_encode(self::SECRET) . ']}';
        $json = $backend->explain($body, self::header(self::BODY), $opts, self::NOW_MS);
        $this->assertSame(
            Verifier::pickBackend('php')->explain($body, self::header(self::BODY), $opts, self::NOW_MS),
            $json
        );
        $this->assertStringContainsString('"status":"SIGNATURE_MISMATCH"', $json);
    }
}
