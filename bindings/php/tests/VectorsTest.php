<?php

declare(strict_types=1);

namespace Everifin\Webhook\Tests;

use Everifin\Webhook\Decision;
use Everifin\Webhook\Event;
use Everifin\Webhook\Exception\WebhookException;
use Everifin\Webhook\Internal\Backend;
use Everifin\Webhook\Internal\Json;
use Everifin\Webhook\Internal\JsonObject;
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
    /** @var array<string, array{0: string, 1: JsonObject}>|null */
    private static ?array $cases = null;

    /** @return array<string, array{0: string, 1: JsonObject}> */
    public static function allCases(): array
    {
        return self::$cases ??= Vectors::cases();
    }

    /** @return array<string, array{0: string, 1: JsonObject}> */
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
            $functions[(string) $c->get('function')] = true;
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
    public function testVector(string $file, JsonObject $case): void
    {
        $backend = self::backend();
        $text = Vectors::run($backend, $case);
        $this->checkExpectations($case, $text, $backend->name());

        if ($backend->name() === 'ffi') {
            $php = Vectors::run(new PhpBackend(), $case);
            $this->checkExpectations($case, $php, 'php');
            $a = Json::parse($text, 1000, true);
            $b = Json::parse($php, 1000, true);
            $a->set('message', null);
            $b->set('message', null);
            if ($case->get('function') === 'sign' && $case->get('timestamp') === '' && $a->get('ok') === true) {
                // "now" differs between the two calls: check the form, compare the rest.
                foreach ([$a, $b] as $r) {
                    $this->assertMatchesRegularExpression('/^ts=\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z(;v\d+=[0-9a-f]{64})+$/', (string) $r->get('header'));
                    $r->set('header', substr_count((string) $r->get('header'), ';'));
                }
            }
            $this->assertSame(Vectors::canon($a), Vectors::canon($b), "FFI and pure-PHP results differ:\nffi: $text\nphp: $php");
            $this->assertSame(Vectors::keyOrder($a), Vectors::keyOrder($b), "FFI and pure-PHP results differ in key order:\nffi: $text\nphp: $php");
        }
    }

    private function checkExpectations(JsonObject $case, string $text, string $backendName): void
    {
        $label = $backendName . ' result: ' . (strlen($text) > 2000 ? substr($text, 0, 2000) . '...' : $text);
        $expect = $case->get('expect');
        $r = Json::parse($text, 1000, true);
        $this->assertInstanceOf(JsonObject::class, $r, $label);
        $status = $expect->get('status');
        $this->assertSame($status, $r->get('status'), $label);
        $this->assertSame($expect->get('httpStatus'), $r->get('httpStatus'), $label);
        $this->assertSame(Status::httpStatus($status), $r->get('httpStatus'), 'the vector disagrees with the status table');
        $this->assertSame($status === 'OK', $r->get('ok'), $label);
        if ($status !== 'OK') {
            $this->assertIsString($r->get('message'), $label);
            $this->assertNotSame('', $r->get('message'), $label);
        }
        if ($expect->has('field')) {
            $this->assertSame($expect->get('field'), $r->get('field'), $label);
        }
        foreach (['event', 'decision', 'state', 'header'] as $key) {
            if ($expect->has($key)) {
                $this->assertSame(Vectors::canon($expect->get($key)), Vectors::canon($r->get($key)), "$key differs; $label");
            }
        }
        if ($expect->has('signature')) {
            if ($expect->get('signature') === null) {
                $this->assertFalse($r->has('signature'), "expected no signature; $label");
            } else {
                $this->assertSame(Vectors::canon($expect->get('signature')), Vectors::canon($r->get('signature')), "signature differs; $label");
            }
        }
        if ($case->get('function') !== 'sign') {
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
    private static function publicArgs(JsonObject $c): ?array
    {
        $fn = $c->get('function');
        if ($fn === 'decide') {
            return [];
        }
        if ($fn === 'sign') {
            $s = $c->get('secrets');
            return is_array($s) && $s !== [] && count(array_filter($s, 'is_string')) === count($s) && $c->get('timestamp') !== '' ? [] : null;
        }
        if ($c->has('optionsRaw')) {
            return null;
        }
        $o = $c->get('options') ?? new JsonObject();
        if (!$o instanceof JsonObject) {
            return null;
        }
        $args = [];
        foreach ($o->members() as $k => $v) {
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
                    if (!$v instanceof JsonObject) {
                        return null;
                    }
                    $table = [];
                    foreach ($v->members() as $platform => $entries) {
                        if (!$entries instanceof JsonObject || is_numeric($platform)) {
                            return null;
                        }
                        foreach ($entries->members() as $outcome => $state) {
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
    private function runPublic(JsonObject $c, string $backend): array
    {
        $args = self::publicArgs($c);
        $fn = $c->get('function');
        try {
            if ($fn === 'sign') {
                return ['status' => 'OK', 'header' => Verifier::sign(Vectors::body($c), $c->get('secrets'), $c->get('timestamp'), $backend)];
            }
            $v = $fn === 'decide' ? new Verifier(['decide-only'], backend: $backend) : new Verifier(...$args + ['backend' => $backend]);
            $this->assertSame($backend, $v->backend());
            if ($fn === 'decide') {
                $d = $v->decide(Vectors::input($c, 'event'), Vectors::input($c, 'state'));
                $this->assertInstanceOf(Decision::class, $d);
                return ['status' => 'OK', 'decision' => ['action' => $d->action, 'reason' => $d->reason], 'state' => Json::encode($d->state), 'stateJson' => $d->stateJson];
            }
            if ($fn === 'process') {
                $ms = (int) $c->get('nowMs');
                $now = \DateTimeImmutable::createFromFormat('U.u', sprintf('%d.%03d000', intdiv($ms, 1000) - ($ms % 1000 < 0 ? 1 : 0), (($ms % 1000) + 1000) % 1000));
                $e = $v->verify(Vectors::body($c), (string) ($c->get('header') ?? ''), $now);
                $this->assertNotNull($e->signature);
            } else {
                $e = $v->normalize(Vectors::body($c));
                $this->assertNull($e->signature);
            }
            $this->assertInstanceOf(Event::class, $e);
            return ['status' => 'OK', 'event' => Json::encode($e->toArray()), 'signature' => $e->signature ? $e->signature->toArray() : null, 'hookDataJson' => $e->hookDataJson];
        } catch (WebhookException $x) {
            return ['status' => $x->status(), 'httpStatus' => $x->httpStatus(), 'field' => $x->field(), 'signature' => $x->signature() ? $x->signature()->toArray() : null, 'class' => get_class($x)];
        }
    }

    /** @dataProvider publicApiCases */
    public function testVectorThroughThePublicApi(string $file, JsonObject $case): void
    {
        $backend = Verifier::defaultBackend();
        $out = $this->runPublic($case, $backend);
        $expect = $case->get('expect');
        $this->assertSame($expect->get('status'), $out['status'], json_encode($out));
        if ($out['status'] !== 'OK') {
            $this->assertSame($expect->get('httpStatus'), $out['httpStatus']);
            if ($expect->has('field')) {
                $this->assertSame($expect->get('field'), $out['field']);
            }
        }
        if ($expect->has('event') && isset($out['event'])) {
            // Event::toArray() is the normalized event (hookData objects as stdClass keep {} apart from []).
            $this->assertSame(Vectors::canon($expect->get('event')), Vectors::canon(Json::parse($out['event'], 1000, true)));
        }
        if ($expect->get('signature') instanceof JsonObject) {
            $this->assertSame(Vectors::canon($expect->get('signature')), Vectors::canon(self::object($out['signature'])));
        }
        foreach (['decision', 'header'] as $k) {
            if ($expect->has($k)) {
                $this->assertSame(Vectors::canon($expect->get($k)), Vectors::canon(is_array($out[$k]) ? self::object($out[$k]) : $out[$k]));
            }
        }
        if ($expect->has('state')) {
            $this->assertSame(Vectors::canon($expect->get('state')), Vectors::canon(Json::parse($out['stateJson'])));
        }
        if ($backend === 'ffi') {
            $this->assertSame($out, $this->runPublic($case, 'php'), 'the public API gives different results on the FFI and pure-PHP backends');
        }
    }

    /** @param array<string, mixed> $a */
    private static function object(array $a): JsonObject
    {
        $o = new JsonObject();
        foreach ($a as $k => $v) {
            $o->set((string) $k, $v);
        }
        return $o;
    }
}
