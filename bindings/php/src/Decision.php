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
    /**
     * apply: first | newer; skip: duplicate | stale | regression | unchanged | same_timestamp |
     * no_outcome | already_paid | recorded (docs/behaviour.md section 6)
     */
    public readonly string $reason;
    /**
     * The order's outcome after this event (paid, refunded, failed, pending, unknown, ...), derived
     * from every payment, refund and order-level status of the order: a late failure of another
     * payment attempt never un-pays it.
     */
    public readonly string $orderOutcome;
    /** @var array<string, ?string> the shop state per platform for $orderOutcome (null: leave the order) */
    public readonly array $suggested;
    /** @var array<string, mixed> the new state (JSON objects nested in unknown keys decode as \stdClass) */
    public readonly array $state;
    /** The new state as JSON text: store this (or $state) with the order. */
    public readonly string $stateJson;

    /**
     * @param array<string, mixed> $state
     * @param array<string, ?string> $suggested
     * @internal built by the binding from a result
     */
    public function __construct(string $action, string $reason, array $state, string $stateJson,
                                string $orderOutcome = 'unknown', array $suggested = [])
    {
        $this->action = $action;
        $this->reason = $reason;
        $this->state = $state;
        $this->stateJson = $stateJson;
        $this->orderOutcome = $orderOutcome;
        $this->suggested = $suggested;
    }

    /** The shop state $platform suggests for the order's outcome (null: leave the order as it is). */
    public function suggestedFor(string $platform): ?string
    {
        return $this->suggested[$platform] ?? null;
    }

    public function shouldApply(): bool
    {
        return $this->action === self::APPLY;
    }

    /** @return array{action: string, reason: string, orderOutcome: string, suggested: array<string, ?string>, state: array<string, mixed>} */
    public function toArray(): array
    {
        return ['action' => $this->action, 'reason' => $this->reason, 'orderOutcome' => $this->orderOutcome,
                'suggested' => $this->suggested, 'state' => $this->state];
    }
}
