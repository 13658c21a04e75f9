<?php

declare(strict_types=1);

namespace Everifin\Webhook\Internal;

use Everifin\Webhook\Status;

/**
 * The native backend: the Rust library through PHP's FFI extension.
 *
 * Under `ffi.enable=preload` (PHP's default) FFI's static API may only be called from code that
 * was preloaded: preload.php compiles this class during `opcache.preload`, which is what makes the
 * calls below legal inside PHP-FPM and mod_php requests.
 *
 * @internal
 */
final class FfiBackend implements Backend
{
    /** @var \FFI */
    private $ffi;

    /**
     * The buffer evf_verifier_process_into writes results into (a result is usually under 1 KiB;
     * a longer one is fetched through a result handle).
     */
    private const BUFFER_BYTES = 4096;

    /**
     * Made on the first request. Static, not a property of the backend: a dump of the backend (an
     * exception's trace holds it, through the FfiVerifier argument, when zend.exception_ignore_args
     * is off) would print every one of its 4096 chars.
     *
     * @var \FFI\CData|null
     */
    private static $buffer = null;

    /** False once the loaded header turned out to lack evf_verifier_process_into (a stale scope). */
    private bool $into = true;

    /** @param \FFI $ffi a loaded, ABI-checked library (see {@see Native}) */
    public function __construct($ffi)
    {
        $this->ffi = $ffi;
    }

    public function name(): string
    {
        return 'ffi';
    }

    public function optionsCheck(string $optionsJson): string
    {
        return $this->take($this->ffi->evf_options_check($optionsJson, strlen($optionsJson)));
    }

    public function newVerifier(string $optionsJson): array
    {
        $out = $this->ffi->new('evf_verifier*');
        $status = $this->ffi->evf_verifier_new($optionsJson, strlen($optionsJson), \FFI::addr($out));
        if ($status === 0 && !\FFI::isNull($out)) {
            return [new FfiVerifier($this, $out), null];
        }
        if ($status === Status::code(Status::INVALID_OPTIONS)) {
            return [null, $this->optionsCheck($optionsJson)];
        }
        $name = Status::nameOf($status) ?? Status::INTERNAL;
        $json = (string) json_encode([
            'ok' => false,
            'status' => $name,
            'httpStatus' => Status::httpStatus($name),
            'message' => 'the verifier could not be created (' . $name . ')',
        ]);
        return [null, $json];
    }

    public function freeVerifier(?object $verifier): void
    {
        if ($verifier instanceof FfiVerifier && $verifier->ptr !== null) {
            $this->ffi->evf_verifier_free($verifier->ptr);
            $verifier->ptr = null;
        }
    }

    public function process(object $verifier, string $body, string $header, int $nowMs): string
    {
        if (!$verifier instanceof FfiVerifier || $verifier->ptr === null) {
            throw new \LogicException('not a live native verifier');
        }
        return $this->take($this->ffi->evf_verifier_process($verifier->ptr, $body, strlen($body), $header, strlen($header), $nowMs));
    }

    public function normalize(string $body, string $optionsJson): string
    {
        return $this->take($this->ffi->evf_normalize($body, strlen($body), $optionsJson, strlen($optionsJson)));
    }

    public function decide(string $eventJson, string $stateJson): string
    {
        return $this->take($this->ffi->evf_decide($eventJson, strlen($eventJson), $stateJson, strlen($stateJson)));
    }

    public function sign(string $body, string $timestamp, string $secretsJson): string
    {
        return $this->take($this->ffi->evf_sign($body, strlen($body), $timestamp, strlen($timestamp), $secretsJson, strlen($secretsJson)));
    }

    public function explain(string $body, string $header, string $optionsJson, int $nowMs): string
    {
        try {
            $result = $this->ffi->evf_explain($body, strlen($body), $header, strlen($header), $optionsJson, strlen($optionsJson), $nowMs);
        } catch (\FFI\Exception $e) {
            // A preloaded scope made from a header older than evf_explain (lib/everifin_webhook.ffi.h
            // not regenerated after an upgrade): the same diagnosis from the pure-PHP port.
            return (new PhpBackend())->explain($body, $header, $optionsJson, $nowMs);
        }
        return $this->take($result);
    }

    public function processEvent(object $verifier, string $body, string $header, int $nowMs): \Everifin\Webhook\Event
    {
        $ptr = $verifier instanceof FfiVerifier ? $verifier->ptr : null;
        if ($ptr === null) {
            throw new \LogicException('not a live native verifier');
        }
        $ffi = $this->ffi;
        // Internal functions named with their namespace: PHP compiles \strlen() and \is_string()
        // to opcodes instead of looking for Everifin\Webhook\Internal\strlen() at run time.
        $len = self::BUFFER_BYTES + 1;
        if ($this->into) {
            $buffer = self::$buffer ??= $ffi->new('char[' . self::BUFFER_BYTES . ']');
            try {
                // One foreign call: the JSON lands in $buffer when it fits.
                $len = $ffi->evf_verifier_process_into($ptr, $body, \strlen($body), $header, \strlen($header), $nowMs, $buffer, self::BUFFER_BYTES);
            } catch (\FFI\Exception $e) {
                $this->into = false; // a preloaded header from before evf_verifier_process_into
            }
        }
        if ($len <= self::BUFFER_BYTES) {
            $json = \FFI::string($buffer, $len);
        } else {
            $json = $this->take($ffi->evf_verifier_process($ptr, $body, \strlen($body), $header, \strlen($header), $nowMs));
        }
        // Results::event(), written out.
        return ($json[0] ?? '') === '[' ? \Everifin\Webhook\Event::fromCompact($json, $body) : Results::decodedEvent($json);
    }

    public function normalizeEvent(string $body, string $optionsJson): \Everifin\Webhook\Event
    {
        return Results::event($this->normalize($body, $optionsJson));
    }

    public function decideDecision(string $eventJson, string $stateJson): \Everifin\Webhook\Decision
    {
        return Results::decision($this->decide($eventJson, $stateJson));
    }

    public function version(): string
    {
        $v = $this->ffi->evf_version();
        return is_string($v) ? $v : \FFI::string($v);
    }

    /**
     * Copies a result's JSON into a PHP string and frees the result.
     *
     * @param \FFI\CData|null $result
     */
    private function take($result): string
    {
        // FFI returns a NULL pointer as null.
        if ($result === null) {
            return '{"ok":false,"status":"INTERNAL","httpStatus":500,"message":"the library returned no result (out of memory)"}';
        }
        try {
            $ptr = $this->ffi->evf_result_json($result);
            // PHP FFI already turns a `const char *` return into a string, up to the NUL that ends
            // the library's JSON (the JSON never contains one: serde_json writes it as \u0000).
            if (is_string($ptr)) {
                return $ptr;
            }
            // Older PHP versions return a CData pointer.
            $len = $this->ffi->evf_result_json_len($result);
            return ($ptr === null || $len === 0) ? '' : \FFI::string($ptr, $len);
        } finally {
            $this->ffi->evf_result_free($result);
        }
    }
}
