<?php

declare(strict_types=1);

namespace Everifin\Webhook\Tests;

use Everifin\Webhook\Tests\Support\Command;
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

    /**
     * The stub's orders as PrestaShop keeps them: the states with the paid flag of a fresh install
     * (On backorder (paid) has it, Refunded has not), and the payment a move to a paid state adds
     * for what the invoice has left to pay (OrderInvoice::getRestPaid()), also after a partial payment.
     */
    public function testTheStubPaysOrdersAsPrestaShopDoes(): void
    {
        \PsStub::$orders = [1 => ['state' => 9], 2 => ['state' => 7], 3 => ['state' => 10, 'total' => 25.5], 4 => ['state' => 10]];
        $this->assertSame([1, 0], [(new \Order(1))->hasBeenPaid(), (new \Order(2))->hasBeenPaid()]);
        \PsStub::addPayment(3, 'pi_part', 20.0);
        \PsStub::addPayment(4, 'pi_all');
        foreach ([3, 4] as $id) {
            $history = new \OrderHistory();
            $history->id_order = $id;
            $history->changeIdOrderState(2, new \Order($id), true);
        }
        $this->assertSame([['pi_part', 20.0], ['pi_all', 10.0], ['', 5.5]], array_map(static fn ($p) => [$p['transaction_id'], $p['amount']], \PsStub::$payments));
    }

    /** Every read of the module, after PrestaShop's rewriting, is a statement MySQL accepts (the stub's in-memory tables know each one). */
    public function testEveryStatementOfADeliverySequenceIsValidAfterPrestaShopsRewriting(): void
    {
        $this->assertTrue((new \EverifinWebhook())->install());
        $this->assertSame(['everifin_webhook_state', 'everifin_webhook_ref', 'everifin_webhook_trace'], \PsStub::$tables);
        $this->assertSame('2', \PsStub::$config[\EverifinWebhook::CONFIG_SCHEMA], 'the configuration table holds text');
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
        // The payment the order was marked paid for, then the event's Everifin ids.
        $this->assertSame(['paid ' . self::PAY_A => 42, 'order ' . self::EVF_ORDER => 42, 'payment ' . self::PAY_A => 42], \PsStub::$refs);

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

    /** As in the WooCommerce plugin: an externalId of no order of this shop falls back to the Everifin ids too. */
    public function testAnEventNamingAMissingOrderFindsItsOrderByEverifinsIds(): void
    {
        self::deliver('33333333-3333-4333-8333-333333333331', 'payment.statusChange', '2024-05-07T10:00:00.000Z', ['paymentId' => self::PAY_A, 'status' => 'BOOKED', 'externalId' => '42', 'orderId' => self::EVF_ORDER]);
        // A refund whose externalId (digits) names no order of this shop.
        [$code, $p] = self::deliver('33333333-3333-4333-8333-333333333332', 'payment.statusChange', '2024-05-08T09:00:00.000Z', ['refundId' => self::REFUND, 'orderId' => self::EVF_ORDER, 'externalId' => '9042', 'status' => 'BOOKED']);
        $this->assertSame([200, 42, 'refunded'], [$code, $p['order'], $p['orderOutcome']]);
        $this->assertContains('SELECT `id_order` FROM `ps_orders` WHERE `id_order` = 9042 FOR UPDATE', \PsStub::$log, 'the named order first');
        // An existing named order wins; the Everifin ids are not even looked up.
        \PsStub::$orders[43] = ['state' => 10];
        \PsStub::$log = [];
        [, $p] = self::deliver('33333333-3333-4333-8333-333333333333', 'payment.statusChange', '2024-05-08T09:01:00.000Z', ['paymentId' => self::PAY_B, 'status' => 'PROCESSING', 'externalId' => '43', 'orderId' => self::EVF_ORDER]);
        $this->assertSame(43, $p['order']);
        $this->assertSame([], preg_grep('/everifin_webhook_ref` WHERE `ref_type` = \'order\'/', \PsStub::$log));
        // Neither the named order nor the Everifin ids: unmatched.
        [, $p] = self::deliver('33333333-3333-4333-8333-333333333334', 'payment.statusChange', '2024-05-08T09:02:00.000Z', ['paymentId' => '5d5d5d5d-5d5d-4d5d-8d5d-5d5d5d5d5d5d', 'status' => 'BOOKED', 'externalId' => '9043']);
        $this->assertNull($p['order']);
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
        foreach (\Everifin\Webhook\Status::names() as $name) {
            if ($name !== 'OK') {
                $this->assertStringNotContainsString('see the status name', \EverifinWebhook::describeRejection(\Everifin\Webhook\Status::httpStatus($name), $name), $name);
            }
        }
        $this->assertStringEndsWith('(see Advanced Parameters > Logs, messages starting with everifin-webhook).', \EverifinWebhook::describeRejection(500, 'INTERNAL'));

        // No secret: 500 INVALID_OPTIONS is recorded too (a minute later: the trace is rate limited).
        \PsStub::$traces['rejected']['time'] -= \EverifinWebhook::TRACE_INTERVAL;
        \PsStub::$config[\EverifinWebhook::CONFIG_SECRETS] = '';
        \PsStub::newRequest();
        [$code] = (new \EverifinWebhookWebhookModuleFrontController())->handle('{}', 'ts=x');
        $this->assertSame(500, $code);
        $this->assertSame(['httpStatus' => 500, 'status' => 'INVALID_OPTIONS'], json_decode(\PsStub::$traces['rejected']['record'], true));
    }

    /**
     * PrestaShop's Configuration::updateValue() stores pSQL($value) -- strip_tags() of it -- and
     * Tools::getValue() drops NUL and a backslash followed by zeros: a secret saved through them
     * came back cut on the next request ("a<b" as "a"), while the page that saved it read the
     * cached value and said "saved". Each secret is kept as typed, the next request included, and
     * signs deliveries that verify; the page never prints one.
     */
    public function testHookSecretsAreKeptAsTypedAcrossRequests(): void
    {
        $typed = ["whsec_old<2024\nwhsec_new", 'Kx8<r!m2Qz', 'Kx8<>m2Qz', 'ab\\0123cd', "ab\0cd", 'a&b"c\'d\\n<!-- e -->'];
        foreach ($typed as $i => $text) {
            \PsStub::newRequest();
            $_SERVER['REQUEST_URI'] = '/admin/index.php?controller=AdminModules&configure=everifinwebhook';
            $_POST = ['submitEverifinWebhook' => '1', 'EVERIFIN_WEBHOOK_SECRETS' => $text];
            try {
                $html = (new \EverifinWebhook())->getContent();
            } finally {
                $_POST = [];
            }
            $secrets = preg_split('/\n/', $text);
            $this->assertStringContainsString(count($secrets) . ' hook secret(s) saved.', $html, "secret $i");
            foreach ($secrets as $secret) {
                $this->assertStringNotContainsString(htmlspecialchars($secret, ENT_QUOTES), $html, "secret $i is not printed");
            }
            \PsStub::newRequest();   // the next request reads the configuration table
            $this->assertSame($secrets, \EverifinWebhook::secrets(), "secret $i");
            foreach ($secrets as $j => $secret) {
                $body = json_encode(['eventId' => sprintf('81818181-8181-4181-8181-8181818181%02d', 10 * $i + $j), 'eventType' => 'payment.statusChange', 'eventTimestamp' => '2024-05-07T10:00:00.000Z',
                    'data' => ['paymentId' => self::PAY_A, 'status' => 'PROCESSING', 'externalId' => '42']]);
                [$code] = (new \EverifinWebhookWebhookModuleFrontController())->handle($body, Verifier::sign($body, [$secret]));
                $this->assertSame(200, $code, "a delivery signed with secret $i/$j");
            }
        }
    }

    /** Secrets saved by 0.1.0 or 0.2.0 (the configuration value as typed) are read until new ones are saved. */
    public function testSecretsSavedByEarlierVersionsAreStillRead(): void
    {
        \PsStub::$config = [\EverifinWebhook::CONFIG_SECRETS => "old secret 2025\nnew secret 2026"];
        $this->assertSame(['old secret 2025', 'new secret 2026'], \EverifinWebhook::secrets());
        $_SERVER['REQUEST_URI'] = '/admin/index.php?controller=AdminModules&configure=everifinwebhook';
        $_POST = ['submitEverifinWebhook' => '1', 'EVERIFIN_WEBHOOK_SECRETS' => 'newest <secret> 2027'];
        try {
            (new \EverifinWebhook())->getContent();
        } finally {
            $_POST = [];
        }
        \PsStub::newRequest();
        $this->assertSame(['newest <secret> 2027'], \EverifinWebhook::secrets());
        $this->assertArrayNotHasKey(\EverifinWebhook::CONFIG_SECRETS, \PsStub::$config, 'the former value is deleted');
        $this->assertStringNotContainsString('newest', implode("\n", array_map('strval', \PsStub::$config)), 'not stored as typed');
        (new \EverifinWebhook())->uninstall();
        $this->assertSame([], \PsStub::$config);
    }

    // ------------------------------------------------------------- multistore

    /** @return list<string> the rows of configuration key $key, sorted: "global", "group 2", "shop 1"... */
    private static function rowsOf(string $key): array
    {
        $rows = array_key_exists($key, \PsStub::$config) ? ['global'] : [];
        foreach (['group' => \PsStub::$configGroup, 'shop' => \PsStub::$configShop] as $level => $table) {
            foreach ($table as $id => $values) {
                if (array_key_exists($key, $values)) {
                    $rows[] = "$level $id";
                }
            }
        }
        sort($rows);
        return $rows;
    }

    /** Multistore on: shops 1 and 2 in group 1, shop 3 in group 2. */
    private static function multistore(): void
    {
        \PsStub::$shops = [1 => 1, 2 => 1, 3 => 2];
        \PsStub::$config['PS_MULTISHOP_FEATURE_ACTIVE'] = '1';
    }

    /** @return list<string> the secrets a request to shop $idShop's webhook URL reads */
    private static function secretsOf(int $idShop): array
    {
        \PsStub::newRequest();
        \Shop::setContext(\Shop::CONTEXT_SHOP, $idShop);
        return \EverifinWebhook::secrets();
    }

    /** The HTTP status of a delivery signed with $secret to shop $idShop's webhook URL. */
    private static function deliverTo(int $idShop, string $secret): int
    {
        static $n = 0;
        \PsStub::newRequest();
        \Shop::setContext(\Shop::CONTEXT_SHOP, $idShop);
        $body = json_encode(['eventId' => sprintf('92929292-9292-4292-8292-%012d', ++$n), 'eventType' => 'payment.statusChange', 'eventTimestamp' => '2024-05-07T10:00:00.000Z',
            'data' => ['paymentId' => self::PAY_A, 'status' => 'PROCESSING', 'externalId' => '42']]);
        return (new \EverifinWebhookWebhookModuleFrontController())->handle($body, Verifier::sign($body, [$secret]))[0];
    }

    /** The configuration page of a Back Office request in a shop context, saving $typed. */
    private static function saveIn(int $context, ?int $id, string $typed): string
    {
        \PsStub::newRequest();
        \Shop::setContext($context, $id);
        $_SERVER['REQUEST_URI'] = '/admin/index.php?controller=AdminModules&configure=everifinwebhook';
        $_POST = ['submitEverifinWebhook' => '1', 'EVERIFIN_WEBHOOK_SECRETS' => $typed];
        try {
            return (new \EverifinWebhook())->getContent();
        } finally {
            $_POST = [];
        }
    }

    /** The secrets of each shop of multistore(): [shop 1, shop 2, shop 3]. */
    private static function secretsOfEachShop(): array
    {
        return [self::secretsOf(1), self::secretsOf(2), self::secretsOf(3)];
    }

    /**
     * The stub's Configuration is PrestaShop's where the module relies on it: get() reads the
     * shop's row, else its group's, else the global one; updateValue() writes the row of the shop
     * context (the global one with multistore off); deleteByName() deletes the rows of every
     * shop; the first read of a request caches the table, and a statement sent through Db does not
     * change what it read.
     */
    public function testTheStubConfigurationIsPrestaShopsInEveryShopContext(): void
    {
        \PsStub::$config = [];
        self::multistore();
        \PsStub::$config['K'] = 'global';
        \PsStub::$configGroup[1]['K'] = 'group 1';
        \PsStub::$configShop[2]['K'] = 'shop 2';
        $read = static function (int $context, ?int $id): string {
            \Shop::setContext($context, $id);
            return (string) \Configuration::get('K');
        };
        $this->assertSame(['group 1', 'shop 2', 'global', 'group 1', 'global', 'global'],
            [$read(\Shop::CONTEXT_SHOP, 1), $read(\Shop::CONTEXT_SHOP, 2), $read(\Shop::CONTEXT_SHOP, 3), $read(\Shop::CONTEXT_GROUP, 1), $read(\Shop::CONTEXT_GROUP, 2), $read(\Shop::CONTEXT_ALL, null)]);
        $this->assertSame('global', \Configuration::getGlobalValue('K'));

        \Shop::setContext(\Shop::CONTEXT_SHOP, 3);
        \Configuration::updateValue('K', 'a<b');
        $this->assertSame(['a', 'a<b'], [\PsStub::$configShop[3]['K'], \Configuration::get('K')], 'stored through pSQL(), cached as given');
        \Shop::setContext(\Shop::CONTEXT_GROUP, 2);
        \Configuration::updateValue('K', 'global');
        $this->assertArrayNotHasKey(2, \PsStub::$configGroup, 'the value get() reads already: nothing written');
        \Shop::setContext(\Shop::CONTEXT_ALL);
        \Configuration::updateValue('K', 'all');
        $this->assertSame('all', \PsStub::$config['K']);

        // The first read cached the table: a row added behind Configuration's back is not seen,
        // and updateValue() for that row finds it in the table (getIdByName()) and writes nothing.
        \PsStub::$configShop[1]['L'] = 'in the table';
        \Shop::setContext(\Shop::CONTEXT_SHOP, 1);
        $this->assertFalse(\Configuration::get('L'));
        \Configuration::updateValue('L', 'new');
        $this->assertSame(['in the table', 'new'], [\PsStub::$configShop[1]['L'], \Configuration::get('L')]);
        \PsStub::newRequest();
        $this->assertSame('in the table', \Configuration::get('L'));

        // deleteByName(): DELETE ... WHERE name = ...: every shop's row, and the cache emptied.
        \Configuration::deleteByName('K');
        $this->assertSame([[], ['shop 1']], [self::rowsOf('K'), self::rowsOf('L')]);
        \PsStub::$configShop[2]['L'] = 'added';
        \Shop::setContext(\Shop::CONTEXT_SHOP, 2);
        $this->assertSame('added', \Configuration::get('L'), 'read from the table again');

        // Multistore off: only the global row is read and written, whatever the context says.
        \PsStub::$config['PS_MULTISHOP_FEATURE_ACTIVE'] = '0';
        \PsStub::newRequest();
        $this->assertFalse(\Configuration::get('L'));
        \Configuration::updateValue('L', 'global now', false, 1, 2);
        $this->assertSame(['global now', 'added'], [\PsStub::$config['L'], \PsStub::$configShop[2]['L']]);
    }

    /**
     * Secrets a former version saved per shop (multistore) stay each shop's when new ones are
     * saved in one shop: they are moved to the new key where they are. Configuration::deleteByName()
     * deletes the rows of every shop; deleting the former key after saving shop 1's left shops 2
     * and 3 without secrets, and every delivery to them answered 500.
     */
    public function testSavingSecretsInOneShopKeepsTheOtherShopsSecrets(): void
    {
        self::multistore();
        $former = \EverifinWebhook::CONFIG_SECRETS;
        \PsStub::$configShop = [1 => [$former => 'secret of shop 1'], 2 => [$former => "old secret of shop 2\nsecret of shop 2"]];
        \PsStub::$config[$former] = 'secret of the other shops';
        $this->assertSame([['secret of shop 1'], ['old secret of shop 2', 'secret of shop 2'], ['secret of the other shops']], self::secretsOfEachShop());

        $html = self::saveIn(\Shop::CONTEXT_SHOP, 1, 'new secret of shop 1');
        $this->assertStringContainsString('alert-success">1 hook secret(s) saved.</div>', $html);
        $this->assertSame([['new secret of shop 1'], ['old secret of shop 2', 'secret of shop 2'], ['secret of the other shops']], self::secretsOfEachShop());
        $this->assertSame([401, 200, 200, 401, 200, 401], [self::deliverTo(1, 'secret of shop 1'), self::deliverTo(1, 'new secret of shop 1'), self::deliverTo(2, 'secret of shop 2'),
            self::deliverTo(2, 'new secret of shop 1'), self::deliverTo(3, 'secret of the other shops'), self::deliverTo(3, 'secret of shop 2')]);
        // Each value moved where it was, base64-encoded; nothing of the former key is left.
        $encoded = \EverifinWebhook::CONFIG_SECRETS_ENCODED;
        $this->assertSame([[$encoded => base64_encode('secret of the other shops')], [1 => [$encoded => base64_encode('new secret of shop 1')], 2 => [$encoded => base64_encode("old secret of shop 2\nsecret of shop 2")]]],
            [array_diff_key(\PsStub::$config, ['PS_MULTISHOP_FEATURE_ACTIVE' => 1, 'PS_OS_PAYMENT' => 1, 'PS_OS_BANKWIRE' => 1, 'PS_OS_ERROR' => 1, 'PS_OS_CANCELED' => 1, 'PS_OS_REFUND' => 1, \EverifinWebhook::CONFIG_SCHEMA => 1]), \PsStub::$configShop]);
        $this->assertSame([], array_values(preg_grep('/SECRETS(?!_B64)/', array_map('strval', \PsStub::$config))), 'no secret stored as typed');

        // A second save moves nothing: one read of the rows, then Configuration.
        \PsStub::$log = [];
        self::saveIn(\Shop::CONTEXT_SHOP, 2, 'new secret of shop 2');
        $sent = array_values(preg_grep('/`ps_configuration`/', \PsStub::$log));
        $this->assertCount(1, $sent);
        $this->assertStringStartsWith('SELECT c.`name`, c.`id_shop_group`, c.`id_shop`, c.`value`, s.`id_shop_group` AS `group_of_shop` FROM `ps_configuration` c', $sent[0]);
        $this->assertSame([['new secret of shop 1'], ['new secret of shop 2'], ['secret of the other shops']], self::secretsOfEachShop());

        // Uninstall deletes both keys in every shop.
        \PsStub::$configGroup[2][$former] = 'group 2';
        $this->assertSame([['group 2'], ['global', 'shop 1', 'shop 2']], [self::rowsOf($former), self::rowsOf($encoded)]);
        (new \EverifinWebhook())->uninstall();
        $this->assertSame([[], []], [self::rowsOf($former), self::rowsOf($encoded)]);
    }

    /**
     * Saved for all shops or for a shop group, the secrets are that context's value, as
     * PrestaShop's own settings: a shop (or group) with secrets of its own -- moved from the
     * former key too -- keeps them, and the page says how many do.
     */
    public function testSavingSecretsForAllShopsOrAGroupKeepsTheSecretsOfItsShops(): void
    {
        self::multistore();
        $former = \EverifinWebhook::CONFIG_SECRETS;
        unset(\PsStub::$config[$former]);
        \PsStub::$configShop = [1 => [$former => 'secret of shop 1'], 2 => [$former => 'secret of shop 2']];
        $this->assertSame([['secret of shop 1'], ['secret of shop 2'], []], self::secretsOfEachShop());
        $this->assertSame(500, self::deliverTo(3, 'secret of shop 1'), 'shop 3 has none');

        $html = self::saveIn(\Shop::CONTEXT_ALL, null, 'secret of all shops');
        $this->assertStringContainsString('alert-success">1 hook secret(s) saved. 2 shop(s) or shop group(s) with hook secrets of their own keep them: select one at the top of the page to change its secrets.</div>', $html);
        $this->assertSame([['secret of shop 1'], ['secret of shop 2'], ['secret of all shops']], self::secretsOfEachShop());
        $this->assertSame([200, 200, 200, 401], [self::deliverTo(1, 'secret of shop 1'), self::deliverTo(2, 'secret of shop 2'), self::deliverTo(3, 'secret of all shops'), self::deliverTo(1, 'secret of all shops')]);

        // Shop 3's group (2), then shop 1's (1): shop 1 keeps its own.
        $html = self::saveIn(\Shop::CONTEXT_GROUP, 2, 'secret of group 2');
        $this->assertStringContainsString('alert-success">1 hook secret(s) saved.</div>', $html);
        $html = self::saveIn(\Shop::CONTEXT_GROUP, 1, 'secret of group 1');
        $this->assertStringContainsString('alert-success">1 hook secret(s) saved. 2 shop(s) of the group with hook secrets of their own keep them', $html);
        $this->assertSame([['secret of shop 1'], ['secret of shop 2'], ['secret of group 2']], self::secretsOfEachShop());
        \PsStub::newRequest();
        \Shop::setContext(\Shop::CONTEXT_ALL);
        $this->assertSame(['secret of all shops'], \EverifinWebhook::secrets());
        \Shop::setContext(\Shop::CONTEXT_GROUP, 1);
        $this->assertSame(['secret of group 1'], \EverifinWebhook::secrets());
        $this->assertSame(base64_encode('secret of group 1'), \PsStub::$configGroup[1][\EverifinWebhook::CONFIG_SECRETS_ENCODED]);
    }

    /**
     * A fresh install: the secrets saved are the context's value (the global one without
     * multistore), nothing moved; with multistore, a shop without any has none until it gets some.
     */
    public function testSecretsSavedOnAFreshInstall(): void
    {
        \PsStub::$config = ['PS_OS_PAYMENT' => 2];
        $this->assertTrue((new \EverifinWebhook())->install());
        \PsStub::$log = [];
        $html = self::saveIn(\Shop::CONTEXT_SHOP, 1, "first secret\nsecond secret");
        $this->assertStringContainsString('alert-success">2 hook secret(s) saved.</div>', $html);
        $this->assertSame(base64_encode("first secret\nsecond secret"), \PsStub::$config[\EverifinWebhook::CONFIG_SECRETS_ENCODED], 'multistore off: the global value');
        $this->assertSame([['global'], 1], [self::rowsOf(\EverifinWebhook::CONFIG_SECRETS_ENCODED), count(preg_grep('/`ps_configuration`/', \PsStub::$log))]);
        $this->assertSame(['first secret', 'second secret'], self::secretsOf(1));

        \PsStub::$config = ['PS_OS_PAYMENT' => 2];
        self::multistore();
        self::saveIn(\Shop::CONTEXT_SHOP, 2, 'secret of shop 2');
        $this->assertSame([[], ['secret of shop 2'], []], self::secretsOfEachShop());
        $this->assertSame([500, 200], [self::deliverTo(1, 'secret of shop 2'), self::deliverTo(2, 'secret of shop 2')]);
        \PsStub::newRequest();
        \Shop::setContext(\Shop::CONTEXT_SHOP, 1);
        $this->assertStringContainsString('No hook secret is configured', (new \EverifinWebhook())->getContent());
    }

    /**
     * Former rows the new key already hides stay hidden: secrets() reads the former key only when
     * the new one has no value for the shop (its own, its group's or the global one), so such a
     * row is deleted, not moved in front of the value it never overrode. Rows of shops and groups
     * saved while multistore was on are moved also while it is off, for when it is on again.
     */
    public function testFormerSecretsAreMovedOnlyWhereTheyWereRead(): void
    {
        self::multistore();
        \PsStub::$shops[4] = 2;
        $former = \EverifinWebhook::CONFIG_SECRETS;
        $encoded = \EverifinWebhook::CONFIG_SECRETS_ENCODED;
        // The new key for all shops and for shop 3; the former one for shop 2, group 2 and all shops.
        \PsStub::$config = [$encoded => base64_encode('new global'), $former => 'former global', 'PS_MULTISHOP_FEATURE_ACTIVE' => '1', 'PS_OS_PAYMENT' => 2];
        \PsStub::$configShop = [2 => [$former => 'former shop 2'], 3 => [$encoded => base64_encode('new shop 3')]];
        \PsStub::$configGroup = [2 => [$former => 'former group 2']];
        $before = [self::secretsOf(1), self::secretsOf(2), self::secretsOf(3), self::secretsOf(4)];
        $this->assertSame([['new global'], ['new global'], ['new shop 3'], ['new global']], $before);
        self::saveIn(\Shop::CONTEXT_SHOP, 1, 'new shop 1');
        $this->assertSame([['new shop 1'], ['new global'], ['new shop 3'], ['new global']], [self::secretsOf(1), self::secretsOf(2), self::secretsOf(3), self::secretsOf(4)]);
        $this->assertSame([[], ['global', 'shop 1', 'shop 3']], [self::rowsOf($former), self::rowsOf($encoded)]);

        // The new key for group 1: shop 2 (in it) reads that, not its former row.
        \PsStub::$config = [$former => 'former global', 'PS_MULTISHOP_FEATURE_ACTIVE' => '1'];
        \PsStub::$configShop = [2 => [$former => 'former shop 2']];
        \PsStub::$configGroup = [1 => [$encoded => base64_encode('new group 1')]];
        $this->assertSame([['new group 1'], ['new group 1'], ['former global']], self::secretsOfEachShop());
        self::saveIn(\Shop::CONTEXT_SHOP, 3, 'new shop 3');
        $this->assertSame([['new group 1'], ['new group 1'], ['new shop 3']], self::secretsOfEachShop());
        $this->assertSame([[], ['global', 'group 1', 'shop 3']], [self::rowsOf($former), self::rowsOf($encoded)]);

        // Without the new key anywhere: moved, group 2's too (shop 4 reads it, shop 3 its own).
        \PsStub::$config = [$former => 'former global', 'PS_MULTISHOP_FEATURE_ACTIVE' => '1'];
        \PsStub::$configShop = [2 => [$former => 'former shop 2'], 3 => [$encoded => base64_encode('new shop 3')]];
        \PsStub::$configGroup = [2 => [$former => 'former group 2']];
        self::saveIn(\Shop::CONTEXT_SHOP, 1, 'new shop 1');
        $this->assertSame([['new shop 1'], ['former shop 2'], ['new shop 3'], ['former group 2']], [self::secretsOf(1), self::secretsOf(2), self::secretsOf(3), self::secretsOf(4)]);

        // Multistore off: saved as the global value; shop 2's row kept, read again once it is on.
        \PsStub::$config = [$former => 'former global', 'PS_MULTISHOP_FEATURE_ACTIVE' => '0'];
        \PsStub::$configShop = [2 => [$former => 'former shop 2']];
        \PsStub::$configGroup = [];
        $this->assertSame([['former global'], ['former global']], [self::secretsOf(1), self::secretsOf(2)]);
        self::saveIn(\Shop::CONTEXT_SHOP, 1, 'new global');
        $this->assertSame([['new global'], ['new global']], [self::secretsOf(1), self::secretsOf(2)]);
        \PsStub::$config['PS_MULTISHOP_FEATURE_ACTIVE'] = '1';
        $this->assertSame([['new global'], ['former shop 2']], [self::secretsOf(1), self::secretsOf(2)]);
    }

    /**
     * The former rows are moved one statement at a time, shops' first, then groups', then the
     * global one: a save that fails on the way (here at group 2's row; had the global row been
     * moved first, shop 3 would read it instead of its group's) leaves every shop reading what it
     * read, and says so.
     */
    public function testASaveThatFailsHalfWayChangesNoShopsSecrets(): void
    {
        self::multistore();
        $former = \EverifinWebhook::CONFIG_SECRETS;
        \PsStub::$configShop = [2 => [$former => 'former shop 2']];
        \PsStub::$configGroup = [2 => [$former => 'former group 2']];
        \PsStub::$config[$former] = 'former global';
        \PsStub::$failOn = "UPDATE `ps_configuration` SET `name` = 'EVERIFIN_WEBHOOK_SECRETS_B64', `value` = '" . base64_encode('former group 2') . "'";
        $html = self::saveIn(\Shop::CONTEXT_SHOP, 1, 'new shop 1');
        $this->assertStringContainsString('alert-danger">Not saved: the configuration could not be written. The configured secrets are unchanged.</div>', $html);
        $this->assertStringNotContainsString('gone away', $html);
        $this->assertSame([['former global'], ['former shop 2'], ['former group 2']], self::secretsOfEachShop());
        $this->assertSame([\EverifinWebhook::CONFIG_SECRETS_ENCODED => base64_encode('former shop 2')], \PsStub::$configShop[2], 'shop 2\'s row was moved');
        \PsStub::$failOn = null;
        self::saveIn(\Shop::CONTEXT_SHOP, 1, 'new shop 1');
        $this->assertSame([['new shop 1'], ['former shop 2'], ['former group 2']], self::secretsOfEachShop());
    }

    /**
     * What a stranger's request costs the database: while the last rejected delivery recorded is
     * fresh (less than TRACE_INTERVAL seconds old), one read and no write statement (a write per
     * request would grow the binary log, and the replicas' work, with every forged POST). Once it
     * is old, the next one writes it, once.
     */
    public function testAnUnsignedRequestCostsOneReadAndNoWriteWhileTheTraceIsFresh(): void
    {
        $forged = static fn (int $i): int => (new \EverifinWebhookWebhookModuleFrontController())->handle('{"a":' . $i . '}', 'ts=2024-05-07T10:00:00.000Z;v0=' . str_repeat('0', 64))[0];
        $this->assertSame(401, $forged(0));
        $this->assertSame(['httpStatus' => 401, 'status' => 'SIGNATURE_MISMATCH'], json_decode(\PsStub::$traces['rejected']['record'], true));
        \PsStub::$log = [];
        for ($i = 1; $i <= 50; $i++) {
            $this->assertSame(401, $forged($i));
        }
        $this->assertSame([], array_values(preg_grep('/^SELECT /', \PsStub::$log, PREG_GREP_INVERT)), 'no write statement');
        $this->assertSame(array_fill(0, 50, "SELECT `time` FROM `ps_everifin_webhook_trace` WHERE `kind` = 'rejected' LIMIT 1"), \PsStub::$log, 'one read each');

        \PsStub::$traces['rejected']['time'] -= \EverifinWebhook::TRACE_INTERVAL;
        \PsStub::$log = [];
        $this->assertSame(401, $forged(51));
        $this->assertSame(401, $forged(52));
        $this->assertCount(1, preg_grep('/^INSERT INTO `ps_everifin_webhook_trace`/', \PsStub::$log), 'written once');
        $this->assertCount(3, \PsStub::$log);
        $this->assertEqualsWithDelta(time(), \PsStub::$traces['rejected']['time'], 5);
    }

    private static function page(): string
    {
        $_SERVER['REQUEST_URI'] = '/admin/index.php?controller=AdminModules&configure=everifinwebhook';
        $_POST = [];
        return (new \EverifinWebhook())->getContent();
    }

    // ------------------------------------------------------------- what PrestaShop runs before postProcess()

    /**
     * FrontController::init() runs before postProcess(): while the shop is in maintenance it
     * answers every address but the listed ones with the maintenance page (503 HTML), and with
     * geolocation on, a visitor from a country the shop does not allow with the restricted-country
     * page (403 HTML). Everifin gives up after a few retries: the webhook is answered whatever
     * they say. Controller::__construct() sets $ajax from the request's ajax parameter: the
     * webhook sets it again (no theme header and footer).
     */
    public function testTheWebhookIsAnsweredDuringMaintenanceAndFromAnyCountry(): void
    {
        $_SERVER['REMOTE_ADDR'] = '198.51.100.7';
        \PsStub::$config += ['PS_SHOP_ENABLE' => '0', 'PS_MAINTENANCE_IP' => '203.0.113.9', 'PS_GEOLOCATION_ENABLED' => '1', 'PS_OS_PAYMENT' => 2];
        \PsStub::$visitorCountryAllowed = false;
        $page = static function (\ModuleFrontController $c): ?int {
            try {
                $c->init();
                return null;
            } catch (\PsStubExit $e) {
                return $e->httpStatus;
            }
        };
        $this->assertSame(503, $page(new \ModuleFrontController()), 'another module\'s page during maintenance');
        \PsStub::$config['PS_SHOP_ENABLE'] = '1';
        \PsStub::newRequest();
        $this->assertSame(403, $page(new \ModuleFrontController()), 'another module\'s page from a country the shop does not allow');
        \PsStub::$config['PS_SHOP_ENABLE'] = '0';
        \PsStub::newRequest();

        $c = new \EverifinWebhookWebhookModuleFrontController();
        $this->assertTrue($c->ajax);
        $this->assertNull($page($c));
        $this->assertSame([false, false], [$c->display_header, $c->display_footer]);
        [$code, $p] = self::deliver('a1a1a1a1-a1a1-41a1-81a1-a1a1a1a1a1a1', 'payment.statusChange', '2024-05-07T10:00:00.000Z', ['paymentId' => self::PAY_A, 'status' => 'BOOKED', 'externalId' => '42']);
        $this->assertSame([200, 2], [$code, $p['orderState']]);
    }

    // ------------------------------------------------------------- e-mails to the customer

    /**
     * A state change e-mails the customer when the state has "send_email": Awaiting bank wire
     * payment's e-mail gives the shop's bank details and asks for the whole amount, wrong for a
     * payment made through Everifin (pending, authorized, partially paid): that move is recorded
     * without e-mail. Payment accepted, payment error and cancelled e-mail as PrestaShop does.
     */
    public function testOnlyTheAwaitingStateIsRecordedWithoutAnEmail(): void
    {
        \PsStub::$orders[42] = ['state' => 8];
        [, $p] = self::deliver('91919191-9191-4191-8191-919191919191', 'payment.statusChange', '2024-05-07T10:00:00.000Z', ['paymentId' => self::PAY_A, 'status' => 'PROCESSING', 'externalId' => '42']);
        $this->assertSame(['apply', 10], [$p['decision']['action'], $p['orderState']]);
        $this->assertSame([[42, 10]], \PsStub::$history);
        $this->assertSame([], \PsStub::$mails, 'no bank wire instructions');
        self::deliver('91919191-9191-4191-8191-919191919192', 'order.statusChange', '2024-05-07T10:01:00.000Z', ['orderId' => self::EVF_ORDER, 'status' => 'PARTIALLY_PAID', 'externalId' => '42']);
        $this->assertSame([], \PsStub::$mails);
        self::deliver('91919191-9191-4191-8191-919191919193', 'payment.statusChange', '2024-05-07T10:02:00.000Z', ['paymentId' => self::PAY_A, 'status' => 'BOOKED', 'externalId' => '42']);
        $this->assertSame([[42, 'payment']], \PsStub::$mails);

        \PsStub::$orders[43] = ['state' => 10];
        \PsStub::$orders[44] = ['state' => 10];
        self::deliver('91919191-9191-4191-8191-919191919194', 'payment.statusChange', '2024-05-07T10:00:00.000Z', ['paymentId' => self::PAY_B, 'status' => 'FAILED', 'externalId' => '43']);
        self::deliver('91919191-9191-4191-8191-919191919195', 'payment.statusChange', '2024-05-07T10:00:00.000Z', ['paymentId' => '5d5d5d5d-5d5d-4d5d-8d5d-5d5d5d5d5d5d', 'status' => 'EXPIRED', 'externalId' => '44']);
        $this->assertSame([[42, 'payment'], [43, 'payment_error'], [44, 'order_canceled']], \PsStub::$mails);
        $this->assertSame([[42, 10], [42, 2], [43, 8], [44, 6]], \PsStub::$history);
    }

    /**
     * The state's e-mail goes out after the order update is committed: an update rolled back (a
     * deadlock, the database gone) and retried by Everifin e-mails once, and a delivery answered
     * 500 none. A mail that cannot be sent leaves the committed update as it is, with a warning.
     */
    public function testTheStateEmailIsSentOnceAfterTheCommit(): void
    {
        \PsStub::$failOn = 'REPLACE INTO';   // the webhook state cannot be saved, after the order was moved
        [$code] = self::deliver('92929292-9292-4292-8292-929292929291', 'payment.statusChange', '2024-05-07T10:00:00.000Z', ['paymentId' => self::PAY_A, 'status' => 'BOOKED', 'externalId' => '42']);
        $this->assertSame(500, $code);
        $this->assertSame([], \PsStub::$mails, 'rolled back: no e-mail');
        $this->assertSame([10, []], [\PsStub::$orders[42]['state'], \PsStub::$history], 'rolled back');
        \PsStub::$failOn = null;
        \PsStub::$log = [];
        [$code, $p] = self::deliver('92929292-9292-4292-8292-929292929291', 'payment.statusChange', '2024-05-07T10:00:00.000Z', ['paymentId' => self::PAY_A, 'status' => 'BOOKED', 'externalId' => '42']);
        $this->assertSame([200, 'apply', 2], [$code, $p['decision']['action'], $p['orderState']]);
        $this->assertSame([[42, 'payment']], \PsStub::$mails, 'Everifin\'s retry: one e-mail');
        $this->assertSame(['COMMIT', 'new Order(42)', 'Mail::Send(payment) for order 42'], array_slice(\PsStub::$log, -3), 'after the commit');

        \PsStub::$orders[43] = ['state' => 10];
        \PsStub::$logs = [];
        \PsStub::$failOn = 'Mail::Send';
        [$code, $p] = self::deliver('92929292-9292-4292-8292-929292929292', 'payment.statusChange', '2024-05-07T10:00:00.000Z', ['paymentId' => self::PAY_B, 'status' => 'FAILED', 'externalId' => '43']);
        $this->assertSame([200, 8], [$code, $p['orderState']]);
        $this->assertSame([[42, 'payment']], \PsStub::$mails);
        $this->assertSame([['everifin-webhook: the order was moved to state 8, but PrestaShop could not send the customer the e-mail of that state (see the e-mail settings and their log).', 2, 'Order', 43]], \PsStub::$logs);
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
        $note = 'Everifin payment ' . self::PAY_A . ': BOOKED (event 51515151-5151-4151-8151-515151515152) reports a payment, but it was not applied to the order (skipped: regression): the money may have arrived although the order is in state 8. '
            . 'The order was left as it is: check the payment in the Everifin Back Office before you cancel the order, ship it or ask the customer to pay again.';
        $this->assertCount(1, \PsStub::$messages);
        $this->assertSame($note, \PsStub::$messages[0]['message']);
        $this->assertSame([0, 1], [\PsStub::$messages[0]['id_employee'], \PsStub::$messages[0]['private']], 'a private message: employees only');
        $this->assertSame(['id_customer' => 1, 'id_order' => 42, 'email' => 'customer@shop.example', 'status' => 'open', 'id_shop' => 1], \PsStub::$threads[\PsStub::$messages[0]['id_customer_thread']]);
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
        $note = 'Everifin order ' . self::EVF_ORDER . ': PARTIALLY_PAID (event 52525252-5252-4252-8252-525252525253) says the order is only partially paid, although a payment was booked for it (skipped: already_paid). '
            . 'The order was left as it is (in state 2): check the amount received in the Everifin Back Office before you ship.';
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

    /**
     * Multistore: a webhook URL of one shop may deliver an event of another shop's order. The
     * notes of an order go to its one customer service thread, in the order's shop (PrestaShop's
     * CustomerThread::getIdCustomerThreadByEmailAndIdOrder() looks in the shop of the URL).
     */
    public function testTheNotesOfAnOrderOfAnotherShopGoToOneThread(): void
    {
        \PsStub::$orders[42] = ['state' => 10, 'shop' => 2];
        \PsStub::$contextShop = 1;
        self::deliver('b1b1b1b1-b1b1-41b1-81b1-b1b1b1b1b1b1', 'payment.statusChange', '2024-05-07T10:00:00.000Z', ['paymentId' => self::PAY_A, 'status' => 'PROCESSING_EXPIRED', 'externalId' => '42']);
        self::deliver('b1b1b1b1-b1b1-41b1-81b1-b1b1b1b1b1b2', 'payment.statusChange', '2024-05-07T10:10:00.000Z', ['paymentId' => self::PAY_A, 'status' => 'BOOKED', 'externalId' => '42']);
        self::deliver('b1b1b1b1-b1b1-41b1-81b1-b1b1b1b1b1b3', 'payment.statusChange', '2024-05-07T10:11:00.000Z', ['paymentId' => self::PAY_B, 'status' => 'BOOKED', 'externalId' => '42']);
        self::deliver('b1b1b1b1-b1b1-41b1-81b1-b1b1b1b1b1b4', 'payment.statusChange', '2024-05-07T10:12:00.000Z', ['paymentId' => self::PAY_A, 'status' => 'FINISHED', 'externalId' => '42']);
        $this->assertCount(2, \PsStub::$messages, 'two notes');
        $this->assertCount(1, \PsStub::$threads, 'one thread for the order');
        $this->assertSame([2, 42], [\PsStub::$threads[1]['id_shop'], \PsStub::$threads[1]['id_order']]);
        $this->assertSame([1, 1], array_column(\PsStub::$messages, 'id_customer_thread'));
    }

    /** @return list<string> the warnings logged (severity 2), without the module's prefix */
    private static function warnings(): array
    {
        return array_values(array_map(static fn ($l) => substr($l[0], strlen('everifin-webhook: ')), array_filter(\PsStub::$logs, static fn ($l) => $l[1] === 2)));
    }

    /** A payment paid while Everifin's last order-level status is PARTIALLY_PAID: applied, with the warning the WooCommerce plugin gives. */
    public function testAPaymentAppliedWhileEverifinSaysPartiallyPaidLeavesANote(): void
    {
        self::deliver('55555555-5555-4555-8555-555555555551', 'order.statusChange', '2024-05-07T10:00:00.000Z', ['orderId' => self::EVF_ORDER, 'status' => 'PARTIALLY_PAID', 'externalId' => '42']);
        $this->assertSame([], \PsStub::$messages);
        [, $p] = self::deliver('55555555-5555-4555-8555-555555555552', 'payment.statusChange', '2024-05-07T10:01:00.000Z', ['paymentId' => self::PAY_A, 'status' => 'BOOKED', 'externalId' => '42', 'orderId' => self::EVF_ORDER]);
        $this->assertSame(['apply', 2], [$p['decision']['action'], $p['orderState']]);
        $this->assertSame([[42, 2]], \PsStub::$history, 'applied: the order is paid');
        $note = 'Everifin payment ' . self::PAY_A . ': BOOKED (event 55555555-5555-4555-8555-555555555552) was applied, but Everifin\'s last status of order ' . self::EVF_ORDER
            . ' is PARTIALLY_PAID: the order may be only partially paid. Check the amount received in the Everifin Back Office before you ship.';
        $this->assertSame([$note], array_column(\PsStub::$messages, 'message'));
        $this->assertSame([$note], self::warnings());
    }

    /**
     * A second payment for an order the webhook marked paid, or for an order paid or refunded in
     * the shop: never applied again; a private note and a warning instead of the informative line.
     * Another paid status of the payment that paid it is nothing new.
     */
    public function testASecondPaymentOrMoneyForARefundedOrderLeavesANote(): void
    {
        self::deliver('56565656-5656-4656-8656-565656565651', 'payment.statusChange', '2024-05-07T10:00:00.000Z', ['paymentId' => self::PAY_A, 'status' => 'BOOKED', 'externalId' => '42']);
        $this->assertSame(self::PAY_A, \EverifinWebhook::paidBy(42));
        // Another paid status of the same payment (regression, skipped): no note.
        self::deliver('56565656-5656-4656-8656-565656565652', 'payment.statusChange', '2024-05-07T10:01:00.000Z', ['paymentId' => self::PAY_A, 'status' => 'FINISHED', 'externalId' => '42']);
        $this->assertSame([], \PsStub::$messages);
        [, $p] = self::deliver('56565656-5656-4656-8656-565656565653', 'payment.statusChange', '2024-05-07T10:02:00.000Z', ['paymentId' => self::PAY_B, 'status' => 'BOOKED', 'externalId' => '42']);
        $this->assertSame(['apply', 2], [$p['decision']['action'], $p['orderState']]);
        $this->assertSame([[42, 2]], \PsStub::$history, 'not paid again');
        $note = 'Everifin payment ' . self::PAY_B . ': BOOKED (event 56565656-5656-4656-8656-565656565653) (the order is in state 2 already, paid by payment ' . self::PAY_A . '; left as it is): '
            . 'the customer may have paid twice. Check the payments in the Everifin Back Office and refund the extra one.';
        $this->assertSame([$note], array_column(\PsStub::$messages, 'message'));
        $this->assertSame([$note], self::warnings());
        $this->assertCount(1, \PsStub::$logs, 'the warning replaces the informative line');
        $this->assertSame(self::PAY_A, \EverifinWebhook::paidBy(42), 'the payment that paid the order is kept');

        // Paid in the shop by another gateway's transaction, then a payment booked.
        \PsStub::$orders[43] = ['state' => 2];
        \PsStub::addPayment(43, 'pi_3P2x');
        self::deliver('56565656-5656-4656-8656-565656565654', 'payment.statusChange', '2024-05-07T10:03:00.000Z', ['paymentId' => self::PAY_A, 'status' => 'BOOKED', 'externalId' => '43']);
        $this->assertStringContainsString('(the order is in state 2 already, paid by transaction pi_3P2x; left as it is): the customer may have paid twice. Check the payments in the Everifin Back Office and refund the extra one.', self::warnings()[1]);
        // Refunded in the shop after it was paid (Refunded has no paid flag: the paid state is in
        // its history), then a payment booked: the refunded order's warning.
        \PsStub::$orders[44] = ['state' => 7];
        \PsStub::$history[] = [44, 2];
        self::deliver('56565656-5656-4656-8656-565656565655', 'payment.statusChange', '2024-05-07T10:04:00.000Z', ['paymentId' => self::PAY_B, 'status' => 'BOOKED', 'externalId' => '44']);
        $this->assertStringContainsString('(the order is in state 7 already; left as it is): money was booked for a refunded order.', self::warnings()[2]);
        $this->assertCount(3, \PsStub::$messages);
        $this->assertSame([2, 2, 7], [\PsStub::$orders[42]['state'], \PsStub::$orders[43]['state'], \PsStub::$orders[44]['state']]);
    }

    /**
     * An order the shop's checkout payment module (or the merchant) put in PS_OS_PAYMENT before
     * the webhook came: the BOOKED of that very payment is no second payment. Recorded with its
     * transaction id (validateOrder()'s OrderPayment): nothing to tell. Without an id: a check,
     * never "refund the extra one". Its FINISHED afterwards: nothing new.
     */
    public function testAnOrderPaidBeforeTheWebhookIsNoSecondPaymentOfItsOwnPayment(): void
    {
        \PsStub::$orders[42] = ['state' => 2];
        \PsStub::addPayment(42, self::PAY_A);
        [, $p] = self::deliver('58585858-5858-4858-8858-585858585851', 'payment.statusChange', '2024-05-07T10:00:00.000Z', ['paymentId' => self::PAY_A, 'status' => 'BOOKED', 'externalId' => '42']);
        $this->assertSame(['apply', 'first', 2], [$p['decision']['action'], $p['decision']['reason'], $p['orderState']]);
        $this->assertSame([[], []], [\PsStub::$messages, self::warnings()]);
        $this->assertSame([], \PsStub::$history, 'not paid again');

        \PsStub::$orders[43] = ['state' => 2];
        \PsStub::addPayment(43, '');
        self::deliver('58585858-5858-4858-8858-585858585852', 'payment.statusChange', '2024-05-07T10:00:00.000Z', ['paymentId' => self::PAY_B, 'status' => 'BOOKED', 'externalId' => '43']);
        $note = 'Everifin payment ' . self::PAY_B . ': BOOKED (event 58585858-5858-4858-8858-585858585852) (the order is in state 2 already, marked paid without a payment id this shop knows; left as it is): '
            . 'if that was not this payment, the customer may have paid twice. Check the payments in the Everifin Back Office before you refund anything.';
        $this->assertSame([$note], array_column(\PsStub::$messages, 'message'));
        $this->assertSame([$note], self::warnings());
        [, $p] = self::deliver('58585858-5858-4858-8858-585858585853', 'payment.statusChange', '2024-05-07T10:01:00.000Z', ['paymentId' => self::PAY_B, 'status' => 'FINISHED', 'externalId' => '43']);
        $this->assertSame(['skip', 'regression'], [$p['decision']['action'], $p['decision']['reason']]);
        $this->assertCount(1, \PsStub::$messages, 'told once');

        // Paid by the 0.1.0 webhook (no record of the payment it was paid for), then FINISHED.
        \PsStub::$orders[44] = ['state' => 10];
        self::deliver('58585858-5858-4858-8858-585858585854', 'payment.statusChange', '2024-05-07T10:00:00.000Z', ['paymentId' => self::PAY_A, 'status' => 'BOOKED', 'externalId' => '44']);
        unset(\PsStub::$refs['paid ' . self::PAY_A]);
        $this->assertSame([44, 2], end(\PsStub::$history));
        self::deliver('58585858-5858-4858-8858-585858585855', 'payment.statusChange', '2024-05-07T10:01:00.000Z', ['paymentId' => self::PAY_A, 'status' => 'FINISHED', 'externalId' => '44']);
        $this->assertCount(1, \PsStub::$messages);
    }

    /** The order as Attention reads it: state, whether it has been paid and by which payment, refunded. */
    public function testTheModuleTellsAttentionWhatTheShopKnows(): void
    {
        $verifier = new Verifier([self::SECRET]);
        $body = json_encode(['eventId' => '57575757-5757-4757-8757-575757575757', 'eventType' => 'payment.statusChange', 'eventTimestamp' => '2024-05-07T10:00:00.000Z',
            'data' => ['paymentId' => self::PAY_B, 'status' => 'BOOKED', 'externalId' => '42', 'orderId' => self::EVF_ORDER]]);
        $event = $verifier->normalize($body);
        $decision = $verifier->decide($event);
        $attention = static fn () => \EverifinWebhookWebhookModuleFrontController::attention(new \Order(42), $event, $decision);
        \PsStub::$orders[42] = ['state' => 10];
        $this->assertNull($attention(), 'never paid: paid by this payment');
        \PsStub::$orders[42] = ['state' => 4];
        $this->assertStringContainsString('(the order is in state 4 already, marked paid without a payment id this shop knows;', (string) $attention()?->text);
        // The order's payments as PrestaShop records them (order_payment, by the order's reference).
        \PsStub::addPayment(42, '');
        $this->assertStringContainsString('marked paid without a payment id this shop knows;', (string) $attention()?->text, 'a payment without transaction id');
        \PsStub::addPayment(42, self::EVF_ORDER);
        $this->assertStringContainsString('marked paid without a payment id this shop knows;', (string) $attention()?->text, "Everifin's order id is not another payment");
        \PsStub::addPayment(42, 'pi_3P2x');
        $this->assertStringContainsString('(the order is in state 4 already, paid by transaction pi_3P2x;', (string) $attention()?->text);
        \PsStub::addPayment(42, strtoupper(self::PAY_B));
        $this->assertNull($attention(), 'a payment whose transaction id is this one (case aside)');
        \PsStub::$payments = [];
        \PsStub::$orders[43] = ['state' => 4, 'reference' => \PsStub::reference(42)];
        \PsStub::addPayment(43, self::PAY_B);
        $this->assertNull($attention(), 'the orders of one cart share their reference, and its payments');
        \PsStub::$payments = [];
        \PsStub::$refs['paid ' . self::PAY_A] = 42;
        $this->assertStringContainsString('(the order is in state 4 already, paid by payment ' . self::PAY_A . ';', (string) $attention()?->text);
        \PsStub::$refs = ['paid ' . self::PAY_B => 42];
        $this->assertNull($attention(), 'the payment that paid it');
        \PsStub::$orders[42] = ['state' => 7];
        \PsStub::$history[] = [42, 4];   // the paid state before the refund
        $this->assertNull($attention(), 'refunded after this payment paid it');
        \PsStub::$refs = [];
        $this->assertSame(\Everifin\Webhook\Attention::REFUNDED_ORDER, $attention()?->kind);
        \PsStub::$history = [];
        $this->assertNull($attention(), 'refunded but never paid: apply() moves it to payment accepted, nothing is left as it is');
    }

    /** A refunded order that was never paid, then its payment booked: paid, no "left as it is" warning. */
    public function testARefundedOrderNeverPaidIsPaidByItsPayment(): void
    {
        \PsStub::$orders[42] = ['state' => 7];
        [, $p] = self::deliver('59595959-5959-4959-8959-595959595951', 'payment.statusChange', '2024-05-07T10:00:00.000Z', ['paymentId' => self::PAY_A, 'status' => 'BOOKED', 'externalId' => '42']);
        $this->assertSame(['apply', 2], [$p['decision']['action'], $p['orderState']]);
        $this->assertSame([[42, 2]], \PsStub::$history);
        $this->assertSame([[], []], [\PsStub::$messages, self::warnings()]);
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

    // ------------------------------------------------------------- the library not the bundled one

    /**
     * Runs $code after the stubs in a PHP of its own (a class cannot be unloaded) and returns what
     * it printed as JSON.
     *
     * @return array<string, mixed>
     */
    private static function runIsolated(string $code): array
    {
        $script = sys_get_temp_dir() . '/evf-ps-isolated-' . getmypid() . '.php';
        file_put_contents($script, "<?php\ndeclare(strict_types=1);\nrequire " . var_export(__DIR__ . '/stubs/prestashop.php', true) . ";\n" . $code);
        try {
            [$rc, $out, $err] = Command::run([PHP_BINARY, '-d', 'ffi.enable=' . (string) ini_get('ffi.enable'), '-d', 'display_errors=stderr', $script]);
        } finally {
            unlink($script);
        }
        $result = json_decode($out, true);
        self::assertIsArray($result, "exit $rc, stdout: $out, stderr: $err");
        self::assertSame('', $err);
        return $result;
    }

    /**
     * Without the library (PHP older than 8.1, where the module file does not load it, or
     * vendor/everifin-webhook missing from the module folder): PrestaShop makes the module object
     * for its module list and for every request to the webhook (ModuleFrontController's
     * constructor), catching no Error. The module is made, install() refuses by name, the
     * configuration page says it, and the endpoint answers 500 (Everifin retries) with the reason logged.
     */
    public function testWithoutItsLibraryTheModuleRefusesClearly(): void
    {
        $this->assertDirectoryDoesNotExist(self::PLUGIN . '/vendor', 'the checkout\'s module has no bundled library');
        $r = self::runIsolated('require ' . var_export(self::PLUGIN . '/everifinwebhook.php', true) . ";\n"
            . 'require ' . var_export(self::PLUGIN . '/controllers/front/webhook.php', true) . ";\n"
            . '$out = ["library" => class_exists(\'Everifin\\\\Webhook\\\\Verifier\')];' . "\n"
            . '$m = Module::getInstanceByName("everifinwebhook");' . "\n"
            . '$out["warning"] = $m->warning; $out["install"] = $m->install(); $out["errors"] = $m->getErrors();' . "\n"
            . '$_SERVER["REQUEST_URI"] = "/admin/index.php?controller=AdminModules&configure=everifinwebhook";' . "\n"
            . '$out["page"] = $m->getContent();' . "\n"
            . 'PsStub::$config[EverifinWebhook::CONFIG_SECRETS] = "whsec-prestashop-shop-5e1d";' . "\n"
            . 'PsStub::newRequest();' . "\n"
            . '$c = new EverifinWebhookWebhookModuleFrontController();' . "\n"
            . 'register_shutdown_function(static function () use (&$out): void { $out["answer"] = ob_get_clean(); $out["logs"] = PsStub::$logs; echo json_encode($out); });' . "\n"
            . 'ob_start();' . "\n"
            . '$c->postProcess();' . "\n");
        $missing = 'The everifin-webhook library is missing from the module folder (vendor/everifin-webhook); reinstall the module.';
        $this->assertSame([false, $missing, false, [$missing]], [$r['library'], $r['warning'], $r['install'], $r['errors']]);
        $this->assertStringContainsString('<div class="alert alert-warning">' . $missing . '</div>', $r['page']);
        $this->assertSame(['ok' => false, 'status' => 'INTERNAL', 'message' => 'the shop could not process the webhook; it will be retried'], json_decode($r['answer'], true));
        $this->assertSame([['everifin-webhook: webhook not processed (answered 500, Everifin retries): ' . $missing, 3, null, null]], $r['logs']);
    }

    /**
     * PHP-FPM that preloaded the binding of an earlier module version (its opcache.preload) keeps
     * those classes until it is reloaded, also after the module files were updated: an Environment
     * without STABLE_DIR and phpFpmSetup(). The module object, the webhook and the configuration
     * page work; the page asks for the reload.
     */
    public function testAnEarlierLibraryLoadedFirstStopsNeitherTheWebhookNorThePage(): void
    {
        $this->assertSame(\Everifin\Webhook\Environment::STABLE_DIR, \EverifinWebhook::NATIVE_DIR, 'the folder the binding names');
        $body = json_encode(['eventId' => '71717171-7171-4171-8171-717171717171', 'eventType' => 'payment.statusChange', 'eventTimestamp' => '2024-05-07T10:00:00.000Z',
            'data' => ['paymentId' => self::PAY_A, 'status' => 'BOOKED', 'externalId' => '42']]);
        $r = self::runIsolated(
            // Environment as the 0.1.0 binding had it: diagnose() and report() only.
            'eval(' . var_export('namespace Everifin\\Webhook; final class Environment { public static function diagnose(): array { return '
                . "['backend' => 'php', 'reason' => 'FFI is disabled (ffi.enable=0)', 'via' => null, 'library' => null, 'libraryVersion' => null, 'fix' => ['The pure-PHP fallback gives the same results; FFI is only faster.']]; }"
                . ' public static function report(): string { return ""; } }', true) . ");\n"
            . 'require ' . var_export(dirname(__DIR__) . '/autoload.php', true) . ";\n"
            . 'require ' . var_export(self::PLUGIN . '/everifinwebhook.php', true) . ";\n"
            . 'require ' . var_export(self::PLUGIN . '/controllers/front/webhook.php', true) . ";\n"
            . '$out = ["stableDir" => defined(\'Everifin\\\\Webhook\\\\Environment::STABLE_DIR\')];' . "\n"
            . '$m = Module::getInstanceByName("everifinwebhook");' . "\n"
            . '$_SERVER["REQUEST_URI"] = "/admin/index.php?controller=AdminModules&configure=everifinwebhook";' . "\n"
            . '$out["page"] = $m->getContent();' . "\n"
            . 'PsStub::$config = [EverifinWebhook::CONFIG_SECRETS => "whsec-prestashop-shop-5e1d", "PS_OS_PAYMENT" => 2];' . "\n"
            . 'PsStub::newRequest();' . "\n"
            . 'PsStub::$orders[42] = ["state" => 10];' . "\n"
            . '$out["handled"] = (new EverifinWebhookWebhookModuleFrontController())->handle(' . var_export($body, true) . ', ' . var_export(Verifier::sign($body, [self::SECRET]), true) . ');' . "\n"
            . 'echo json_encode($out);' . "\n");
        $this->assertFalse($r['stableDir']);
        $this->assertStringContainsString('<p>The commands need the library of this module version; reload PHP-FPM (the classes it preloaded at its start are of an older version) or reinstall the module.</p>', $r['page']);
        $this->assertStringContainsString('The pure-PHP fallback runs, because FFI is disabled (ffi.enable=0).', $r['page']);
        $this->assertSame([200, 42, 2], [$r['handled'][0], $r['handled'][1]['order'], $r['handled'][1]['orderState']]);
    }

    // ------------------------------------------------------------- installed 0.1.0 modules

    public function testAShopWithTheFormerTablesGetsTheNewOnes(): void
    {
        // 0.1.0 installed: the state table only, no schema version.
        [$code] = self::deliver('61616161-6161-4161-8161-616161616161', 'payment.statusChange', '2024-05-07T10:00:00.000Z', ['paymentId' => self::PAY_A, 'status' => 'BOOKED', 'externalId' => '42']);
        $this->assertSame(200, $code);
        $this->assertSame(['everifin_webhook_state', 'everifin_webhook_ref', 'everifin_webhook_trace'], \PsStub::$tables);
        $this->assertSame((string) \EverifinWebhook::SCHEMA_VERSION, \PsStub::$config[\EverifinWebhook::CONFIG_SCHEMA]);
        self::deliver('61616161-6161-4161-8161-616161616162', 'payment.statusChange', '2024-05-07T10:01:00.000Z', ['paymentId' => self::PAY_A, 'status' => 'BOOKED', 'externalId' => '42']);
        $this->assertCount(3, \PsStub::$tables, 'created once');

        // A stranger's request costs nothing: no configuration read for the tables, no CREATE,
        // no log line, also on a shop whose database user cannot create them.
        \PsStub::$tables = [];
        \PsStub::$log = [];
        unset(\PsStub::$config[\EverifinWebhook::CONFIG_SCHEMA]);
        \PsStub::newRequest();
        \PsStub::$failOn = 'CREATE TABLE';
        $body = '{"eventId":"61616161-6161-4161-8161-616161616163"}';
        [$code] = (new \EverifinWebhookWebhookModuleFrontController())->handle($body, Verifier::sign($body, ['not-the-secret']));
        $this->assertSame(401, $code);
        $this->assertSame([[], []], [\PsStub::$tables, \PsStub::$logs]);
        $this->assertSame([], preg_grep('/^CREATE/', \PsStub::$log));
        // Everifin's delivery on that shop: the tables are created first; failing, 500 (retried) and the cause logged.
        [$code] = self::deliver('61616161-6161-4161-8161-616161616164', 'payment.statusChange', '2024-05-07T10:02:00.000Z', ['paymentId' => self::PAY_A, 'status' => 'BOOKED', 'externalId' => '42']);
        $this->assertSame(500, $code);
        $this->assertCount(1, preg_grep('/^CREATE TABLE IF NOT EXISTS `ps_everifin_webhook_state`/', \PsStub::$log));
        $this->assertStringStartsWith('everifin-webhook: webhook not processed (answered 500, Everifin retries)', \PsStub::$logs[0][0]);
        \PsStub::$failOn = null;

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
