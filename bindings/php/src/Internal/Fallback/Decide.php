<?php

declare(strict_types=1);

namespace Everifin\Webhook\Internal\Fallback;

use Everifin\Webhook\Status;

/**
 * src/decide.rs, self-contained: whether to apply an event to an order given the state stored
 * with it, and the state to store afterwards.
 *
 * Its one entry point is {@see decide()}: the event JSON and the stored state JSON in, the
 * action, the reason and the new state's JSON out (or a {@see Failure}). The stored state's
 * unknown keys are kept in place and written again like the core writes them (JsonWriter).
 *
 * @internal
 */
final class Decide
{
    private const KNOWN = ['status' => true, 'entity' => true, 'entityId' => true, 'outcome' => true, 'final' => true,
        'lastEventId' => true, 'lastEventTimestampMs' => true, 'recentEventIds' => true];

    private function __construct()
    {
    }

    /**
     * decide::decide_json.
     *
     * @return array{0: string, 1: string, 2: string} [action, reason, new state JSON]
     * @throws Failure EVENT_INVALID or STATE_INVALID
     */
    public static function decide(string $eventJson, string $stateJson): array
    {
        $event = self::parseEvent($eventJson);
        $state = self::parseState($stateJson);
        return self::rules($event, $state);
    }

    /**
     * An object from JSON text ('' = {}); objects nested in it are \stdClass.
     *
     * @return array{0: \stdClass|array<array-key, mixed>, 1: string} the members, and the text
     *         they were decoded from (for the big integers of {@see write()})
     */
    private static function parseObject(string $json, string $what, string $status): array
    {
        if ($json === '') {
            return [new \stdClass(), ''];
        }
        $field = $status === Status::EVENT_INVALID ? '' : null;
        [$ok, $v, $error] = Constants::decode($json, Constants::MAX_INPUT_DEPTH);
        if (!$ok) {
            throw new Failure($status, sprintf('the %s is not valid JSON (%s)', $what, $error), $field);
        }
        if (!$v instanceof \stdClass && !(is_array($v) && ($v === [] ? false : !array_is_list($v)))) {
            throw new Failure($status, sprintf('the %s must be a JSON object', $what), $field);
        }
        return [$v, $json];
    }

    /**
     * @param \stdClass|array<array-key, mixed> $map
     * @param callable(string): Failure $err
     */
    private static function optString($map, string $key, callable $err): ?string
    {
        $v = is_array($map) ? ($map[$key] ?? null) : ($map->$key ?? null);
        if ($v === null) {
            return null;
        }
        if (!is_string($v)) {
            throw $err($key);
        }
        return $v;
    }

    /**
     * @param \stdClass|array<array-key, mixed> $map
     * @return mixed
     */
    private static function get($map, string $key)
    {
        return is_array($map) ? ($map[$key] ?? null) : ($map->$key ?? null);
    }

    /** @return array<string, mixed> decide::parse_event */
    private static function parseEvent(string $json): array
    {
        [$map] = self::parseObject($json, 'event', Status::EVENT_INVALID);
        $inner = self::get($map, 'event');
        if ($inner instanceof \stdClass) {
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
        $final = self::get($map, 'final');
        if ($final !== null && !is_bool($final)) {
            throw $err('final');
        }
        return [
            'eventId' => strtr($eventId, 'ABCDEFGHIJKLMNOPQRSTUVWXYZ', 'abcdefghijklmnopqrstuvwxyz'),
            'ts' => $ts,
            'final' => $final ?? false,
            'entity' => self::optString($map, 'entity', $err),
            'entityId' => self::optString($map, 'entityId', $err),
            'status' => self::optString($map, 'status', $err),
            'outcome' => self::optString($map, 'outcome', $err),
        ];
    }

    /** @return array<string, mixed> decide::parse_state */
    private static function parseState(string $json): array
    {
        [$map, $text] = self::parseObject($json, 'state', Status::STATE_INVALID);
        $err = static fn (string $key): Failure => new Failure(Status::STATE_INVALID, sprintf('state field %s has the wrong type', $key));
        $s = [
            'status' => self::optString($map, 'status', $err),
            'entity' => self::optString($map, 'entity', $err),
            'entityId' => self::optString($map, 'entityId', $err),
            'outcome' => self::optString($map, 'outcome', $err),
            'final' => null,
            'lastEventId' => self::optString($map, 'lastEventId', $err),
            'lastEventTimestampMs' => null,
            'recentEventIds' => [],
        ];
        $final = self::get($map, 'final');
        if ($final !== null && !is_bool($final)) {
            throw $err('final');
        }
        $s['final'] = $final;
        $last = self::get($map, 'lastEventTimestampMs');
        if ($last !== null && !is_int($last)) {
            throw $err('lastEventTimestampMs');
        }
        $s['lastEventTimestampMs'] = $last;
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
        if ($s['status'] !== null) {
            $looked = Event::classify('payment', $s['status'], false) ?? Event::classify('order', $s['status'], false);
            if ($looked !== null) {
                $s['final'] ??= $looked[0];
                $s['outcome'] ??= $looked[1];
            }
        }
        $other = [];
        foreach ($map as $k => $v) {
            if (!isset(self::KNOWN[(string) $k])) {
                $other[] = [(string) $k, $v];
            }
        }
        $s['other'] = $other;
        $s['text'] = $text;
        return $s;
    }

    /**
     * decide::decide
     *
     * @param array<string, mixed> $e
     * @param array<string, mixed> $s
     * @return array{0: string, 1: string, 2: string}
     */
    private static function rules(array $e, array $s): array
    {
        $id = $e['eventId'];
        $seen = $s['lastEventId'] !== null && strcasecmp($s['lastEventId'], $id) === 0;
        foreach ($s['recentEventIds'] as $r) {
            $seen = $seen || strcasecmp($r, $id) === 0;
        }
        if ($seen) {
            return ['skip', 'duplicate', self::write($s)];
        }
        $recent = [];
        foreach ($s['recentEventIds'] as $r) {
            if (strcasecmp($r, $id) !== 0) {
                $recent[] = $r;
            }
        }
        $recent[] = $id;
        $s['recentEventIds'] = array_slice($recent, max(0, count($recent) - Constants::MAX_RECENT_EVENT_IDS));

        if ($s['lastEventTimestampMs'] !== null && $e['ts'] < $s['lastEventTimestampMs']) {
            return ['skip', 'stale', self::write($s)];
        }
        if ($s['status'] !== null) {
            $stored = $s['status'];
            $sameEntity = $s['entityId'] === null || $s['entityId'] === $e['entityId'];
            if ($sameEntity) {
                $regression = $s['final'] === true && $e['status'] !== $stored;
            } else {
                $regression = $s['outcome'] === 'paid' && $e['entity'] === 'payment' && $e['outcome'] !== 'paid';
            }
            if ($regression) {
                return ['skip', 'regression', self::write($s)];
            }
            if ($sameEntity && $e['status'] === $stored) {
                $s['lastEventId'] = $id;
                $s['lastEventTimestampMs'] = $e['ts'];
                return ['skip', 'unchanged', self::write($s)];
            }
        }
        $reason = ($s['status'] === null && $s['lastEventTimestampMs'] === null) ? 'first' : 'newer';
        $s['lastEventId'] = $id;
        $s['lastEventTimestampMs'] = $e['ts'];
        if ($e['status'] !== null) {
            $s['status'] = $e['status'];
            $s['entity'] = $e['entity'];
            $s['entityId'] = $e['entityId'];
            $s['outcome'] = $e['outcome'];
            $s['final'] = $e['final'];
        }
        return ['apply', $reason, self::write($s)];
    }

    /**
     * State::to_json: the known keys, then the stored state's other keys in their order.
     *
     * @param array<string, mixed> $s
     */
    private static function write(array $s): string
    {
        $out = '{';
        foreach (self::KNOWN as $k => $_) {
            $out .= JsonWriter::string($k) . ':' . JsonWriter::compact($s[$k]) . ',';
        }
        $out = substr($out, 0, -1);
        if ($s['other'] !== []) {
            $big = Constants::bigIntegers($s['text']);
            foreach ($s['other'] as [$k, $v]) {
                $out .= ',' . JsonWriter::string($k) . ':' . JsonWriter::compact($big === null ? $v : Constants::restoreBigIntegers($v, $big[$k] ?? null));
            }
        }
        return $out . '}';
    }
}
