<?php

declare(strict_types=1);

namespace Everifin\Webhook\Tests;

use Everifin\Webhook\Decision;
use Everifin\Webhook\Event;
use Everifin\Webhook\Exception\WebhookException;
use Everifin\Webhook\Internal\Backend;
use Everifin\Webhook\Internal\Native;
use Everifin\Webhook\Internal\PhpBackend;
use Everifin\Webhook\Status;
use Everifin\Webhook\Tests\Support\Vectors;
use Everifin\Webhook\Verifier;
use PHPUnit\Framework\TestCase;

/**
 * Every case of tests/vectors/*.json, on the backend this PHP process uses (run.sh runs the suite
 * with -d ffi.enable=1 and with -d ffi.enable=0). When FFI is in use, every case also runs on the
 * pure-PHP backend and the two results must be identical (everything but the free-text message).
 */
final class VectorsTest extends TestCase
{
    /** @var array<string, array{0: string, 1: \stdClass}>|null */
    private static ?array $cases = null;

    /** @return array<string, array{0: string, 1: \stdClass}> */
    public static function allCases(): array
    {
        return self::$cases ??= Vectors::cases();
    }

    /** @return array<string, array{0: string, 1: \stdClass}> */
    public static function publicApiCases(): array
    {
        return array_filter(self::allCases(), static fn (array $c): bool => self::publicArgs($c[1]) !== null);
    }

    private static function backend(): Backend
    {
        return Verifier::pickBackend(null);
    }

    public function testThereAreVectorFilesForEveryFunction(): void
    {
        $functions = [];
        foreach (self::allCases() as [, $c]) {
            $functions[(string) $c->function] = true;
        }
        ksort($functions);
        $this->assertSame(['decide', 'normalize', 'process', 'sign'], array_keys($functions));
        $this->assertGreaterThanOrEqual(6, count(Vectors::files()));
    }

    public function testTheBackendIsTheOneThisRunExpects(): void
    {
        $expected = getenv('EVERIFIN_EXPECT_BACKEND');
        if ($expected === false || $expected === '') {
            $this->markTestSkipped('EVERIFIN_EXPECT_BACKEND is not set (tests/run.sh sets it)');
        }
        $this->assertSame($expected, Verifier::defaultBackend(), implode("\n", Native::report()['steps']));
    }

    /** @dataProvider allCases */
    public function testVector(string $file, \stdClass $case): void
    {
        $backend = self::backend();
        $text = Vectors::run($backend, $case);
        $this->checkExpectations($case, $text, $backend->name());

        if ($backend->name() === 'ffi') {
            $php = Vectors::run(new PhpBackend(), $case);
            $this->checkExpectations($case, $php, 'php');
            $a = Vectors::decode($text);
            $b = Vectors::decode($php);
            if (is_array($a) || is_array($b)) {
                // the compact process result (option compactResult): the same array, exactly
                $this->assertSame($text, $php, 'FFI and pure-PHP compact results differ');
                return;
            }
            $a->message = null;
            $b->message = null;
            if ($case->function === 'sign' && $case->timestamp === '' && $a->ok === true) {
                // "now" differs between the two calls: check the form, compare the rest.
                foreach ([$a, $b] as $r) {
                    $this->assertMatchesRegularExpression('/^ts=\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z(;v\d+=[0-9a-f]{64})+$/', (string) $r->header);
                    $r->header = substr_count((string) $r->header, ';');
                }
            }
            $this->assertSame(Vectors::canon($a), Vectors::canon($b), "FFI and pure-PHP results differ:\nffi: $text\nphp: $php");
            $this->assertSame(Vectors::keyOrder($a), Vectors::keyOrder($b), "FFI and pure-PHP results differ in key order:\nffi: $text\nphp: $php");
        }
    }

    private function checkExpectations(\stdClass $case, string $text, string $backendName): void
    {
        $label = $backendName . ' result: ' . (strlen($text) > 2000 ? substr($text, 0, 2000) . '...' : $text);
        $expect = $case->expect;
        $r = Vectors::decode($text);
        if (property_exists($expect, 'compact')) {
            // The compact process result (option compactResult): a success, exactly this array.
            $this->assertIsArray($r, $label);
            $this->assertSame(Vectors::canon($expect->compact), Vectors::canon($r), "compact differs; $label");
            foreach (Vectors::secrets($case) as $secret) {
                $this->assertStringNotContainsString($secret, $text, 'a secret appears in the result');
            }
            return;
        }
        $this->assertInstanceOf(\stdClass::class, $r, $label);
        $status = $expect->status;
        $this->assertSame($status, $r->status ?? null, $label);
        $this->assertSame($expect->httpStatus, $r->httpStatus ?? null, $label);
        $this->assertSame(Status::httpStatus($status), $r->httpStatus, 'the vector disagrees with the status table');
        $this->assertSame($status === 'OK', $r->ok ?? null, $label);
        if ($status !== 'OK') {
            $this->assertIsString($r->message ?? null, $label);
            $this->assertNotSame('', $r->message, $label);
        }
        if (property_exists($expect, 'field')) {
            $this->assertSame($expect->field, $r->field ?? null, $label);
        }
        foreach (['event', 'decision', 'state', 'header'] as $key) {
            if (property_exists($expect, $key)) {
                $this->assertSame(Vectors::canon($expect->$key), Vectors::canon($r->$key ?? null), "$key differs; $label");
            }
        }
        if (property_exists($expect, 'signature')) {
            if ($expect->signature === null) {
                $this->assertFalse(property_exists($r, 'signature'), "expected no signature; $label");
            } else {
                $this->assertSame(Vectors::canon($expect->signature), Vectors::canon($r->signature ?? null), "signature differs; $label");
            }
        }
        if ($case->function !== 'sign') {
            foreach (Vectors::secrets($case) as $secret) {
                $this->assertStringNotContainsString($secret, $text, 'a secret appears in the result');
            }
        }
    }

    // ------------------------------------------------------------ the same cases through the public API

    /**
     * Constructor arguments for a case whose options map onto Verifier's parameters, else null.
     *
     * @return array<string, mixed>|null
     */
    private static function publicArgs(\stdClass $c): ?array
    {
        $fn = $c->function;
        if ($fn === 'decide') {
            return [];
        }
        if ($fn === 'sign') {
            $s = $c->secrets ?? null;
            return is_array($s) && $s !== [] && count(array_filter($s, 'is_string')) === count($s) && $c->timestamp !== '' ? [] : null;
        }
        if (property_exists($c, 'optionsRaw')) {
            return null;
        }
        $o = $c->options ?? new \stdClass();
        if (!$o instanceof \stdClass) {
            return null;
        }
        $args = [];
        foreach ($o as $k => $v) {
            switch ($k) {
                case 'secrets':
                    if (!is_array($v) || count(array_filter($v, 'is_string')) !== count($v)) {
                        return null;
                    }
                    $args['secrets'] = $v;
                    break;
                case 'toleranceSeconds':
                case 'maxBodyBytes':
                    if (!is_int($v)) {
                        return null;
                    }
                    $args[$k] = $v;
                    break;
                case 'confirmedIsPaid':
                    if (!is_bool($v)) {
                        return null;
                    }
                    $args[$k] = $v;
                    break;
                case 'suggestedStates':
                    if (!$v instanceof \stdClass) {
                        return null;
                    }
                    $table = [];
                    foreach ($v as $platform => $entries) {
                        if (!$entries instanceof \stdClass || is_numeric($platform)) {
                            return null;
                        }
                        foreach ($entries as $outcome => $state) {
                            $table[$platform][$outcome] = $state;
                        }
                        $table[$platform] ??= [];
                    }
                    if ($table !== [] && count(array_filter($table, static fn ($r) => $r === [])) > 0) {
                        return null;
                    }
                    $args['suggestedStates'] = $table;
                    break;
                default:
                    return null;
            }
        }
        if ($fn === 'normalize' && !isset($args['secrets'])) {
            $args['secrets'] = ['unused-normalize-secret'];
        }
        return isset($args['secrets']) ? $args : null;
    }

    /**
     * Runs a case through Verifier / Event / Decision on one backend; returns a comparable outcome.
     *
     * @return array<string, mixed>
     */
    private function runPublic(\stdClass $c, string $backend): array
    {
        $args = self::publicArgs($c);
        $fn = $c->function;
        try {
            if ($fn === 'sign') {
                return ['status' => 'OK', 'header' => Verifier::sign(Vectors::body($c), $c->secrets, $c->timestamp, $backend)];
            }
            $v = $fn === 'decide' ? new Verifier(['decide-only'], backend: $backend) : new Verifier(...$args + ['backend' => $backend]);
            $this->assertSame($backend, $v->backend());
            if ($fn === 'decide') {
                $d = $v->decide(Vectors::input($c, 'event'), Vectors::input($c, 'state'));
                $this->assertInstanceOf(Decision::class, $d);
                return ['status' => 'OK', 'decision' => ['action' => $d->action, 'reason' => $d->reason, 'orderOutcome' => $d->orderOutcome, 'suggested' => $d->suggested], 'state' => json_encode($d->state, self::JSON_FLAGS), 'stateJson' => $d->stateJson];
            }
            if ($fn === 'process') {
                $ms = (int) $c->nowMs;
                $now = \DateTimeImmutable::createFromFormat('U.u', sprintf('%d.%03d000', intdiv($ms, 1000) - ($ms % 1000 < 0 ? 1 : 0), (($ms % 1000) + 1000) % 1000));
                $e = $v->verify(Vectors::body($c), (string) ($c->header ?? ''), $now);
                $this->assertNotNull($e->signature);
            } else {
                $e = $v->normalize(Vectors::body($c));
                $this->assertNull($e->signature);
            }
            $this->assertInstanceOf(Event::class, $e);
            return ['status' => 'OK', 'event' => json_encode($e->toArray(), self::JSON_FLAGS), 'signature' => $e->signature ? $e->signature->toArray() : null, 'hookDataJson' => $e->hookDataJson];
        } catch (WebhookException $x) {
            return ['status' => $x->status(), 'httpStatus' => $x->httpStatus(), 'field' => $x->field(), 'signature' => $x->signature() ? $x->signature()->toArray() : null, 'class' => get_class($x)];
        }
    }

    /** @dataProvider publicApiCases */
    public function testVectorThroughThePublicApi(string $file, \stdClass $case): void
    {
        $backend = Verifier::defaultBackend();
        $out = $this->runPublic($case, $backend);
        $expect = $case->expect;
        $this->assertSame($expect->status, $out['status'], json_encode($out));
        if ($out['status'] !== 'OK') {
            $this->assertSame($expect->httpStatus, $out['httpStatus']);
            if (property_exists($expect, 'field')) {
                $this->assertSame($expect->field, $out['field']);
            }
        }
        if (property_exists($expect, 'event') && isset($out['event'])) {
            // Event::toArray() is the normalized event (hookData objects as stdClass keep {} apart from []).
            $this->assertSame(Vectors::canon($expect->event), Vectors::canon(self::eventValue($out['event'], $out['hookDataJson'])));
        }
        if (($expect->signature ?? null) instanceof \stdClass) {
            $this->assertSame(Vectors::canon($expect->signature), Vectors::canon((object) $out['signature']));
        }
        foreach (['decision', 'header'] as $k) {
            if (property_exists($expect, $k)) {
                $got = $out[$k];
                if ($k === 'decision' && is_array($got['suggested'] ?? null)) {
                    $got['suggested'] = (object) $got['suggested']; // an object in the result
                }
                $this->assertSame(Vectors::canon($expect->$k), Vectors::canon(is_array($got) ? (object) $got : $got));
            }
        }
        foreach ($expect->resultContains ?? [] as $text) {
            // Unknown state keys are kept byte-exact: Decision::$stateJson holds them as received.
            $this->assertStringContainsString($text, $out['stateJson']);
        }
        if (property_exists($expect, 'state')) {
            $this->assertSame(Vectors::canon($expect->state), Vectors::canon(Vectors::decode($out['stateJson'])));
        }
        if ($backend === 'ffi') {
            $this->assertSame($out, $this->runPublic($case, 'php'), 'the public API gives different results on the FFI and pure-PHP backends');
        }
    }

    private const JSON_FLAGS = JSON_UNESCAPED_SLASHES | JSON_UNESCAPED_UNICODE | JSON_PRESERVE_ZERO_FRACTION;

    /**
     * Event::toArray() as JSON test data, with hookData taken from Event::$hookDataJson (its exact
     * text: big integers stay digits).
     */
    private static function eventValue(string $eventJson, ?string $hookDataJson): \stdClass
    {
        $e = Vectors::decode($eventJson);
        $e->hookData = $hookDataJson === null ? null : Vectors::decode($hookDataJson);
        return $e;
    }
}
