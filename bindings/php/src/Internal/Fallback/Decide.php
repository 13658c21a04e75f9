<?php

declare(strict_types=1);

namespace Everifin\Webhook\Internal\Fallback;

use Everifin\Webhook\Status;

/**
 * src/decide/ (mod.rs, state.rs), self-contained: whether to apply an event to an order given the state stored
 * with it, the order's outcome, and the state to store afterwards (docs/behaviour.md section 6).
 *
 * The state tracks every entity of the order it has seen (payments, refunds, the order itself)
 * and derives the order's outcome from them, so that a paid order is never un-paid by a late or
 * foreign event. Its one entry point is {@see decide()}. The stored state's unknown keys are
 * written again as their exact source text.
 *
 * @internal
 */
final class Decide
{
    /** decide::MAX_ENTITIES */
    private const MAX_ENTITIES = 16;
    private const TOP = ['status', 'entity', 'entityId', 'outcome', 'final', 'lastEventId', 'lastEventTimestampMs',
        'recentEventIds'];
    private const KNOWN = ['status' => true, 'entity' => true, 'entityId' => true, 'outcome' => true, 'final' => true,
        'lastEventId' => true, 'lastEventTimestampMs' => true, 'recentEventIds' => true, 'orderOutcome' => true,
        'entities' => true];
    private const RECORD_KEYS = ['entity', 'entityId', 'status', 'outcome', 'final', 'lastEventTimestampMs'];
    private const REFUND_OUTCOMES = ['refund_pending' => true, 'refunded' => true, 'refund_failed' => true];
    private const MONEY = ['payment' => true, 'order' => true];
    /**
     * state.rs COMPACT_V1: the members of the compact process result of layout version 1
     * (docs/design.md "Compact process result"), each under its name in the object result.
     */
    private const COMPACT_V1 = ['layoutVersion', 'signature.timestamp', 'signature.key', 'signature.secretIndex',
        'signature.ageMs', 'eventId', 'eventType', 'eventTimestamp', 'eventTimestampMs', 'entity', 'entityId', 'paymentId',
        'refundId', 'orderId', 'instructionId', 'externalId', 'status', 'statusKnown', 'final', 'outcome', 'reasonCode',
        'legacyFields', 'hookDataOffset', 'hookDataLength', 'suggested'];

    private function __construct()
    {
    }

    /**
     * state.rs bound_records: at most MAX_ENTITIES records; while there are more, the first that
     * is neither paid nor refunded goes (else the first). In one pass: a stored state may hold
     * any number of records.
     *
     * @param list<array<string, mixed>> $records
     * @return list<array<string, mixed>>
     */
    private static function boundRecords(array $records): array
    {
        $excess = count($records) - self::MAX_ENTITIES;
        if ($excess <= 0) {
            return $records;
        }
        $drop = [];
        foreach ($records as $i => $r) {
            if (count($drop) === $excess) {
                break;
            }
            if ($r['outcome'] !== 'paid' && $r['outcome'] !== 'refunded') {
                $drop[$i] = true;
            }
        }
        // Every record left is paid or refunded: the first ones go.
        foreach ($records as $i => $r) {
            if (count($drop) === $excess) {
                break;
            }
            $drop[$i] ??= true;
        }
        return array_values(array_diff_key($records, $drop));
    }

    /**
     * decide::decide_json.
     *
     * @return array{0: string, 1: string, 2: string, 3: string, 4: string}
     *         [action, reason, new state JSON, orderOutcome, suggested JSON]
     * @throws Failure EVENT_INVALID or STATE_INVALID
     */
    public static function decide(string $eventJson, string $stateJson): array
    {
        $event = self::parseEvent($eventJson);
        $state = self::parseState($stateJson);
        [$action, $reason, $state] = self::rules($event, $state);
        $state['records'] = self::boundRecords($state['records']);
        $orderOutcome = self::orderOutcome($state['records']);
        if ($event['suggested'] !== null && $event['outcome'] === $orderOutcome) {
            $suggested = JsonWriter::compact($event['suggested']);
        } else {
            $key = in_array($orderOutcome, Outcome::ALL, true) ? $orderOutcome : 'unknown';
            $suggested = JsonWriter::compact((object) [
                'woocommerce' => Suggested::DEFAULTS['woocommerce'][$key],
                'prestashop' => Suggested::DEFAULTS['prestashop'][$key],
            ]);
        }
        return [$action, $reason, self::write($state, $orderOutcome), $orderOutcome, $suggested];
    }

    /**
     * The stored state from JSON text ('' = {}); objects nested in it are \stdClass.
     *
     * @return \stdClass|array<array-key, mixed>
     */
    private static function stateObject(string $json)
    {
        if ($json === '') {
            return new \stdClass();
        }
        [$ok, $v, $error] = JsonReader::decode($json, Constants::MAX_INPUT_DEPTH);
        if (!$ok) {
            throw new Failure(Status::STATE_INVALID, sprintf('the state is not valid JSON (%s)', $error));
        }
        if (!self::isObject($v)) {
            throw new Failure(Status::STATE_INVALID, 'the state must be a JSON object');
        }
        return $v;
    }

    /** @param mixed $v */
    private static function isObject($v): bool
    {
        return $v instanceof \stdClass || (is_array($v) && $v !== [] && !array_is_list($v));
    }

    /**
     * @param \stdClass|array<array-key, mixed> $map
     * @return mixed
     */
    private static function get($map, string $key)
    {
        return is_array($map) ? ($map[$key] ?? null) : ($map->$key ?? null);
    }

    /**
     * @param \stdClass|array<array-key, mixed> $map
     * @param callable(string): Failure $err
     */
    private static function optString($map, string $key, callable $err): ?string
    {
        $v = self::get($map, $key);
        if ($v !== null && !is_string($v)) {
            throw $err($key);
        }
        return $v;
    }

    /**
     * @param \stdClass|array<array-key, mixed> $map
     * @param callable(string): Failure $err
     */
    private static function optBool($map, string $key, callable $err): ?bool
    {
        $v = self::get($map, $key);
        if ($v !== null && !is_bool($v)) {
            throw $err($key);
        }
        return $v;
    }

    /**
     * @param \stdClass|array<array-key, mixed> $map
     * @param callable(string): Failure $err
     */
    private static function optInt($map, string $key, callable $err): ?int
    {
        $v = self::get($map, $key);
        if ($v !== null && !is_int($v)) {
            throw $err($key);
        }
        return $v;
    }

    private static function knownOutcome(?string $o): bool
    {
        return $o !== null && $o !== 'unknown' && in_array($o, Outcome::ALL, true);
    }

    /**
     * state.rs event_object: the event input as an object ('' = {}); a compact process result as
     * the object of its members, named as in COMPACT_V1.
     *
     * @return \stdClass|array<array-key, mixed>
     */
    private static function eventObject(string $json)
    {
        if ($json === '') {
            return new \stdClass();
        }
        [$ok, $v, $error] = JsonReader::decode($json, Constants::MAX_INPUT_DEPTH);
        if (!$ok) {
            throw new Failure(Status::EVENT_INVALID, sprintf('the event is not valid JSON (%s)', $error), '');
        }
        // The text says what it is: decoded as arrays (a key ext/json cannot make a property of),
        // an object with the keys "0", "1", ... would look like a list.
        $first = ltrim($json, " \t\n\r")[0];
        if ($first === '{' && (is_array($v) || $v instanceof \stdClass)) {
            return $v;
        }
        if ($first === '[' && is_array($v)) {
            return self::compactMembers($v);
        }
        throw new Failure(Status::EVENT_INVALID, 'the event must be a JSON object (an event or a result), or the array of a compact process result', '');
    }

    /**
     * state.rs compact_members: a compact process result's members by name, layout version 1
     * only, with all its members.
     *
     * @param array<array-key, mixed> $items
     * @return array<string, mixed>
     */
    private static function compactMembers(array $items): array
    {
        $version = $items[0] ?? null;
        if (self::integerBeyondI64($version)) {
            throw new Failure(Status::EVENT_INVALID, 'the event is a compact result of a layout version beyond a 64-bit integer; this library reads version 1', '');
        }
        if (!is_int($version)) {
            throw new Failure(Status::EVENT_INVALID, 'the event is an array but not a compact process result (its first member must be the layout version, an integer)', '');
        }
        if ($version !== 1) {
            throw new Failure(Status::EVENT_INVALID, sprintf('the event is a compact result of layout version %d; this library reads version 1', $version), '');
        }
        if (count($items) !== count(self::COMPACT_V1)) {
            throw new Failure(Status::EVENT_INVALID, sprintf('the event is a compact result of layout version 1 with %d members; that layout has %d', count($items), count(self::COMPACT_V1)), '');
        }
        return array_combine(self::COMPACT_V1, $items);
    }

    /**
     * state.rs integer_beyond_i64: an integer outside the 64-bit range (2**70), which ext/json
     * decodes as a whole float of magnitude 2**63 or more.
     *
     * @param mixed $v
     */
    private static function integerBeyondI64($v): bool
    {
        return is_float($v) && floor($v) === $v && abs($v) >= 9223372036854775808.0;
    }

    /** @return array<string, mixed> decide::parse_event */
    private static function parseEvent(string $json): array
    {
        $map = self::eventObject($json);
        $inner = self::get($map, 'event');
        if (self::isObject($inner)) {
            $map = $inner;
        }
        $err = static fn (string $key): Failure => new Failure(Status::EVENT_INVALID, sprintf('event field %s has the wrong type', $key), $key);
        $eventId = self::optString($map, 'eventId', $err);
        if ($eventId === null) {
            throw new Failure(Status::EVENT_INVALID, 'the event has no eventId', 'eventId');
        }
        if (is_array($map) ? !array_key_exists('eventTimestampMs', $map) : !property_exists($map, 'eventTimestampMs')) {
            throw new Failure(Status::EVENT_INVALID, 'the event has no eventTimestampMs', 'eventTimestampMs');
        }
        $ts = self::get($map, 'eventTimestampMs');
        if (!is_int($ts)) {
            throw $err('eventTimestampMs');
        }
        $final = self::optBool($map, 'final', $err);
        $suggested = self::get($map, 'suggested');
        if ($suggested !== null && !self::isObject($suggested)) {
            throw $err('suggested');
        }
        return [
            'eventId' => strtr($eventId, 'ABCDEFGHIJKLMNOPQRSTUVWXYZ', 'abcdefghijklmnopqrstuvwxyz'),
            'ts' => $ts,
            'final' => $final ?? false,
            'entity' => self::optString($map, 'entity', $err),
            'entityId' => self::optString($map, 'entityId', $err),
            'status' => self::optString($map, 'status', $err),
            'outcome' => self::optString($map, 'outcome', $err),
            'suggested' => $suggested,
        ];
    }

    /** @return array<string, mixed> decide::parse_state (with the upgrade of a state without entities) */
    private static function parseState(string $json): array
    {
        $map = self::stateObject($json);
        $err = static fn (string $key): Failure => new Failure(Status::STATE_INVALID, sprintf('state field %s has the wrong type', $key));
        $s = [
            'status' => self::optString($map, 'status', $err),
            'entity' => self::optString($map, 'entity', $err),
            'entityId' => self::optString($map, 'entityId', $err),
            'outcome' => self::optString($map, 'outcome', $err),
            'final' => self::optBool($map, 'final', $err),
            'lastEventId' => self::optString($map, 'lastEventId', $err),
            'lastEventTimestampMs' => self::optInt($map, 'lastEventTimestampMs', $err),
            'recentEventIds' => [],
            'records' => [],
        ];
        self::optString($map, 'orderOutcome', $err); // derived: checked, then ignored
        $recent = self::get($map, 'recentEventIds');
        if ($recent !== null) {
            if (!is_array($recent) || !array_is_list($recent)) {
                throw $err('recentEventIds');
            }
            foreach ($recent as $id) {
                if (!is_string($id)) {
                    throw $err('recentEventIds');
                }
                $s['recentEventIds'][] = $id;
            }
        }
        $lookedEntity = null;
        if ($s['status'] !== null) {
            foreach (['payment', 'order'] as $entity) {
                $looked = Outcome::classify($entity, $s['status'], false);
                if ($looked !== null) {
                    $lookedEntity = $entity;
                    $s['final'] ??= $looked[0];
                    $s['outcome'] ??= $looked[1];
                    break;
                }
            }
        }
        $entities = self::get($map, 'entities');
        if ($entities === null) {
            $o = $s['outcome'];
            if (($s['status'] !== null || $o !== null) && self::knownOutcome($o)) {
                $s['records'][] = [
                    'entity' => $s['entity'] ?? $lookedEntity ?? (isset(self::REFUND_OUTCOMES[$o]) ? 'refund' : 'payment'),
                    'entityId' => $s['entityId'],
                    'status' => $s['status'],
                    'outcome' => $o,
                    'final' => $s['final'] ?? false,
                    'lastEventTimestampMs' => $s['lastEventTimestampMs'],
                ];
            }
        } elseif (is_array($entities) && array_is_list($entities)) {
            foreach ($entities as $r) {
                if (!self::isObject($r)) {
                    throw $err('entities');
                }
                $rerr = static fn (string $key): Failure => $err('entities[].' . $key);
                $s['records'][] = [
                    'entity' => self::optString($r, 'entity', $rerr),
                    'entityId' => self::optString($r, 'entityId', $rerr),
                    'status' => self::optString($r, 'status', $rerr),
                    'outcome' => self::optString($r, 'outcome', $rerr),
                    'final' => self::optBool($r, 'final', $rerr),
                    'lastEventTimestampMs' => self::optInt($r, 'lastEventTimestampMs', $rerr),
                ];
            }
        } else {
            throw $err('entities');
        }
        $raw = self::memberTexts($json);
        $other = [];
        foreach ($map as $k => $v) {
            $k = (string) $k;
            if (!isset(self::KNOWN[$k])) {
                $other[] = [$k, $raw[$k] ?? JsonWriter::compact($v)];
            }
        }
        $s['other'] = $other;
        return $s;
    }

    /** @param list<array<string, mixed>> $records */
    private static function orderOutcome(array $records): string
    {
        foreach ($records as $r) {
            if ($r['entity'] === 'refund' && $r['outcome'] === 'refunded') {
                return 'refunded';
            }
        }
        foreach ($records as $r) {
            if (isset(self::MONEY[$r['entity'] ?? '']) && $r['outcome'] === 'paid') {
                return 'paid';
            }
        }
        $best = null;
        foreach ($records as $r) {
            if (isset(self::MONEY[$r['entity'] ?? '']) && self::knownOutcome($r['outcome'])
                && ($best === null || ($r['lastEventTimestampMs'] ?? PHP_INT_MIN) >= ($best['lastEventTimestampMs'] ?? PHP_INT_MIN))) {
                $best = $r;
            }
        }
        return $best === null ? 'unknown' : $best['outcome'];
    }

    private static function rank(?string $entity, ?string $status, bool $final): int
    {
        if ($final) {
            return 4;
        }
        if ($entity === 'order') {
            return $status === 'PARTIALLY_PAID' ? 1 : 0;
        }
        return ['SEEN' => 1, 'PROCESSING' => 2, 'CONFIRMED' => 3][$status ?? ''] ?? 0;
    }

    /**
     * decide::decide, the rules of docs/behaviour.md section 6, first match wins.
     *
     * @param array<string, mixed> $e
     * @param array<string, mixed> $s
     * @return array{0: string, 1: string, 2: array<string, mixed>}
     */
    private static function rules(array $e, array $s): array
    {
        $id = $e['eventId'];
        $seen = $s['lastEventId'] !== null && strcasecmp($s['lastEventId'], $id) === 0;
        foreach ($s['recentEventIds'] as $r) {
            $seen = $seen || strcasecmp($r, $id) === 0;
        }
        if ($seen) {
            return ['skip', 'duplicate', $s];
        }
        $recent = [];
        foreach ($s['recentEventIds'] as $r) {
            if (strcasecmp($r, $id) !== 0) {
                $recent[] = $r;
            }
        }
        $recent[] = $id;
        $s['recentEventIds'] = array_slice($recent, max(0, count($recent) - Constants::MAX_RECENT_EVENT_IDS));

        $paidBefore = self::orderOutcome($s['records']) === 'paid';
        $hadRecords = $s['records'] !== [];
        $found = null;
        foreach ($s['records'] as $i => $r) {
            if ($r['entity'] === $e['entity'] && $r['entityId'] === $e['entityId']) {
                $found = $i;
                break;
            }
        }
        if ($found === null) {
            foreach ($s['records'] as $i => $r) {
                if ($r['entity'] === $e['entity'] && $r['entityId'] === null) {
                    $found = $i;
                    break;
                }
            }
        }
        $R = $found === null ? null : $s['records'][$found];
        $record = static function (array &$s) use ($found, $e): void {
            if ($found !== null) {
                array_splice($s['records'], $found, 1);
            }
            $s['records'][] = [
                'entity' => $e['entity'], 'entityId' => $e['entityId'], 'status' => $e['status'],
                'outcome' => $e['outcome'], 'final' => $e['final'], 'lastEventTimestampMs' => $e['ts'],
            ];
        };

        if ($R !== null && $R['lastEventTimestampMs'] !== null && $e['ts'] < $R['lastEventTimestampMs']) {
            return ['skip', 'stale', $s];
        }
        if (!in_array($e['entity'], ['payment', 'refund', 'order'], true) || !self::knownOutcome($e['outcome'])) {
            return ['skip', 'no_outcome', $s];
        }
        if ($R !== null) {
            if ($e['status'] !== null && $R['status'] === $e['status']) {
                $describesTop = $s['status'] !== null && $s['status'] === $R['status'] && $s['entityId'] === $R['entityId']
                    && ($s['entity'] === null || $s['entity'] === $R['entity']);
                array_splice($s['records'], $found, 1);
                $R['lastEventTimestampMs'] = $e['ts'];
                $R['entityId'] ??= $e['entityId'];
                $s['records'][] = $R;
                if ($describesTop) {
                    $s['lastEventId'] = $id;
                    $s['lastEventTimestampMs'] = $e['ts'];
                }
                return ['skip', 'unchanged', $s];
            }
            $reversal = $R['status'] === 'CONFIRMED' && $e['final'];
            if ($R['final'] === true || ($R['outcome'] === 'paid' && $e['outcome'] !== 'paid' && !$reversal)) {
                return ['skip', 'regression', $s];
            }
            if ($R['lastEventTimestampMs'] === $e['ts']
                && self::rank($e['entity'], $e['status'], $e['final']) < self::rank($R['entity'], $R['status'], $R['final'] === true)) {
                return ['skip', 'same_timestamp', $s];
            }
        }
        if ($paidBefore && isset(self::MONEY[$e['entity']]) && $e['outcome'] !== 'paid'
            && !($R !== null && $R['outcome'] === 'paid')) {
            $record($s);
            return ['skip', 'already_paid', $s];
        }
        $record($s);
        if ($e['outcome'] !== self::orderOutcome($s['records'])) {
            return ['skip', 'recorded', $s];
        }
        $reason = (!$hadRecords && $s['lastEventTimestampMs'] === null) ? 'first' : 'newer';
        $s['status'] = $e['status'];
        $s['entity'] = $e['entity'];
        $s['entityId'] = $e['entityId'];
        $s['outcome'] = $e['outcome'];
        $s['final'] = $e['final'];
        $s['lastEventId'] = $id;
        $s['lastEventTimestampMs'] = $e['ts'];
        return ['apply', $reason, $s];
    }

    /**
     * State::to_json: the known keys, orderOutcome, the records, then the stored state's other
     * keys in their order, each as its source text.
     *
     * @param array<string, mixed> $s
     */
    private static function write(array $s, string $orderOutcome): string
    {
        $out = '{';
        foreach (self::TOP as $k) {
            $out .= JsonWriter::string($k) . ':' . JsonWriter::compact($s[$k]) . ',';
        }
        $out .= '"orderOutcome":' . JsonWriter::string($orderOutcome) . ',"entities":[';
        foreach ($s['records'] as $i => $r) {
            $out .= ($i > 0 ? ',{' : '{');
            foreach (self::RECORD_KEYS as $j => $k) {
                $out .= ($j > 0 ? ',' : '') . JsonWriter::string($k) . ':' . JsonWriter::compact($r[$k]);
            }
            $out .= '}';
        }
        $out .= ']';
        foreach ($s['other'] as [$k, $text]) {
            $out .= ',' . JsonWriter::string($k) . ':' . $text;
        }
        return $out . '}';
    }

    /**
     * The source text of each top-level member's value of a valid JSON object (the last one of a
     * repeated key), so that unknown keys are written byte-exact (`1.50` stays `1.50`).
     *
     * @return array<string, string>
     */
    private static function memberTexts(string $b): array
    {
        $out = [];
        $i = Parse::ws($b, 0);
        if (($b[$i] ?? '') !== '{') {
            return $out;
        }
        foreach (Parse::members($b, $i + 1) as [$key, $at]) {
            $out[$key] = substr($b, $at, Parse::skip($b, $at) - $at);
        }
        return $out;
    }
}
