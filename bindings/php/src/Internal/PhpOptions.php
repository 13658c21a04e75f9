<?php

declare(strict_types=1);

namespace Everifin\Webhook\Internal;

/**
 * Validated options of the pure-PHP backend (its "verifier handle").
 *
 * @internal
 */
final class PhpOptions
{
    /** @var list<string> */
    public array $secrets = [];
    public int $toleranceSeconds = 300;
    public bool $confirmedIsPaid = false;
    public int $maxBodyBytes = 1048576;
    /** @var array<string, array<string, ?string>> */
    public array $suggested = [];

    /** @return array<string, mixed> */
    public function __debugInfo(): array
    {
        return ['secrets' => sprintf('[%d redacted]', count($this->secrets)), 'toleranceSeconds' => $this->toleranceSeconds,
            'confirmedIsPaid' => $this->confirmedIsPaid, 'maxBodyBytes' => $this->maxBodyBytes];
    }

    /** @return array<string, mixed> */
    public function __serialize(): array
    {
        throw new \LogicException('verifier options hold secrets and cannot be serialized');
    }
}
