<?php

declare(strict_types=1);

namespace Everifin\Webhook;

use Everifin\Webhook\Exception\ConfigurationException;
use Everifin\Webhook\Exception\WebhookException;
use Everifin\Webhook\Internal\Backend;
use Everifin\Webhook\Internal\Native;
use Everifin\Webhook\Internal\PhpBackend;
use Everifin\Webhook\Internal\Results;
use Everifin\Webhook\Internal\SecretList;
use Everifin\Webhook\Internal\Fallback\Timestamp;

/**
 * Verifies Everifin webhooks, normalizes their events and decides what to do with the order.
 *
 *     header('Content-Type: application/json');          // not text/html: messages quote the request
 *     try {
 *         $verifier = new Verifier([$hookSecret]);
 *         $event = $verifier->verifyRequest();            // php://input + Signature header
 *         $decision = $verifier->decide($event, $storedState);
 *         ...
 *     } catch (WebhookException $e) {
 *         http_response_code($e->httpStatus());
 *         echo json_encode(['ok' => false, 'status' => $e->status(), 'message' => $e->getMessage()]);
 *     }
 *
 * The native library is used through FFI when it can be ({@see backend()}); otherwise a pure-PHP
 * implementation of the same contract is. Every failure is a {@see WebhookException}.
 */
final class Verifier
{
    public const BACKEND_FFI = 'ffi';
    public const BACKEND_PHP = 'php';

    private Backend $backend;
    private object $handle;
    /** Options without the secrets (for normalize()). */
    /** @var array<string, mixed> */
    private array $publicOptions;
    private ?string $publicOptionsJson = null;
    /** the secrets as given, kept only for explain() (never shown: see SecretList) */
    private SecretList $secrets;

    /**
     * @param list<string> $secrets hook secrets, oldest first (1 to 16, each non-empty; used as given, not trimmed)
     * @param int $toleranceSeconds accepted age of a signature, both directions; 0 turns the check off
     * @param bool $confirmedIsPaid treat CONFIRMED payments as paid
     * @param int $maxBodyBytes larger bodies are refused before any HMAC is computed
     * @param array<string, array<string, ?string>> $suggestedStates overrides of the suggested shop states: {platform: {outcome: state|null}}
     * @param string|null $backend "ffi" or "php" to insist on one; null picks FFI when it can be used
     * @throws ConfigurationException when an option is invalid (the message never contains a secret)
     */
    public function __construct(
        #[\SensitiveParameter] array $secrets,
        int $toleranceSeconds = 300,
        bool $confirmedIsPaid = false,
        int $maxBodyBytes = 1048576,
        array $suggestedStates = [],
        ?string $backend = null
    ) {
        $public = ['toleranceSeconds' => $toleranceSeconds, 'confirmedIsPaid' => $confirmedIsPaid, 'maxBodyBytes' => $maxBodyBytes];
        if ($suggestedStates !== []) {
            $public['suggestedStates'] = self::suggestedJson($suggestedStates);
        }
        $this->publicOptions = $public;
        $list = self::secretsList($secrets);
        $this->secrets = new SecretList($list);
        $optionsJson = json_encode(['secrets' => $list] + $public, self::JSON_FLAGS, 512);
        $list = [];
        if (!is_string($optionsJson)) {
            $this->publicOptionsJson(); // names suggestedStates when they are the cause
            throw WebhookException::forStatus(Status::INVALID_OPTIONS, 'options: "secrets" must be an array of UTF-8 strings');
        }

        $this->backend = self::pickBackend($backend);
        // Success as the compact array (docs/design.md): cheaper to read, and hookData stays in the
        // body until it is read. A library without the option is asked again without it.
        $compactJson = substr($optionsJson, 0, -1) . ',"compactResult":true}';
        try {
            [$handle, $error] = $this->backend->newVerifier($compactJson);
            if ($handle === null) {
                [$handle, $error] = $this->backend->newVerifier($optionsJson);
            }
        } catch (\Throwable $e) {
            if ($backend === self::BACKEND_FFI) {
                throw WebhookException::forStatus(Status::INTERNAL, 'the native library failed to create a verifier', null, null, $e);
            }
            // The native call itself failed: use the pure-PHP backend rather than break the shop.
            $this->backend = new PhpBackend();
            [$handle, $error] = $this->backend->newVerifier($optionsJson);
        }
        $optionsJson = str_repeat("\0", strlen($optionsJson));
        $compactJson = str_repeat("\0", strlen($compactJson));
        if ($handle === null) {
            Results::throwIfError(Results::decode((string) $error, false));
            throw WebhookException::forStatus(Status::INTERNAL, 'the verifier could not be created');
        }
        $this->handle = $handle;
    }

    public function __destruct()
    {
        try {
            $this->backend->freeVerifier($this->handle ?? null);
        } catch (\Throwable $e) {
            // Never let cleanup break a request.
        }
    }

    /** @return array<string, mixed> */
    public function __debugInfo(): array
    {
        return ['backend' => $this->backend->name(), 'options' => $this->publicOptionsJson(), 'secrets' => '[redacted]'];
    }

    /** @return array<string, mixed> */
    public function __serialize(): array
    {
        throw new \LogicException('a Verifier holds secrets and cannot be serialized');
    }

    /**
     * Nor made from a serialized string (a crafted one would give a Verifier without backend or
     * handle, which fails with Error instead of a WebhookException).
     *
     * @param array<string, mixed> $data
     */
    public function __unserialize(array $data): void
    {
        throw new \LogicException('a Verifier cannot be unserialized: create one with its secrets');
    }

    /** "ffi" when the native library is in use, "php" for the pure-PHP fallback. */
    public function backend(): string
    {
        return $this->backend->name();
    }

    /**
     * Verifies a webhook request and returns its normalized event.
     *
     * @param string $rawBody the request body exactly as received (php://input), never re-encoded
     * @param string $signatureHeader the `Signature` header value ("" when absent)
     * @param \DateTimeInterface|null $now the time to check the tolerance against; null = system clock
     * @throws WebhookException
     */
    public function verify(string $rawBody, string $signatureHeader, ?\DateTimeInterface $now = null): Event
    {
        // 0 means "system clock" to the ABI; the epoch itself is 1 ms later. Timestamp::fromDateTime
        // written out for the usual range (it throws beyond the range of 64-bit milliseconds).
        $nowMs = 0;
        if ($now !== null) {
            $secs = $now->getTimestamp();
            $nowMs = ($secs > 0 && $secs < 9223372036854774 ? $secs * 1000 + (int) $now->format('v') : Timestamp::fromDateTime($now)) ?: 1;
        }
        try {
            return $this->backend->processEvent($this->handle, $rawBody, $signatureHeader, $nowMs);
        } catch (WebhookException $e) {
            throw $e;
        } catch (\Throwable $e) {
            throw self::internal($this->backend, $e);
        }
    }

    /**
     * Verifies the current request: reads php://input and the Signature header whatever the
     * server's header casing ({@see Request::fromGlobals()}). Without $request, at most this
     * verifier's maxBodyBytes + 1 bytes are read: a larger body is BODY_TOO_LARGE, never in memory.
     *
     * @throws WebhookException
     */
    public function verifyRequest(?Request $request = null, ?\DateTimeInterface $now = null): Event
    {
        $request ??= Request::fromGlobals($this->publicOptions['maxBodyBytes']);
        return $this->verify($request->body, $request->signatureHeader, $now);
    }

    /**
     * Validates and normalizes a body without checking any signature (bodies verified elsewhere,
     * tests), with this verifier's options.
     *
     * @throws WebhookException
     */
    public function normalize(string $rawBody): Event
    {
        return $this->call(fn () => $this->backend->normalizeEvent($rawBody, $this->publicOptionsJson()));
    }

    /**
     * Decides what to do with an event given the order's stored state.
     *
     * @param Event|array<string, mixed>|string $event an Event, a normalized event array, or its JSON
     * @param array<string, mixed>|string $state the stored state: [] / "" for a new order, a
     *        previous Decision's $state, or its $stateJson
     * @throws WebhookException EVENT_INVALID or STATE_INVALID
     */
    public function decide($event, $state = []): Decision
    {
        $eventJson = self::decideInput($event, true);
        $stateJson = self::decideInput($state, false);
        return $this->call(fn () => $this->backend->decideDecision($eventJson, $stateJson));
    }

    /**
     * Why does this request fail? For people diagnosing a shop's webhook endpoint, not for
     * verifying: slower than verify(), and it never accepts anything.
     *
     * Verifies the request as verify() does and returns the decoded result: the process result
     * ("ok", "status", "httpStatus", "message", "signature", "event", ...) plus
     *   - "findings": list of ["code" => ..., "message" => ..., details...]: secret_whitespace
     *     (secretIndex, whitespace), secret_bom (secretIndex), body_reencoded (transform,
     *     transforms), concatenation_order (variant), ts_reformatted (signedTs, headerTs),
     *     clock_skew (ageMs, direction, toleranceSeconds, outsideTolerance), retired_secret
     *     (fingerprint), rotation_in_progress (signatures, configuredSecrets), no_cause_found
     *     (body, when the search could not try everything), search_stopped (candidateBytes,
     *     limitBytes); the README's table says when each appears;
     *   - "secrets": list of ["index" => i, "fingerprint" => "sha256:" + 8 hex digits].
     * The result never contains a secret or an expected signature.
     *
     * @param string $rawBody the request body exactly as received
     * @param string $signatureHeader the `Signature` header value ("" when absent)
     * @param list<string> $retiredSecrets secrets no longer configured, only used to recognise a
     *        request signed with one (named in the findings by fingerprint)
     * @param \DateTimeInterface|null $now the time to check the tolerance against; null = system clock
     * @return array<string, mixed>
     * @throws ConfigurationException for invalid retired secrets (never for a rejected request)
     * @throws WebhookException INTERNAL when the backend fails
     */
    public function explain(string $rawBody, string $signatureHeader, #[\SensitiveParameter] array $retiredSecrets = [], ?\DateTimeInterface $now = null): array
    {
        $nowMs = $now === null ? 0 : Timestamp::fromDateTime($now);
        if ($nowMs === 0 && $now !== null) {
            $nowMs = 1; // 0 means "system clock" to the ABI
        }
        $options = json_decode($this->publicOptionsJson(), false);
        $options->secrets = $this->secrets->get();
        if ($retiredSecrets !== []) {
            $options->retiredSecrets = array_values($retiredSecrets);
        }
        $optionsJson = self::encode($options, Status::INVALID_OPTIONS, 'retiredSecrets must be a list of UTF-8 strings');
        try {
            $json = $this->call(fn () => $this->backend->explain($rawBody, $signatureHeader, $optionsJson, $nowMs));
        } finally {
            $optionsJson = str_repeat("\0", strlen($optionsJson));
        }
        $r = Results::decode($json, true);
        if (in_array($r['status'], [Status::INVALID_OPTIONS, Status::NULL_ARGUMENT, Status::INTERNAL], true)) {
            Results::throwIfError(Results::decode($json, false));
        }
        return $r;
    }

    /**
     * Creates a `Signature` header for a body, as Everifin does (for tests and tools).
     *
     * @param list<string> $secrets oldest first: one vN part each
     * @param string|null $timestamp RFC 3339 UTC, used exactly as given; null = now
     * @throws WebhookException
     */
    public static function sign(string $body, #[\SensitiveParameter] array $secrets, ?string $timestamp = null, ?string $backend = null): string
    {
        $b = self::pickBackend($backend);
        $secretsJson = self::encode(self::secretsList($secrets), Status::INVALID_OPTIONS, 'secrets must be an array of UTF-8 strings');
        try {
            $json = $b->sign($body, $timestamp ?? '', $secretsJson);
        } catch (\Throwable $e) {
            throw WebhookException::forStatus(Status::INTERNAL, 'signing failed in the ' . $b->name() . ' backend', null, null, $e);
        }
        $r = Results::decode($json, false);
        Results::throwIfError($r);
        return (string) $r->header;
    }

    /** The backend that would be used by default here ("ffi" or "php"); see Environment::diagnose(). */
    public static function defaultBackend(): string
    {
        return Native::backend() !== null ? self::BACKEND_FFI : self::BACKEND_PHP;
    }

    /** @internal the backend object (tests compare the two backends through it) */
    public static function pickBackend(?string $name): Backend
    {
        if ($name === self::BACKEND_PHP) {
            return new PhpBackend();
        }
        $native = Native::backend();
        if ($name === self::BACKEND_FFI && $native === null) {
            throw new ConfigurationException(Status::INVALID_OPTIONS, 'the FFI backend is not available: ' . (Native::report()['reason'] ?? 'unknown reason') . ' (see Environment::diagnose())');
        }
        if ($name !== null && $name !== self::BACKEND_FFI) {
            throw new ConfigurationException(Status::INVALID_OPTIONS, 'backend must be "ffi", "php" or null');
        }
        return $native ?? new PhpBackend();
    }

    /**
     * @template T
     * @param callable(): T $f
     * @return T
     * @throws WebhookException
     */
    private function call(callable $f)
    {
        try {
            return $f();
        } catch (WebhookException $e) {
            throw $e;
        } catch (\Throwable $e) {
            throw self::internal($this->backend, $e);
        }
    }

    private static function internal(Backend $backend, \Throwable $e): WebhookException
    {
        return WebhookException::forStatus(Status::INTERNAL, 'internal error in the ' . $backend->name() . ' backend; the request can be retried', null, null, $e);
    }

    /**
     * @param mixed $secrets
     * @return list<mixed>
     */
    private static function secretsList(#[\SensitiveParameter] array $secrets): array
    {
        return array_values($secrets);
    }

    /**
     * The overrides as JSON objects ({} for an empty platform, {"0": ...} for numeric names).
     *
     * @param array<array-key, mixed> $s
     */
    private static function suggestedJson(array $s): \stdClass
    {
        $o = new \stdClass();
        foreach ($s as $platform => $entries) {
            $o->{(string) $platform} = is_array($entries) ? (object) $entries : $entries;
        }
        return $o;
    }

    /** The options without the secrets, as JSON (for normalize() and explain()). */
    private function publicOptionsJson(): string
    {
        return $this->publicOptionsJson ??= self::encode($this->publicOptions, Status::INVALID_OPTIONS, 'suggestedStates must hold UTF-8 strings');
    }

    private const JSON_FLAGS = JSON_UNESCAPED_SLASHES | JSON_UNESCAPED_UNICODE | JSON_PRESERVE_ZERO_FRACTION;

    /**
     * Compact JSON (ext/json) of options or inputs; a value it cannot write (invalid UTF-8, INF)
     * becomes the given status.
     *
     * @param mixed $v
     * @throws WebhookException
     */
    private static function encode(#[\SensitiveParameter] $v, string $status, string $message): string
    {
        $json = json_encode($v, self::JSON_FLAGS, 512);
        if (!is_string($json)) {
            throw WebhookException::forStatus($status, $message, $status === Status::EVENT_INVALID ? '' : null);
        }
        return $json;
    }

    /**
     * @param mixed $v
     */
    private static function decideInput($v, bool $isEvent): string
    {
        if ($v instanceof Event) {
            return $v->json;
        }
        if ($v instanceof Decision) {
            return $v->stateJson;
        }
        if (is_string($v)) {
            return $v;
        }
        if (is_array($v)) {
            if ($v === []) {
                return '{}';
            }
            return self::encode(array_is_list($v) ? $v : (object) $v, $isEvent ? Status::EVENT_INVALID : Status::STATE_INVALID, 'the ' . ($isEvent ? 'event' : 'state') . ' cannot be encoded as JSON');
        }
        throw WebhookException::forStatus(
            $isEvent ? Status::EVENT_INVALID : Status::STATE_INVALID,
            $isEvent ? 'the event must be an Event, an array or JSON text' : 'the state must be an array or JSON text',
            $isEvent ? '' : null
        );
    }
}
