<?php

declare(strict_types=1);

namespace Everifin\Webhook;

/**
 * The normalized event (schema version 1, DESIGN.md), read-only.
 *
 * `hookData` is the shop's custom data decoded with JSON objects as \stdClass (so `{}` and `[]`
 * stay distinct); `hookDataJson` is its exact JSON text as it appeared in the body.
 */
final class Event
{
    public readonly int $schemaVersion;
    public readonly string $eventId;
    public readonly string $eventType;
    public readonly string $eventTimestamp;
    public readonly int $eventTimestampMs;
    /** payment | refund | order | unknown */
    public readonly string $entity;
    public readonly ?string $entityId;
    public readonly ?string $paymentId;
    public readonly ?string $refundId;
    public readonly ?string $orderId;
    public readonly ?string $instructionId;
    public readonly ?string $externalId;
    public readonly ?string $status;
    public readonly bool $statusKnown;
    public readonly bool $final;
    public readonly string $outcome;
    public readonly ?string $reasonCode;
    /** @var mixed */
    public readonly mixed $hookData;
    public readonly ?string $hookDataJson;
    public readonly bool $legacyFields;
    /** @var array<string, ?string> platform => suggested shop state (null: leave the order as it is) */
    public readonly array $suggested;
    /** Set by Verifier::verify(); null for normalize(). */
    public readonly ?Signature $signature;
    /** The event's JSON exactly as the backend produced it (what decide() is given). */
    public readonly string $json;

    /**
     * @param array<string, mixed> $e the event with hookData already decoded
     * @internal built by the binding from a result
     */
    public function __construct(array $e, ?string $hookDataJson, string $json, ?Signature $signature = null)
    {
        $this->schemaVersion = (int) $e['schemaVersion'];
        $this->eventId = (string) $e['eventId'];
        $this->eventType = (string) $e['eventType'];
        $this->eventTimestamp = (string) $e['eventTimestamp'];
        $this->eventTimestampMs = (int) $e['eventTimestampMs'];
        $this->entity = (string) $e['entity'];
        $this->entityId = $e['entityId'];
        $this->paymentId = $e['paymentId'];
        $this->refundId = $e['refundId'];
        $this->orderId = $e['orderId'];
        $this->instructionId = $e['instructionId'];
        $this->externalId = $e['externalId'];
        $this->status = $e['status'];
        $this->statusKnown = (bool) $e['statusKnown'];
        $this->final = (bool) $e['final'];
        $this->outcome = (string) $e['outcome'];
        $this->reasonCode = $e['reasonCode'];
        $this->hookData = $e['hookData'];
        $this->hookDataJson = $hookDataJson;
        $this->legacyFields = (bool) $e['legacyFields'];
        $this->suggested = $e['suggested'];
        $this->signature = $signature;
        $this->json = $json;
    }

    /** The suggested shop state for a platform ("woocommerce", "prestashop", ...), null to leave the order as it is. */
    public function suggestedFor(string $platform): ?string
    {
        return $this->suggested[$platform] ?? null;
    }

    /**
     * The normalized event with the keys of DESIGN.md, in its order.
     *
     * @return array<string, mixed>
     */
    public function toArray(): array
    {
        return [
            'schemaVersion' => $this->schemaVersion,
            'eventId' => $this->eventId,
            'eventType' => $this->eventType,
            'eventTimestamp' => $this->eventTimestamp,
            'eventTimestampMs' => $this->eventTimestampMs,
            'entity' => $this->entity,
            'entityId' => $this->entityId,
            'paymentId' => $this->paymentId,
            'refundId' => $this->refundId,
            'orderId' => $this->orderId,
            'instructionId' => $this->instructionId,
            'externalId' => $this->externalId,
            'status' => $this->status,
            'statusKnown' => $this->statusKnown,
            'final' => $this->final,
            'outcome' => $this->outcome,
            'reasonCode' => $this->reasonCode,
            'hookData' => $this->hookData,
            'legacyFields' => $this->legacyFields,
            'suggested' => $this->suggested,
        ];
    }
}
