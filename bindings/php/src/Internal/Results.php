<?php

declare(strict_types=1);

namespace Everifin\Webhook\Internal;

use Everifin\Webhook\Decision;
use Everifin\Webhook\Event;
use Everifin\Webhook\Exception\WebhookException;
use Everifin\Webhook\Signature;
use Everifin\Webhook\Status;

/**
 * Turns result JSON text (from either backend) into PHP values, events, decisions or exceptions.
 *
 * @internal
 */
final class Results
{
    /** Parses a result; a result that is not a JSON object becomes an INTERNAL result. */
    public static function parse(string $json): JsonObject
    {
        try {
            $v = Json::parse($json, 200, true);
        } catch (JsonError $e) {
            $v = null;
        }
        if (!$v instanceof JsonObject || !is_string($v->get('status'))) {
            $o = new JsonObject();
            $o->set('ok', false);
            $o->set('status', Status::INTERNAL);
            $o->set('httpStatus', 500);
            $o->set('message', 'the backend returned an unreadable result');
            return $o;
        }
        return $v;
    }

    /**
     * A parsed value as plain PHP: objects as arrays ($assoc) or \stdClass.
     *
     * @param mixed $v
     * @return mixed
     */
    public static function toPhp($v, bool $assoc)
    {
        if ($v instanceof JsonObject) {
            $out = [];
            foreach ($v->members() as $k => $val) {
                $out[$k] = self::toPhp($val, $assoc);
            }
            return $assoc ? $out : (object) $out;
        }
        if (is_array($v)) {
            return array_map(static fn ($x) => self::toPhp($x, $assoc), $v);
        }
        if ($v instanceof JsonBigInt) {
            return (float) $v->digits;
        }
        return $v;
    }

    /** Throws the result's exception when it is not ok. */
    public static function throwIfError(JsonObject $r): void
    {
        if ($r->get('ok') === true) {
            return;
        }
        $status = (string) $r->get('status');
        if (Status::nameOf(Status::code($status)) !== $status) {
            $status = Status::INTERNAL;
        }
        $sig = $r->get('signature');
        $message = $r->get('message');
        $field = $r->get('field');
        throw WebhookException::forStatus(
            $status,
            is_string($message) && $message !== '' ? $message : $status,
            is_string($field) ? $field : null,
            $sig instanceof JsonObject ? Signature::fromArray(self::toPhp($sig, true)) : null
        );
    }

    public static function event(JsonObject $r): Event
    {
        self::throwIfError($r);
        $e = $r->get('event');
        if (!$e instanceof JsonObject) {
            throw WebhookException::forStatus(Status::INTERNAL, 'the backend returned no event');
        }
        $arr = [];
        foreach ($e->members() as $k => $v) {
            $arr[$k] = $k === 'hookData' ? self::toPhp($v, false) : self::toPhp($v, true);
        }
        $hookJson = $e->get('hookData') === null ? null : $e->raw('hookData');
        $sig = $r->get('signature');
        return new Event($arr, $hookJson, (string) $r->raw('event'), $sig instanceof JsonObject ? Signature::fromArray(self::toPhp($sig, true)) : null);
    }

    public static function decision(JsonObject $r): Decision
    {
        self::throwIfError($r);
        $d = $r->get('decision');
        $s = $r->get('state');
        if (!$d instanceof JsonObject || !$s instanceof JsonObject) {
            throw WebhookException::forStatus(Status::INTERNAL, 'the backend returned no decision');
        }
        $state = [];
        foreach ($s->members() as $k => $v) {
            $state[$k] = self::toPhp($v, !in_array($k, ['status', 'entity', 'entityId', 'outcome', 'final', 'lastEventId', 'lastEventTimestampMs', 'recentEventIds', 'orderOutcome', 'entities'], true) ? false : true);
        }
        $suggested = [];
        $sg = $d->get('suggested');
        if ($sg instanceof JsonObject) {
            foreach ($sg->members() as $platform => $v) {
                $suggested[$platform] = is_string($v) ? $v : null;
            }
        }
        $orderOutcome = $d->get('orderOutcome');
        return new Decision((string) $d->get('action'), (string) $d->get('reason'), $state, (string) $r->raw('state'),
                            is_string($orderOutcome) ? $orderOutcome : 'unknown', $suggested);
    }
}
