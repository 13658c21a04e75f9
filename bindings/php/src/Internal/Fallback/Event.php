<?php

declare(strict_types=1);

namespace Everifin\Webhook\Internal\Fallback;

use Everifin\Webhook\Status;

/**
 * src/event.rs: the body's checks (UTF-8, the strictness of the core's JSON, nesting depth), its
 * fields, and the normalized event of schema version 1.
 *
 * The body is decoded by ext/json; what ext/json lets through and the core refuses (a number
 * beyond the float range) is checked on the decoded value. hookData is passed through as the
 * exact text of the body: its span is found by {@see hookDataText()}.
 *
 * @internal
 */
final class Event
{
    private const KNOWN_TYPES = ['payment.statusChange' => true, 'payment.statusCheck' => true, 'order.statusChange' => true];

    private function __construct()
    {
    }

    /**
     * Body bytes -> the normalized event (an object with the keys of the schema, hookData as
     * null) and hookData's exact text (null when absent).
     *
     * @return array{0: \stdClass, 1: ?string}
     * @throws Failure
     */
    public static function parse(string $body, Options $o): array
    {
        if (!preg_match('//u', $body)) {
            throw new Failure(Status::BODY_NOT_UTF8, sprintf('the body is not valid UTF-8 (invalid byte at offset %d)', self::validUpTo($body)));
        }
        [$ok, $root, $error, $assoc] = Constants::decode($body, Constants::MAX_JSON_DEPTH + 1);
        if (!$ok) {
            switch ($error) {
                case 'too deep':
                    $what = sprintf('nests arrays/objects deeper than %d levels', Constants::MAX_JSON_DEPTH);
                    break;
                case 'number out of range':
                    $what = 'has a number beyond the range of a 64-bit float';
                    break;
                default:
                    $what = json_last_error() === JSON_ERROR_UTF16 ? 'has a \\u escape of a lone UTF-16 surrogate' : 'is not JSON: ' . $error;
            }
            throw new Failure(Status::BODY_NOT_JSON, 'the body ' . $what);
        }
        if ($assoc && is_array($root) && ($root === [] || !array_is_list($root))) {
            $root = (object) $root; // decoded with objects as arrays (a key starting with NUL)
        }
        if (!$root instanceof \stdClass) {
            throw new Failure(Status::EVENT_INVALID, 'the body must be a JSON object (an Everifin event)', '');
        }
        $event = self::normalize($root, $o, $assoc);
        $hook = $event->hookData;
        $event->hookData = null;
        return [$event, $hook === null ? null : self::hookDataText($body, $hook)];
    }

    /**
     * @param \stdClass $f the body's top-level members
     * @throws Failure EVENT_INVALID
     */
    private static function normalize(\stdClass $f, Options $o, bool $assoc): \stdClass
    {
        $eventId = self::uuidField($f, 'eventId', 'eventId');
        if ($eventId === null) {
            throw new Failure(Status::EVENT_INVALID, 'eventId is required', 'eventId');
        }
        [$eventType] = self::withFallback($f, 'eventType', 'hookType');
        [$tsText, $tsName] = self::withFallback($f, 'eventTimestamp', 'timestamp');
        $tsMs = Timestamp::parseMs($tsText);
        if ($tsMs === null) {
            throw new Failure(Status::EVENT_INVALID, sprintf('%s %s is not an RFC 3339 UTC date-time like 2024-01-09T13:08:48.069Z', $tsName, JsonWriter::string(Constants::truncate($tsText, 40))), $tsName);
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
        $paymentId = self::uuidField($data, 'paymentId', 'data.paymentId');
        $refundId = self::uuidField($data, 'refundId', 'data.refundId');
        $orderId = self::uuidField($data, 'orderId', 'data.orderId');
        $instructionId = self::stringField($data, 'instructionId', 'data.instructionId', false);
        $externalId = self::stringField($data, 'externalId', 'data.externalId', false);
        $status = self::stringField($data, 'status', 'data.status', true);
        $reasonCode = self::stringField($data, 'reasonCode', 'data.reasonCode', false);

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
        $class = ($status !== null && $knownType) ? self::classify($entity, $status, $o->confirmedIsPaid) : null;
        [$final, $outcome] = $class ?? [false, 'unknown'];
        $suggested = [];
        foreach ($o->suggested as $platform => $row) {
            $suggested[$platform] = $row[$outcome];
        }
        $e = new \stdClass();
        $e->schemaVersion = 1;
        $e->eventId = $eventId;
        $e->eventType = $eventType;
        $e->eventTimestamp = Timestamp::formatMs($tsMs);
        $e->eventTimestampMs = $tsMs;
        $e->entity = $entity;
        $e->entityId = ['payment' => $paymentId, 'refund' => $refundId, 'order' => $orderId, 'unknown' => null][$entity];
        $e->paymentId = $paymentId;
        $e->refundId = $refundId;
        $e->orderId = $orderId;
        $e->instructionId = $instructionId;
        $e->externalId = $externalId;
        $e->status = $status;
        $e->statusKnown = $class !== null;
        $e->final = $final;
        $e->outcome = $outcome;
        $e->reasonCode = $reasonCode;
        $e->hookData = $data->hookData ?? null;
        $e->legacyFields = property_exists($f, 'clientId') || property_exists($f, 'hookType') || property_exists($f, 'timestamp');
        $e->suggested = $suggested;
        return $e;
    }

    /** The event's JSON as the core writes it, with hookData's text as received. */
    public static function json(\stdClass $event, ?string $hookDataText): string
    {
        $e = clone $event;
        $e->hookData = $hookDataText === null ? null : new JsonRaw($hookDataText);
        $suggested = new \stdClass();
        foreach ($event->suggested as $platform => $state) {
            $suggested->{(string) $platform} = $state;
        }
        $e->suggested = $suggested;
        return JsonWriter::compact($e);
    }

    /** @return array{0: bool, 1: string}|null [final, outcome] for a known status (event::classify) */
    public static function classify(string $entity, string $status, bool $confirmedIsPaid): ?array
    {
        switch ($entity) {
            case 'payment':
                switch ($status) {
                    case 'CREATED':
                    case 'SEEN':
                    case 'PROCESSING':
                        return [false, 'pending'];
                    case 'CONFIRMED':
                        return [false, $confirmedIsPaid ? 'paid' : 'authorized'];
                    case 'BOOKED':
                    case 'FINISHED':
                        return [true, 'paid'];
                    case 'FAILED':
                    case 'REJECTED':
                        return [true, 'failed'];
                    case 'EXPIRED':
                        return [true, 'expired'];
                    case 'WITHDRAWN':
                        return [true, 'withdrawn'];
                    case 'PROCESSING_EXPIRED':
                        return [true, 'review'];
                }
                return null;
            case 'refund':
                switch ($status) {
                    case 'CREATED':
                    case 'SEEN':
                    case 'PROCESSING':
                    case 'CONFIRMED':
                        return [false, 'refund_pending'];
                    case 'BOOKED':
                    case 'FINISHED':
                        return [true, 'refunded'];
                    case 'FAILED':
                    case 'REJECTED':
                    case 'EXPIRED':
                    case 'WITHDRAWN':
                    case 'PROCESSING_EXPIRED':
                        return [true, 'refund_failed'];
                }
                return null;
            case 'order':
                switch ($status) {
                    case 'UNPAID':
                        return [false, 'pending'];
                    case 'PARTIALLY_PAID':
                        return [false, 'partially_paid'];
                    case 'PAID':
                        return [true, 'paid'];
                }
                return null;
        }
        return null;
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
            throw new Failure(Status::EVENT_INVALID, sprintf('%s must be a UUID like 4e896aa3-bbba-4a75-a888-06bcfe403c99, got %s', $name, JsonWriter::string(Constants::truncate($s, 40))), $name);
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

    /** Where invalid UTF-8 starts (Utf8Error::valid_up_to), for the message. */
    private static function validUpTo(string $s): int
    {
        $i = 0;
        $n = strlen($s);
        while ($i < $n) {
            $i += strspn($s, implode('', array_map('chr', range(0, 127))), $i);
            if ($i >= $n) {
                break;
            }
            $c = ord($s[$i]);
            [$len, $lo, $hi] = $c >= 0xC2 && $c <= 0xDF ? [2, 0x80, 0xBF]
                : ($c === 0xE0 ? [3, 0xA0, 0xBF] : ($c === 0xED ? [3, 0x80, 0x9F] : ($c >= 0xE1 && $c <= 0xEF ? [3, 0x80, 0xBF]
                : ($c === 0xF0 ? [4, 0x90, 0xBF] : ($c === 0xF4 ? [4, 0x80, 0x8F] : ($c >= 0xF1 && $c <= 0xF3 ? [4, 0x80, 0xBF] : [0, 0, 0]))))));
            if ($len === 0 || $i + $len > $n) {
                return $i;
            }
            for ($k = 1; $k < $len; $k++) {
                $b = ord($s[$i + $k]);
                if ($k === 1 ? ($b < $lo || $b > $hi) : ($b < 0x80 || $b > 0xBF)) {
                    return $i;
                }
            }
            $i += $len;
        }
        return $n;
    }

    /**
     * hookData's exact text in the body (the core passes it through raw).
     *
     * The usual body spells every key plainly (no \u escape) and writes hookData as ext/json
     * does: then the decoded hookData, written again, is found once right after its key, and
     * that is its text. Otherwise the span is found by walking the body's top level and `data`
     * (last key wins, as in the core), skipping the other values.
     *
     * @param mixed $hook the decoded data.hookData
     */
    private static function hookDataText(string $body, $hook): string
    {
        $text = json_encode($hook, JSON_UNESCAPED_SLASHES | JSON_UNESCAPED_UNICODE | JSON_UNESCAPED_LINE_TERMINATORS | JSON_PRESERVE_ZERO_FRACTION, 512);
        if (is_string($text) && strpos($body, '\\u') === false && substr_count($body, '"hookData"') === 1) {
            $at = strpos($body, '"hookData"') + 10;
            $at += strspn($body, " \t\n\r", $at);
            if (($body[$at] ?? '') === ':') {
                $at += 1 + strspn($body, " \t\n\r", $at + 1);
                if (substr_compare($body, $text, $at, strlen($text)) === 0) {
                    $end = $at + strlen($text);
                    $next = $body[$end + strspn($body, " \t\n\r", $end)] ?? '';
                    if ($next === ',' || $next === '}') {
                        return $text;
                    }
                }
            }
        }
        [$start, $end] = self::hookDataSpan($body);
        return substr($body, $start, $end - $start);
    }

    /**
     * [start, end) of the last `data` member's last `hookData` value, in a body known to be a
     * valid JSON object.
     *
     * @return array{0: int, 1: int}
     */
    private static function hookDataSpan(string $b): array
    {
        $span = [0, 0];
        $i = self::ws($b, 0) + 1; // after the top-level "{"
        foreach (self::members($b, $i) as [$key, $at]) {
            if ($key === 'data') {
                $span = [0, 0];
                if ($b[$at] === '{') {
                    foreach (self::members($b, $at + 1) as [$inner, $valueAt]) {
                        if ($inner === 'hookData') {
                            $span = [$valueAt, self::skip($b, $valueAt)];
                        }
                    }
                }
            }
        }
        return $span;
    }

    /**
     * The members of the object whose "{" is just before $i: [key, value offset] each.
     *
     * @return \Generator<array{0: string, 1: int}>
     */
    private static function members(string $b, int $i): \Generator
    {
        $i = self::ws($b, $i);
        while (($b[$i] ?? '}') === '"') {
            $end = self::skipString($b, $i);
            $raw = substr($b, $i + 1, $end - $i - 2);
            $key = strpos($raw, '\\') === false ? $raw : (string) json_decode('"' . $raw . '"');
            $at = self::ws($b, self::ws($b, $end) + 1); // past ":"
            yield [$key, $at];
            $i = self::ws($b, self::skip($b, $at));
            if (($b[$i] ?? '}') !== ',') {
                return;
            }
            $i = self::ws($b, $i + 1);
        }
    }

    private static function ws(string $b, int $i): int
    {
        return $i + strspn($b, " \t\n\r", $i);
    }

    /** Past the value that starts at $i. */
    private static function skip(string $b, int $i): int
    {
        $c = $b[$i] ?? '';
        if ($c === '"') {
            return self::skipString($b, $i);
        }
        if ($c !== '{' && $c !== '[') {
            return $i + strcspn($b, ",}] \t\n\r", $i);
        }
        $depth = 0;
        $n = strlen($b);
        while ($i < $n) {
            $i += strcspn($b, '"{}[]', $i);
            $c = $b[$i] ?? '';
            if ($c === '"') {
                $i = self::skipString($b, $i);
                continue;
            }
            $depth += ($c === '{' || $c === '[') ? 1 : -1;
            $i++;
            if ($depth === 0) {
                return $i;
            }
        }
        return $n;
    }

    /** Past the string whose opening quote is at $i. */
    private static function skipString(string $b, int $i): int
    {
        $n = strlen($b);
        $i++;
        while ($i < $n) {
            $i += strcspn($b, '"\\', $i);
            if (($b[$i] ?? '"') === '"') {
                return $i + 1;
            }
            $i += 2;
        }
        return $n;
    }
}
