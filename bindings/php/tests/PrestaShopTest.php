<?php

declare(strict_types=1);

namespace Everifin\Webhook\Tests;

use Everifin\Webhook\Verifier;
use PHPUnit\Framework\TestCase;

/**
 * The PrestaShop module (plugins/prestashop/everifinwebhook) against tests/stubs/prestashop.php,
 * whose Db rewrites queries as PrestaShop's does (getRow/getValue always append " LIMIT 1") and
 * answers a statement it does not know with MySQL's syntax error: the order lock, the state, the
 * Everifin ids that find refunds, the traces of deliveries that changed no order, the notes on
 * skipped payments. tests/dist/prestashop.php runs the shipped module's SQL on a real MariaDB.
 */
final class PrestaShopTest extends TestCase
{
    private const SECRET = 'whsec-prestashop-shop-5e1d';
    private const PLUGIN = __DIR__ . '/../../../plugins/prestashop/everifinwebhook';
    private const PAY_A = 'f0489615-fb8a-4c76-bb28-7f9726d815d6';
    private const PAY_B = '0b7e5c1d-2a3f-4b4c-9d5e-6f708192a3b4';
    private const EVF_ORDER = '8840d948-12da-4ca1-8269-3cfdc10b73bc';
    private const REFUND = '7c1d9e2a-5b4f-4e3c-8a2d-1f0e9d8c7b6a';

    public static function setUpBeforeClass(): void
    {
        require_once __DIR__ . '/stubs/prestashop.php';
        require_once self::PLUGIN . '/everifinwebhook.php';
        require_once self::PLUGIN . '/controllers/front/webhook.php';
    }

    protected function setUp(): void
    {
        \PsStub::reset();
        \PsStub::$config = [\EverifinWebhook::CONFIG_SECRETS => self::SECRET, 'PS_OS_PAYMENT' => 2, 'PS_OS_BANKWIRE' => 10, 'PS_OS_ERROR' => 8, 'PS_OS_CANCELED' => 6, 'PS_OS_REFUND' => 7];
        \PsStub::$orders[42] = ['state' => 10];
    }

    /** @return array{0: int, 1: array<string, mixed>} */
    private static function deliver(string $eventId, string $type, string $ts, array $data): array
    {
        $body = json_encode(['eventId' => $eventId, 'eventType' => $type, 'eventTimestamp' => $ts, 'data' => $data]);
        return (new \EverifinWebhookWebhookModuleFrontController())->handle($body, Verifier::sign($body, [self::SECRET]));
    }

    /** @return list<string> the log lines' messages */
    private static function logLines(): array
    {
        return array_map(static fn ($l) => $l[0], \PsStub::$logs);
    }

    // ------------------------------------------------------------- PrestaShop's Db, as it is

    public function testTheStubDbRewritesQueriesAsPrestaShopDoes(): void
    {
        $db = \Db::getInstance();
        // getValue -> getRow: rtrim(" \t\n\r\0\x0B;") then " LIMIT 1", also after a LIMIT of the query's own.
        \PsStub::$stateTable[5] = '{}';
        $this->assertSame('{}', $db->getValue("SELECT `state` FROM `ps_everifin_webhook_state` WHERE `id_order` = 5 ;\n", false));
        $this->assertSame('SELECT `state` FROM `ps_everifin_webhook_state` WHERE `id_order` = 5 LIMIT 1', end(\PsStub::$log));
        try {
            $db->getValue('SELECT `id_order` FROM `ps_orders` WHERE `id_order` = 42 LIMIT 1 FOR UPDATE', false);
            $this->fail('PrestaShop sends "... LIMIT 1 FOR UPDATE LIMIT 1", which MySQL refuses');
        } catch (\PDOException $e) {
            $this->assertStringContainsString('1064', $e->getMessage());
            $this->assertSame('SELECT `id_order` FROM `ps_orders` WHERE `id_order` = 42 LIMIT 1 FOR UPDATE LIMIT 1', end(\PsStub::$log));
        }
        // executeS sends the query unchanged, and only SELECT-like ones.
        $this->assertSame([['id_order' => '42']], $db->executeS('SELECT `id_order` FROM `ps_orders` WHERE `id_order` = 42 FOR UPDATE', true, false));
        $this->assertSame('SELECT `id_order` FROM `ps_orders` WHERE `id_order` = 42 FOR UPDATE', end(\PsStub::$log));
        try {
            $db->executeS('REPLACE INTO `ps_everifin_webhook_state` (`id_order`, `state`) VALUES (5, \'{}\')');
            $this->fail('executeS() refuses what is not a SELECT');
        } catch (\PrestaShopDatabaseException $e) {
            $this->assertStringContainsString('must be used only with select', $e->getMessage());
        }
        // pSQL() strips tags and newlines unless $htmlOK.
        $this->assertSame("a\\'b", pSQL("a'b"));
        $this->assertSame('x\\ny', pSQL("x<b>\ny"), 'escaped first, so nl2br() finds no newline');
        $this->assertSame("x<b>\\ny", pSQL("x<b>\ny", true));
    }

    /** Every read of the module, after PrestaShop's rewriting, is a statement MySQL accepts (the stub's in-memory tables know each one). */
    public function testEveryStatementOfADeliverySequenceIsValidAfterPrestaShopsRewriting(): void
    {
        $this->assertTrue((new \EverifinWebhook())->install());
        $this->assertSame(['everifin_webhook_state', 'everifin_webhook_ref', 'everifin_webhook_trace'], \PsStub::$tables);
        $this->assertSame(2, \PsStub::$config[\EverifinWebhook::CONFIG_SCHEMA]);
        [$code] = self::deliver('21212121-2121-4121-8121-212121212121', 'payment.statusChange', '2024-05-07T10:00:00.000Z', ['paymentId' => self::PAY_A, 'status' => 'BOOKED', 'externalId' => '42', 'orderId' => self::EVF_ORDER]);
        $this->assertSame(200, $code);
        self::deliver('21212121-2121-4121-8121-212121212122', 'payment.statusChange', '2024-05-07T10:05:00.000Z', ['refundId' => self::REFUND, 'status' => 'BOOKED', 'orderId' => self::EVF_ORDER]);
        self::deliver('21212121-2121-4121-8121-212121212123', 'payment.statusChange', '2024-05-07T10:06:00.000Z', ['paymentId' => self::PAY_B, 'status' => 'BOOKED', 'externalId' => '99']);
        foreach (\PsStub::$log as $sql) {
            $this->assertDoesNotMatchRegularExpression('/LIMIT \d+ (FOR UPDATE )?LIMIT|FOR UPDATE LIMIT/', $sql);
        }
        $this->assertContains('SELECT `id_order` FROM `ps_orders` WHERE `id_order` = 42 FOR UPDATE', \PsStub::$log);
        $this->assertSame([], array_filter(self::logLines(), static fn ($l) => str_contains($l, 'not processed')), 'no delivery failed');
    }

    public function testTheStateIsStoredByteForByte(): void
    {
        $json = '{"status":"<b>odd</b>","note":"a\'b\\\\c"}';
        \EverifinWebhook::saveState(42, $json);
        $this->assertSame($json, \EverifinWebhook::loadState(42), 'pSQL($json, true): no strip_tags()');
    }

    // ------------------------------------------------------------- Everifin ids: refunds find their order

    public function testARefundWithoutExternalIdFindsItsOrderByEverifinsOrderId(): void
    {
        \PsStub::$orders[42] = ['state' => 10];
        \PsStub::$orders[43] = ['state' => 10];
        [, $p] = self::deliver('31313131-3131-4131-8131-313131313131', 'payment.statusChange', '2024-05-07T10:00:00.000Z', ['paymentId' => self::PAY_A, 'status' => 'BOOKED', 'externalId' => '42', 'orderId' => self::EVF_ORDER]);
        $this->assertSame([42, 2], [$p['order'], $p['orderState']]);
        $this->assertSame(['order ' . self::EVF_ORDER => 42, 'payment ' . self::PAY_A => 42], \PsStub::$refs);

        // The refund as Everifin sends it (tests/vectors/events.json): refundId, orderId, instructionId.
        [$code, $p] = self::deliver('31313131-3131-4131-8131-313131313132', 'payment.statusChange', '2024-05-08T09:00:00.000Z', ['refundId' => self::REFUND, 'orderId' => self::EVF_ORDER, 'instructionId' => 'refund-42-1', 'status' => 'BOOKED']);
        $this->assertSame([200, 42, 'apply', 'refunded', 2], [$code, $p['order'], $p['decision']['action'], $p['orderOutcome'], $p['orderState']]);
        $this->assertStringContainsString('a refund was booked at the bank', self::logLines()[0]);
        $this->assertSame(42, \PsStub::$refs['refund ' . self::REFUND]);

        // Found by paymentId when the event has no Everifin orderId either.
        [, $p] = self::deliver('31313131-3131-4131-8131-313131313133', 'payment.statusChange', '2024-05-08T09:01:00.000Z', ['paymentId' => self::PAY_A, 'status' => 'FINISHED']);
        $this->assertSame([42, 'skip'], [$p['order'], $p['decision']['action']]);

        // An externalId that names an order is used as before (the Everifin ids do not override it).
        [, $p] = self::deliver('31313131-3131-4131-8131-313131313134', 'payment.statusChange', '2024-05-08T09:02:00.000Z', ['paymentId' => self::PAY_B, 'status' => 'PROCESSING', 'externalId' => '43', 'orderId' => self::EVF_ORDER]);
        $this->assertSame(43, $p['order']);
        $this->assertSame(42, \PsStub::$refs['order ' . self::EVF_ORDER], 'the first order an Everifin id was matched to keeps it');
    }

    public function testARefundOfAnOrderNoEventMatchedBeforeIsUnmatched(): void
    {
        [$code, $p] = self::deliver('32323232-3232-4232-8232-323232323232', 'payment.statusChange', '2024-05-08T09:00:00.000Z', ['refundId' => self::REFUND, 'orderId' => self::EVF_ORDER, 'status' => 'BOOKED']);
        $this->assertSame([200, null], [$code, $p['order']]);
        $this->assertSame([], \PsStub::$refs);
    }

    // ------------------------------------------------------------- traces of deliveries that changed no order

    public function testAnUnmatchedDeliveryIsLoggedAndShownRateLimited(): void
    {
        [$code, $p] = self::deliver('41414141-4141-4141-8141-414141414141', 'payment.statusChange', '2024-05-07T10:00:00.000Z', ['paymentId' => self::PAY_A, 'status' => 'BOOKED', 'externalId' => '4300', 'hookData' => ['orderId' => 4301, 'text' => 'not stored <b>']]);
        $this->assertSame([200, null], [$code, $p['order']]);
        $this->assertCount(1, \PsStub::$logs);
        [$message, $severity, $type, $id] = \PsStub::$logs[0];
        $this->assertSame([2, null, null], [$severity, $type, $id]);
        $this->assertSame('everifin-webhook: verified delivery matched no order, answered 200 (Everifin does not send it again): event 41414141-4141-4141-8141-414141414141 (payment.statusChange BOOKED), looked for externalId "4300", hookData.orderId 4301, Everifin paymentId ' . self::PAY_A
            . ': money was reported for an order this shop cannot find. Check the payment in the Everifin Back Office.', $message);
        $record = \PsStub::$traces['unmatched']['record'];
        $this->assertStringNotContainsString('not stored', $record, 'no text of the request but ids and status names');
        $this->assertEqualsWithDelta(time(), \PsStub::$traces['unmatched']['time'], 5);

        // A second one within the minute: logged (informative: no money reported), not recorded.
        self::deliver('41414141-4141-4141-8141-414141414142', 'payment.statusChange', '2024-05-07T10:00:01.000Z', ['paymentId' => self::PAY_B, 'status' => 'PROCESSING', 'externalId' => '4400']);
        $this->assertCount(2, \PsStub::$logs);
        $this->assertSame([1, null, null], array_slice(\PsStub::$logs[1], 1));
        $this->assertStringEndsWith('looked for externalId "4400", Everifin paymentId ' . self::PAY_B, \PsStub::$logs[1][0]);
        $this->assertSame($record, \PsStub::$traces['unmatched']['record']);
        // A minute later: recorded again.
        \PsStub::$traces['unmatched']['time'] -= \EverifinWebhook::TRACE_INTERVAL;
        self::deliver('41414141-4141-4141-8141-414141414143', 'payment.statusChange', '2024-05-07T10:00:02.000Z', ['paymentId' => self::PAY_B, 'status' => 'BOOKED', 'externalId' => '4400']);
        $this->assertCount(3, \PsStub::$logs);
        $this->assertStringContainsString('"eventId":"41414141-4141-4141-8141-414141414143"', \PsStub::$traces['unmatched']['record']);

        $html = self::page();
        $this->assertMatchesRegularExpression('~<p class="everifin-webhook-last-unmatched">Last verified delivery that matched no order: \d{4}-\d\d-\d\d \d\d:\d\d:\d\d, event 41414141-4141-4141-8141-414141414143 \(payment.statusChange BOOKED\), looked for externalId &quot;4400&quot;, Everifin paymentId ' . self::PAY_B . '.</p>~', $html);
        $this->assertStringContainsString('<p class="everifin-webhook-last-rejected">No delivery answered with an error has been recorded.</p>', $html);
        $this->assertStringContainsString('matched by the Everifin orderId, then paymentId, then refundId', $html);
    }

    public function testARejectedDeliveryIsShownWithoutItsText(): void
    {
        $html = self::page();
        $this->assertStringContainsString('No verified delivery without a matching order has been recorded.', $html);
        $body = '{"eventId":"<script>x</script>"}';
        [$code, $p] = (new \EverifinWebhookWebhookModuleFrontController())->handle($body, 'ts=2024-05-07T10:00:00.000Z;v0=' . str_repeat('ab', 32));
        $this->assertSame([401, 'SIGNATURE_MISMATCH'], [$code, $p['status']]);
        $this->assertSame(['httpStatus' => 401, 'status' => 'SIGNATURE_MISMATCH'], json_decode(\PsStub::$traces['rejected']['record'], true));
        $this->assertSame([], \PsStub::$logs, 'a stranger\'s request is not logged');
        $html = self::page();
        $this->assertMatchesRegularExpression('~<p class="everifin-webhook-last-rejected">Last answered with an error: [0-9: -]+, HTTP 401 SIGNATURE_MISMATCH: no signature in the Signature header matches a configured hook secret.</p>~', $html);
        $this->assertStringNotContainsString('script', $html);

        // No secret: 500 INVALID_OPTIONS is recorded too (a minute later: the trace is rate limited).
        \PsStub::$traces['rejected']['time'] -= \EverifinWebhook::TRACE_INTERVAL;
        \PsStub::$config[\EverifinWebhook::CONFIG_SECRETS] = '';
        [$code] = (new \EverifinWebhookWebhookModuleFrontController())->handle('{}', 'ts=x');
        $this->assertSame(500, $code);
        $this->assertSame(['httpStatus' => 500, 'status' => 'INVALID_OPTIONS'], json_decode(\PsStub::$traces['rejected']['record'], true));
    }

    private static function page(): string
    {
        $_SERVER['REQUEST_URI'] = '/admin/index.php?controller=AdminModules&configure=everifinwebhook';
        $_POST = [];
        return (new \EverifinWebhook())->getContent();
    }

    // ------------------------------------------------------------- notes on skipped payments

    public function testMoneyReportedButNotAppliedLeavesAPrivateNoteAndALogLine(): void
    {
        // PROCESSING_EXPIRED (bank status unknown) is final: the later BOOKED is a regression.
        self::deliver('51515151-5151-4151-8151-515151515151', 'payment.statusChange', '2024-05-07T10:00:00.000Z', ['paymentId' => self::PAY_A, 'status' => 'PROCESSING_EXPIRED', 'externalId' => '42']);
        $this->assertSame(8, \PsStub::$orders[42]['state']);
        $history = \PsStub::$history;
        [, $p] = self::deliver('51515151-5151-4151-8151-515151515152', 'payment.statusChange', '2024-05-07T10:10:00.000Z', ['paymentId' => self::PAY_A, 'status' => 'BOOKED', 'externalId' => '42']);
        $this->assertSame(['skip', 'regression', 8], [$p['decision']['action'], $p['decision']['reason'], $p['orderState']]);
        $this->assertSame($history, \PsStub::$history, 'the order state is never changed for a note');
        $note = 'Everifin payment ' . self::PAY_A . ': BOOKED (event 51515151-5151-4151-8151-515151515152) was reported paid but not applied (regression): the money may have arrived although the order is in state 8. '
            . 'Check the payment in the Everifin Back Office before you cancel the order, ship it or ask the customer to pay again. The order was left as it is.';
        $this->assertCount(1, \PsStub::$messages);
        $this->assertSame($note, \PsStub::$messages[0]['message']);
        $this->assertSame([0, 1], [\PsStub::$messages[0]['id_employee'], \PsStub::$messages[0]['private']], 'a private message: employees only');
        $this->assertSame(['id_customer' => 1, 'id_order' => 42, 'email' => 'customer@shop.example', 'status' => 'open'], \PsStub::$threads[\PsStub::$messages[0]['id_customer_thread']]);
        $this->assertCount(1, \PsStub::$logs);
        $this->assertSame(['everifin-webhook: ' . \PsStub::$messages[0]['message'], 2, 'Order', 42], \PsStub::$logs[0]);

        // The same event again (duplicate): nothing more.
        self::deliver('51515151-5151-4151-8151-515151515152', 'payment.statusChange', '2024-05-07T10:10:00.000Z', ['paymentId' => self::PAY_A, 'status' => 'BOOKED', 'externalId' => '42']);
        $this->assertSame([1, 1], [count(\PsStub::$messages), count(\PsStub::$logs)]);
    }

    public function testAPartiallyPaidOrderAfterABookedPaymentLeavesANote(): void
    {
        self::deliver('52525252-5252-4252-8252-525252525251', 'payment.statusChange', '2024-05-07T10:00:00.000Z', ['paymentId' => self::PAY_A, 'status' => 'BOOKED', 'externalId' => '42', 'orderId' => self::EVF_ORDER]);
        $this->assertSame([[42, 2]], \PsStub::$history);
        $this->assertSame([], \PsStub::$messages, 'an applied payment needs no note');
        [, $p] = self::deliver('52525252-5252-4252-8252-525252525253', 'order.statusChange', '2024-05-07T10:02:00.000Z', ['orderId' => self::EVF_ORDER, 'status' => 'PARTIALLY_PAID', 'externalId' => '42']);
        $this->assertSame(['skip', 'already_paid', 'paid'], [$p['decision']['action'], $p['decision']['reason'], $p['orderOutcome']]);
        $this->assertSame([[42, 2]], \PsStub::$history);
        $this->assertCount(1, \PsStub::$messages);
        $note = 'Everifin order ' . self::EVF_ORDER . ': PARTIALLY_PAID (event 52525252-5252-4252-8252-525252525253) was not applied (already_paid): Everifin reports the order as only partially paid although a payment was booked. '
            . 'Check the amount received in the Everifin Back Office before you ship. The order was left as it is (state 2).';
        $this->assertSame($note, \PsStub::$messages[0]['message']);
        $this->assertSame(['everifin-webhook: ' . $note, 2, 'Order', 42], \PsStub::$logs[0]);

        // Redelivered (duplicate): no second note. A regression of the paid payment afterwards
        // (PROCESSING_EXPIRED after BOOKED) is not money reported: no note either.
        self::deliver('52525252-5252-4252-8252-525252525253', 'order.statusChange', '2024-05-07T10:02:00.000Z', ['orderId' => self::EVF_ORDER, 'status' => 'PARTIALLY_PAID', 'externalId' => '42']);
        [, $p] = self::deliver('52525252-5252-4252-8252-525252525254', 'payment.statusChange', '2024-05-07T10:03:00.000Z', ['paymentId' => self::PAY_A, 'status' => 'PROCESSING_EXPIRED', 'externalId' => '42']);
        $this->assertSame('skip', $p['decision']['action']);
        $this->assertCount(1, \PsStub::$messages);
        $this->assertCount(1, \PsStub::$threads, 'one customer service thread per order');
    }

    /** @return array<string, array{0: string, 1: string, 2: bool, 3: ?string, 4?: string}> [event status, skip reason, order paid, the note's start, the entity's recorded outcome] */
    public static function skipCases(): array
    {
        $money = 'Everifin payment ' . self::PAY_A . ': BOOKED (event 54545454-5454-4454-8454-545454545454) was reported paid but not applied (';
        return [
            'paid, regression' => ['BOOKED', 'regression', false, $money . 'regression): the money may have arrived although the order is in state 10.', 'review'],
            'paid, stale' => ['BOOKED', 'stale', false, $money . 'stale): the money may have arrived'],
            'paid, same_timestamp' => ['BOOKED', 'same_timestamp', false, $money . 'same_timestamp): the money may have arrived'],
            'paid, order paid another way' => ['BOOKED', 'already_paid', true, $money . 'already_paid); the order has been paid already (state 10): the customer may have paid twice.'],
            'paid, this payment recorded paid already' => ['BOOKED', 'stale', true, null, 'paid'],
            'paid, duplicate' => ['BOOKED', 'duplicate', false, null],
            'paid, unchanged' => ['BOOKED', 'unchanged', false, null],
            'partially paid, already_paid' => ['PARTIALLY_PAID', 'already_paid', true, 'Everifin order ' . self::EVF_ORDER . ': PARTIALLY_PAID (event 54545454-5454-4454-8454-545454545454) was not applied (already_paid): Everifin reports the order as only partially paid'],
            'partially paid, regression' => ['PARTIALLY_PAID', 'regression', true, null],
            'failed, already_paid' => ['FAILED', 'already_paid', true, null],
            'pending, recorded' => ['PROCESSING', 'recorded', false, null],
        ];
    }

    /** @dataProvider skipCases */
    public function testWhichSkipsLeaveANote(string $status, string $reason, bool $paid, ?string $note, string $recorded = 'pending'): void
    {
        $order = $status === 'PARTIALLY_PAID';
        $data = $order ? ['orderId' => self::EVF_ORDER] : ['paymentId' => self::PAY_A];
        $body = json_encode(['eventId' => '54545454-5454-4454-8454-545454545454', 'eventType' => $order ? 'order.statusChange' : 'payment.statusChange',
            'eventTimestamp' => '2024-05-07T10:00:00.000Z', 'data' => $data + ['status' => $status, 'externalId' => '42']]);
        $event = (new Verifier([self::SECRET]))->verify($body, Verifier::sign($body, [self::SECRET]));
        $state = ['entities' => [['entity' => $order ? 'order' : 'payment', 'entityId' => $order ? self::EVF_ORDER : self::PAY_A, 'status' => 'X', 'outcome' => $recorded]]];
        $got = \EverifinWebhookWebhookModuleFrontController::skipNote($event, new \Everifin\Webhook\Decision('skip', $reason, $state, '{}', 'paid'), 10, $paid);
        $note === null ? $this->assertNull($got) : $this->assertStringStartsWith($note, (string) $got);
        $this->assertNull(\EverifinWebhookWebhookModuleFrontController::skipNote($event, new \Everifin\Webhook\Decision('apply', 'newer', $state, '{}', 'paid'), 10, $paid));
    }

    public function testANoteThatCannotBeWrittenIsLoggedAnyway(): void
    {
        \PsStub::$orders[42] = ['state' => 10, 'customer' => 9];   // the customer was deleted
        self::deliver('53535353-5353-4353-8353-535353535351', 'payment.statusChange', '2024-05-07T10:00:00.000Z', ['paymentId' => self::PAY_A, 'status' => 'PROCESSING_EXPIRED', 'externalId' => '42']);
        [$code] = self::deliver('53535353-5353-4353-8353-535353535352', 'payment.statusChange', '2024-05-07T10:10:00.000Z', ['paymentId' => self::PAY_A, 'status' => 'BOOKED', 'externalId' => '42']);
        $this->assertSame(200, $code);
        $this->assertSame([], \PsStub::$messages);
        $this->assertStringEndsWith('(the private message on the order could not be added)', \PsStub::$logs[0][0]);
    }

    // ------------------------------------------------------------- installed 0.1.0 modules

    public function testAShopWithTheFormerTablesGetsTheNewOnes(): void
    {
        // 0.1.0 installed: the state table only, no schema version.
        [$code] = self::deliver('61616161-6161-4161-8161-616161616161', 'payment.statusChange', '2024-05-07T10:00:00.000Z', ['paymentId' => self::PAY_A, 'status' => 'BOOKED', 'externalId' => '42']);
        $this->assertSame(200, $code);
        $this->assertSame(['everifin_webhook_state', 'everifin_webhook_ref', 'everifin_webhook_trace'], \PsStub::$tables);
        $this->assertSame(\EverifinWebhook::SCHEMA_VERSION, \PsStub::$config[\EverifinWebhook::CONFIG_SCHEMA]);
        self::deliver('61616161-6161-4161-8161-616161616162', 'payment.statusChange', '2024-05-07T10:01:00.000Z', ['paymentId' => self::PAY_A, 'status' => 'BOOKED', 'externalId' => '42']);
        $this->assertCount(3, \PsStub::$tables, 'created once');

        // PrestaShop's own upgrade path: upgrade/upgrade-X.Y.Z.php, function upgrade_module_X_Y_Z($module).
        \PsStub::$tables = [];
        $files = glob(self::PLUGIN . '/upgrade/upgrade-*.php');
        $this->assertSame([self::PLUGIN . '/upgrade/upgrade-0.2.0.php'], $files);
        require_once $files[0];
        $this->assertTrue(upgrade_module_0_2_0(new \EverifinWebhook()));
        $this->assertSame(['everifin_webhook_state', 'everifin_webhook_ref', 'everifin_webhook_trace'], \PsStub::$tables);
        $this->assertFileExists(self::PLUGIN . '/upgrade/index.php');
    }
}
