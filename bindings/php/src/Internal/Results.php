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
 * exceptions. Results are decoded with ext/json (`json_decode`), except the usual ok event result:
 * its fixed start (design.md's key order), or the whole compact process result (option
 * compactResult), is matched by one regular expression when none of its strings holds an escape,
 * which costs a fifth of decoding the object (see {@see self::HEAD}, {@see self::COMPACT}).
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
    /** @var array<string, mixed> decoded "suggested" objects by their text */
    private static array $suggested = [];
    /** The text suggested() was last given and its answer (most requests repeat the last outcome) */
    private static ?string $lastSuggestedText = null;
    /** @var array<array-key, ?string>|null */
    private static ?array $lastSuggested = null;
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
     * The start of an ok process or normalize result up to hookData, in the order the core writes
     * it (design.md), when every string in it is free of escapes: then each string is its text
     * between the quotes. The signature (absent for normalize) is matched, and read only when
     * asked ({@see signatureAt()}). Groups: 1 eventId, 2 eventType, 3 eventTimestamp,
     * 4 eventTimestampMs, 5 entity, 6-12 entityId, paymentId, refundId, orderId, instructionId,
     * externalId, status (null when JSON null), 13 statusKnown, 14 final, 15 outcome,
     * 16 reasonCode. Any other text (an error, an escape, another layout) is decoded with
     * ext/json instead.
     */
    private const HEAD = '/\A\{"ok":true,"status":"OK","httpStatus":200,'
        . '(?:"signature":\{"timestamp":"[^"\\\\]*","key":"[^"\\\\]*","secretIndex":[0-9]{1,9},"ageMs":-?[0-9]{1,18}\},)?'
        . '"event":\{"schemaVersion":1,"eventId":"([^"\\\\]*)","eventType":"([^"\\\\]*)","eventTimestamp":"([^"\\\\]*)",'
        . '"eventTimestampMs":(-?[0-9]{1,18}),"entity":"([^"\\\\]*)","entityId":(?:null|"([^"\\\\]*)"),'
        . '"paymentId":(?:null|"([^"\\\\]*)"),"refundId":(?:null|"([^"\\\\]*)"),"orderId":(?:null|"([^"\\\\]*)"),'
        . '"instructionId":(?:null|"([^"\\\\]*)"),"externalId":(?:null|"([^"\\\\]*)"),"status":(?:null|"([^"\\\\]*)"),'
        . '"statusKnown":(?:(true)|false),"final":(?:(true)|false),"outcome":"([^"\\\\]*)","reasonCode":(?:null|"([^"\\\\]*)"),'
        . '"hookData":/';

    /** A signature member as HEAD matches it (groups: timestamp, key, secretIndex, ageMs). */
    private const SIGNATURE = '/\G"signature":\{"timestamp":"([^"\\\\]*)","key":"([^"\\\\]*)","secretIndex":([0-9]{1,9}),"ageMs":(-?[0-9]{1,18})\}/';

    /** Where a result's first member after httpStatus starts: the signature's, when there is one. */
    private const AFTER_HTTP_STATUS = 42;

    /**
     * The compact process result (option compactResult, docs/design.md) when none of its strings
     * holds an escape. Groups: 1 the signature's four members as written (read when asked:
     * {@see compactSignature()}), 2 eventId, 3 eventType, 4 eventTimestamp, 5 eventTimestampMs,
     * 6 entity, 7-13 entityId, paymentId, refundId, orderId, instructionId, externalId, status
     * (null when JSON null), 14 statusKnown, 15 final, 16 outcome, 17 reasonCode, 18 legacyFields,
     * 19-20 hookData's offset and length in the body (null when absent), 21 the suggested object.
     */
    private const COMPACT = '/\A\[1,("[^"\\\\]*","[^"\\\\]*",[0-9]{1,9},-?[0-9]{1,18}),"([^"\\\\]*)","([^"\\\\]*)","([^"\\\\]*)",(-?[0-9]{1,18}),'
        . '"([^"\\\\]*)",(?:null|"([^"\\\\]*)"),(?:null|"([^"\\\\]*)"),(?:null|"([^"\\\\]*)"),(?:null|"([^"\\\\]*)"),(?:null|"([^"\\\\]*)"),'
        . '(?:null|"([^"\\\\]*)"),(?:null|"([^"\\\\]*)"),(?:(true)|false),(?:(true)|false),"([^"\\\\]*)",(?:null|"([^"\\\\]*)"),(?:(true)|false),'
        . '(?:null|([0-9]{1,18})),(?:null|([0-9]{1,18})),(\{[^{}]*\})\]\z/';

    /**
     * The event of a process or normalize result, or its exception; $body: the body a compact
     * process result (option compactResult) gives hookData's place in.
     */
    public static function event(string $json, ?string $body = null): Event
    {
        if ($body !== null && ($json[0] ?? '') === '[') {
            return self::compactEvent($json, $body);
        }
        if (preg_match(self::HEAD, $json, $m, PREG_UNMATCHED_AS_NULL) === 1) {
            $start = strlen($m[0]);
            $end = self::hookEnd($json, $start);
            // The rest: legacyFields (hookEnd() checked the boolean and ',"suggested":{' after it),
            // then "suggested" (strings and nulls) closing the event and the result.
            if ($end !== false && substr_compare($json, '}}}', -3) === 0) {
                $legacy = $json[$end + 16] === 't';
                // Depth 2: strings and nulls only. A verifier's few outcomes give few texts: each is decoded once.
                $suggested = self::suggested(substr($json, $end + ($legacy ? 33 : 34), -2));
                if ($suggested !== null) {
                    $hookLength = $end - $start;
                    if ($hookLength === 4 && substr_compare($json, 'null', $start, 4) === 0) {
                        $hookLength = 0;
                    }
                    // The signature is read from the text when first asked (shops seldom do).
                    return new Event(
                        1, $m[1], $m[2], $m[3], (int) $m[4], $m[5], $m[6], $m[7], $m[8], $m[9], $m[10], $m[11], $m[12],
                        $m[13] !== null, $m[14] !== null, $m[15], $m[16], $legacy, $suggested, null, null,
                        $json, $start, $hookLength, $json[self::AFTER_HTTP_STATUS + 1] === 's' ? self::AFTER_HTTP_STATUS : -1
                    );
                }
            }
        }
        return self::decodedEvent($json);
    }

    /**
     * A compact process result's event (docs/design.md, "Compact process result"); $body: the
     * body the call was given.
     */
    public static function compactEvent(string $json, string $body): Event
    {
        if (preg_match(self::COMPACT, $json, $m, PREG_UNMATCHED_AS_NULL) === 1) {
            $suggested = $m[21] === self::$lastSuggestedText ? self::$lastSuggested : self::suggested($m[21]);
            $hookLength = (int) $m[20];
            if ($suggested !== null && (int) $m[19] + $hookLength <= strlen($body)) {
                // hookData's text is cut from the body and the signature made when first read.
                return new Event(
                    1, $m[2], $m[3], $m[4], (int) $m[5], $m[6], $m[7], $m[8], $m[9], $m[10], $m[11], $m[12], $m[13],
                    $m[14] !== null, $m[15] !== null, $m[16], $m[17], $m[18] !== null, $suggested,
                    $m[1], null, $body, (int) $m[19], $hookLength
                );
            }
        }
        // Escaped strings: ext/json. Depth 3: the array, "suggested", its strings and nulls.
        $v = json_decode($json, true, 3);
        if (!is_array($v) || count($v) !== 25 || $v[0] !== 1 || !is_array($v[24])) {
            throw WebhookException::forStatus(Status::INTERNAL, 'the backend returned an unreadable result');
        }
        $hookAt = (int) $v[22];
        $hookLength = (int) $v[23];
        if ($hookAt < 0 || $hookLength < 0 || $hookAt + $hookLength > strlen($body)) {
            throw WebhookException::forStatus(Status::INTERNAL, 'the backend returned a hookData range outside the body');
        }
        return new Event(
            1, (string) $v[5], (string) $v[6], (string) $v[7], (int) $v[8], (string) $v[9], $v[10], $v[11], $v[12], $v[13], $v[14], $v[15], $v[16],
            (bool) $v[17], (bool) $v[18], (string) $v[19], $v[20], (bool) $v[21], $v[24],
            ['timestamp' => (string) $v[1], 'key' => (string) $v[2], 'secretIndex' => (int) $v[3], 'ageMs' => (int) $v[4]],
            null, $body, $hookAt, $hookLength
        );
    }

    /**
     * The signature of a compact result from its four members as written (COMPACT's group 1).
     *
     * @internal for Event's lazy $signature
     */
    public static function compactSignature(string $members): Signature
    {
        $v = json_decode('[' . $members . ']', true, 2);
        return new Signature((string) ($v[0] ?? ''), (string) ($v[1] ?? ''), (int) ($v[2] ?? 0), (int) ($v[3] ?? 0));
    }

    /**
     * A "suggested" object's text decoded (depth 2: strings and nulls only); a verifier's few
     * outcomes give few texts, each decoded once.
     *
     * @return array<array-key, ?string>|null
     */
    private static function suggested(string $text): ?array
    {
        if ($text === self::$lastSuggestedText) {
            return self::$lastSuggested;
        }
        self::$lastSuggestedText = $text;
        $suggested = self::$suggested[$text] ?? null;
        if ($suggested === null) {
            if (count(self::$suggested) >= 64) {
                self::$suggested = [];
            }
            $suggested = self::$suggested[$text] = json_decode($text, true, 2);
        }
        return self::$lastSuggested = is_array($suggested) ? $suggested : null;
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
        if (($d->suggested ?? null) instanceof \stdClass) {
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

    /**
     * The signature member at $at of a result that HEAD matched.
     *
     * @internal for Event's lazy $signature
     */
    public static function signatureAt(string $json, int $at): ?Signature
    {
        if (preg_match(self::SIGNATURE, $json, $m, 0, $at) === 1) {
            return new Signature($m[1], $m[2], (int) $m[3], (int) $m[4]);
        }
        $sig = self::decode($json, false)->signature ?? null;
        return is_array($sig) || $sig instanceof \stdClass ? self::signature((object) $sig) : null;
    }

    public static function signature(\stdClass $s): Signature
    {
        return new Signature((string) $s->timestamp, (string) $s->key, (int) $s->secretIndex, (int) $s->ageMs);
    }
}
