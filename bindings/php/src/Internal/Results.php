<?php

declare(strict_types=1);

namespace Everifin\Webhook\Internal;

use Everifin\Webhook\Decision;
use Everifin\Webhook\Event;
use Everifin\Webhook\Exception\WebhookException;
use Everifin\Webhook\Signature;
use Everifin\Webhook\Status;

/**
 * Turns a backend's result JSON (docs/design.md "Result JSON") into events, decisions, arrays or
 * exceptions. Every result is decoded with ext/json (`json_decode`); nothing the library returns
 * is parsed by hand. Verifiers ask for the compact process result (option compactResult,
 * docs/design.md): one array, which ext/json decodes in about half the time of the object, with
 * hookData given as its byte range in the body. Event::fromCompact() decodes and checks that one
 * (a call less on every request's path).
 *
 * Two raw texts are kept as they are instead of being decoded and re-encoded: the event's
 * `hookData` (the exact text from the body; decoded only when the shop reads `Event::$hookData`)
 * and a decision's `state` (stored as given, so unknown keys keep their exact numbers and `{}`).
 * Both sit at fixed places of the result (design.md): `hookData` is the member after
 * `reasonCode`, followed by `legacyFields` (a boolean) and `suggested` (strings and nulls only);
 * `state` is the last member of a decide result. Every string of a result is written with its
 * quotes escaped, so the markers below cannot occur inside a string; the cut text is then
 * decoded like the rest.
 *
 * @internal
 */
final class Results
{
    private const HOOK = ',"hookData":';
    private const AFTER_HOOK = ',"legacyFields":';
    private const STATE = ',"state":';
    private const UNREADABLE = ['ok' => false, 'status' => Status::INTERNAL, 'httpStatus' => 500, 'message' => 'the backend returned an unreadable result'];

    /**
     * The whole result as PHP arrays (objects as arrays when $assoc, else \stdClass); an
     * unreadable result becomes an INTERNAL result.
     *
     * @return array<string, mixed>|\stdClass
     */
    public static function decode(string $json, bool $assoc)
    {
        $v = json_decode($json, $assoc, 512);
        if ($assoc ? !is_array($v) || !isset($v['status']) : !$v instanceof \stdClass || !isset($v->status)) {
            if (!$assoc && json_last_error() === JSON_ERROR_INVALID_PROPERTY_NAME) {
                // A key that starts with NUL (it cannot be a property): objects as arrays instead.
                $a = self::decode($json, true);
                $o = new \stdClass();
                foreach ($a as $k => $x) {
                    $o->$k = $x;
                }
                return $o;
            }
            return $assoc ? self::UNREADABLE : (object) self::UNREADABLE;
        }
        return $v;
    }

    /** Throws the exception of a result that is not ok. */
    public static function throwIfError(\stdClass $r): void
    {
        if (($r->ok ?? false) === true) {
            return;
        }
        $status = is_string($r->status ?? null) ? $r->status : Status::INTERNAL;
        if (Status::nameOf(Status::code($status)) !== $status) {
            $status = Status::INTERNAL;
        }
        $message = $r->message ?? null;
        $field = $r->field ?? null;
        $sig = $r->signature ?? null;
        throw WebhookException::forStatus(
            $status,
            is_string($message) && $message !== '' ? $message : $status,
            is_string($field) ? $field : null,
            is_array($sig) || $sig instanceof \stdClass ? self::signature((object) $sig) : null
        );
    }

    /**
     * The event of a process or normalize result, or its exception; $body: the body a compact
     * process result (option compactResult) gives hookData's place in.
     */
    public static function event(string $json, ?string $body = null): Event
    {
        if ($body !== null && ($json[0] ?? '') === '[') {
            return Event::fromCompact($json, $body);
        }
        return self::decodedEvent($json);
    }

    /**
     * Where hookData ends: the last ',"legacyFields":' after $start that is followed by true or
     * false and ',"suggested":{' (a platform named legacyFields inside "suggested" is followed by
     * a string or null).
     */
    private static function hookEnd(string $json, int $start): int|false
    {
        $end = strrpos($json, self::AFTER_HOOK, $start);
        while ($end !== false && $end > $start) {
            if (substr_compare($json, 'false,"suggested":{', $end + 16, 19) === 0 || substr_compare($json, 'true,"suggested":{', $end + 16, 18) === 0) {
                return $end;
            }
            $end = strrpos($json, self::AFTER_HOOK, $end - strlen($json) - 1);
        }
        return false;
    }

    /**
     * Results::event() by decoding the whole result with ext/json (any result: errors, escaped
     * strings, other layouts).
     *
     * @internal public for the test that holds the quick path to it
     */
    public static function decodedEvent(string $json): Event
    {
        $hook = null;
        $at = strpos($json, self::HOOK);
        if ($at !== false) {
            $start = $at + strlen(self::HOOK);
            $end = self::hookEnd($json, $start);
            if ($end !== false) {
                $hook = substr($json, $start, $end - $start);
                $json = substr_replace($json, 'null', $start, $end - $start);
                if ($hook === 'null') {
                    $hook = null;
                }
            }
        }
        $r = self::decode($json, false);
        self::throwIfError($r);
        $e = $r->event ?? null;
        if (is_array($e)) {
            $e = (object) $e;
        }
        if (!$e instanceof \stdClass || !isset($e->eventId, $e->suggested)) {
            throw WebhookException::forStatus(Status::INTERNAL, 'the backend returned no event');
        }
        if ($hook === null && ($e->hookData ?? null) !== null) {
            // Not at its place (a library of another layout): decoded with the rest, written again.
            $hook = (string) json_encode($e->hookData, JSON_UNESCAPED_SLASHES | JSON_UNESCAPED_UNICODE | JSON_UNESCAPED_LINE_TERMINATORS | JSON_PRESERVE_ZERO_FRACTION);
        }
        $sig = $r->signature ?? null;
        return Event::fromObject($e, $hook, is_array($sig) || $sig instanceof \stdClass ? self::signature((object) $sig) : null);
    }

    /** The decision of a decide result, or its exception. */
    public static function decision(string $json): Decision
    {
        // The decision ends with its "suggested" object: "}}" then the state, which is written last.
        $at = strpos($json, '}}' . self::STATE);
        $at = $at === false ? false : $at + 2;
        $r = self::decode($json, false);
        self::throwIfError($r);
        $d = $r->decision ?? null;
        $s = $r->state ?? null;
        if (is_array($d)) {
            $d = (object) $d; // decoded with objects as arrays: the state has a key starting with NUL
        }
        if ($at === false || !$d instanceof \stdClass || !($s instanceof \stdClass || is_array($s))) {
            throw WebhookException::forStatus(Status::INTERNAL, 'the backend returned no decision');
        }
        $stateJson = substr($json, $at + strlen(self::STATE), -1);
        $suggested = [];
        // An object, or an array when the result was decoded with objects as arrays (above).
        if (($d->suggested ?? null) instanceof \stdClass || is_array($d->suggested ?? null)) {
            foreach ($d->suggested as $platform => $v) {
                $suggested[(string) $platform] = is_string($v) ? $v : null;
            }
        }
        $orderOutcome = $d->orderOutcome ?? null;
        return new Decision((string) $d->action, (string) $d->reason, self::state($stateJson), $stateJson,
                            is_string($orderOutcome) ? $orderOutcome : 'unknown', $suggested);
    }

    /**
     * A state's JSON as Decision::$state: the top level as an array, objects nested in unknown
     * keys as \stdClass (as arrays when a key starts with NUL, which no object can hold).
     *
     * @return array<array-key, mixed>
     */
    public static function state(string $stateJson): array
    {
        $s = json_decode($stateJson, false, 512);
        if (!$s instanceof \stdClass) {
            $a = json_decode($stateJson, true, 512);
            return is_array($a) ? $a : [];
        }
        $state = [];
        foreach ($s as $k => $v) {
            $state[$k] = $v;
        }
        return $state;
    }


    public static function signature(\stdClass $s): Signature
    {
        return new Signature((string) $s->timestamp, (string) $s->key, (int) $s->secretIndex, (int) $s->ageMs);
    }
}
