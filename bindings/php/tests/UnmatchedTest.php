<?php

declare(strict_types=1);

namespace Everifin\Webhook\Tests;

use Everifin\Webhook\Event;
use Everifin\Webhook\Unmatched;
use Everifin\Webhook\Verifier;
use PHPUnit\Framework\TestCase;

/** Unmatched, what both shop plugins keep, show and log of a verified delivery that matched no order. */
final class UnmatchedTest extends TestCase
{
    private const PAY = 'f0489615-fb8a-4c76-bb28-7f9726d815d6';
    private const ORDER = '8840d948-12da-4ca1-8269-3cfdc10b73bc';

    /** @param array<string, mixed> $data */
    private static function event(array $data, string $type = 'payment.statusChange'): Event
    {
        return (new Verifier(['unmatched-test-secret']))->normalize((string) json_encode([
            'eventId' => '41414141-4141-4141-8141-414141414141', 'eventType' => $type, 'eventTimestamp' => '2024-05-07T10:00:00.000Z', 'data' => $data]));
    }

    public function testTheRecordHoldsIdsAndStatusNamesOnly(): void
    {
        $e = self::event(['paymentId' => self::PAY, 'orderId' => self::ORDER, 'status' => 'BOOKED', 'externalId' => '4300', 'hookData' => ['orderId' => 4301, 'note' => 'Call me +420 123']]);
        $this->assertSame(['eventId' => '41414141-4141-4141-8141-414141414141', 'eventType' => 'payment.statusChange', 'status' => 'BOOKED', 'externalId' => '4300',
            'hookDataOrderId' => 4301, 'orderId' => self::ORDER, 'paymentId' => self::PAY, 'refundId' => null], Unmatched::record($e));
        // hookData.orderId counts only as a JSON integer.
        $this->assertNull(Unmatched::record(self::event(['paymentId' => self::PAY, 'status' => 'BOOKED', 'hookData' => ['orderId' => '4301']]))['hookDataOrderId']);
        // A long externalId: 100 bytes at most, never half a UTF-8 character.
        $this->assertSame('x' . str_repeat('ž', 48) . '...', Unmatched::record(self::event(['paymentId' => self::PAY, 'status' => 'BOOKED', 'externalId' => 'x' . str_repeat('ž', 80)]))['externalId']);
        $this->assertSame('xy' . str_repeat('ž', 47) . '...', Unmatched::record(self::event(['paymentId' => self::PAY, 'status' => 'BOOKED', 'externalId' => 'xy' . str_repeat('ž', 80)]))['externalId']);
    }

    public function testLookedForAndTheLogLine(): void
    {
        $e = self::event(['paymentId' => self::PAY, 'orderId' => self::ORDER, 'status' => 'BOOKED', 'externalId' => "43\"\nx", 'hookData' => ['orderId' => 7]]);
        $looked = 'externalId "43\"\nx", hookData.orderId 7, Everifin orderId ' . self::ORDER . ', Everifin paymentId ' . self::PAY;
        $this->assertSame($looked, Unmatched::lookedFor(Unmatched::record($e)), 'the externalId quoted as a JSON string: no line break');
        $this->assertTrue(Unmatched::isWarning($e));
        $this->assertSame('verified delivery matched no order, answered 200 (Everifin does not send it again): event 41414141-4141-4141-8141-414141414141 (payment.statusChange BOOKED), looked for '
            . $looked . ': money was reported for an order this shop cannot find. Check the payment in the Everifin Back Office.', Unmatched::logLine($e));
        $refund = self::event(['refundId' => '7c1d9e2a-5b4f-4e3c-8a2d-1f0e9d8c7b6a', 'orderId' => self::ORDER, 'status' => 'BOOKED']);
        $this->assertFalse(Unmatched::isWarning($refund));
        $this->assertStringEndsWith('looked for externalId (none), Everifin orderId ' . self::ORDER . ', Everifin refundId 7c1d9e2a-5b4f-4e3c-8a2d-1f0e9d8c7b6a', Unmatched::logLine($refund));
        // A record stored by an earlier version, read back (keys missing, or of other types).
        $this->assertSame('event e1 (payment.statusChange BOOKED), looked for externalId "43"', Unmatched::describe(['eventId' => 'e1', 'eventType' => 'payment.statusChange', 'status' => 'BOOKED', 'externalId' => '43', 'hookDataOrderId' => '7']));
        $this->assertSame('event  ( ), looked for externalId (none)', Unmatched::describe([]));
    }

    public function testALineBreakInAnEventsTextCannotStartALogLine(): void
    {
        $forged = "\n2026-12-02T05:00:00+00:00 CRITICAL order 4: paid twice";
        $e = self::event(['paymentId' => self::PAY, 'status' => "BOOKED\r\n{evil}\u{2028}x", 'externalId' => "9\n1\u{85}2\u{2029}"], 'payment.statusChange' . $forged);
        $line = Unmatched::logLine($e);
        $this->assertDoesNotMatchRegularExpression('/[\x00-\x1F\x7F]|\xC2\x85|\xE2\x80[\xA8\xA9]/', $line, 'one line, no control character');
        $this->assertStringContainsString('(payment.statusChange\n2026-12-02T05:00:00+00:00 CRITICAL order 4: paid twice BOOKED\r\n{evil}\u2028x), looked for externalId "9\n1\u00852\u2029"', $line);
        // The record keeps eventType and status escaped, the externalId as sent (lookedFor quotes it).
        $record = Unmatched::record($e);
        $this->assertSame('payment.statusChange\n2026-12-02T05:00:00+00:00 CRITICAL order 4: paid twice', $record['eventType']);
        $this->assertSame("9\n1\u{85}2\u{2029}", $record['externalId']);
        // A record stored raw by an earlier version is escaped when shown; other control characters as \u00XX.
        $this->assertSame("event e\\u0000 (a\\u001b[31m\\tb \\u0085\\u2029\\u007f), looked for externalId (none)",
            Unmatched::describe(['eventId' => "e\0", 'eventType' => "a\x1b[31m\tb", 'status' => "\u{85}\u{2029}\x7f"]));
        // Escaping comes before the cut: still at most 100 bytes.
        $long = Unmatched::record(self::event(['paymentId' => self::PAY, 'status' => 'BOOKED'], str_repeat("\n", 80)))['eventType'];
        $this->assertSame(100, strlen($long));
        $this->assertStringStartsWith(str_repeat('\n', 48), $long);
    }

    public function testTheMatchingSentenceNamesTheShop(): void
    {
        $text = Unmatched::matching('PrestaShop', 'ps-1042');
        $this->assertStringContainsString('the PrestaShop order ID (digits only, e.g. 1042, not "ps-1042")', $text);
        $this->assertStringContainsString('matched by the Everifin orderId, then paymentId, then refundId', $text);
    }
}
