<?php

declare(strict_types=1);

namespace Everifin\Webhook\Internal;

/**
 * Owns one native `evf_verifier *`; freed when the PHP object goes away.
 *
 * @internal
 */
final class FfiVerifier
{
    /** @var \FFI\CData|null */
    public $ptr;
    private FfiBackend $backend;

    /** @param \FFI\CData $ptr */
    public function __construct(FfiBackend $backend, $ptr)
    {
        $this->backend = $backend;
        $this->ptr = $ptr;
    }

    public function __destruct()
    {
        $this->backend->freeVerifier($this);
    }

    /** @return array<string, mixed> */
    public function __serialize(): array
    {
        throw new \LogicException('a native verifier cannot be serialized');
    }
}
