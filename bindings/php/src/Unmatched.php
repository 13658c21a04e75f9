<?php

declare(strict_types=1);

namespace Everifin\Webhook;

use Everifin\Webhook\Internal\Clip;

/**
 * A verified delivery that matched no order of the shop (the WooCommerce and PrestaShop plugins
 * use it): answered 200, so Everifin does not send it again; each plugin keeps the last one for
 * its settings page and logs every one. What they keep, show and log is the same, here: the
 * record (ids and status names only, never other text of the request), the ids it was looked up
 * by, the log line, and how an event finds its order.
 */
final class Unmatched
{
    private function __construct()
    {
    }

    /**
     * The record a plugin keeps of it: eventId, eventType, status, externalId (each text cut to
     * 100 bytes, never inside a UTF-8 character; in eventType and status a control character or
     * line break is written as its JSON escape, the externalId is kept as sent), hookDataOrderId (hookData.orderId when it is a
     * JSON integer, else null), and Everifin's orderId, paymentId and refundId (UUIDs the library
     * checked, or null). Nothing else of the request (no hookData, no body, no header).
     *
     * @return array{eventId: string, eventType: string, status: string, externalId: ?string, hookDataOrderId: ?int, orderId: ?string, paymentId: ?string, refundId: ?string}
     */
    public static function record(Event $event): array
    {
        $hookData = $event->hookData;
        return [
            'eventId' => $event->eventId,
            'eventType' => Clip::text((string) $event->eventType),
            'status' => Clip::text((string) $event->status),
            'externalId' => $event->externalId === null ? null : Clip::cut($event->externalId),
            'hookDataOrderId' => $hookData instanceof \stdClass && isset($hookData->orderId) && is_int($hookData->orderId) ? $hookData->orderId : null,
            'orderId' => $event->orderId,
            'paymentId' => $event->paymentId,
            'refundId' => $event->refundId,
        ];
    }

    /**
     * The ids a record (record(), as stored and read back) was looked up by: 'externalId "43",
     * hookData.orderId 7, Everifin orderId ..., Everifin paymentId ...'. The externalId is quoted
     * as a JSON string (a quote or a line break in it cannot end the sentence or the log line).
     * Keys missing from a record written by an earlier version are left out.
     *
     * @param array<string, mixed> $record
     */
    public static function lookedFor(array $record): string
    {
        $externalId = $record['externalId'] ?? null;
        $looked = ['externalId ' . (is_string($externalId)
            // json_encode() escapes the line separators U+2028 and U+2029, not NEL (U+0085).
            ? str_replace("\u{85}", '\u0085', (string) json_encode(Clip::cut($externalId), JSON_UNESCAPED_UNICODE | JSON_UNESCAPED_SLASHES | JSON_INVALID_UTF8_SUBSTITUTE))
            : '(none)')];
        if (isset($record['hookDataOrderId']) && is_int($record['hookDataOrderId'])) {
            $looked[] = 'hookData.orderId ' . $record['hookDataOrderId'];
        }
        foreach (['orderId', 'paymentId', 'refundId'] as $key) {
            if (isset($record[$key]) && is_string($record[$key])) {
                $looked[] = 'Everifin ' . $key . ' ' . Clip::text($record[$key]);
            }
        }
        return implode(', ', $looked);
    }

    /**
     * "event E (eventType STATUS), looked for ...": the delivery of a record, for a settings page
     * ("Last verified delivery that matched no order: <time>, <this>.") and the log line. One
     * line: every text of the record is escaped (Clip::text), a record stored by an earlier
     * version too.
     *
     * @param array<string, mixed> $record
     */
    public static function describe(array $record): string
    {
        $text = static fn (string $key): string => is_string($record[$key] ?? null) ? Clip::text($record[$key]) : '';
        return sprintf('event %s (%s %s), looked for %s', $text('eventId'), $text('eventType'), $text('status'), self::lookedFor($record));
    }

    /**
     * The log line of it (the plugins log every one: Everifin signed it, so a stranger cannot
     * fill the log). Ends with what to do when it reports a payment paid (then isWarning()).
     */
    public static function logLine(Event $event): string
    {
        $line = 'verified delivery matched no order, answered 200 (Everifin does not send it again): ' . self::describe(self::record($event));
        return self::isWarning($event)
            ? $line . ': money was reported for an order this shop cannot find. Check the payment in the Everifin Back Office.'
            : $line;
    }

    /** Whether its log line is a warning (it reports a payment paid: the money may belong to an order the event does not name), else information. */
    public static function isWarning(Event $event): bool
    {
        return $event->outcome === 'paid';
    }

    /**
     * How an event finds its order, for a settings page: $shop names the order ID
     * ("WooCommerce", "PrestaShop"), $example a prefixed id that does not match ("wc-1042").
     */
    public static function matching(string $shop, string $example): string
    {
        return sprintf('An event is matched to an order by its externalId when it is the %s order ID (digits only, e.g. 1042, not "%s"), else by hookData.orderId (a JSON number). '
            . 'An event that names no order of this shop -- a refund usually carries only its refundId and Everifin\'s orderId -- is matched by the Everifin orderId, then paymentId, then refundId '
            . 'that earlier events of the order carried: they are recorded for every event matched to an order. A test hook from the Everifin Back Office matches no order.', $shop, $example);
    }
}
