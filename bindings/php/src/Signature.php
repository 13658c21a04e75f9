<?php

declare(strict_types=1);

namespace Everifin\Webhook;

/**
 * Which signature matched and how old it is. Never holds a secret or a MAC.
 */
final class Signature
{
    /** `ts` re-printed as UTC with milliseconds. */
    public readonly string $timestamp;
    /** The header key that matched, e.g. "v0". */
    public readonly string $key;
    /** Index of the configured secret that matched (oldest first). */
    public readonly int $secretIndex;
    /** now - ts in milliseconds; negative when ts is in the future. */
    public readonly int $ageMs;

    public function __construct(string $timestamp, string $key, int $secretIndex, int $ageMs)
    {
        $this->timestamp = $timestamp;
        $this->key = $key;
        $this->secretIndex = $secretIndex;
        $this->ageMs = $ageMs;
    }

    /** @param array<string, mixed> $a */
    public static function fromArray(array $a): self
    {
        return new self((string) $a['timestamp'], (string) $a['key'], (int) $a['secretIndex'], (int) $a['ageMs']);
    }

    /** @return array{timestamp: string, key: string, secretIndex: int, ageMs: int} */
    public function toArray(): array
    {
        return ['timestamp' => $this->timestamp, 'key' => $this->key, 'secretIndex' => $this->secretIndex, 'ageMs' => $this->ageMs];
    }
}
