<?php

declare(strict_types=1);

namespace Everifin\Webhook;

/**
 * The normalized event (schema version 1, docs/design.md), read-only.
 *
 * `hookData` is the shop's custom data decoded with JSON objects as \stdClass (so `{}` and `[]`
 * stay distinct); `hookDataJson` is its exact JSON text as it appeared in the body.
 */
final class Event implements \JsonSerializable
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
    /** The event's JSON (what decide() is given): compact, with hookData as received. Made when first read. */
    public readonly string $json;

    /** @var string|null the event's JSON, made on first read of $json */
    private ?string $hookSource = null;

    /**
     * @param array<string, mixed>|\stdClass $e the event with hookData already decoded (array), or
     *        a decoded result's event whose hookData is given as $hookDataJson (object)
     * @param string|null $json the event's JSON; null: made from the rest when first read
     * @internal built by the binding from a result
     */
    public function __construct(array|\stdClass $e, ?string $hookDataJson, ?string $json = null, ?Signature $signature = null)
    {
        if ($e instanceof \stdClass || $json === null) {
            $this->init((object) $e, $hookDataJson, $signature);
            return;
        }
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

    /**
     * From a decoded result's event (its hookData cut out as raw text): `hookData` is decoded and
     * `json` written only when read.
     */
    private function init(\stdClass $e, ?string $hookDataJson, ?Signature $signature): void
    {
        $this->schemaVersion = (int) $e->schemaVersion;
        $this->eventId = (string) $e->eventId;
        $this->eventType = (string) $e->eventType;
        $this->eventTimestamp = (string) $e->eventTimestamp;
        $this->eventTimestampMs = (int) $e->eventTimestampMs;
        $this->entity = (string) $e->entity;
        $this->entityId = $e->entityId;
        $this->paymentId = $e->paymentId;
        $this->refundId = $e->refundId;
        $this->orderId = $e->orderId;
        $this->instructionId = $e->instructionId;
        $this->externalId = $e->externalId;
        $this->status = $e->status;
        $this->statusKnown = (bool) $e->statusKnown;
        $this->final = (bool) $e->final;
        $this->outcome = (string) $e->outcome;
        $this->reasonCode = $e->reasonCode;
        $this->hookDataJson = $hookDataJson;
        $this->legacyFields = (bool) $e->legacyFields;
        $this->suggested = (array) $e->suggested;
        $this->signature = $signature;
        $this->hookSource = $hookDataJson;
        if ($hookDataJson === null) {
            $this->hookData = null;
        } else {
            unset($this->hookData);
        }
        unset($this->json);
    }

    /** @return mixed the lazily made $hookData and $json */
    public function __get(string $name)
    {
        if ($name === 'hookData') {
            $this->hookData = self::decodeHookData((string) $this->hookSource);
            return $this->hookData;
        }
        if ($name === 'json') {
            $a = $this->toArray();
            $a['hookData'] = null;
            $json = json_encode($a, JSON_UNESCAPED_SLASHES | JSON_UNESCAPED_UNICODE | JSON_UNESCAPED_LINE_TERMINATORS | JSON_PRESERVE_ZERO_FRACTION);
            if ($this->hookDataJson !== null) {
                $json = str_replace('"hookData":null,"legacyFields":', '"hookData":' . $this->hookDataJson . ',"legacyFields":', (string) $json);
            }
            $this->json = (string) $json;
            return $this->json;
        }
        trigger_error('Undefined property: ' . self::class . '::$' . $name, E_USER_WARNING);
        return null;
    }

    public function __isset(string $name): bool
    {
        return ($name === 'hookData' && $this->hookDataJson !== null) || $name === 'json';
    }

    /** @return array<string, mixed> every property, the lazy ones made (json_encode($event)) */
    public function jsonSerialize(): array
    {
        return $this->toArray() + ['hookDataJson' => $this->hookDataJson, 'signature' => $this->signature?->toArray(), 'json' => $this->json];
    }

    /** @return array<string, mixed> every property, the lazy ones made (var_dump, print_r) */
    public function __debugInfo(): array
    {
        return $this->toArray() + ['hookDataJson' => $this->hookDataJson, 'signature' => $this->signature, 'json' => $this->json];
    }

    /** @return mixed hookData with objects as \stdClass, so that {} and [] stay distinct */
    private static function decodeHookData(string $json)
    {
        $v = json_decode($json, false, 512);
        if ($v === null && json_last_error() === JSON_ERROR_INVALID_PROPERTY_NAME) {
            // A key starting with NUL cannot be an object property: objects as arrays.
            $v = json_decode($json, true, 512);
        }
        return $v;
    }

    /** The suggested shop state for a platform ("woocommerce", "prestashop", ...), null to leave the order as it is. */
    public function suggestedFor(string $platform): ?string
    {
        return $this->suggested[$platform] ?? null;
    }

    /**
     * The normalized event with the keys of docs/design.md, in its order.
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
