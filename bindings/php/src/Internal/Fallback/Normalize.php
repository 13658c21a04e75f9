<?php

declare(strict_types=1);

namespace Everifin\Webhook\Internal\Fallback;

use Everifin\Webhook\Status;

/**
 * src/normalize.rs: the parsed body's fields -> the schema-1 event: required fields and their
 * legacy fallbacks, UUIDs, the timestamp, the entity, the outcome, the suggested states.
 *
 * @internal
 */
final class Normalize
{
    private const KNOWN_TYPES = ['payment.statusChange' => true, 'payment.statusCheck' => true, 'order.statusChange' => true];

    private function __construct()
    {
    }

    /** The event's keys in the schema's order, without hookData (after reasonCode). */
    public const KEYS = [
        'schemaVersion', 'eventId', 'eventType', 'eventTimestamp', 'eventTimestampMs', 'entity', 'entityId', 'paymentId',
        'refundId', 'orderId', 'instructionId', 'externalId', 'status', 'statusKnown', 'final', 'outcome', 'reasonCode',
        'legacyFields', 'suggested',
    ];

    /**
     * normalize::normalize_body: body bytes -> the normalized event (its values in the order of
     * {@see KEYS}, which is also the order of Event's constructor) and hookData's exact text
     * (null when absent).
     *
     * @return array{0: list<mixed>, 1: ?string}
     * @throws Failure
     */
    public static function body(string $body, Options $o): array
    {
        [$event, $hook, $reencoded] = self::parts($body, $o);
        return [$event, $hook === null ? null : Parse::hookDataText($body, $hook, $reencoded)];
    }

    /**
     * body() without finding hookData's text: the event's values, hookData as decoded with the
     * body (null when absent) and as written again by ext/json, for Parse::hookDataText().
     *
     * @return array{0: list<mixed>, 1: mixed, 2: string|false|null}
     * @throws Failure
     */
    public static function parts(string $body, Options $o): array
    {
        [$root, $assoc, $reencoded] = Parse::body($body);
        [$event, $hook] = self::fields($root, $o, $assoc);
        return [$event, $hook, $reencoded];
    }

    /**
     * @param \stdClass $f the body's top-level members
     * @return array{0: list<mixed>, 1: mixed} the event's values (KEYS), the decoded hookData
     * @throws Failure EVENT_INVALID
     * @internal public for PhpBackend::processEvent (parts() without one step)
     */
    public static function fields(\stdClass $f, Options $o, bool $assoc): array
    {
        // Each field: the usual value checked inline, anything else by the helper that names the fault.
        $eventId = $f->eventId ?? null;
        $eventId = is_string($eventId) && strlen($eventId) === 36 && preg_match(Constants::UUID_RE, $eventId) ? strtolower($eventId) : self::uuidField($f, 'eventId', 'eventId');
        if ($eventId === null) {
            throw new Failure(Status::EVENT_INVALID, 'eventId is required', 'eventId');
        }
        $eventType = $f->eventType ?? null;
        $usual = true; // eventType and eventTimestamp under their own keys
        if (!is_string($eventType) || $eventType === '') {
            [$eventType] = self::withFallback($f, 'eventType', 'hookType');
            $usual = false;
        }
        $tsText = $f->eventTimestamp ?? null;
        $tsName = 'eventTimestamp';
        if (!is_string($tsText) || $tsText === '') {
            [$tsText, $tsName] = self::withFallback($f, 'eventTimestamp', 'timestamp');
            $usual = false;
        }
        $tsMs = Timestamp::parseMs($tsText);
        if ($tsMs === null) {
            throw new Failure(Status::EVENT_INVALID, sprintf('%s %s is not an RFC 3339 UTC date-time like 2024-01-09T13:08:48.069Z', $tsName, JsonWriter::string(Text::truncate($tsText, 40))), $tsName);
        }
        $data = $f->data ?? null;
        if ($data === null) {
            throw new Failure(Status::EVENT_INVALID, 'data is required', 'data');
        }
        if ($assoc && is_array($data) && ($data === [] || !array_is_list($data))) {
            $data = (object) $data; // decoded with objects as arrays (a key starting with NUL)
        }
        if (!$data instanceof \stdClass) {
            throw new Failure(Status::EVENT_INVALID, 'data must be an object', 'data');
        }
        $paymentId = $data->paymentId ?? null;
        $paymentId = is_string($paymentId) && strlen($paymentId) === 36 && preg_match(Constants::UUID_RE, $paymentId) ? strtolower($paymentId) : ($paymentId === null ? null : self::uuidField($data, 'paymentId', 'data.paymentId'));
        $refundId = $data->refundId ?? null;
        $refundId = is_string($refundId) && strlen($refundId) === 36 && preg_match(Constants::UUID_RE, $refundId) ? strtolower($refundId) : ($refundId === null ? null : self::uuidField($data, 'refundId', 'data.refundId'));
        $orderId = $data->orderId ?? null;
        $orderId = is_string($orderId) && strlen($orderId) === 36 && preg_match(Constants::UUID_RE, $orderId) ? strtolower($orderId) : ($orderId === null ? null : self::uuidField($data, 'orderId', 'data.orderId'));
        $instructionId = $data->instructionId ?? null;
        if ($instructionId !== null && !is_string($instructionId)) {
            self::stringField($data, 'instructionId', 'data.instructionId', false);
        }
        $externalId = $data->externalId ?? null;
        if ($externalId !== null && !is_string($externalId)) {
            self::stringField($data, 'externalId', 'data.externalId', false);
        }
        $status = $data->status ?? null;
        if ($status !== null && (!is_string($status) || $status === '')) {
            self::stringField($data, 'status', 'data.status', true);
        }
        $reasonCode = $data->reasonCode ?? null;
        if ($reasonCode !== null && !is_string($reasonCode)) {
            self::stringField($data, 'reasonCode', 'data.reasonCode', false);
        }

        $knownType = isset(self::KNOWN_TYPES[$eventType]);
        if ($eventType === 'payment.statusChange' || $eventType === 'payment.statusCheck') {
            if ($paymentId === null && $refundId === null) {
                throw new Failure(Status::EVENT_INVALID, sprintf('a %s event needs data.paymentId or data.refundId', $eventType), 'data.paymentId');
            }
            if ($paymentId !== null && $refundId !== null) {
                throw new Failure(Status::EVENT_INVALID, 'data has both paymentId and refundId; exactly one is expected', 'data.refundId');
            }
            $entity = $refundId !== null ? 'refund' : 'payment';
        } elseif ($eventType === 'order.statusChange') {
            if ($orderId === null) {
                throw new Failure(Status::EVENT_INVALID, 'an order.statusChange event needs data.orderId', 'data.orderId');
            }
            $entity = 'order';
        } elseif ($refundId !== null) {
            $entity = 'refund';
        } elseif ($paymentId !== null) {
            $entity = 'payment';
        } elseif ($orderId !== null) {
            $entity = 'order';
        } else {
            $entity = 'unknown';
        }
        if ($status === null && $knownType && str_ends_with($eventType, '.statusChange')) {
            throw new Failure(Status::EVENT_INVALID, sprintf('a %s event needs data.status', $eventType), 'data.status');
        }
        $class = ($status !== null && $knownType) ? Outcome::classify($entity, $status, $o->confirmedIsPaid) : null;
        [$final, $outcome] = $class ?? [false, 'unknown'];
        return [[
            1,
            $eventId,
            $eventType,
            // Timestamp::isCanonical($tsText), written out.
            strlen($tsText) === 24 && $tsText[19] === '.' && $tsText[23] === 'Z' ? $tsText : Timestamp::formatMs($tsMs),
            $tsMs,
            $entity,
            $entity === 'payment' ? $paymentId : ($entity === 'refund' ? $refundId : ($entity === 'order' ? $orderId : null)),
            $paymentId,
            $refundId,
            $orderId,
            $instructionId,
            $externalId,
            $status,
            $class !== null,
            $final,
            $outcome,
            $reasonCode,
            // Four members that are eventId, eventType, eventTimestamp and data leave no room for a legacy one.
            ($usual && count((array) $f) === 4) ? false : (property_exists($f, 'clientId') || property_exists($f, 'hookType') || property_exists($f, 'timestamp')),
            $o->suggestedFor($outcome),
        ], $data->hookData ?? null];
    }

    /**
     * The event's JSON as the core writes it, with hookData's text as received.
     *
     * @param list<mixed> $event the values of {@see KEYS}
     */
    public static function json(array $event, ?string $hookDataText): string
    {
        $e = new \stdClass();
        foreach (self::KEYS as $i => $key) {
            if ($key === 'legacyFields') {
                $e->hookData = $hookDataText === null ? null : new JsonRaw($hookDataText);
            }
            $e->$key = $event[$i];
        }
        $suggested = new \stdClass();
        foreach ($e->suggested as $platform => $state) {
            $suggested->{(string) $platform} = $state;
        }
        $e->suggested = $suggested;
        return JsonWriter::compact($e);
    }

    private static function stringField(\stdClass $fields, string $key, string $name, bool $nonEmpty): ?string
    {
        $v = $fields->$key ?? null;
        if ($v === null) {
            return null;
        }
        if (!is_string($v)) {
            throw new Failure(Status::EVENT_INVALID, $name . ' must be a string', $name);
        }
        if ($nonEmpty && $v === '') {
            throw new Failure(Status::EVENT_INVALID, $name . ' must not be empty', $name);
        }
        return $v;
    }

    private static function uuidField(\stdClass $fields, string $key, string $name): ?string
    {
        $s = self::stringField($fields, $key, $name, false);
        if ($s === null) {
            return null;
        }
        if (!preg_match(Constants::UUID_RE, $s)) {
            throw new Failure(Status::EVENT_INVALID, sprintf('%s must be a UUID like 4e896aa3-bbba-4a75-a888-06bcfe403c99, got %s', $name, JsonWriter::string(Text::truncate($s, 40))), $name);
        }
        return strtolower($s);
    }

    /** @return array{0: string, 1: string} the value and the field it came from */
    private static function withFallback(\stdClass $fields, string $key, string $legacy): array
    {
        $name = (($fields->$key ?? null) === null && ($fields->$legacy ?? null) !== null) ? $legacy : $key;
        $v = self::stringField($fields, $name, $name, true);
        if ($v === null) {
            throw new Failure(Status::EVENT_INVALID, $name . ' is required', $name);
        }
        return [$v, $name];
    }
}
