<?php

declare(strict_types=1);

namespace Everifin\Webhook;

/**
 * What to do with an event given the order's stored state, and the state to store afterwards.
 */
final class Decision
{
    public const APPLY = 'apply';
    public const SKIP = 'skip';

    /** "apply" or "skip" */
    public readonly string $action;
    /** first | newer | duplicate | stale | regression | unchanged */
    public readonly string $reason;
    /** @var array<string, mixed> the new state (JSON objects nested in unknown keys decode as \stdClass) */
    public readonly array $state;
    /** The new state as JSON text: store this (or $state) with the order. */
    public readonly string $stateJson;

    /**
     * @param array<string, mixed> $state
     * @internal built by the binding from a result
     */
    public function __construct(string $action, string $reason, array $state, string $stateJson)
    {
        $this->action = $action;
        $this->reason = $reason;
        $this->state = $state;
        $this->stateJson = $stateJson;
    }

    public function shouldApply(): bool
    {
        return $this->action === self::APPLY;
    }

    /** @return array{action: string, reason: string, state: array<string, mixed>} */
    public function toArray(): array
    {
        return ['action' => $this->action, 'reason' => $this->reason, 'state' => $this->state];
    }
}
