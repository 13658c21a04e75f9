<?php

declare(strict_types=1);

namespace Everifin\Webhook\Tests;

use Everifin\Webhook\Decision;
use Everifin\Webhook\Environment;
use Everifin\Webhook\Exception\BodyException;
use Everifin\Webhook\Exception\ConfigurationException;
use Everifin\Webhook\Exception\InternalException;
use Everifin\Webhook\Exception\SignatureException;
use Everifin\Webhook\Exception\StateException;
use Everifin\Webhook\Exception\TimestampException;
use Everifin\Webhook\Exception\WebhookException;
use Everifin\Webhook\Internal\Native;
use Everifin\Webhook\Request;
use Everifin\Webhook\Status;
use Everifin\Webhook\Verifier;
use PHPUnit\Framework\TestCase;

/**
 * The public API on both backends (each test runs on "php", and on "ffi" when FFI is usable).
 */
final class ApiTest extends TestCase
{
    private const SECRET = 'whsec-api-test-shop-3c0e';
    private const TS = '2024-05-07T14:49:55.887Z';
    private const TS_MS = 1715093395887;

    private const BODY = '{"eventId":"C2949DFE-4585-46EB-9213-35F0F7FAF055","eventType":"payment.statusChange",'
        . '"eventTimestamp":"2024-05-07T14:49:55.884Z","data":{"paymentId":"da96bc8f-2b1e-4c0d-9f3a-6e5d4c3b2a19",'
        . '"status":"BOOKED","hookData":{"obj":{},"list":[],"n":1.50,"s":"\u00e9"}}}';

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
        return \DateTimeImmutable::createFromFormat('U.u', sprintf('%d.%03d000', intdiv($ms, 1000), $ms % 1000));
    }

    /**
     * A verifier used for many requests (a long-running worker) answers each as a new verifier
     * does: with each of its secrets, after a mismatch, and for the same request again.
     *
     * @dataProvider backends
     */
    public function testAVerifierReusedForManyRequestsAnswersLikeANewOne(string $backend): void
    {
        $secrets = ['whsec-old-1', 'whsec-mid-2', self::SECRET];
        $reused = new Verifier($secrets, backend: $backend);
        $requests = [];
        foreach ([[$secrets[0]], [$secrets[2]], ['whsec-unknown'], [$secrets[1]], ['whsec-unknown', $secrets[2]], [$secrets[0]]] as $signWith) {
            $requests[] = [self::BODY, Verifier::sign(self::BODY, $signWith, self::TS)];
        }
        $requests[] = $requests[1];
        $answer = static function (Verifier $v, array $request): array {
            try {
                $e = $v->verify($request[0], $request[1], self::atMs(self::TS_MS + 250));
                return ['ok', $e->signature->secretIndex, $e->signature->key, $e->eventId];
            } catch (WebhookException $x) {
                return [$x->status(), $x->getMessage()];
            }
        };
        $indexes = [];
        foreach ($requests as $request) {
            $got = $answer($reused, $request);
            $this->assertSame($answer(new Verifier($secrets, backend: $backend), $request), $got);
            $indexes[] = $got[0] === 'ok' ? $got[1] : $got[0];
        }
        $this->assertSame([0, 2, 'SIGNATURE_MISMATCH', 1, 2, 0, 2], $indexes);
    }

    /** @dataProvider backends */
    public function testVerifyReturnsTheNormalizedEventWithTypedProperties(string $backend): void
    {
        $v = new Verifier([self::SECRET], backend: $backend);
        $this->assertSame($backend, $v->backend());
        $header = Verifier::sign(self::BODY, [self::SECRET], self::TS, $backend);
        $e = $v->verify(self::BODY, $header, self::atMs(self::TS_MS + 250));
        $this->assertSame('c2949dfe-4585-46eb-9213-35f0f7faf055', $e->eventId);
        $this->assertSame(1715093395884, $e->eventTimestampMs);
        $this->assertTrue($e->final);
        $this->assertSame('paid', $e->outcome);
        $this->assertSame('processing', $e->suggestedFor('woocommerce'));
        $this->assertSame('PS_OS_PAYMENT', $e->suggestedFor('prestashop'));
        $this->assertSame(250, $e->signature->ageMs);
        $this->assertSame('v0', $e->signature->key);
        // hookData: {} and [] stay distinct, the exact text is kept.
        $this->assertInstanceOf(\stdClass::class, $e->hookData);
        $this->assertInstanceOf(\stdClass::class, $e->hookData->obj);
        $this->assertSame([], $e->hookData->list);
        $this->assertSame('é', $e->hookData->s);
        $this->assertSame('{"obj":{},"list":[],"n":1.50,"s":"\u00e9"}', $e->hookDataJson);
        $this->assertSame(['schemaVersion', 'eventId', 'eventType', 'eventTimestamp', 'eventTimestampMs', 'entity', 'entityId',
            'paymentId', 'refundId', 'orderId', 'instructionId', 'externalId', 'status', 'statusKnown', 'final', 'outcome',
            'reasonCode', 'hookData', 'legacyFields', 'suggested'], array_keys($e->toArray()));
        $this->assertSame('{"obj":{},"list":[],"n":1.5,"s":"é"}', json_encode($e->toArray()['hookData'], JSON_UNESCAPED_UNICODE));
        $this->expectException(\Error::class);
        $e->outcome = 'failed'; // read-only
    }

    /** @dataProvider backends */
    public function testEachFailureIsAnExceptionOfItsFamily(string $backend): void
    {
        $v = new Verifier([self::SECRET], toleranceSeconds: 60, maxBodyBytes: 4096, backend: $backend);
        $header = Verifier::sign(self::BODY, [self::SECRET], self::TS, $backend);
        $now = self::atMs(self::TS_MS);
        $cases = [
            [self::BODY, '', $now, SignatureException::class, 'HEADER_MISSING', 401],
            [self::BODY, 'ts=x', $now, SignatureException::class, 'HEADER_MALFORMED', 401],
            [self::BODY, 'ts=yesterday;v0=' . str_repeat('a', 64), $now, SignatureException::class, 'HEADER_TIMESTAMP_INVALID', 401],
            [self::BODY . ' ', $header, $now, SignatureException::class, 'SIGNATURE_MISMATCH', 401],
            [self::BODY, $header, self::atMs(self::TS_MS + 60001), TimestampException::class, 'TIMESTAMP_TOO_OLD', 401],
            [self::BODY, $header, self::atMs(self::TS_MS - 60001), TimestampException::class, 'TIMESTAMP_IN_FUTURE', 401],
            [str_repeat(' ', 4097), $header, $now, BodyException::class, 'BODY_TOO_LARGE', 413],
        ];
        foreach ($cases as [$body, $h, $at, $class, $status, $http]) {
            try {
                $v->verify($body, $h, $at);
                $this->fail("no exception for $status");
            } catch (WebhookException $x) {
                $this->assertInstanceOf($class, $x, $status);
                $this->assertSame($status, $x->status());
                $this->assertSame($http, $x->httpStatus());
                $this->assertSame(Status::code($status), $x->getCode());
                $this->assertNotSame('', $x->getMessage());
                $this->assertStringNotContainsString(self::SECRET, $x->getMessage());
                if ($status === 'TIMESTAMP_TOO_OLD') {
                    $this->assertSame(60001, $x->signature()->ageMs, 'authentic but too old carries the signature');
                }
            }
        }
        foreach (['not json' => 'BODY_NOT_JSON', "\xc3\x28" => 'BODY_NOT_UTF8', '{"eventId":"x"}' => 'EVENT_INVALID'] as $body => $status) {
            $h = Verifier::sign((string) $body, [self::SECRET], self::TS, $backend);
            try {
                $v->verify((string) $body, $h, $now);
                $this->fail("no exception for $status");
            } catch (BodyException $x) {
                $this->assertSame($status, $x->status());
                $this->assertSame(400, $x->httpStatus());
                $this->assertNotNull($x->signature(), 'the signature was authentic');
                if ($status === 'EVENT_INVALID') {
                    $this->assertSame('eventId', $x->field());
                }
            }
        }
    }

    /** @dataProvider backends */
    public function testInvalidOptionsAreConfigurationExceptionsWithoutTheSecret(string $backend): void
    {
        foreach ([
            fn () => new Verifier([], backend: $backend),
            fn () => new Verifier([''], backend: $backend),
            fn () => new Verifier([self::SECRET, 42], backend: $backend),
            fn () => new Verifier([self::SECRET], toleranceSeconds: -1, backend: $backend),
            fn () => new Verifier([self::SECRET], maxBodyBytes: 0, backend: $backend),
            fn () => new Verifier([self::SECRET], suggestedStates: ['woocommerce' => ['payed' => 'x']], backend: $backend),
            fn () => new Verifier(array_fill(0, 17, self::SECRET), backend: $backend),
        ] as $i => $make) {
            try {
                $make();
                $this->fail("case $i: no exception");
            } catch (ConfigurationException $e) {
                $this->assertSame('INVALID_OPTIONS', $e->status(), "case $i");
                $this->assertSame(500, $e->httpStatus());
                $this->assertStringNotContainsString(self::SECRET, $e->getMessage());
            }
        }
    }

    /** @dataProvider backends */
    public function testSuggestedStatesAndConfirmedIsPaid(string $backend): void
    {
        $body = str_replace('"BOOKED"', '"CONFIRMED"', self::BODY);
        $v = new Verifier([self::SECRET], confirmedIsPaid: true, suggestedStates: ['woocommerce' => ['paid' => 'completed'], 'myshop' => ['paid' => 'PAID']], backend: $backend);
        $e = $v->normalize($body);
        $this->assertNull($e->signature);
        $this->assertSame('paid', $e->outcome);
        $this->assertSame(['woocommerce' => 'completed', 'prestashop' => 'PS_OS_PAYMENT', 'myshop' => 'PAID'], $e->suggested);
    }

    /** @dataProvider backends */
    public function testDecideRoundTripsTheState(string $backend): void
    {
        $v = new Verifier([self::SECRET], backend: $backend);
        $e = $v->normalize(self::BODY);
        $d = $v->decide($e, []);
        $this->assertInstanceOf(Decision::class, $d);
        $this->assertTrue($d->shouldApply());
        $this->assertSame('first', $d->reason);
        $this->assertSame('BOOKED', $d->state['status']);
        $this->assertSame('paid', $d->orderOutcome);
        $this->assertSame('processing', $d->suggestedFor('woocommerce'));
        // Either form of the stored state works: the array or the JSON text.
        $this->assertSame('duplicate', $v->decide($e, $d->state)->reason);
        $this->assertSame('duplicate', $v->decide($e->toArray(), $d->stateJson)->reason);
        // Unknown keys of a shop-written state survive, objects included.
        $d2 = $v->decide($e, '{"shopNote":{},"status":"PROCESSING"}');
        $this->assertSame('{}', json_encode($d2->state['shopNote']));
        $this->assertStringEndsWith(',"shopNote":{}}', $d2->stateJson);

        try {
            $v->decide($e, '[1]');
            $this->fail('no exception');
        } catch (StateException $x) {
            $this->assertSame(['STATE_INVALID', 500], [$x->status(), $x->httpStatus()]);
        }
        try {
            $v->decide('{"eventId":"x"}', []);
            $this->fail('no exception');
        } catch (BodyException $x) {
            $this->assertSame(['EVENT_INVALID', 'eventTimestampMs'], [$x->status(), $x->field()]);
        }
    }

    /** @dataProvider backends */
    public function testSignMatchesAnIndependentHmac(string $backend): void
    {
        $h = Verifier::sign('{"a":1}', ['old-secret', 'new-secret'], self::TS, $backend);
        $this->assertSame('ts=' . self::TS . ';v0=' . hash_hmac('sha256', self::TS . '.{"a":1}', 'old-secret')
            . ';v1=' . hash_hmac('sha256', self::TS . '.{"a":1}', 'new-secret'), $h);
        $this->assertMatchesRegularExpression('/^ts=\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z;v0=[0-9a-f]{64}$/', Verifier::sign('{}', ['s'], null, $backend));
        $this->expectException(SignatureException::class);
        Verifier::sign('{}', ['s'], '2024-05-07 14:49:55', $backend);
    }

    /** @dataProvider backends */
    public function testNowNullUsesTheSystemClock(string $backend): void
    {
        $v = new Verifier([self::SECRET], toleranceSeconds: 5, backend: $backend);
        $e = $v->verify(self::BODY, Verifier::sign(self::BODY, [self::SECRET], null, $backend));
        $this->assertLessThan(5000, abs($e->signature->ageMs));
    }

    /**
     * Whatever a shop or its logger does to dump a Verifier (or an object holding one), no secret
     * shows: var_dump/print_r (through __debugInfo), var_export and an (array) cast (which ignore
     * it), json_encode, an exception's trace with its arguments; serialize() refuses. Also after
     * two messages, when the fallback keeps keyed HMAC contexts.
     *
     * @dataProvider backends
     */
    public function testTheSecretsNeverShowInDebugOutput(string $backend): void
    {
        $second = 'second-hook-secret-7f3a';
        $v = new Verifier([self::SECRET, $second], backend: $backend);
        foreach ([1, 2] as $round) {
            $v->verify(self::BODY, Verifier::sign(self::BODY, [$second], null, $backend));
            $holder = new \ArrayObject(['verifier' => $v]);
            ob_start();
            var_dump($v, $holder);
            $dumps = [
                'var_dump' => (string) ob_get_clean(),
                'print_r' => print_r($v, true) . print_r($holder, true),
                'var_export' => var_export($v, true) . var_export($holder, true),
                '(array) cast' => print_r((array) $v, true) . var_export((array) $v, true),
                'json_encode' => (string) json_encode([$v, $holder]),
                'get_object_vars' => print_r(get_object_vars($holder), true),
            ];
            try {
                $v->verify(self::BODY, 'ts=garbage');
            } catch (WebhookException $e) {
                $dumps['exception'] = (string) $e; // with its trace (and arguments, unless zend.exception_ignore_args)
            }
            foreach ($dumps as $how => $text) {
                $this->assertStringNotContainsString(self::SECRET, $text, "$how, round $round");
                $this->assertStringNotContainsString($second, $text, "$how, round $round");
            }
            $this->assertStringContainsString('redacted', $dumps['var_dump'], 'the dump is of the verifier');
            $this->assertStringContainsString('Verifier::__set_state', $dumps['var_export'], 'the export is of the verifier');
        }
        $this->expectException(\LogicException::class);
        serialize($v);
    }

    /**
     * With zend.exception_ignore_args=0 (PHP's development php.ini) an exception's trace keeps its
     * arguments, among them the native verifier and through it the FFI backend: a print_r() of the
     * exception printed the backend's 4 KiB result buffer char by char (over 4000 lines).
     *
     * @dataProvider backends
     */
    public function testAnExceptionWithItsArgumentsPrintsShort(string $backend): void
    {
        // In a child PHP: here the trace would go on through PHPUnit's frames and their arguments.
        $script = 'require ' . var_export(dirname(__DIR__) . '/autoload.php', true) . ';'
            . '$body = ' . var_export(self::BODY, true) . ';'
            . '$v = new Everifin\\Webhook\\Verifier(["s"], backend: ' . var_export($backend, true) . ');'
            . '$v->verify($body, Everifin\\Webhook\\Verifier::sign($body, ["s"]));' // the buffer is made
            . 'try { $v->verify($body, "ts=2024-05-07T14:49:55.884Z;v0=" . str_repeat("0", 64)); }'
            . 'catch (Everifin\\Webhook\\Exception\\SignatureException $e) { print_r($e); echo "\\n--var_dump--\\n"; var_dump($e); }';
        $out = (string) shell_exec(escapeshellarg(PHP_BINARY) . ' -d ffi.enable=1 -d zend.exception_ignore_args=0 -r ' . escapeshellarg($script) . ' 2>&1');
        $parts = explode("\n--var_dump--\n", $out);
        $this->assertCount(2, $parts, substr($out, 0, 2000));
        [$printed, $dumped] = $parts;
        $this->assertStringContainsString('SignatureException Object', $printed);
        $this->assertStringContainsString('[args] => Array', $printed, 'the trace has its arguments');
        if ($backend === 'ffi') {
            $this->assertStringContainsString('FfiVerifier Object', $printed, 'the native verifier is an argument');
        }
        $this->assertSame(0, substr_count($out, 'char['), 'an FFI char buffer is printed');
        $this->assertLessThan(600, substr_count($printed, "\n"), 'print_r lines');
        $this->assertLessThan(600, substr_count($dumped, "\n"), 'var_dump lines');
    }

    public function testAVerifierIsNeverMadeFromASerializedString(): void
    {
        $this->expectException(\LogicException::class);
        unserialize('O:25:"Everifin\\Webhook\\Verifier":0:{}');
    }

    /**
     * A stored state with a key starting with NUL (ext/json then decodes objects as arrays): the
     * decision keeps its suggested states on both backends.
     *
     * @dataProvider backends
     */
    public function testADecisionKeepsItsSuggestedStatesWhenTheStateHasANulKey(string $backend): void
    {
        $v = new Verifier([self::SECRET], backend: $backend);
        $e = $v->normalize(self::BODY);
        foreach (['{"\u0000x":1}', ['plugin_meta' => ["\0k" => 1]]] as $state) {
            $d = $v->decide($e, $state);
            $this->assertSame('apply', $d->action);
            $this->assertSame('processing', $d->suggestedFor('woocommerce'), json_encode($d->suggested));
            $this->assertSame('PS_OS_PAYMENT', $d->suggestedFor('prestashop'));
        }
    }

    /**
     * A stored state is the shop's and may be of any size: decide keeps 16 records in one pass
     * (one at a time took minutes for 100,000) and reads 100,000 unknown keys.
     *
     * @dataProvider backends
     */
    public function testDecideOnAHugeStoredStateKeepsSixteenRecords(string $backend): void
    {
        $v = new Verifier([self::SECRET], backend: $backend);
        $e = $v->normalize(self::BODY);
        $records = [];
        for ($i = 0; $i < 20000; $i++) {
            $records[] = ['entity' => 'payment', 'entityId' => sprintf('00000000-0000-4000-8000-%012d', $i), 'status' => $i % 1000 === 0 ? 'BOOKED' : 'FAILED',
                'outcome' => $i % 1000 === 0 ? 'paid' : 'failed', 'final' => true, 'lastEventTimestampMs' => 1];
        }
        $d = $v->decide($e, ['entities' => $records]);
        // Every unpaid record goes first, then the oldest paid ones: records 5000, 6000, ...,
        // 19000 and the event's payment are left.
        $ids = array_map(static fn ($r) => $r->entityId, $d->state['entities']);
        $expected = array_map(static fn ($i) => sprintf('00000000-0000-4000-8000-%012d', $i * 1000), range(5, 19));
        $this->assertSame([...$expected, $e->paymentId], $ids);
        $keys = [];
        for ($i = 0; $i < 100000; $i++) {
            $keys["k$i"] = $i;
        }
        $d = $v->decide($e, $keys);
        $this->assertSame(99999, $d->state['k99999']);
    }

    public function testTheSignatureHeaderIsFoundWhateverTheCasing(): void
    {
        $this->assertSame('ts=1', Request::signatureHeader(['HTTP_SIGNATURE' => 'ts=1']));
        $this->assertSame('ts=2', Request::signatureHeader(['REDIRECT_HTTP_SIGNATURE' => 'ts=2']));
        foreach (['Signature', 'signature', 'SIGNATURE', 'sIgNaTuRe'] as $name) {
            $this->assertSame('ts=3', Request::signatureHeader([], ['Content-Type' => 'application/json', $name => 'ts=3']), $name);
        }
        $this->assertSame('', Request::signatureHeader([], ['X-Signature' => 'ts=4']));
        $r = new Request('{}', 'ts=5');
        $this->assertSame(['{}', 'ts=5'], [$r->body, $r->signatureHeader]);
    }

    /**
     * A valid, signed body of 1,047,217 bytes whose hookData is one string of "a\n" escapes: OK on
     * both backends (no regex or recursion limit on long strings), hookData exact and decoded.
     *
     * @dataProvider backends
     */
    public function testAMegabyteOfEscapesInOneStringIsAccepted(string $backend): void
    {
        $head = '{"eventId":"c2949dfe-4585-46eb-9213-35f0f7faf055","eventType":"payment.statusChange","eventTimestamp":"2024-05-07T14:49:55.884Z","data":{"paymentId":"da96bc8f-2b1e-4c0d-9f3a-6e5d4c3b2a19","status":"BOOKED","hookData":{"note":"';
        $tail = '"}}}';
        $n = intdiv(1047217 - strlen($head) - strlen($tail), 3);
        $body = $head . str_repeat('a\n', $n) . str_repeat('a', 1047217 - strlen($head) - strlen($tail) - 3 * $n) . $tail;
        $this->assertSame(1047217, strlen($body));
        $v = new Verifier([self::SECRET], toleranceSeconds: 0, backend: $backend);
        $e = $v->verify($body, Verifier::sign($body, [self::SECRET], self::TS), self::atMs(self::TS_MS));
        $this->assertSame('paid', $e->outcome);
        $this->assertSame(substr($body, strlen($head) - 9, -2), $e->hookDataJson);
        $this->assertSame(2 * $n + (1047217 - strlen($head) - strlen($tail) - 3 * $n), strlen($e->hookData->note));
        $this->assertStringStartsWith("a\na\n", $e->hookData->note);
    }

    /**
     * `now` far outside the range of 64-bit Unix milliseconds is a WebhookException (no TypeError),
     * and extreme but representable ones are answered like any other.
     *
     * @dataProvider backends
     */
    public function testExtremeNowValuesAreWebhookExceptions(string $backend): void
    {
        $v = new Verifier([self::SECRET], backend: $backend);
        $header = Verifier::sign(self::BODY, [self::SECRET], self::TS);
        foreach (['+292277026596-12-04T15:30:08Z', '-292277022657-01-27T08:29:52Z', '+9999999999999-01-01T00:00:00Z'] as $far) {
            try {
                $v->verify(self::BODY, $header, new \DateTimeImmutable($far));
                $this->fail("now $far was accepted");
            } catch (ConfigurationException $e) {
                $this->assertSame('INVALID_OPTIONS', $e->status());
                $this->assertStringContainsString('range', $e->getMessage());
            }
            try {
                $v->explain(self::BODY, $header, [], new \DateTimeImmutable($far));
                $this->fail("explain: now $far was accepted");
            } catch (ConfigurationException $e) {
                $this->assertSame('INVALID_OPTIONS', $e->status());
            }
        }
        // Representable extremes: the age saturates, the answer is a timestamp failure.
        foreach (['+200000000-01-01T00:00:00Z' => 'TIMESTAMP_TOO_OLD', '-200000000-01-01T00:00:00Z' => 'TIMESTAMP_IN_FUTURE'] as $at => $status) {
            try {
                $v->verify(self::BODY, $header, new \DateTimeImmutable($at));
                $this->fail("now $at was accepted");
            } catch (TimestampException $e) {
                $this->assertSame($status, $e->status());
                $this->assertNotNull($e->signature());
            }
        }
    }

    /**
     * hookData is decoded and Event::$json written when first read; isset, json_encode and
     * print_r see them as before.
     *
     * @dataProvider backends
     */
    public function testLazyPropertiesReadLikePlainOnes(string $backend): void
    {
        $v = new Verifier([self::SECRET], backend: $backend);
        $e = $v->normalize(self::BODY);
        $this->assertTrue(isset($e->hookData));
        $this->assertEquals((object) ['obj' => new \stdClass(), 'list' => [], 'n' => 1.5, 's' => 'é'], $e->hookData);
        $this->assertSame($e->hookData, $e->hookData);
        $this->assertEquals(json_decode((string) json_encode($e->toArray())), json_decode($e->json));
        $this->assertStringContainsString('"hookData":{"obj":{},"list":[],"n":1.50,"s":"\\u00e9"}', $e->json);
        $this->assertSame($e->eventId, $v->decide($e->json)->state['lastEventId']);
        $encoded = json_decode((string) json_encode($e), true);
        $this->assertSame(['obj' => [], 'list' => [], 'n' => 1.5, 's' => 'é'], $encoded['hookData']);
        $this->assertSame($e->json, $encoded['json']);
        $this->assertStringContainsString('[hookDataJson] => {"obj"', print_r($e, true));
        $none = $v->normalize(str_replace(',"hookData":{"obj":{},"list":[],"n":1.50,"s":"\u00e9"}', '', self::BODY));
        $this->assertFalse(isset($none->hookData));
        $this->assertNull($none->hookData);
        $this->assertNull($none->hookDataJson);
    }

    /**
     * An Event survives serialize()/unserialize() (a queue, a session) with every property,
     * the lazy ones included, whether it was read from the library's result or the fallback.
     *
     * @dataProvider backends
     */
    public function testAnUnserializedEventHasEveryProperty(string $backend): void
    {
        $v = new Verifier([self::SECRET], backend: $backend);
        $events = [
            'verify' => $v->verify(self::BODY, Verifier::sign(self::BODY, [self::SECRET], self::TS), self::atMs(self::TS_MS + 250)),
            'normalize' => $v->normalize(self::BODY),
        ];
        foreach ($events as $how => $e) {
            $copy = unserialize(serialize($e));
            $this->assertEquals($e->hookData, $copy->hookData, $how);
            $this->assertSame($e->hookDataJson, $copy->hookDataJson, $how);
            $this->assertEquals($e->signature, $copy->signature, $how);
            $this->assertSame($e->json, $copy->json, $how);
            $this->assertSame(print_r($e, true), print_r($copy, true), $how);
        }
        $this->assertSame(0, $events['verify']->signature->secretIndex);
        $this->assertNull($events['normalize']->signature);
    }

    /**
     * hookData holding the very members that follow it in the event, and a platform named
     * legacyFields: hookDataJson is still exactly the body's text.
     *
     * @dataProvider backends
     */
    public function testHookDataThatLooksLikeTheEventsTailIsCutRight(string $backend): void
    {
        $hook = '{"legacyFields":true,"suggested":{"a":null},"x":",\\"legacyFields\\":false,\\"suggested\\":{"}';
        $body = '{"eventId":"c2949dfe-4585-46eb-9213-35f0f7faf055","eventType":"payment.statusChange","eventTimestamp":"2024-05-07T14:49:55.884Z",'
            . '"data":{"paymentId":"da96bc8f-3c3e-4b7a-9d1e-0c1f3b5a7e21","status":"BOOKED","hookData":' . $hook . '}}';
        $v = new Verifier([self::SECRET], suggestedStates: ['legacyFields' => ['paid' => 'x']], backend: $backend);
        $e = $v->normalize($body);
        $this->assertSame($hook, $e->hookDataJson);
        $this->assertSame(['woocommerce' => 'processing', 'prestashop' => 'PS_OS_PAYMENT', 'legacyFields' => 'x'], $e->suggested);
        $this->assertFalse($e->legacyFields);
        $this->assertTrue($e->hookData->legacyFields);
    }

    /**
     * The compact process result (option compactResult, what verifiers ask for) gives the same
     * Event as the object result decoded whole: plain and escaped strings, every field, hookData
     * present, null, absent or shaped like the result's own tail.
     *
     * @dataProvider backends
     */
    public function testTheCompactResultGivesTheDecodedEvent(string $backend): void
    {
        $b = Verifier::pickBackend($backend);
        $options = (string) json_encode(['secrets' => [self::SECRET], 'suggestedStates' => ['legacyFields' => ['paid' => 'x'], '0' => ['paid' => null], 'shop' => (object) []]]);
        [$handle] = $b->newVerifier($options);
        $head = '{"eventId":"c2949dfe-4585-46eb-9213-35f0f7faf055","eventType":"payment.statusChange","eventTimestamp":"2024-05-07T14:49:55.884Z",';
        $quick = [
            'hookData object' => self::BODY,
            'no hookData' => $head . '"data":{"paymentId":"da96bc8f-3c3e-4b7a-9d1e-0c1f3b5a7e21","status":"BOOKED"}}',
            'hookData null' => $head . '"data":{"paymentId":"da96bc8f-3c3e-4b7a-9d1e-0c1f3b5a7e21","status":"PROCESSING","hookData":null}}',
            'hookData like the tail' => $head . '"data":{"refundId":"da96bc8f-3c3e-4b7a-9d1e-0c1f3b5a7e21","status":"DONE","hookData":{"legacyFields":true,"suggested":{"a":"b"}}}}',
            'every field, legacy' => '{"eventId":"c2949dfe-4585-46eb-9213-35f0f7faf055","hookType":"order.statusChange","timestamp":"2024-05-07T14:49:55Z","clientId":"c",'
                . '"data":{"orderId":"8840d948-12da-4ca1-8269-3cfdc10b73bc","paymentId":"da96bc8f-3c3e-4b7a-9d1e-0c1f3b5a7e21","instructionId":"i-1","externalId":"Objednávka 5",'
                . '"status":"CANCELLED","reasonCode":"AC04","hookData":[1,"2"]}}',
            'unknown type and status' => '{"eventId":"c2949dfe-4585-46eb-9213-35f0f7faf055","eventType":"x.y","eventTimestamp":"1969-12-31T23:59:59.999Z","data":{"status":"ÚSPECH"}}',
        ];
        $decoded = [
            'escaped status' => $head . '"data":{"paymentId":"da96bc8f-3c3e-4b7a-9d1e-0c1f3b5a7e21","status":"BO\"OKED\n","hookData":{}}}',
            'escaped externalId' => $head . '"data":{"paymentId":"da96bc8f-3c3e-4b7a-9d1e-0c1f3b5a7e21","status":"BOOKED","externalId":"a\\\\b\u0001"}}',
            'escaped eventType' => '{"eventId":"c2949dfe-4585-46eb-9213-35f0f7faf055","eventType":"x\ty","eventTimestamp":"2024-05-07T14:49:55.884Z","data":{}}',
        ];
        [$compactHandle] = $b->newVerifier(substr($options, 0, -1) . ',"compactResult":true}');
        foreach ([$quick, $decoded] as $bodies) {
            foreach ($bodies as $name => $body) {
                foreach (['future ts' => self::TS_MS - 1000, 'past ts' => self::TS_MS + 250] as $when => $nowMs) {
                    $header = Verifier::sign($body, [self::SECRET], self::TS);
                    $object = $b->process($handle, $body, $header, $nowMs);
                    $compact = $b->process($compactHandle, $body, $header, $nowMs);
                    $this->assertSame('[', $compact[0], "$name, compact: $compact");
                    if ($backend === 'php' && Verifier::defaultBackend() === 'ffi') {
                        [$native] = Verifier::pickBackend('ffi')->newVerifier(substr($options, 0, -1) . ',"compactResult":true}');
                        $this->assertSame(Verifier::pickBackend('ffi')->process($native, $body, $header, $nowMs), $compact, "$name: the compact results differ");
                    }
                    $results = ['process' => $object, 'normalize' => $b->normalize($body, $options), 'compact' => $compact];
                    foreach ($results as $kind => $json) {
                        $quickEvent = \Everifin\Webhook\Internal\Results::event($json, $body);
                        $decodedEvent = \Everifin\Webhook\Internal\Results::decodedEvent($kind === 'compact' ? $object : $json);
                        $this->assertSame(print_r($decodedEvent, true), print_r($quickEvent, true), "$name, $kind, $when");
                        $this->assertSame($decodedEvent->hookDataJson, $quickEvent->hookDataJson);
                        $this->assertSame($decodedEvent->suggested, $quickEvent->suggested);
                        $this->assertSame($decodedEvent->json, $quickEvent->json);
                    }
                }
            }
        }
        $b->freeVerifier($handle);
        $b->freeVerifier($compactHandle);
    }

    /**
     * decide() reads a compact process result (option compactResult) as the object result: the
     * same decision and state, byte for byte; a compact result of another layout or length is
     * EVENT_INVALID with a message that says so.
     *
     * @dataProvider backends
     */
    public function testDecideReadsTheCompactResultAsTheObjectResult(string $backend): void
    {
        $b = Verifier::pickBackend($backend);
        $options = (string) json_encode(['secrets' => [self::SECRET], 'suggestedStates' => ['woocommerce' => ['paid' => 'completed']]]);
        [$handle] = $b->newVerifier($options);
        [$compactHandle] = $b->newVerifier(substr($options, 0, -1) . ',"compactResult":true}');
        $head = '{"eventId":"c2949dfe-4585-46eb-9213-35f0f7faf055","eventType":"payment.statusChange","eventTimestamp":"2024-05-07T14:49:55.884Z",';
        $bodies = [
            'BOOKED with hookData' => self::BODY,
            'PROCESSING' => $head . '"data":{"paymentId":"da96bc8f-3c3e-4b7a-9d1e-0c1f3b5a7e21","status":"PROCESSING"}}',
            'refund' => $head . '"data":{"refundId":"0b7e3f52-9c1a-4d8e-a6f4-2c5b8d7e9f01","status":"BOOKED"}}',
            'unknown status' => $head . '"data":{"paymentId":"da96bc8f-3c3e-4b7a-9d1e-0c1f3b5a7e21","status":"ON_HOLD"}}',
        ];
        $paid = '{"status":"BOOKED","entity":"payment","entityId":"0b7e3f52-9c1a-4d8e-a6f4-2c5b8d7e9f01","lastEventTimestampMs":1715093000000}';
        $v = new Verifier([self::SECRET], backend: $backend);
        foreach ($bodies as $name => $body) {
            $header = Verifier::sign($body, [self::SECRET], self::TS);
            $object = $b->process($handle, $body, $header, self::TS_MS + 250);
            $compact = $b->process($compactHandle, $body, $header, self::TS_MS + 250);
            $this->assertSame('[', $compact[0], "$name: $compact");
            $first = $b->decide($object, '');
            $this->assertStringStartsWith('{"ok":true,', $first, $name);
            $after = (string) json_encode(json_decode($first)->state);
            foreach (['' => '', '{}' => '{}', 'paid by another payment' => $paid, 'after this event' => $after] as $label => $state) {
                $this->assertSame($b->decide($object, $state), $b->decide($compact, $state), "$name, state $label");
            }
            // Through the public API: the compact text, or its decoded list.
            $this->assertSame($v->decide($object, $paid)->stateJson, $v->decide($compact, $paid)->stateJson, $name);
            $this->assertSame($v->decide($object, $paid)->stateJson, $v->decide(json_decode($compact, true), $paid)->stateJson, $name);
        }
        $header = Verifier::sign(self::BODY, [self::SECRET], self::TS);
        $items = json_decode($b->process($compactHandle, self::BODY, $header, self::TS_MS), true);
        $invalid = [
            'the event is a compact result of layout version 2; this library reads version 1' => [2] + $items,
            'the event is a compact result of layout version 1 with 24 members; that layout has 25' => array_slice($items, 0, 24),
            'the event is a compact result of layout version 1 with 26 members; that layout has 25' => array_merge($items, [null]),
            'the event is an array but not a compact process result (its first member must be the layout version, an integer)' => ['1'] + $items,
        ];
        foreach ($invalid as $message => $event) {
            try {
                $v->decide((string) json_encode($event), '');
                $this->fail("no exception: $message");
            } catch (BodyException $x) {
                $this->assertSame(['EVENT_INVALID', 400, '', $message], [$x->status(), $x->httpStatus(), $x->field(), $x->getMessage()]);
            }
        }
        $b->freeVerifier($handle);
        $b->freeVerifier($compactHandle);
    }

    /**
     * Options (or sign's secrets) that are not UTF-8, as a secret typed in Latin-1 makes them, are
     * INVALID_OPTIONS naming the offset of the first bad byte, never the secret.
     *
     * @dataProvider backends
     */
    public function testOptionsThatAreNotUtf8NameTheOffsetAndNeverTheSecret(string $backend): void
    {
        $b = Verifier::pickBackend($backend);
        $options = "{\"secrets\":[\"TOPSECRET\xff\"]}";
        $message = 'options are not valid UTF-8 (invalid byte at offset 22): secrets are text, used as their UTF-8 bytes';
        [$handle, $error] = $b->newVerifier($options);
        $this->assertNull($handle);
        $results = [
            'new verifier' => (string) $error,
            'options check' => $b->optionsCheck($options),
            'normalize' => $b->normalize(self::BODY, $options),
            'explain' => $b->explain(self::BODY, '', $options, self::TS_MS),
        ];
        foreach ($results as $name => $json) {
            $r = json_decode($json, true);
            $this->assertSame(['INVALID_OPTIONS', $message], [$r['status'], $r['message']], "$name: $json");
            $this->assertStringNotContainsString('TOPSECRET', $json);
        }
        $r = json_decode($b->sign('{}', self::TS, "[\"ok\",\"TOPSECRET\xe9\"]"), true);
        $this->assertSame(['INVALID_OPTIONS', 'secrets are not valid UTF-8 (invalid byte at offset 16): secrets are text, used as their UTF-8 bytes'], [$r['status'], $r['message']]);
        // Valid UTF-8 that is not JSON is still a JSON error.
        $r = json_decode($b->optionsCheck('{"secrets":["kľúč"]'), true);
        $this->assertStringStartsWith('options are not valid JSON (', $r['message']);
    }

    /**
     * A result longer than the FFI backend's buffer (4 KiB) is read through a result handle: the
     * same event either way, and a result that fits the buffer exactly is taken from it.
     *
     * @dataProvider backends
     */
    public function testAResultLongerThanTheBufferGivesTheSameEvent(string $backend): void
    {
        $v = new Verifier([self::SECRET], backend: $backend);
        $now = new \DateTimeImmutable(self::TS);
        foreach ([10, 3500, 4200, 9000] as $n) {
            $external = str_repeat('ext-', intdiv($n, 4)) . 'é"\\';
            $body = substr(self::BODY, 0, -2) . ',"externalId":' . json_encode($external, JSON_UNESCAPED_UNICODE) . '}}';
            $event = $v->verify($body, Verifier::sign($body, [self::SECRET], self::TS), $now);
            $this->assertSame($external, $event->externalId, "externalId of $n characters");
            $this->assertSame('paid', $event->outcome);
            $this->assertSame('{"obj":{},"list":[],"n":1.50,"s":"\\u00e9"}', $event->hookDataJson);
        }
    }

    /**
     * A compact process result that is not what the library writes (a member missing or of another
     * type, hookData outside the body) makes verify() throw INTERNAL, never a TypeError, and an
     * accepted Event's lazy properties (signature, hookDataJson) cannot fail when read later.
     *
     * @dataProvider backends
     */
    public function testAMalformedCompactResultIsAnInternalError(string $backend): void
    {
        $v = new Verifier([self::SECRET], backend: $backend);
        $real = (new \ReflectionProperty(Verifier::class, 'backend'))->getValue($v);
        $header = Verifier::sign(self::BODY, [self::SECRET], self::TS);
        $now = new \DateTimeImmutable(self::TS);
        $good = $real->process((new \ReflectionProperty(Verifier::class, 'handle'))->getValue($v), self::BODY, $header, self::TS_MS);
        $this->assertSame('[', $good[0], $good);
        $set = static fn (int $i, $x): \Closure => static function (string $json) use ($i, $x): string {
            $a = json_decode($json, true, 3);
            $a[$i] = $x;
            return (string) json_encode($a);
        };
        $mutations = [
            'unchanged' => static fn (string $json): string => $json,
            'not JSON' => static fn (string $json): string => substr($json, 0, -1),
            'a member less' => static fn (string $json): string => (string) json_encode(array_slice(json_decode($json, true, 3), 0, 24)),
            'another version' => $set(0, 2),
            'timestamp a number' => $set(1, 5),
            'key null' => $set(2, null),
            'secretIndex a string' => $set(3, '0'),
            'ageMs a float' => $set(4, 1.5),
            'eventId a number' => $set(5, 5),
            'statusKnown a string' => $set(17, 'true'),
            'hookData before the body' => $set(22, -1),
            'hookData past the body' => $set(22, strlen(self::BODY)),
            'suggested a string' => $set(24, 'processing'),
        ];
        $stub = new class ($real) implements \Everifin\Webhook\Internal\Backend {
            /** @var \Closure(string): string */
            public \Closure $mutate;

            public function __construct(private \Everifin\Webhook\Internal\Backend $real)
            {
            }

            public function processEvent(object $verifier, string $body, string $header, int $nowMs): \Everifin\Webhook\Event
            {
                return \Everifin\Webhook\Internal\Results::event(($this->mutate)($this->real->process($verifier, $body, $header, $nowMs)), $body);
            }

            public function name(): string { return $this->real->name(); }
            public function optionsCheck(string $optionsJson): string { return $this->real->optionsCheck($optionsJson); }
            public function newVerifier(string $optionsJson): array { return $this->real->newVerifier($optionsJson); }
            public function freeVerifier(?object $verifier): void { $this->real->freeVerifier($verifier); }
            public function process(object $verifier, string $body, string $header, int $nowMs): string { return $this->real->process($verifier, $body, $header, $nowMs); }
            public function normalize(string $body, string $optionsJson): string { return $this->real->normalize($body, $optionsJson); }
            public function decide(string $eventJson, string $stateJson): string { return $this->real->decide($eventJson, $stateJson); }
            public function sign(string $body, string $timestamp, string $secretsJson): string { return $this->real->sign($body, $timestamp, $secretsJson); }
            public function explain(string $body, string $header, string $optionsJson, int $nowMs): string { return $this->real->explain($body, $header, $optionsJson, $nowMs); }
            public function normalizeEvent(string $body, string $optionsJson): \Everifin\Webhook\Event { return $this->real->normalizeEvent($body, $optionsJson); }
            public function decideDecision(string $eventJson, string $stateJson): \Everifin\Webhook\Decision { return $this->real->decideDecision($eventJson, $stateJson); }
        };
        (new \ReflectionProperty(Verifier::class, 'backend'))->setValue($v, $stub);
        foreach ($mutations as $name => $mutate) {
            $stub->mutate = $mutate;
            try {
                $e = $v->verify(self::BODY, $header, $now);
                $this->assertSame('unchanged', $name, "$name: accepted");
                $this->assertSame(0, $e->signature?->secretIndex);
                $this->assertSame('{"obj":{},"list":[],"n":1.50,"s":"\u00e9"}', $e->hookDataJson);
            } catch (WebhookException $x) {
                $this->assertNotSame('unchanged', $name, $x->getMessage());
                $this->assertSame(Status::INTERNAL, $x->status(), "$name: " . $x->getMessage());
            }
        }
    }

    /** A result whose hookData is not where the library writes it still gives the whole event. */
    public function testAResultOfAnotherLayoutStillGivesHookData(): void
    {
        $json = '{"ok":true,"status":"OK","httpStatus":200,"event":{"schemaVersion":1,"eventId":"c2949dfe-4585-46eb-9213-35f0f7faf055",'
            . '"eventType":"x","eventTimestamp":"2024-05-07T14:49:55.884Z","eventTimestampMs":1715093395884,"entity":"unknown","entityId":null,'
            . '"paymentId":null,"refundId":null,"orderId":null,"instructionId":null,"externalId":null,"status":null,"statusKnown":false,'
            . '"final":false,"outcome":"unknown","reasonCode":null,"legacyFields":false,"suggested":{"woocommerce":null},"hookData":{"a":[1,{}]}}}';
        $e = \Everifin\Webhook\Internal\Results::event($json);
        $this->assertSame('{"a":[1,{}]}', $e->hookDataJson);
        $this->assertEquals((object) ['a' => [1, new \stdClass()]], $e->hookData);
    }

    /** The binding's status table and exception classes against tests/vectors/statuses.json, read now. */
    public function testStatusesAndExceptionFamiliesFollowTheStatusTable(): void
    {
        $table = json_decode((string) file_get_contents(dirname(__DIR__, 3) . '/tests/vectors/statuses.json'), true, 512, JSON_THROW_ON_ERROR);
        $classes = [
            'signature' => SignatureException::class, 'timestamp' => TimestampException::class,
            'body' => BodyException::class, 'configuration' => ConfigurationException::class,
            'state' => StateException::class, 'internal' => InternalException::class,
        ];
        $this->assertEqualsCanonicalizing($table['families'], array_keys($classes));
        $names = [];
        foreach ($table['statuses'] as $row) {
            $name = $row['name'];
            $names[] = $name;
            $this->assertSame($row['code'], Status::code($name), $name);
            $this->assertSame($name, Status::nameOf($row['code']), $name);
            $this->assertSame($row['httpStatus'], Status::httpStatus($name), $name);
            $this->assertSame($row['family'], Status::family($name), $name);
            if ($row['family'] === null) {
                continue;
            }
            $e = WebhookException::forStatus($name, 'm');
            $this->assertSame($classes[$row['family']], get_class($e), $name);
            $this->assertSame($name, $e->status());
            $this->assertSame($row['code'], $e->getCode());
            $this->assertSame($row['httpStatus'], $e->httpStatus());
        }
        $this->assertSame($names, Status::names(), 'the binding has the statuses of the table, in its order');
        $this->assertSame('INTERNAL', WebhookException::forStatus('NO_SUCH_STATUS', 'm')->status());
        $this->assertInstanceOf(InternalException::class, WebhookException::forStatus('NO_SUCH_STATUS', 'm'));
    }

    /** Every status a delivery can be rejected with has the plugins' sentence; OK and unknown names none. */
    public function testEveryRejectionStatusHasAMeaning(): void
    {
        foreach (Status::names() as $name) {
            $meaning = Status::rejectionMeaning($name);
            if ($name === 'OK') {
                $this->assertNull($meaning);
                continue;
            }
            $this->assertIsString($meaning, $name);
            $this->assertStringEndsNotWith('.', $meaning, 'the plugins add the full stop');
        }
        $this->assertSame('no signature in the Signature header matches a configured hook secret', Status::rejectionMeaning('SIGNATURE_MISMATCH'));
        $this->assertNull(Status::rejectionMeaning('NO_SUCH_STATUS'));
    }

    public function testStatusTableMatchesTheLibrary(): void
    {
        if (Verifier::defaultBackend() !== 'ffi') {
            $this->assertSame(401, Status::httpStatus('SIGNATURE_MISMATCH'));
            return;
        }
        $ffi = (new \ReflectionProperty(\Everifin\Webhook\Internal\FfiBackend::class, 'ffi'))->getValue(Native::backend());
        foreach (Status::names() as $name) {
            $code = Status::code($name);
            $this->assertSame($name, $ffi->evf_status_name($code));
            $this->assertSame(Status::httpStatus($name), $ffi->evf_status_http_status($code));
        }
    }

    public function testDiagnoseExplainsTheBackend(): void
    {
        $d = Environment::diagnose();
        $this->assertSame(Verifier::defaultBackend(), $d['backend']);
        $this->assertNotEmpty($d['steps']);
        $this->assertNotEmpty($d['libraryCandidates']);
        if ($d['backend'] === 'php') {
            $this->assertNotNull($d['reason']);
            $this->assertNotEmpty($d['fix']);
        } else {
            $this->assertNull($d['reason']);
            $this->assertSame(Native::ABI_VERSION, 1);
        }
        $this->assertStringContainsString('everifin-webhook backend: ' . $d['backend'], Environment::report());
    }

    /**
     * A broken or wrong library never breaks the shop: the binding falls back and says why.
     * Runs in a child PHP with ffi.enable=1 and EVERIFIN_WEBHOOK_LIB pointing at the bad file.
     */
    public function testABrokenOrForeignLibraryFallsBackWithAReason(): void
    {
        if (!extension_loaded('ffi')) {
            $this->markTestSkipped('needs the FFI extension');
        }
        $dir = sys_get_temp_dir() . '/evf-php-test-' . getmypid();
        @mkdir($dir);
        file_put_contents("$dir/not-a-library.so", "this is not an ELF file\n");
        $cases = ["$dir/not-a-library.so" => 'FFI::cdef', "$dir/missing.so" => null];
        if (is_executable('/usr/bin/cc')) {
            // Every function of the header (FFI::cdef resolves them all), ABI version 2.
            preg_match_all('/\\b(evf_\\w+)\\(/', (string) file_get_contents(Native::headerPath()), $m);
            $c = "#include <stdint.h>\nuint32_t evf_abi_version(void){return 2;}\n";
            foreach (array_unique($m[1]) as $fn) {
                $c .= $fn === 'evf_abi_version' ? '' : "void *$fn(void){return (void *)\"9.0.0\";}\n";
            }
            file_put_contents("$dir/abi2.c", $c);
            exec("/usr/bin/cc -shared -fPIC -o $dir/abi2.so $dir/abi2.c 2>&1", $o, $rc);
            if ($rc === 0) {
                $cases["$dir/abi2.so"] = 'ABI version 2';
            }
        }
        $script = 'require ' . var_export(dirname(__DIR__) . '/autoload.php', true) . ';'
            . '$v = new Everifin\Webhook\Verifier(["s"]);'
            . '$d = Everifin\Webhook\Environment::diagnose();'
            . 'echo json_encode(["backend" => $v->backend(), "reason" => $d["reason"], "steps" => $d["steps"], "fix" => $d["fix"]]);';
        foreach ($cases as $lib => $expect) {
            $cmd = 'EVERIFIN_WEBHOOK_LIB=' . escapeshellarg($lib) . ' ' . escapeshellarg(PHP_BINARY) . ' -d ffi.enable=1 -r ' . escapeshellarg($script) . ' 2>&1';
            $out = shell_exec($cmd);
            $r = json_decode((string) $out, true);
            $this->assertIsArray($r, "$lib: $out");
            if ($expect === null) {
                // A missing env path is skipped: the package's lib/ is the next candidate.
                $this->assertStringContainsString("$lib (env EVERIFIN_WEBHOOK_LIB): does not exist", implode("\n", $r['steps']));
                continue;
            }
            $this->assertSame('php', $r['backend'], "$lib: $out");
            $this->assertStringContainsString($expect, (string) $r['reason']);
            // The file it names is not this binding's library: the fix says so, naming the variable.
            $this->assertStringContainsString("EVERIFIN_WEBHOOK_LIB=$lib is not the everifin-webhook library this binding needs", implode("\n", $r['fix']), $out);
        }
        exec('rm -rf ' . escapeshellarg($dir));
    }

    /**
     * No library anywhere: the reason names the path EVERIFIN_WEBHOOK_LIB gives when it is set (it
     * said "set EVERIFIN_WEBHOOK_LIB" to a shop that had). Runs a copy of the package without lib/.
     */
    public function testAMissingLibraryReasonNamesTheEnvironmentVariablesPath(): void
    {
        if (!extension_loaded('ffi')) {
            $this->markTestSkipped('needs the FFI extension');
        }
        $dir = sys_get_temp_dir() . '/evf-php-nolib-' . getmypid();
        exec('rm -rf ' . escapeshellarg($dir) . ' && mkdir -p ' . escapeshellarg($dir) . ' && cp -R '
            . implode(' ', array_map(static fn (string $f): string => escapeshellarg(dirname(__DIR__) . "/$f"), ['autoload.php', 'src', 'include'])) . ' ' . escapeshellarg($dir), $o, $rc);
        $this->assertSame(0, $rc, implode("\n", $o));
        mkdir("$dir/a-directory.so");
        $script = 'require ' . var_export("$dir/autoload.php", true) . ';'
            . '$d = Everifin\Webhook\Environment::diagnose();'
            . 'echo json_encode(["backend" => $d["backend"], "reason" => $d["reason"], "fix" => $d["fix"]]);';
        $run = function (string $env) use ($script): array {
            $out = shell_exec(($env === '' ? 'env -u EVERIFIN_WEBHOOK_LIB ' : 'EVERIFIN_WEBHOOK_LIB=' . escapeshellarg($env) . ' ')
                . escapeshellarg(PHP_BINARY) . ' -d ffi.enable=1 -r ' . escapeshellarg($script) . ' 2>&1');
            $r = json_decode((string) $out, true);
            $this->assertIsArray($r, (string) $out);
            $this->assertSame('php', $r['backend'], (string) $out);
            return $r;
        };
        try {
            $r = $run('/nonexistent/x.so');
            $this->assertSame("EVERIFIN_WEBHOOK_LIB points to /nonexistent/x.so, which does not exist, and $dir/lib/libeverifin_webhook.so does not exist either"
                . " (point EVERIFIN_WEBHOOK_LIB at the library, or unset it and copy libeverifin_webhook.so into $dir/lib/)", $r['reason']);
            $this->assertContains("EVERIFIN_WEBHOOK_LIB=/nonexistent/x.so does not exist: point it at libeverifin_webhook.so, or unset it and put the library into $dir/lib/.", $r['fix']);

            $r = $run("$dir/a-directory.so");
            $this->assertStringStartsWith("EVERIFIN_WEBHOOK_LIB points to $dir/a-directory.so, which is not a readable file, and ", $r['reason']);

            $r = $run('');
            $this->assertSame("the native library was not found (set EVERIFIN_WEBHOOK_LIB or copy libeverifin_webhook.so into $dir/lib/)", $r['reason']);
            $this->assertContains("Put libeverifin_webhook.so into $dir/lib/ or set the environment variable EVERIFIN_WEBHOOK_LIB to its path.", $r['fix']);
        } finally {
            exec('rm -rf ' . escapeshellarg($dir));
        }
    }

    /** The committed preprocessor-free header is the one build.rs generates (drift test). */
    public function testTheCommittedFfiHeaderMatchesTheGeneratedOne(): void
    {
        $committed = (string) file_get_contents(Native::headerPath());
        $this->assertStringNotContainsString('#', preg_replace('#/\*.*?\*/#s', '', $committed), 'FFI::cdef needs a header without preprocessor lines');
        // Cargo's output folder: $CARGO_TARGET_DIR (a relative one from the repository root) or target/.
        $target = (string) getenv('CARGO_TARGET_DIR') ?: 'target';
        if ($target[0] !== '/') {
            $target = dirname(__DIR__, 3) . '/' . $target;
        }
        $generated = glob($target . '/*/build/everifin-webhook-*/out/everifin_webhook_php.h') ?: [];
        if ($generated === []) {
            $this->markTestSkipped("no build output in $target yet (cargo build)");
        }
        usort($generated, static fn ($a, $b) => filemtime($b) <=> filemtime($a));
        $this->assertSame((string) file_get_contents($generated[0]), $committed, "stale: regenerate with EVF_WRITE_HEADERS=1 cargo build ($generated[0])");
        foreach (['evf_abi_version', 'evf_verifier_new', 'evf_verifier_process', 'evf_normalize', 'evf_decide', 'evf_sign', 'evf_options_check', 'evf_result_json_len', 'evf_result_free'] as $fn) {
            $this->assertStringContainsString($fn . '(', $committed);
        }
    }
}
