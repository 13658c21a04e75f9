<?php

declare(strict_types=1);

namespace Everifin\Webhook;

use Everifin\Webhook\Exception\WebhookException;
use Everifin\Webhook\Internal\Fallback\Parse;
use Everifin\Webhook\Internal\Results;

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

    /**
     * The text the lazy properties are read from (null: every property given): the object
     * result, or the body (a compact result, and the pure-PHP backend)
     */
    private ?string $result = null;
    /** hookData's place in $result (length 0: none; -1: found in the body when read) */
    private int $hookAt = 0;
    private int $hookLength = 0;
    /**
     * @var array{timestamp: string, key: string, secretIndex: int, ageMs: int}|list<mixed>|null the
     *      signature, made into a Signature when first read: keyed (the pure-PHP backend), or a
     *      whole compact result, whose members 1 to 4 are timestamp, key, secretIndex and ageMs
     */
    private ?array $signatureInfo = null;
    /** @var mixed hookData as decoded with the body, when $result is the body ($hookLength -1) */
    private mixed $hookValue = null;
    /** @var string|false|null $hookValue written again by ext/json (Parse::hookDataText) */
    private string|false|null $reencoded = null;

    /**
     * @param array<string, ?string> $suggested
     * @param Signature|array{timestamp: string, key: string, secretIndex: int, ageMs: int}|list<mixed>|null $signature
     *        an array (keyed, or a whole compact result, checked by its reader) is made into a
     *        Signature when first read
     * @param string|null $result the result text (or, for a compact result, the body) the event
     *        was read from: then hookDataJson is the $hookLength bytes at $hookAt (none when 0),
     *        read when first asked. With $hookLength -1, $result is the body and hookDataJson
     *        is found in it when first read, from $hookValue (hookData decoded with the body) and
     *        $reencoded (the pure-PHP backend)
     * @internal built by the binding from a result; `hookData`, `json` (and `hookDataJson` and
     *           `signature` when read from a result) are made when first read. The parameters
     *           are untyped: each goes into the typed property of its name, which checks it (a
     *           second check per argument costs about 5% of building an Event).
     */
    public function __construct(
        $schemaVersion,
        $eventId,
        $eventType,
        $eventTimestamp,
        $eventTimestampMs,
        $entity,
        $entityId,
        $paymentId,
        $refundId,
        $orderId,
        $instructionId,
        $externalId,
        $status,
        $statusKnown,
        $final,
        $outcome,
        $reasonCode,
        $legacyFields,
        $suggested,
        $signature,
        $hookDataJson,
        $result = null,
        $hookAt = 0,
        $hookLength = 0,
        $hookValue = null,
        $reencoded = null
    ) {
        $this->schemaVersion = $schemaVersion;
        $this->eventId = $eventId;
        $this->eventType = $eventType;
        $this->eventTimestamp = $eventTimestamp;
        $this->eventTimestampMs = $eventTimestampMs;
        $this->entity = $entity;
        $this->entityId = $entityId;
        $this->paymentId = $paymentId;
        $this->refundId = $refundId;
        $this->orderId = $orderId;
        $this->instructionId = $instructionId;
        $this->externalId = $externalId;
        $this->status = $status;
        $this->statusKnown = $statusKnown;
        $this->final = $final;
        $this->outcome = $outcome;
        $this->reasonCode = $reasonCode;
        $this->legacyFields = $legacyFields;
        $this->suggested = $suggested;
        if ($result === null) {
            $this->hookDataJson = $hookDataJson;
            $hasHook = $hookDataJson !== null;
        } else {
            $this->result = $result;
            $hasHook = $hookLength !== 0;
            if ($hasHook) {
                $this->hookAt = $hookAt;
                $this->hookLength = $hookLength;
                if ($hookLength < 0) {
                    $this->hookValue = $hookValue;
                    $this->reencoded = $reencoded;
                }
                unset($this->hookDataJson);
            } else {
                $this->hookDataJson = null;
            }
        }
        if (\is_array($signature)) { // \is_array(): an opcode, not a call
            $this->signatureInfo = $signature;
            unset($this->signature);
        } else {
            $this->signature = $signature;
        }
        if ($hasHook) {
            unset($this->hookData);
        } else {
            $this->hookData = null;
        }
        unset($this->json);
    }

    /**
     * From a normalized event object (a decoded result's event, or the fallback's) and hookData's
     * exact text.
     *
     * @internal
     */
    public static function fromObject(\stdClass $e, ?string $hookDataJson, ?Signature $signature): self
    {
        return new self(
            (int) $e->schemaVersion,
            (string) $e->eventId,
            (string) $e->eventType,
            (string) $e->eventTimestamp,
            (int) $e->eventTimestampMs,
            (string) $e->entity,
            $e->entityId,
            $e->paymentId,
            $e->refundId,
            $e->orderId,
            $e->instructionId,
            $e->externalId,
            $e->status,
            (bool) $e->statusKnown,
            (bool) $e->final,
            (string) $e->outcome,
            $e->reasonCode,
            (bool) $e->legacyFields,
            (array) $e->suggested,
            $signature,
            $hookDataJson
        );
    }

    /**
     * A compact process result's event (docs/design.md, "Compact process result"), decoded with
     * ext/json; $body: the body the call was given, which hookData is the range [$v[22], +$v[23])
     * of. Results::event() and FfiBackend::processEvent() (every request's path) call it.
     *
     * @throws WebhookException INTERNAL when the result is not what the library writes
     * @internal
     */
    public static function fromCompact(string $json, string $body): self
    {
        // Depth 3: the array, "suggested", its strings and nulls. Internal functions named with
        // their namespace: \count(), \is_array(), \is_string(), \is_int() and \strlen() compile to
        // opcodes instead of being looked for in this namespace first at run time.
        $v = \json_decode($json, true, 3);
        // The signature (members 1 to 4) is made from $v when first read: its types are checked
        // here, so that reading it cannot fail later.
        if (!\is_array($v) || \count($v) !== 25 || $v[0] !== 1 || !\is_array($v[24])
            || !\is_string($v[1]) || !\is_string($v[2]) || !\is_int($v[3]) || !\is_int($v[4])) {
            throw WebhookException::forStatus(Status::INTERNAL, 'the backend returned an unreadable result');
        }
        $hookAt = (int) $v[22];
        $hookLength = (int) $v[23];
        if ($hookAt < 0 || $hookLength < 0 || $hookAt + $hookLength > \strlen($body)) {
            throw WebhookException::forStatus(Status::INTERNAL, 'the backend returned a hookData range outside the body');
        }
        // Each member goes into the typed property of its name, which checks its type. `new self`
        // here: PHP knows the constructor when it compiles this call and passes each member
        // directly, not through the by-reference checks of a call to an unknown constructor.
        return new self(
            1, $v[5], $v[6], $v[7], $v[8], $v[9], $v[10], $v[11], $v[12], $v[13], $v[14], $v[15], $v[16],
            $v[17], $v[18], $v[19], $v[20], $v[21], $v[24], $v, null, $body, $hookAt, $hookLength
        );
    }

    /** @return mixed the lazily made $hookData and $json */
    public function __get(string $name)
    {
        if ($name === 'hookData') {
            $this->hookData = self::decodeHookData((string) $this->hookDataJson);
            return $this->hookData;
        }
        if ($name === 'hookDataJson') {
            $this->hookDataJson = $this->hookLength < 0
                ? Parse::hookDataText((string) $this->result, $this->hookValue, $this->reencoded)
                : substr((string) $this->result, $this->hookAt, $this->hookLength);
            $this->hookValue = $this->reencoded = null;
            return $this->hookDataJson;
        }
        if ($name === 'signature') {
            $i = $this->signatureInfo;
            $this->signature = match (true) {
                $i === null => null,
                isset($i['timestamp']) => new Signature($i['timestamp'], $i['key'], $i['secretIndex'], $i['ageMs']),
                default => new Signature($i[1], $i[2], $i[3], $i[4]), // a compact result
            };
            return $this->signature;
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
        // Called for the lazy properties not made yet, which are then never null.
        return $name === 'hookData' || $name === 'hookDataJson' || $name === 'json' || $name === 'signature';
    }

    /** @return array<string, mixed> every property, the lazy ones made (json_encode($event)) */
    public function jsonSerialize(): array
    {
        return $this->toArray() + ['hookDataJson' => $this->hookDataJson, 'signature' => $this->signature?->toArray(), 'json' => $this->json];
    }

    /**
     * Every public property, the lazy ones made: an unserialized Event has them all (and no longer
     * needs the text they were read from).
     *
     * @return array<string, mixed>
     */
    public function __serialize(): array
    {
        return $this->toArray() + ['hookDataJson' => $this->hookDataJson, 'signature' => $this->signature, 'json' => $this->json];
    }

    /** @param array<string, mixed> $data what __serialize() gave */
    public function __unserialize(array $data): void
    {
        foreach (self::SERIALIZED as $name) {
            $this->$name = $data[$name] ?? null;
        }
    }

    private const SERIALIZED = [
        'schemaVersion', 'eventId', 'eventType', 'eventTimestamp', 'eventTimestampMs', 'entity', 'entityId', 'paymentId',
        'refundId', 'orderId', 'instructionId', 'externalId', 'status', 'statusKnown', 'final', 'outcome', 'reasonCode',
        'hookData', 'legacyFields', 'suggested', 'hookDataJson', 'signature', 'json',
    ];

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
