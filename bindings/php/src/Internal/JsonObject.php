<?php

declare(strict_types=1);

namespace Everifin\Webhook\Internal;

/**
 * A JSON object read by {@see Json}: members in source order, the last duplicate key winning
 * (like serde_json), and each member's exact source text.
 *
 * @internal
 */
final class JsonObject
{
    /** @var array<string, mixed> keys are stored with a prefix so that numeric keys stay strings */
    private array $m = [];
    /** @var array<string, string> */
    private array $raw = [];

    /** @param mixed $v */
    public function set(string $key, $v, string $raw = ''): void
    {
        $this->m['k' . $key] = $v;
        $this->raw['k' . $key] = $raw;
    }

    public function has(string $key): bool
    {
        return array_key_exists('k' . $key, $this->m);
    }

    /** @return mixed null when absent */
    public function get(string $key)
    {
        return $this->m['k' . $key] ?? null;
    }

    /** The member's exact source text, or null when absent or built in PHP. */
    public function raw(string $key): ?string
    {
        return $this->raw['k' . $key] ?? null;
    }

    /** @return \Generator<string, mixed> */
    public function members(): \Generator
    {
        foreach ($this->m as $k => $v) {
            yield substr((string) $k, 1) => $v;
        }
    }

    public function count(): int
    {
        return count($this->m);
    }
}
