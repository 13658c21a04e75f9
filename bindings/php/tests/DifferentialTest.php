<?php

declare(strict_types=1);

namespace Everifin\Webhook\Tests;

use Everifin\Webhook\Exception\WebhookException;
use Everifin\Webhook\Internal\Backend;
use Everifin\Webhook\Internal\PhpBackend;
use Everifin\Webhook\Tests\Support\Vectors;
use Everifin\Webhook\Verifier;
use PHPUnit\Framework\TestCase;

/**
 * The two backends against each other on generated hostile input: headers, bodies, options,
 * stored states and `now` values, from a fixed seed. Every result must be the same on FFI and on
 * the pure-PHP fallback (everything but the free-text message; decide's new state byte for byte),
 * and through the public API the same Event (hookDataJson included) or the same exception.
 */
final class DifferentialTest extends TestCase
{
    private const SEED = 20261201;
    private const SECRET = 'whsec-differential-1';
    private const TS = '2024-05-07T14:49:55.887Z';
    private const NOW = 1715093396000;

    private static function ffi(): Backend
    {
        if (Verifier::defaultBackend() !== 'ffi') {
            self::markTestSkipped('FFI is not available in this run (the run with -d ffi.enable=1 compares the backends)');
        }
        return Verifier::pickBackend('ffi');
    }

    /** @return list<string> */
    private static function strings(): array
    {
        return ['', 'plain', 'objednávka/42', "tab\tand\nnewline", 'quote " and \\ backslash', '😀', "\u{2028}", "nul \0 byte",
            str_repeat('long ', 50), 'ÀÉÎ', '<script>', '9223372036854775808'];
    }

    /** A JSON value from the hostile set (text). */
    private static function value(int $depth = 0): string
    {
        $numbers = ['0', '-0', '-0.0', '1', '-1', '100', '100.0', '1.0', '1.50', '1E2', '1e+22', '5e-7', '2.5E-7', '1e308', '1e309', '-1e400',
            '9223372036854775807', '9223372036854775808', '18446744073709551615', '18446744073709551616', '123456789012345678901234567890',
            '0.1', '3.141592653589793', '1e-400', '0.000001'];
        switch ($depth > 3 ? mt_rand(0, 3) : mt_rand(0, 6)) {
            case 0:
                return $numbers[mt_rand(0, count($numbers) - 1)];
            case 1:
                $s = self::strings();
                return (string) json_encode($s[mt_rand(0, count($s) - 1)], [0, JSON_UNESCAPED_UNICODE, JSON_UNESCAPED_SLASHES | JSON_UNESCAPED_UNICODE][mt_rand(0, 2)]);
            case 2:
                return ['null', 'true', 'false', '"\ud83d\ude00"', '"\u00e9\/"', '"\ud800"', '"\udc00x"', '"\\\\ud800"'][mt_rand(0, 7)];
            case 3:
                return ['{}', '[]', '[{}]', '{"":[]}', '{"a":{},"a":[]}'][mt_rand(0, 4)];
            case 4:
                $n = mt_rand(0, 3);
                $items = [];
                for ($i = 0; $i < $n; $i++) {
                    $items[] = self::value($depth + 1);
                }
                return '[' . implode([',', ', ', ",\n  "][mt_rand(0, 2)], $items) . ']';
            default:
                $n = mt_rand(0, 3);
                $items = [];
                for ($i = 0; $i < $n; $i++) {
                    $items[] = json_encode(['k', 'note', 'hookData', 'data', 'x' . $i, 'é', '0', 'status'][mt_rand(0, 7)]) . [':', ' : '][mt_rand(0, 1)] . self::value($depth + 1);
                }
                return '{' . implode(',', $items) . '}';
        }
    }

    private static function uuid(): string
    {
        $u = ['c2949dfe-4585-46eb-9213-35f0f7faf055', 'DA96BC8F-3C3E-4B7A-9D1E-0C1F3B5A7E21', 'not-a-uuid', '8840d948-12da-4ca1-8269-3cfdc10b73bc',
            '{8840d948-12da-4ca1-8269-3cfdc10b73bc}', '8840d94812da4ca182693cfdc10b73bc', ''];
        return $u[mt_rand(0, count($u) - 1)];
    }

    /** A hostile webhook body. */
    private static function body(): string
    {
        $pick = static fn (array $a) => $a[mt_rand(0, count($a) - 1)];
        switch (mt_rand(0, 6)) {
            case 0:
            case 1:
                return $pick(['', ' ', 'null', '[]', '{}', '"x"', '1e400', "\xEF\xBB\xBF{}", "{\"a\":\"\xC3\x28\"}", "{\"a\":\"\xED\xA0\x80\"}",
                    str_repeat('[', 64) . str_repeat(']', 64), str_repeat('[', 65) . str_repeat(']', 65), '{"a":1,}', '{"eventId":"x"']);
            default:
                $top = [];
                if (mt_rand(0, 9) > 0) {
                    $top[] = '"eventId":' . json_encode(self::uuid());
                }
                $top[] = $pick(['"eventType":"payment.statusChange"', '"eventType":"payment.statusCheck"', '"eventType":"order.statusChange"',
                    '"hookType":"payment.statusChange"', '"eventType":"refund.created"', '"eventType":""', '"eventType":7', '"eventType":null']);
                $top[] = $pick(['"eventTimestamp":"2024-05-07T14:49:55.884Z"', '"timestamp":"2024-05-07T14:49:55Z"', '"eventTimestamp":"2024-02-30T00:00:00Z"',
                    '"eventTimestamp":"2024-05-07T14:49:55.123456789+00:00"', '"eventTimestamp":"2024-05-07 14:49:55Z"', '"eventTimestamp":"9999-12-31T23:59:59.999Z"', '"eventTimestamp":1']);
                $data = [];
                foreach (['paymentId', 'refundId', 'orderId'] as $k) {
                    if (mt_rand(0, 2) === 0) {
                        $data[] = json_encode($k) . ':' . (mt_rand(0, 5) ? json_encode(self::uuid()) : self::value(3));
                    }
                }
                if (mt_rand(0, 5) > 0) {
                    $data[] = '"status":' . $pick(['"BOOKED"', '"CREATED"', '"CONFIRMED"', '"FAILED"', '"PAID"', '"UNPAID"', '"WEIRD"', '""', '1', 'null']);
                }
                foreach (['instructionId', 'externalId', 'reasonCode'] as $k) {
                    if (mt_rand(0, 3) === 0) {
                        $data[] = json_encode($k) . ':' . self::value(3);
                    }
                }
                if (mt_rand(0, 2) > 0) {
                    $hook = self::value(mt_rand(0, 1));
                    if (mt_rand(0, 4) === 0) {
                        $hook = '{"lines":[' . implode(",\n", array_fill(0, mt_rand(1, 40), '{"sku":"A-1","qty":2,"price":12.50,"name":"Obrus 140×180"}')) . ']}';
                    }
                    $data[] = '"hookData"' . $pick([':', ' :  ', ":\n"]) . $hook;
                    if (mt_rand(0, 6) === 0) {
                        $data[] = '"hookData":' . self::value(2); // a duplicate key: the last one counts
                    }
                }
                shuffle($data);
                $dataText = '{' . implode($pick([',', ', ', ",\n    "]), $data) . '}';
                $top[] = '"data":' . ($pick([true, true, true, true, false]) ? $dataText : self::value(3));
                if (mt_rand(0, 4) === 0) {
                    $top[] = $pick(['"clientId":null', '"extra":' . self::value(1), '"data":null', '"hook\u0044ata":1']);
                }
                shuffle($top);
                return '{' . implode($pick([',', ",\n  "]), $top) . '}' . $pick(['', '', "\n", ' ']);
        }
    }

    /** A Signature header for the body, honest or not. */
    private static function header(string $body): string
    {
        $good = Verifier::sign($body, [self::SECRET], self::TS);
        $mac = substr($good, strpos($good, 'v0=') + 3);
        switch (mt_rand(0, 11)) {
            case 0:
                return '';
            case 1:
                return "ts=" . self::TS . ";v0=" . strtoupper($mac);
            case 2:
                return " TS = " . self::TS . " ; v9=" . str_repeat('0', 64) . "; V0=$mac ;";
            case 3:
                return 'ts=' . self::TS . ';v0=' . str_repeat('a', 64);
            case 4:
                return 'ts=2024-05-07T14:49:55.887+00:00;v0=' . $mac;
            case 5:
                return "ts=" . self::TS . ";v0=$mac;x=\xC3\xA9";
            case 6:
                return 'ts=' . self::TS . str_repeat(';v1=' . str_repeat('b', 64), 17);
            case 7:
                return 'v0=' . $mac;
            case 8:
                return 'ts=' . self::TS . ';v0=' . substr($mac, 1);
            case 9:
                return 'ts=' . self::TS . ';ts=' . self::TS . ';v0=' . $mac;
            default:
                return $good;
        }
    }

    private static function options(): string
    {
        $pick = static fn (array $a) => $a[mt_rand(0, count($a) - 1)];
        $parts = ['"secrets":' . $pick(['["' . self::SECRET . '"]', '["old", "' . self::SECRET . '"]', '[]', '[""]', '[1]', '"x"'])];
        if (mt_rand(0, 1)) {
            $parts[] = '"toleranceSeconds":' . $pick(['0', '300', '31536000', '31536001', '-1', '1.0', '"300"', '1e2']);
        }
        if (mt_rand(0, 2) === 0) {
            $parts[] = '"confirmedIsPaid":' . $pick(['true', 'false', '1', 'null']);
        }
        if (mt_rand(0, 2) === 0) {
            $parts[] = '"maxBodyBytes":' . $pick(['1', '100', '1048576', '67108864', '67108865', '0']);
        }
        if (mt_rand(0, 2) === 0) {
            $parts[] = '"suggestedStates":' . $pick(['{}', '{"woocommerce":{"paid":"completed"}}', '{"legacyFields":{"paid":"x","unknown":null}}',
                '{"0":{}}', '{"":{}}', '{"x":{"payed":"y"}}', '{"x":{"paid":1}}', '{"x":[]}', '[]', '{"shop\"quote":{"failed":"ko"}}']);
        }
        if (mt_rand(0, 6) === 0) {
            $parts[] = $pick(['"tolerance":300', '"secrets":["' . self::SECRET . '"]']);
        }
        shuffle($parts);
        return $pick(['{' . implode(',', $parts) . '}', '{' . implode(',', $parts) . '}', '{' . implode(',', $parts) . '}', '', '[]', '{', 'null']);
    }

    private static function state(): string
    {
        $pick = static fn (array $a) => $a[mt_rand(0, count($a) - 1)];
        if (mt_rand(0, 9) === 0) {
            return $pick(['', '{}', '[]', 'null', '{"a":', '{"x":1e400}', '{"x":"\ud800"}', str_repeat('[', 127) . str_repeat(']', 127),
                '{"x":' . str_repeat('[', 127) . str_repeat(']', 127) . '}', '{"x":' . str_repeat('[', 126) . str_repeat(']', 126) . '}']);
        }
        $parts = [];
        $known = ['"status":' . $pick(['"BOOKED"', '"PROCESSING"', '"PAID"', 'null', '1']),
            '"entityId":' . $pick(['"da96bc8f-3c3e-4b7a-9d1e-0c1f3b5a7e21"', '"other"', 'null']),
            '"final":' . $pick(['true', 'false', 'null', '"yes"']),
            '"lastEventId":' . $pick(['"C2949DFE-4585-46EB-9213-35F0F7FAF055"', '"x"', 'null']),
            '"lastEventTimestampMs":' . $pick(['1715093395884', '1715093395885', '0', '1.5', '9223372036854775808', 'null']),
            '"recentEventIds":' . $pick(['[]', '["c2949dfe-4585-46eb-9213-35f0f7faf055"]', '["a","b"]', '[1]', '{}', '"x"']),
            '"outcome":' . $pick(['"paid"', '"pending"', 'null'])];
        foreach ($known as $k) {
            if (mt_rand(0, 2) === 0) {
                $parts[] = $k;
            }
        }
        for ($i = mt_rand(0, 3); $i > 0; $i--) {
            $parts[] = json_encode($pick(['shopNote', 'n', 'é', 'x', '0', ''])) . ':' . self::value(1);
        }
        shuffle($parts);
        return '{' . implode($pick([',', ', ']), $parts) . '}';
    }

    private static function event(): string
    {
        $pick = static fn (array $a) => $a[mt_rand(0, count($a) - 1)];
        if (mt_rand(0, 6) === 0) {
            return $pick(['', '[]', '{"event":{"eventId":"x","eventTimestampMs":1}}', '{"eventId":"x"}', '{"eventId":1,"eventTimestampMs":1}',
                '{"eventId":"x","eventTimestampMs":1.0}', '{"eventId":"x","eventTimestampMs":1,"final":"no"}', '{"eventId":"x","eventTimestampMs":1,"h":1e400}']);
        }
        return json_encode([
            'eventId' => $pick(['c2949dfe-4585-46eb-9213-35f0f7faf055', 'C2949DFE-4585-46EB-9213-35F0F7FAF055', 'e2']),
            'eventTimestampMs' => $pick([1715093395884, 1715093395883, 1715093395890, PHP_INT_MAX, PHP_INT_MIN]),
            'entity' => $pick(['payment', 'refund', null]),
            'entityId' => $pick(['da96bc8f-3c3e-4b7a-9d1e-0c1f3b5a7e21', 'other', null]),
            'status' => $pick(['BOOKED', 'PROCESSING', 'FAILED', null]),
            'final' => $pick([true, false, null]),
            'outcome' => $pick(['paid', 'pending', 'failed', null]),
        ]);
    }

    /** @return array<string, mixed> the result without its message, for comparison */
    private static function comparable(string $json): array
    {
        $r = Vectors::decode($json);
        if (!$r instanceof \stdClass) {
            return ['unreadable' => $json];
        }
        unset($r->message);
        return ['canon' => Vectors::canon($r), 'order' => Vectors::keyOrder($r)];
    }

    public function testBothBackendsAgreeOnGeneratedHostileInput(): void
    {
        $ffi = self::ffi();
        $php = new PhpBackend();
        mt_srand((int) (getenv('EVERIFIN_DIFF_SEED') ?: self::SEED)); // another seed: EVERIFIN_DIFF_SEED=n
        $counts = [];
        $statuses = [];
        for ($i = 0; $i < 700; $i++) {
            $kind = ['process', 'process', 'process', 'normalize', 'decide', 'decide', 'sign'][$i % 7];
            switch ($kind) {
                case 'process':
                    $body = self::body();
                    $header = self::header($body);
                    $simple = mt_rand(0, 3) !== 0;
                    $options = $simple ? '{"secrets":["' . self::SECRET . '"],"toleranceSeconds":' . [0, 300, 1][mt_rand(0, 2)] . '}' : self::options();
                    // Every other simple verifier has compactResult (its errors are the usual objects).
                    $abiOptions = $simple && $i % 2 ? substr($options, 0, -1) . ',"compactResult":true}' : $options;
                    $now = [self::NOW, self::NOW, 1, PHP_INT_MAX, PHP_INT_MIN, -1, self::NOW + 301000][mt_rand(0, 6)];
                    $run = static function (Backend $b) use ($body, $header, $abiOptions, $now): string {
                        [$h, $error] = $b->newVerifier($abiOptions);
                        if ($h === null) {
                            return (string) $error;
                        }
                        return $b->process($h, $body, $header, $now);
                    };
                    $label = "process\nbody: $body\nheader: $header\noptions: $abiOptions\nnow: $now";
                    $this->assertPublicApiAgrees($body, $header, $options, $now, $label);
                    break;
                case 'normalize':
                    $body = self::body();
                    $options = mt_rand(0, 1) ? '' : self::options();
                    $run = static fn (Backend $b): string => $b->normalize($body, $options);
                    $label = "normalize\nbody: $body\noptions: $options";
                    break;
                case 'decide':
                    $event = self::event();
                    $state = self::state();
                    $run = static fn (Backend $b): string => $b->decide($event, $state);
                    $label = "decide\nevent: $event\nstate: $state";
                    break;
                default:
                    $body = self::body();
                    $secrets = ['["a"]', '["a","b"]', '[]', '[""]', '"a"', '[1]', '["a",null]', '', '['][mt_rand(0, 8)];
                    $ts = ['2024-05-07T14:49:55.887Z', '2024-05-07T14:49:55Z', 'yesterday', "\xC3\x28", '2024-05-07T14:49:55.887+00:00'][mt_rand(0, 4)];
                    $run = static fn (Backend $b): string => $b->sign($body, $ts, $secrets);
                    $label = "sign\nbody: $body\nts: $ts\nsecrets: $secrets";
            }
            $a = $run($ffi);
            $b = $run($php);
            $this->assertSame(self::comparable($a), self::comparable($b), "$label\nffi: $a\nphp: $b");
            if ($kind === 'decide' && str_contains($a, '"ok":true')) {
                $this->assertSame(substr($a, strpos($a, ',"state":')), substr($b, strpos($b, ',"state":')), "the new state is written differently\n$label");
            }
            $counts[$kind] = ($counts[$kind] ?? 0) + 1;
            $decoded = Vectors::decode($a);
            $statuses[$decoded instanceof \stdClass ? (string) ($decoded->status ?? '?') : (str_starts_with($a, '[') ? 'OK' : '?')] = true;
        }
        // The generator reaches the outcomes it is meant to.
        foreach (['OK', 'HEADER_MISSING', 'HEADER_MALFORMED', 'HEADER_TIMESTAMP_INVALID', 'SIGNATURE_MISMATCH', 'TIMESTAMP_TOO_OLD',
            'BODY_NOT_UTF8', 'BODY_NOT_JSON', 'EVENT_INVALID', 'INVALID_OPTIONS', 'STATE_INVALID'] as $s) {
            $this->assertArrayHasKey($s, $statuses, "no generated case ended in $s");
        }
        $this->assertSame(700, array_sum($counts));
    }

    /** verify() through the public API on both backends: the same Event or the same exception. */
    private function assertPublicApiAgrees(string $body, string $header, string $options, int $nowMs, string $label): void
    {
        $o = json_decode($options, true);
        if (!is_array($o) || array_keys($o) !== ['secrets', 'toleranceSeconds'] || $o['secrets'] !== [self::SECRET] || !is_int($o['toleranceSeconds'])) {
            return;
        }
        $out = [];
        foreach (['ffi', 'php'] as $backend) {
            $v = new Verifier([self::SECRET], toleranceSeconds: $o['toleranceSeconds'], backend: $backend);
            $now = (new \DateTimeImmutable('@' . intdiv($nowMs, 1000)));
            try {
                $e = $v->verify($body, $header, $now);
                $out[$backend] = [json_encode($e->toArray(), JSON_PRESERVE_ZERO_FRACTION | JSON_UNESCAPED_UNICODE | JSON_PARTIAL_OUTPUT_ON_ERROR),
                    $e->hookDataJson, $e->signature?->toArray(), $e->json];
            } catch (WebhookException $x) {
                $out[$backend] = [get_class($x), $x->status(), $x->field(), $x->signature()?->toArray()];
            }
        }
        if ($out['ffi'][0] !== $out['php'][0] && isset($out['ffi'][3])) {
            // Same event: compare its JSON as data (the binding writes Event::$json itself).
            $this->assertSame(Vectors::canon(Vectors::decode($out['ffi'][3])), Vectors::canon(Vectors::decode($out['php'][3])), $label);
        }
        unset($out['ffi'][3], $out['php'][3]);
        $this->assertSame($out['ffi'], $out['php'], "public API\n$label");
    }
}
