<?php

declare(strict_types=1);

namespace Everifin\Webhook\Internal;

use Everifin\Webhook\Decision;
use Everifin\Webhook\Event as PublicEvent;
use Everifin\Webhook\Exception\WebhookException;
use Everifin\Webhook\Internal\Fallback\Decide;
use Everifin\Webhook\Internal\Fallback\Normalize;
use Everifin\Webhook\Internal\Fallback\Explain;
use Everifin\Webhook\Internal\Fallback\Failure;
use Everifin\Webhook\Internal\Fallback\Options;
use Everifin\Webhook\Internal\Fallback\Parse;
use Everifin\Webhook\Internal\Fallback\Result;
use Everifin\Webhook\Internal\Fallback\Verify;
use Everifin\Webhook\Internal\Fallback\Timestamp;
use Everifin\Webhook\Signature as PublicSignature;
use Everifin\Webhook\Status;

/**
 * The pure-PHP implementation of the C ABI contract, used where FFI cannot be: src/verifier.rs
 * and src/ffi.rs over the modules in Fallback/ (one per module of the core; see the README's
 * table).
 * The ABI methods return the result JSON the library returns; the *Event/*Decision methods give
 * the binding's objects directly, without writing and reading that JSON.
 *
 * @internal
 */
final class PhpBackend implements Backend
{
    public function name(): string
    {
        return 'php';
    }

    public function optionsCheck(string $optionsJson): string
    {
        try {
            Options::forVerifier($optionsJson);
            return Result::ok([]);
        } catch (Failure $f) {
            return Result::error($f);
        }
    }

    public function newVerifier(string $optionsJson): array
    {
        try {
            return [Options::forVerifier($optionsJson), null];
        } catch (Failure $f) {
            return [null, Result::error($f)];
        }
    }

    public function freeVerifier(?object $verifier): void
    {
        if ($verifier instanceof Options) {
            $verifier->clearSecrets();
        }
    }

    public function process(object $verifier, string $body, string $header, int $nowMs): string
    {
        try {
            $o = self::options($verifier);
            if ($o->compactResult) {
                [$signature, $event, $hook, $reencoded] = $this->verified($o, $body, $header, $nowMs, false);
                return Result::compact($signature, $event, $hook === null ? null : Parse::hookDataRange($body, $hook, $reencoded));
            }
            [$signature, $event, $hook] = $this->verified($o, $body, $header, $nowMs);
            return Result::event($signature, $event, $hook);
        } catch (Failure $f) {
            return Result::error($f);
        }
    }

    public function normalize(string $body, string $optionsJson): string
    {
        try {
            $o = Options::parse($optionsJson);
            self::checkSize($body, $o);
            [$event, $hook] = Normalize::body($body, $o);
            return Result::event(null, $event, $hook);
        } catch (Failure $f) {
            return Result::error($f);
        }
    }

    public function decide(string $eventJson, string $stateJson): string
    {
        try {
            [$action, $reason, $state, $orderOutcome, $suggested] = Decide::decide($eventJson, $stateJson);
            return '{"ok":true,"status":"OK","httpStatus":200,"decision":{"action":"' . $action . '","reason":"' . $reason
                . '","orderOutcome":"' . $orderOutcome . '","suggested":' . $suggested . '},"state":' . $state . '}';
        } catch (Failure $f) {
            return Result::error($f);
        }
    }

    public function sign(string $body, string $timestamp, string $secretsJson): string
    {
        try {
            if (!preg_match('//u', $timestamp)) {
                throw new Failure(Status::HEADER_TIMESTAMP_INVALID, 'the timestamp is not UTF-8');
            }
            return Result::ok(['header' => Verify::sign($body, $timestamp, $secretsJson, Timestamp::nowMs())]);
        } catch (Failure $f) {
            return Result::error($f);
        }
    }

    public function explain(string $body, string $header, string $optionsJson, int $nowMs): string
    {
        try {
            [$o, $retired] = Explain::options($optionsJson);
        } catch (Failure $f) {
            return Result::error($f);
        }
        if ($nowMs === 0) {
            $nowMs = Timestamp::nowMs();
        }
        $findings = [];
        try {
            [$signature, $event, $hook] = $this->verified($o, $body, $header, $nowMs);
            $processJson = Result::event($signature, $event, $hook);
        } catch (Failure $f) {
            $processJson = Result::error($f);
            $signature = $f->signature;
            if ($signature === null && $f->status === Status::SIGNATURE_MISMATCH) {
                $findings = Explain::search($body, $header, $o->secrets(), $retired);
            }
        }
        if ($signature !== null) {
            // Verified, or authentic but rejected (its age, or its event).
            $skew = Explain::skewFinding($signature['ageMs'], $o->toleranceSeconds);
            if ($skew !== null) {
                $findings[] = $skew;
            }
        }
        $secrets = [];
        foreach ($o->secrets() as $i => $secret) {
            $secrets[] = (object) ['index' => $i, 'fingerprint' => Explain::fingerprint($secret)];
        }
        $o->clearSecrets();
        // Appended to the process result's text, like the core: hookData stays exactly as received.
        return substr($processJson, 0, -1) . ',"findings":' . Explain::compact($findings)
            . ',"secrets":' . Explain::compact($secrets) . '}';
    }

    /**
     * process() for the binding: the Event (or the exception), without the result JSON.
     *
     * @throws WebhookException
     */
    public function processEvent(object $verifier, string $body, string $header, int $nowMs): PublicEvent
    {
        // verified(), written out: this is every request's path.
        $o = $verifier instanceof Options ? $verifier : self::options($verifier);
        try {
            if (strlen($body) > $o->maxBodyBytes) {
                self::checkSize($body, $o);
            }
            $signature = Verify::verify($header, $body, $o, $nowMs === 0 ? Timestamp::nowMs() : $nowMs);
            try {
                // Normalize::parts(), written out.
                [$root, $assoc, $reencoded] = Parse::body($body);
                [$event, $hook] = Normalize::fields($root, $o, $assoc);
            } catch (Failure $f) {
                $f->signature = $signature;
                throw $f;
            }
        } catch (Failure $f) {
            throw self::exception($f);
        }
        // The signature and hookData's text in the body are made when first read.
        return new PublicEvent(...$event, ...[$signature, null, $body, 0, $hook === null ? 0 : -1, $hook, $reencoded]);
    }

    /**
     * normalize() for the binding.
     *
     * @throws WebhookException
     */
    public function normalizeEvent(string $body, string $optionsJson): PublicEvent
    {
        try {
            $o = Options::parse($optionsJson);
            self::checkSize($body, $o);
            [$event, $hook] = Normalize::body($body, $o);
        } catch (Failure $f) {
            throw self::exception($f);
        }
        $event[] = null;
        $event[] = $hook;
        return new PublicEvent(...$event);
    }

    /**
     * decide() for the binding.
     *
     * @throws WebhookException
     */
    public function decideDecision(string $eventJson, string $stateJson): Decision
    {
        try {
            [$action, $reason, $stateJson, $orderOutcome, $suggested] = Decide::decide($eventJson, $stateJson);
        } catch (Failure $f) {
            throw self::exception($f);
        }
        $platforms = [];
        foreach ((array) json_decode($suggested, true) as $platform => $v) {
            $platforms[(string) $platform] = is_string($v) ? $v : null;
        }
        return new Decision($action, $reason, Results::state($stateJson), $stateJson, $orderOutcome, $platforms);
    }

    /**
     * verifier.rs Verifier::process: size, signature, then the body (without $hookText: hookData
     * decoded and written again, as Normalize::parts() gives it, instead of its text).
     *
     * @return array{0: array{timestamp: string, key: string, secretIndex: int, ageMs: int}, 1: list<mixed>, 2: ?string}
     * @throws Failure
     */
    private function verified(Options $o, string $body, string $header, int $nowMs, bool $hookText = true): array
    {
        if ($nowMs === 0) {
            $nowMs = Timestamp::nowMs();
        }
        self::checkSize($body, $o);
        $signature = Verify::verify($header, $body, $o, $nowMs);
        try {
            if (!$hookText) {
                return [$signature, ...Normalize::parts($body, $o)];
            }
            [$event, $hook] = Normalize::body($body, $o);
        } catch (Failure $f) {
            $f->signature = $signature;
            throw $f;
        }
        return [$signature, $event, $hook];
    }

    private static function options(object $verifier): Options
    {
        if (!$verifier instanceof Options) {
            throw new \LogicException('not a pure-PHP verifier');
        }
        return $verifier;
    }

    /** @throws Failure BODY_TOO_LARGE */
    private static function checkSize(string $body, Options $o): void
    {
        if (strlen($body) > $o->maxBodyBytes) {
            throw new Failure(Status::BODY_TOO_LARGE, sprintf('the body is larger than the %d bytes accepted (%d bytes received)', $o->maxBodyBytes, strlen($body)));
        }
    }

    private static function exception(Failure $f): WebhookException
    {
        $s = $f->signature;
        return WebhookException::forStatus(
            $f->status,
            $f->getMessage(),
            $f->field,
            $s === null ? null : new PublicSignature($s['timestamp'], $s['key'], $s['secretIndex'], $s['ageMs'])
        );
    }
}
