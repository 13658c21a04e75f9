<?php

declare(strict_types=1);

namespace Everifin\Webhook\Tests;

use Everifin\Webhook\SecretInput;
use Everifin\Webhook\Verifier;
use Everifin\Webhook\Tests\Support\Command;
use PHPUnit\Framework\TestCase;

/**
 * The WooCommerce plugin (plugins/woocommerce/everifin-webhook) and the PrestaShop module
 * (plugins/prestashop/everifinwebhook), run against the stubs in tests/stubs/. The plugin is also
 * installed from its ZIP into a real WordPress by tests/dist/wordpress.sh (make test-wordpress).
 */
final class ExamplesTest extends TestCase
{
    private const SECRET = 'whsec-example-shop-91b7';
    private const EXAMPLES = __DIR__ . '/../../../plugins';

    public static function setUpBeforeClass(): void
    {
        require_once __DIR__ . '/stubs/woocommerce.php';
        require_once __DIR__ . '/stubs/prestashop.php';
        require_once self::EXAMPLES . '/woocommerce/everifin-webhook/everifin-webhook.php';
        require_once self::EXAMPLES . '/prestashop/everifinwebhook/everifinwebhook.php';
        require_once self::EXAMPLES . '/prestashop/everifinwebhook/controllers/front/webhook.php';
    }

    protected function setUp(): void
    {
        \WpStub::reset();
        \PsStub::reset();
    }

    /** @return list<string> */
    public static function exampleFiles(): array
    {
        $it = new \RecursiveIteratorIterator(new \RecursiveDirectoryIterator(self::EXAMPLES, \FilesystemIterator::SKIP_DOTS));
        $files = [];
        foreach ($it as $f) {
            if ($f->getExtension() === 'php') {
                $files[] = $f->getPathname();
            }
        }
        sort($files);
        return $files;
    }

    public function testEveryExampleFilePassesPhpLint(): void
    {
        $files = self::exampleFiles();
        $this->assertGreaterThanOrEqual(6, count($files));
        foreach ($files as $f) {
            exec(escapeshellarg(PHP_BINARY) . ' -l ' . escapeshellarg($f) . ' 2>&1', $out, $rc);
            $this->assertSame(0, $rc, "php -l $f: " . implode("\n", $out));
        }
    }

    private static function body(string $eventId, string $status, string $ts, string $externalId = '1042', string $paymentId = 'f0489615-fb8a-4c76-bb28-7f9726d815d6'): string
    {
        return json_encode([
            'eventId' => $eventId,
            'eventType' => 'payment.statusChange',
            'eventTimestamp' => $ts,
            'data' => ['paymentId' => $paymentId, 'status' => $status, 'externalId' => $externalId, 'hookData' => ['note' => 'objednávka 1042']],
        ], JSON_UNESCAPED_UNICODE | JSON_UNESCAPED_SLASHES);
    }

    private static function signed(string $body): string
    {
        return Verifier::sign($body, [self::SECRET]);
    }

    // ------------------------------------------------------------------ WooCommerce

    /**
     * A POST to the route as WordPress's REST server dispatches it: rest_pre_dispatch first (the
     * plugin answers there, before WordPress would decode the body), the route's callback only
     * when no filter answered.
     */
    private function wooPost(string $body, array $headers): \WP_REST_Response
    {
        $route = \WpStub::$routes['everifin/v1/webhook'] ?? null;
        $this->assertNotNull($route, 'the plugin registers its REST route on rest_api_init');
        $request = new \WP_REST_Request($body, $headers);
        $response = apply_filters('rest_pre_dispatch', null, null, $request);
        $this->assertInstanceOf(\WP_REST_Response::class, $response, 'the plugin answers its route in rest_pre_dispatch');
        $this->assertSame('', $request->get_body(), 'nothing is left for WordPress to decode after dispatch');
        return $response;
    }

    public function testWooCommercePluginRegistersAPublicPostRoute(): void
    {
        \WpStub::$routes = [];
        do_action('rest_api_init');
        $route = \WpStub::$routes['everifin/v1/webhook'];
        $this->assertSame('POST', $route['methods']);
        $this->assertTrue(($route['permission_callback'])());
    }

    public function testWooCommerceOrderFlowPaidOnceDuplicateStaleRegression(): void
    {
        do_action('rest_api_init');
        \WpStub::$options[\Everifin_Webhook_Plugin::OPTION_SECRETS] = [self::SECRET];
        $order = \WpStub::$orders[1042] = new \WC_Order(1042, 'pending');

        $processing = self::body('11111111-1111-4111-8111-111111111111', 'PROCESSING', '2024-05-07T14:49:50.000Z');
        $r = $this->wooPost($processing, ['Signature' => self::signed($processing)]);
        $this->assertSame(200, $r->get_status(), json_encode($r->get_data()));
        $this->assertSame(['action' => 'apply', 'reason' => 'first'], $r->get_data()['decision']);
        $this->assertSame('pending', $order->get_status());

        $booked = self::body('22222222-2222-4222-8222-222222222222', 'BOOKED', '2024-05-07T14:49:55.884Z');
        $r = $this->wooPost($booked, ['SIGNATURE' => self::signed($booked)]);
        $this->assertSame(['action' => 'apply', 'reason' => 'newer'], $r->get_data()['decision']);
        $this->assertSame('processing', $order->get_status());
        $this->assertSame([true, 1042, 'paid', 'processing'], [$r->get_data()['received'], $r->get_data()['order'], $r->get_data()['orderOutcome'], $r->get_data()['orderState']]);
        $this->assertSame(1, $order->paymentCompleteCalls);
        $this->assertSame('f0489615-fb8a-4c76-bb28-7f9726d815d6', $order->transactionId);

        // Everifin retries the same event: skipped, the order is not paid twice.
        $r = $this->wooPost($booked, ['signature' => self::signed($booked)]);
        $this->assertSame(['action' => 'skip', 'reason' => 'duplicate'], $r->get_data()['decision']);
        $this->assertSame(1, $order->paymentCompleteCalls);

        // A late PROCESSING (older) and a newer PROCESSING (regression of a final status) change nothing.
        $late = self::body('33333333-3333-4333-8333-333333333333', 'PROCESSING', '2024-05-07T14:49:51.000Z');
        $this->assertSame('stale', $this->wooPost($late, ['Signature' => self::signed($late)])->get_data()['decision']['reason']);
        $back = self::body('44444444-4444-4444-8444-444444444444', 'FAILED', '2024-05-07T14:50:00.000Z');
        $this->assertSame('regression', $this->wooPost($back, ['Signature' => self::signed($back)])->get_data()['decision']['reason']);
        $this->assertSame('processing', $order->get_status());

        $state = json_decode((string) $order->get_meta(\Everifin_Webhook_Plugin::META_STATE), true);
        $this->assertSame('BOOKED', $state['status']);
        $this->assertCount(4, $state['recentEventIds']);
    }

    /**
     * WooCommerce's payment_complete() moves an order that needs no processing (virtual,
     * downloadable products only) to completed, not processing: a paid status too, so the event is
     * applied with the usual note and the answer says completed.
     */
    public function testWooCommercePaymentOfAnOrderThatNeedsNoProcessingCompletesIt(): void
    {
        do_action('rest_api_init');
        \WpStub::$options[\Everifin_Webhook_Plugin::OPTION_SECRETS] = [self::SECRET];
        $order = \WpStub::$orders[1042] = new \WC_Order(1042, 'pending');
        $order->needsProcessing = false;
        $booked = self::body('2c000000-0000-4000-8000-000000000001', 'BOOKED', '2024-05-07T14:49:55.000Z');
        $r = $this->wooPost($booked, ['Signature' => self::signed($booked)]);
        $this->assertSame([200, 'apply', 'completed', 'completed', 1], [$r->get_status(), $r->get_data()['decision']['action'], $r->get_data()['orderState'], $order->get_status(), $order->paymentCompleteCalls]);
        $this->assertSame(['Everifin payment f0489615-fb8a-4c76-bb28-7f9726d815d6: BOOKED (event 2c000000-0000-4000-8000-000000000001)'], $order->notes);
        $this->assertSame([], self::wooWarnings());
    }

    /**
     * Everifin's order-level PAID names no payment: payment_complete('') marks the order paid and,
     * as WooCommerce does for an empty id, leaves the transaction id the checkout recorded.
     */
    public function testWooCommerceOrderLevelPaidKeepsTheCheckoutsTransactionId(): void
    {
        do_action('rest_api_init');
        \WpStub::$options[\Everifin_Webhook_Plugin::OPTION_SECRETS] = [self::SECRET];
        $order = \WpStub::$orders[1042] = new \WC_Order(1042, 'on-hold');
        $order->transactionId = 'checkout-attempt-7';
        $r = $this->wooSend('2c000000-0000-4000-8000-000000000002', '2024-05-07T14:49:55.000Z',
            ['orderId' => '8840d948-12da-4ca1-8269-3cfdc10b73bc', 'externalId' => '1042', 'status' => 'PAID'], 'order.statusChange');
        $this->assertSame(['apply', 'paid', 'processing', 1], [$r->get_data()['decision']['action'], $r->get_data()['orderOutcome'], $order->get_status(), $order->paymentCompleteCalls]);
        $this->assertSame('checkout-attempt-7', $order->get_transaction_id());
    }

    public function testWooCommerceFailedPaymentUsesTheSuggestedState(): void
    {
        do_action('rest_api_init');
        \WpStub::$options[\Everifin_Webhook_Plugin::OPTION_SECRETS] = ['whsec-old-secret-0001', self::SECRET];
        $order = \WpStub::$orders[1042] = new \WC_Order(1042, 'pending');
        $failed = self::body('55555555-5555-4555-8555-555555555555', 'FAILED', '2024-05-07T14:49:55.000Z');
        $r = $this->wooPost($failed, ['Signature' => self::signed($failed)]);
        $this->assertSame(200, $r->get_status());
        $this->assertSame('failed', $order->get_status());
        $this->assertSame(0, $order->paymentCompleteCalls);
    }

    /** @return list<array{0: string, 1: string, 2: string, 3: int}> [order status, event status, status after, payment_complete calls] */
    public static function wooShopStateCases(): array
    {
        return [
            'paid elsewhere, then the payment expires' => ['processing', 'EXPIRED', 'processing', 0],
            'completed, then a payment fails' => ['completed', 'FAILED', 'completed', 0],
            'cancelled by the shop, then a payment is in progress' => ['cancelled', 'PROCESSING', 'cancelled', 0],
            'refunded by the shop, then a payment is booked' => ['refunded', 'BOOKED', 'refunded', 0],
            'on hold, then the payment fails' => ['on-hold', 'FAILED', 'failed', 0],
            'failed, then a new attempt is in progress' => ['failed', 'PROCESSING', 'pending', 0],
            'cancelled by the shop, then the payment is booked' => ['cancelled', 'BOOKED', 'processing', 1],
        ];
    }

    /**
     * Decide knows only the webhooks; the order's own status has the last word: a paid, completed,
     * cancelled or refunded order is never moved by an unpaid outcome, a booked payment always
     * marks an unpaid order paid.
     *
     * @dataProvider wooShopStateCases
     */
    public function testWooCommerceOrderStatusInTheShopHasTheLastWord(string $before, string $eventStatus, string $after, int $paymentCompleteCalls): void
    {
        do_action('rest_api_init');
        \WpStub::$options[\Everifin_Webhook_Plugin::OPTION_SECRETS] = [self::SECRET];
        $order = \WpStub::$orders[1042] = new \WC_Order(1042, $before);
        $body = self::body('13131313-1313-4313-8313-131313131313', $eventStatus, '2024-05-07T14:49:55.000Z');
        $r = $this->wooPost($body, ['Signature' => self::signed($body)]);
        $this->assertSame(200, $r->get_status(), json_encode($r->get_data()));
        $this->assertSame(['action' => 'apply', 'reason' => 'first'], $r->get_data()['decision'], 'the library saw no webhook before');
        $this->assertSame($after, $order->get_status());
        $this->assertSame($after, $r->get_data()['orderState']);
        $this->assertSame($paymentCompleteCalls, $order->paymentCompleteCalls);
        $this->assertCount(1, $order->notes, 'every applied event leaves one note');
        $this->assertStringContainsString('(event 13131313-1313-4313-8313-131313131313)', $order->notes[0]);
        if ($before === $after) {
            $this->assertStringContainsString("(the order is $before", $order->notes[0]);
        }
        $this->assertSame($eventStatus, json_decode((string) $order->get_meta(\Everifin_Webhook_Plugin::META_STATE), true)['status'], 'the webhook state records the event either way');
    }

    /** @return array<string, array{0: string}> order statuses payment_complete() leaves as they are */
    public static function wooStatusesPaymentCompleteLeaves(): array
    {
        return ['a checkout draft' => ['checkout-draft'], 'a trashed order' => ['trash'], 'a draft' => ['draft'], "another plugin's status" => ['awaiting-pickup']];
    }

    /**
     * WooCommerce's payment_complete() marks paid only an order in a status of
     * woocommerce_valid_order_statuses_for_payment_complete (pending, on-hold, failed, cancelled);
     * any other it leaves as it is, answering true. The money has arrived: the merchant gets a
     * private note and a warning instead of the usual note; the event stays applied (a retry is a
     * duplicate, no second warning) and the answer says the order's status.
     *
     * @dataProvider wooStatusesPaymentCompleteLeaves
     */
    public function testWooCommerceTellsTheMerchantOfAPaymentWooCommerceDidNotMarkPaid(string $status): void
    {
        do_action('rest_api_init');
        \WpStub::$options[\Everifin_Webhook_Plugin::OPTION_SECRETS] = [self::SECRET];
        $order = \WpStub::$orders[1042] = new \WC_Order(1042, $status);
        $body = self::body('2a000000-0000-4000-8000-000000000001', 'BOOKED', '2024-05-07T14:49:55.000Z');
        $r = $this->wooPost($body, ['Signature' => self::signed($body)]);
        $this->assertSame([200, ['action' => 'apply', 'reason' => 'first'], 'paid', $status], [$r->get_status(), $r->get_data()['decision'], $r->get_data()['orderOutcome'], $r->get_data()['orderState']]);
        $this->assertSame([$status, 1], [$order->get_status(), $order->paymentCompleteCalls]);
        $text = "Everifin payment f0489615-fb8a-4c76-bb28-7f9726d815d6: BOOKED (event 2a000000-0000-4000-8000-000000000001) reports a payment, but WooCommerce did not mark the order paid: it is $status, "
            . 'a status payment_complete() leaves as it is. The money has arrived: check the order, then mark it paid by hand or refund the payment.';
        $this->assertSame([$text], $order->notes);
        $this->assertSame([], $order->customerNotes, 'a private note');
        $this->assertSame(["order 1042: $text"], self::wooWarnings());
        $this->assertSame('BOOKED', json_decode((string) $order->get_meta(\Everifin_Webhook_Plugin::META_STATE), true)['status']);

        $r = $this->wooPost($body, ['Signature' => self::signed($body)]);
        $this->assertSame(['action' => 'skip', 'reason' => 'duplicate'], $r->get_data()['decision']);
        $this->assertSame([1, 1], [count($order->notes), count(self::wooWarnings())], 'told once');
    }

    /** @return array<string, array{0: string, 1: string}> [status before, what the warning says] */
    public static function wooUnpaidStatusesPaymentCompleteChose(): array
    {
        return [
            'pending, moved to on-hold' => ['pending', 'WooCommerce moved it to on-hold, not a paid status'],
            'failed, moved to on-hold' => ['failed', 'WooCommerce moved it to on-hold, not a paid status'],
            'on-hold, left on-hold' => ['on-hold', 'WooCommerce left it on-hold, not a paid status'],
        ];
    }

    /**
     * payment_complete() gives an order it takes the status woocommerce_payment_complete_order_status
     * filters; a fraud-review plugin may return on-hold. The order is not paid: the warning says
     * WooCommerce chose that status, not that on-hold is one payment_complete() leaves as it is.
     *
     * @dataProvider wooUnpaidStatusesPaymentCompleteChose
     */
    public function testWooCommerceWarnsOfAnUnpaidStatusPaymentCompleteChose(string $before, string $why): void
    {
        do_action('rest_api_init');
        \WpStub::$options[\Everifin_Webhook_Plugin::OPTION_SECRETS] = [self::SECRET];
        $order = \WpStub::$orders[1042] = new \WC_Order(1042, $before);
        add_filter('woocommerce_payment_complete_order_status', static fn (string $status): string => 'on-hold');
        $body = self::body('2e000000-0000-4000-8000-000000000001', 'BOOKED', '2024-05-07T14:49:55.000Z');
        $r = $this->wooPost($body, ['Signature' => self::signed($body)]);
        $this->assertSame([200, 'apply', 'on-hold', 'on-hold', 1], [$r->get_status(), $r->get_data()['decision']['action'], $r->get_data()['orderState'], $order->get_status(), $order->paymentCompleteCalls]);
        $text = "Everifin payment f0489615-fb8a-4c76-bb28-7f9726d815d6: BOOKED (event 2e000000-0000-4000-8000-000000000001) reports a payment, but WooCommerce did not mark the order paid: $why. "
            . 'The money has arrived: check the order, then mark it paid by hand or refund the payment.';
        $this->assertSame($text, end($order->notes));
        $this->assertSame(["order 1042: $text"], array_slice(self::wooWarnings(), -1));
    }

    public function testWooCommerceRefundBookedLeavesANoteAndTheStatus(): void
    {
        do_action('rest_api_init');
        \WpStub::$options[\Everifin_Webhook_Plugin::OPTION_SECRETS] = [self::SECRET];
        $order = \WpStub::$orders[1042] = new \WC_Order(1042, 'processing');
        $body = json_encode([
            'eventId' => '14141414-1414-4414-8414-141414141414', 'eventType' => 'payment.statusChange', 'eventTimestamp' => '2024-05-08T09:00:00.000Z',
            'data' => ['refundId' => '2b1f0c4e-5d6a-4b7c-8d9e-0f1a2b3c4d5e', 'status' => 'BOOKED', 'externalId' => '1042'],
        ]);
        $r = $this->wooPost($body, ['Signature' => self::signed($body)]);
        $this->assertSame(['apply', 'refunded', 'processing'], [$r->get_data()['decision']['action'], $r->get_data()['orderOutcome'], $order->get_status()]);
        $this->assertCount(1, $order->notes);
        $this->assertStringContainsString('record it with the Refund button', $order->notes[0]);
        $this->assertSame(0, $order->paymentCompleteCalls);
    }

    /** A signed delivery of $data (payment.statusChange unless $type says otherwise) at $ts, through the route. */
    private function wooSend(string $eventId, string $ts, array $data, string $type = 'payment.statusChange'): \WP_REST_Response
    {
        $body = json_encode(['eventId' => $eventId, 'eventType' => $type, 'eventTimestamp' => $ts, 'data' => $data], JSON_UNESCAPED_UNICODE | JSON_UNESCAPED_SLASHES);
        $r = $this->wooPost($body, ['Signature' => self::signed($body)]);
        $this->assertSame(200, $r->get_status(), json_encode($r->get_data()));
        return $r;
    }

    /** @return list<string> the warnings the plugin logged (WooCommerce log, source everifin-webhook) */
    private static function wooWarnings(): array
    {
        $lines = [];
        foreach (\WpStub::$logged as [$level, $message, $context]) {
            if ($level === 'warning') {
                self::assertSame(['source' => 'everifin-webhook'], $context);
                $lines[] = $message;
            }
        }
        return $lines;
    }

    /**
     * A payment BOOKED after PROCESSING_EXPIRED is skipped (regression: decide keeps the final
     * review outcome), so the order stays on hold while the money may have arrived: the merchant
     * gets a private note and a log line, the order is not moved, and Everifin's retry of the same
     * event (a duplicate) adds nothing.
     */
    public function testWooCommerceTellsTheMerchantOfAPaymentReportedPaidButNotApplied(): void
    {
        do_action('rest_api_init');
        \WpStub::$options[\Everifin_Webhook_Plugin::OPTION_SECRETS] = [self::SECRET];
        $order = \WpStub::$orders[1042] = new \WC_Order(1042, 'pending');
        $payment = ['paymentId' => 'f0489615-fb8a-4c76-bb28-7f9726d815d6', 'externalId' => '1042', 'hookData' => ['note' => 'Call us +420 123 456 789']];
        $this->wooSend('21000000-0000-4000-8000-000000000001', '2024-05-07T14:40:00.000Z', $payment + ['status' => 'PROCESSING']);
        $this->wooSend('21000000-0000-4000-8000-000000000002', '2024-05-07T14:50:00.000Z', $payment + ['status' => 'PROCESSING_EXPIRED']);
        $this->assertSame('on-hold', $order->get_status());
        $this->assertCount(1, $order->notes);
        $this->assertSame([], self::wooWarnings(), 'an applied event is no warning');

        $r = $this->wooSend('21000000-0000-4000-8000-000000000003', '2024-05-07T15:00:00.000Z', $payment + ['status' => 'BOOKED']);
        $this->assertSame(['action' => 'skip', 'reason' => 'regression'], $r->get_data()['decision']);
        $this->assertSame(['on-hold', 0], [$order->get_status(), $order->paymentCompleteCalls], 'the order is never moved by a warning');
        $this->assertCount(2, $order->notes);
        $this->assertSame('Everifin payment f0489615-fb8a-4c76-bb28-7f9726d815d6: BOOKED (event 21000000-0000-4000-8000-000000000003) reports a payment, but it was not applied to the order (skipped: regression): '
            . 'the money may have arrived although the order is on-hold. The order was left as it is: check the payment in the Everifin Back Office before you cancel the order, ship it or ask the customer to pay again.', $order->notes[1]);
        $this->assertSame([], $order->customerNotes, 'a private note: WooCommerce e-mails customer notes');
        $this->assertSame(['order 1042: ' . $order->notes[1]], self::wooWarnings());
        $this->assertStringNotContainsString('Call us', implode("\n", $order->notes), 'no text of the request beyond ids and status names');

        // Everifin retries the same event: a duplicate, no second note or log line.
        $r = $this->wooSend('21000000-0000-4000-8000-000000000003', '2024-05-07T15:00:00.000Z', $payment + ['status' => 'BOOKED']);
        $this->assertSame('duplicate', $r->get_data()['decision']['reason']);
        $this->assertCount(2, $order->notes);
        $this->assertCount(1, self::wooWarnings());
        // Another event of the same status (unchanged) and unpaid skips: no warning either.
        $this->wooSend('21000000-0000-4000-8000-000000000004', '2024-05-07T15:10:00.000Z', $payment + ['status' => 'PROCESSING_EXPIRED']);
        $this->wooSend('21000000-0000-4000-8000-000000000005', '2024-05-07T15:20:00.000Z', $payment + ['status' => 'FAILED']);
        $this->assertCount(2, $order->notes);
        $this->assertCount(1, self::wooWarnings());
    }

    /**
     * Everifin's order-level PARTIALLY_PAID and a booked payment, in either order: decide counts the
     * order paid, and the merchant is told to check the amount before shipping.
     */
    public function testWooCommerceWarnsOfAnOrderPartiallyPaidAtEverifin(): void
    {
        do_action('rest_api_init');
        \WpStub::$options[\Everifin_Webhook_Plugin::OPTION_SECRETS] = [self::SECRET];
        $everifinOrder = '8840d948-12da-4ca1-8269-3cfdc10b73bc';
        $booked = ['paymentId' => 'f0489615-fb8a-4c76-bb28-7f9726d815d6', 'orderId' => $everifinOrder, 'externalId' => '1042', 'status' => 'BOOKED'];
        $partial = ['orderId' => $everifinOrder, 'externalId' => '1042', 'status' => 'PARTIALLY_PAID'];

        // The payment first, then the order-level status: skipped (already_paid).
        $order = \WpStub::$orders[1042] = new \WC_Order(1042, 'pending');
        $this->wooSend('22000000-0000-4000-8000-000000000001', '2024-05-07T14:50:00.000Z', $booked);
        $r = $this->wooSend('22000000-0000-4000-8000-000000000002', '2024-05-07T14:50:05.000Z', $partial, 'order.statusChange');
        $this->assertSame(['action' => 'skip', 'reason' => 'already_paid'], $r->get_data()['decision']);
        $this->assertSame(['processing', 1], [$order->get_status(), $order->paymentCompleteCalls]);
        $this->assertCount(2, $order->notes);
        $this->assertSame("Everifin order $everifinOrder: PARTIALLY_PAID (event 22000000-0000-4000-8000-000000000002) says the order is only partially paid, although a payment was booked for it (skipped: already_paid). "
            . 'The order was left as it is (processing): check the amount received in the Everifin Back Office before you ship.', $order->notes[1]);
        $this->assertSame(['order 1042: ' . $order->notes[1]], self::wooWarnings());
        $this->wooSend('22000000-0000-4000-8000-000000000002', '2024-05-07T14:50:05.000Z', $partial, 'order.statusChange');
        $this->assertCount(2, $order->notes, 'a retry is a duplicate: no second note');

        // The order-level status first, then the payment: applied (the order is paid), with the warning.
        \WpStub::reset();
        \WpStub::$options[\Everifin_Webhook_Plugin::OPTION_SECRETS] = [self::SECRET];
        $order = \WpStub::$orders[1042] = new \WC_Order(1042, 'pending');
        $this->wooSend('22000000-0000-4000-8000-000000000003', '2024-05-07T14:50:00.000Z', $partial, 'order.statusChange');
        $this->assertSame('on-hold', $order->get_status());
        $r = $this->wooSend('22000000-0000-4000-8000-000000000004', '2024-05-07T14:50:05.000Z', $booked);
        $this->assertSame(['apply', 'processing'], [$r->get_data()['decision']['action'], $order->get_status()]);
        $this->assertCount(3, $order->notes);
        $this->assertSame('Everifin payment f0489615-fb8a-4c76-bb28-7f9726d815d6: BOOKED (event 22000000-0000-4000-8000-000000000004) was applied, '
            . "but Everifin's last status of order $everifinOrder is PARTIALLY_PAID: the order may be only partially paid. Check the amount received in the Everifin Back Office before you ship.", $order->notes[2]);
        $this->assertSame(['order 1042: ' . $order->notes[2]], self::wooWarnings());
        // Everifin then says the order is paid: a note, no warning (Everifin's order-level PAID names no second payment).
        $this->wooSend('22000000-0000-4000-8000-000000000005', '2024-05-07T14:50:10.000Z', ['status' => 'PAID'] + $partial, 'order.statusChange');
        $this->assertCount(4, $order->notes);
        $this->assertStringEndsWith('(the order is processing already; left as it is)', $order->notes[3]);
        $this->assertCount(1, self::wooWarnings());
    }

    /**
     * A second payment booked for a paid order (the customer paid twice, or the order was paid
     * another way): the order is not paid again, and the merchant is told to refund one. Another
     * paid status of the payment that paid the order is no second payment.
     */
    public function testWooCommerceWarnsOfASecondPaymentForAPaidOrder(): void
    {
        do_action('rest_api_init');
        \WpStub::$options[\Everifin_Webhook_Plugin::OPTION_SECRETS] = [self::SECRET];
        $order = \WpStub::$orders[1042] = new \WC_Order(1042, 'pending');
        $a = 'f0489615-fb8a-4c76-bb28-7f9726d815d6';
        $b = '0b7e5a4c-3d2e-4f1a-9b8c-7d6e5f4a3b2c';
        $this->wooSend('23000000-0000-4000-8000-000000000001', '2024-05-07T14:50:00.000Z', ['paymentId' => $a, 'externalId' => '1042', 'status' => 'BOOKED']);
        $r = $this->wooSend('23000000-0000-4000-8000-000000000002', '2024-05-07T14:55:00.000Z', ['paymentId' => $b, 'externalId' => '1042', 'status' => 'BOOKED']);
        $this->assertSame(['paid', 'processing', 1], [$r->get_data()['orderOutcome'], $order->get_status(), $order->paymentCompleteCalls]);
        $this->assertCount(2, $order->notes);
        $this->assertSame("Everifin payment $b: BOOKED (event 23000000-0000-4000-8000-000000000002) (the order is processing already, paid by payment $a; left as it is): "
            . 'the customer may have paid twice. Check the payments in the Everifin Back Office and refund the extra one.', $order->notes[1]);
        $this->assertSame(['order 1042: ' . $order->notes[1]], self::wooWarnings());

        // The first payment in another paid status (skipped or applied): not a second payment.
        $this->wooSend('23000000-0000-4000-8000-000000000003', '2024-05-07T15:00:00.000Z', ['paymentId' => $a, 'externalId' => '1042', 'status' => 'FINISHED']);
        $this->assertCount(1, self::wooWarnings());

        // An order marked paid in the shop without a transaction id (by the merchant, or by a
        // checkout module with this very payment), then a payment booked: a check, not a refund.
        \WpStub::$orders[1043] = $paid = new \WC_Order(1043, 'completed');
        $this->wooSend('23000000-0000-4000-8000-000000000004', '2024-05-07T15:00:00.000Z', ['paymentId' => $a, 'externalId' => '1043', 'status' => 'BOOKED']);
        $this->assertSame(['completed', 0], [$paid->get_status(), $paid->paymentCompleteCalls]);
        $this->assertStringContainsString('(the order is completed already, marked paid without a payment id this shop knows; left as it is): if that was not this payment, the customer may have paid twice. '
            . 'Check the payments in the Everifin Back Office before you refund anything.', $paid->notes[0]);
        $this->assertCount(2, self::wooWarnings());
    }

    /**
     * A refund event carries Everifin's orderId but no externalId: the plugin stores Everifin's
     * orderId and paymentId with the order an event matched, and finds later events that name no
     * order of the shop by them (orderId first, then paymentId). The query works on WooCommerce's
     * posts storage (the stub drops a meta_query argument, as it does).
     */
    public function testWooCommerceMatchesEventsWithoutExternalIdByTheEverifinIdsOfAnEarlierEvent(): void
    {
        do_action('rest_api_init');
        \WpStub::$options[\Everifin_Webhook_Plugin::OPTION_SECRETS] = [self::SECRET];
        \WpStub::$orders[7] = new \WC_Order(7, 'pending');
        $order = \WpStub::$orders[1042] = new \WC_Order(1042, 'pending');
        $everifinOrder = '8840d948-12da-4ca1-8269-3cfdc10b73bc';
        $payment = 'da96bc8f-2b1e-4c0d-9f3a-6e5d4c3b2a19';
        $refund = ['refundId' => '7c1d9e2a-5b4f-4e3c-8a2d-1f0e9d8c7b6a', 'orderId' => $everifinOrder, 'instructionId' => 'refund-42-1', 'status' => 'BOOKED'];

        // Before any event of that Everifin order matched: no order matches the refund.
        $r = $this->wooSend('24000000-0000-4000-8000-000000000001', '2024-05-07T14:00:00.000Z', $refund);
        $this->assertSame([null, 'pending'], [$r->get_data()['order'], $order->get_status()]);
        $unmatched = \WpStub::$options[\Everifin_Webhook_Plugin::OPTION_LAST_UNMATCHED];
        $this->assertSame([null, null, $everifinOrder, null, $refund['refundId']], [$unmatched['externalId'], $unmatched['hookDataOrderId'], $unmatched['orderId'], $unmatched['paymentId'], $unmatched['refundId']]);

        $r = $this->wooSend('24000000-0000-4000-8000-000000000002', '2024-05-07T14:50:00.000Z', ['paymentId' => $payment, 'orderId' => $everifinOrder, 'externalId' => '1042', 'status' => 'BOOKED']);
        $this->assertSame([1042, 'processing'], [$r->get_data()['order'], $order->get_status()]);
        $this->assertSame([$everifinOrder], array_column($order->get_meta(\Everifin_Webhook_Plugin::META_EVERIFIN_ORDER, false), 'value'));
        $this->assertSame([$payment], array_column($order->get_meta(\Everifin_Webhook_Plugin::META_EVERIFIN_PAYMENT, false), 'value'));

        // The refund, as Everifin sends it: refundId and Everifin's orderId.
        $r = $this->wooSend('24000000-0000-4000-8000-000000000003', '2024-05-08T09:00:00.000Z', $refund);
        $this->assertSame([1042, 'apply', 'refunded'], [$r->get_data()['order'], $r->get_data()['decision']['action'], $r->get_data()['orderOutcome']]);
        $this->assertStringContainsString('record it with the Refund button', end($order->notes));
        $this->assertSame([], array_column(\WpStub::$orderQueries, 'meta_query'), 'meta_key / meta_value: the posts storage drops a meta_query');
        $this->assertSame([\Everifin_Webhook_Plugin::META_EVERIFIN_ORDER, $everifinOrder], [end(\WpStub::$orderQueries)['meta_key'], end(\WpStub::$orderQueries)['meta_value']], 'found by Everifin\'s orderId');

        // An event with neither externalId nor Everifin's orderId: found by its paymentId.
        $r = $this->wooSend('24000000-0000-4000-8000-000000000004', '2024-05-08T09:10:00.000Z', ['paymentId' => $payment, 'status' => 'FINISHED']);
        $this->assertSame(1042, $r->get_data()['order']);
        $this->assertSame([$everifinOrder], array_column($order->get_meta(\Everifin_Webhook_Plugin::META_EVERIFIN_ORDER, false), 'value'), 'each id once');
        $this->assertSame([$payment], array_column($order->get_meta(\Everifin_Webhook_Plugin::META_EVERIFIN_PAYMENT, false), 'value'));
        $this->assertSame([], \WpStub::$orders[7]->get_meta(\Everifin_Webhook_Plugin::META_EVERIFIN_ORDER, false), 'only with its order');

        // An unknown Everifin order, on a storage that ignored the meta condition: the orders it
        // returned are checked, none carries the id, nothing matches (never order 7 or 1042).
        \WpStub::$ordersQueryIgnoresMeta = true;
        $stateBefore = $order->get_meta(\Everifin_Webhook_Plugin::META_STATE);
        $r = $this->wooSend('24000000-0000-4000-8000-000000000005', '2024-05-08T09:20:00.000Z', ['orderId' => '0b7e5a4c-3d2e-4f1a-9b8c-7d6e5f4a3b2c', 'status' => 'PAID'], 'order.statusChange');
        $this->assertNull($r->get_data()['order']);
        $this->assertSame([$stateBefore, ''], [$order->get_meta(\Everifin_Webhook_Plugin::META_STATE), \WpStub::$orders[7]->get_meta(\Everifin_Webhook_Plugin::META_STATE)]);
        // ... and a known one is still found.
        $r = $this->wooSend('24000000-0000-4000-8000-000000000006', '2024-05-08T09:30:00.000Z', ['refundId' => '2b1f0c4e-5d6a-4b7c-8d9e-0f1a2b3c4d5e'] + $refund);
        $this->assertSame(1042, $r->get_data()['order']);
        \WpStub::$ordersQueryIgnoresMeta = false;

        // A refund event with its refundId only: found by the refundId an earlier event of it left.
        $this->assertSame([$refund['refundId'], '2b1f0c4e-5d6a-4b7c-8d9e-0f1a2b3c4d5e'], array_column($order->get_meta(\Everifin_Webhook_Plugin::META_EVERIFIN_REFUND, false), 'value'));
        $r = $this->wooSend('24000000-0000-4000-8000-000000000007', '2024-05-08T09:40:00.000Z', ['refundId' => $refund['refundId'], 'status' => 'FINISHED']);
        $this->assertSame(1042, $r->get_data()['order']);
    }

    /** Two orders that carry one Everifin id: an event naming only that id matches neither, and the log says so. */
    public function testWooCommerceDoesNotGuessBetweenTwoOrdersWithOneEverifinId(): void
    {
        do_action('rest_api_init');
        \WpStub::$options[\Everifin_Webhook_Plugin::OPTION_SECRETS] = [self::SECRET];
        $everifinOrder = '8840d948-12da-4ca1-8269-3cfdc10b73bc';
        foreach ([1042, 1043] as $i => $id) {
            \WpStub::$orders[$id] = new \WC_Order($id, 'pending');
            $this->wooSend('25000000-0000-4000-8000-00000000000' . $i, '2024-05-07T14:50:00.000Z', ['orderId' => $everifinOrder, 'externalId' => (string) $id, 'status' => 'UNPAID'], 'order.statusChange');
        }
        $r = $this->wooSend('25000000-0000-4000-8000-000000000009', '2024-05-08T09:00:00.000Z', ['refundId' => '7c1d9e2a-5b4f-4e3c-8a2d-1f0e9d8c7b6a', 'orderId' => $everifinOrder, 'status' => 'BOOKED']);
        $this->assertNull($r->get_data()['order']);
        $this->assertSame(["orders 1042 and 1043 both carry Everifin order $everifinOrder: an event naming only it matches neither (answered 200, nothing changed)"], self::wooWarnings());
    }

    /** At most MAX_IDS payment ids are kept with one order; the first ones stay. */
    public function testWooCommerceKeepsABoundedNumberOfEverifinIdsPerOrder(): void
    {
        do_action('rest_api_init');
        \WpStub::$options[\Everifin_Webhook_Plugin::OPTION_SECRETS] = [self::SECRET];
        $order = \WpStub::$orders[1042] = new \WC_Order(1042, 'pending');
        $payments = [];
        for ($i = 10; $i < 10 + \Everifin_Webhook_Plugin::MAX_IDS + 2; $i++) {
            $payments[] = $payment = "da96bc8f-2b1e-4c0d-9f3a-6e5d4c3b2a$i";
            $this->wooSend("26000000-0000-4000-8000-0000000000$i", "2024-05-07T14:50:$i.000Z", ['paymentId' => $payment, 'externalId' => '1042', 'status' => 'FAILED']);
        }
        $this->assertSame(array_slice($payments, 0, \Everifin_Webhook_Plugin::MAX_IDS), array_column($order->get_meta(\Everifin_Webhook_Plugin::META_EVERIFIN_PAYMENT, false), 'value'));
    }

    /**
     * The plugin answers POST /everifin/v1/webhook in rest_pre_dispatch, before WordPress decodes a
     * JSON body (a few MB of nested arrays nobody signed exhausted memory_limit: a fatal error);
     * everything else is left to WordPress.
     */
    public function testWooCommerceAnswersItsRouteBeforeWordPressDecodesTheBody(): void
    {
        $this->assertContains([\Everifin_Webhook_Plugin::class, 'preDispatch'], \WpStub::$actions['rest_pre_dispatch'] ?? []);
        \WpStub::$options[\Everifin_Webhook_Plugin::OPTION_SECRETS] = [self::SECRET];
        // What made WordPress run out of memory: 3.3 MB of nested arrays, unsigned.
        $nested = '[' . implode(',', array_fill(0, 300000, '[1,[2,[3]]]')) . ']';
        // Every path WordPress matches to the route (preg_match('@^/everifin/v1/webhook$@i'), whose
        // `$` also matches before a final "\n", as ?rest_route=/everifin/v1/webhook%0A gives it),
        // after rest_api_loaded()'s untrailingslashit().
        do_action('rest_api_init');
        $server = new \WP_REST_Server();
        foreach (['/everifin/v1/webhook', '/Everifin/V1/Webhook', '/everifin/v1/webhook/', "/everifin/v1/webhook\n", "/everifin/v1/webhook\\"] as $path) {
            $request = new \WP_REST_Request($nested, [], 'POST', $path);
            $r = \Everifin_Webhook_Plugin::preDispatch(null, $server, $request);
            $this->assertInstanceOf(\WP_REST_Response::class, $r, json_encode($path));
            $this->assertSame([413, 'BODY_TOO_LARGE'], [$r->get_status(), $r->get_data()['status']], json_encode($path));
            $this->assertSame('', $request->get_body(), 'the body is not left for rest_filter_response_fields to decode');
            // As respond_to_request() would: rest_send_allow_header() then adds "Allow: POST".
            $this->assertSame('/everifin/v1/webhook', $r->get_matched_route());
            $this->assertSame([\Everifin_Webhook_Plugin::class, 'handle'], $r->get_matched_handler()['callback'] ?? null);
        }
        $forged = '[' . implode(',', array_fill(0, 80000, '[1,[2,[3]]]')) . ']';
        $r = \Everifin_Webhook_Plugin::preDispatch(null, null, new \WP_REST_Request($forged, ['Signature' => Verifier::sign($forged, ['not the secret'])]));
        $this->assertSame([401, 'SIGNATURE_MISMATCH'], [$r->get_status(), $r->get_data()['status']]);

        // Other routes, other methods, and an answer another filter already gave: untouched.
        foreach ([['POST', '/wp/v2/posts'], ['POST', '/everifin/v1/webhooks'], ['GET', '/everifin/v1/webhook'], ['POST', "/everifin/v1/webhook\n\n"],
            ['POST', "/everifin/v1/webhook\nx"], ['POST', "/x/everifin/v1/webhook"]] as [$method, $path]) {
            $request = new \WP_REST_Request($nested, [], $method, $path);
            $this->assertNull(\Everifin_Webhook_Plugin::preDispatch(null, null, $request), "$method $path");
            $this->assertSame($nested, $request->get_body());
        }
        $earlier = new \WP_REST_Response(['code' => 'blocked'], 403);
        $this->assertSame($earlier, \Everifin_Webhook_Plugin::preDispatch($earlier, null, new \WP_REST_Request($nested, [])));
    }

    /** WordPress's own JSON check is lifted for the webhook route only: the signature is checked first. */
    public function testWooCommerceRouteLeavesAnUnparsableBodyToTheLibrary(): void
    {
        $invalid = new \WP_Error('rest_invalid_json', 'Invalid JSON body passed.', ['status' => 400]);
        $ours = ['callback' => [\Everifin_Webhook_Plugin::class, 'handle']];
        $this->assertContains([\Everifin_Webhook_Plugin::class, 'keepInvalidJson'], \WpStub::$actions['rest_request_before_callbacks'] ?? []);
        $this->assertNull(\Everifin_Webhook_Plugin::keepInvalidJson($invalid, $ours, null));
        $this->assertSame($invalid, \Everifin_Webhook_Plugin::keepInvalidJson($invalid, ['callback' => 'other_route'], null));
        $forbidden = new \WP_Error('rest_forbidden');
        $this->assertSame($forbidden, \Everifin_Webhook_Plugin::keepInvalidJson($forbidden, $ours, null));

        // What the route then answers for such bodies: the contract's statuses, not 400 rest_invalid_json.
        do_action('rest_api_init');
        \WpStub::$options[\Everifin_Webhook_Plugin::OPTION_SECRETS] = [self::SECRET];
        $r = $this->wooPost('not json', []);
        $this->assertSame([401, 'HEADER_MISSING'], [$r->get_status(), $r->get_data()['status']]);
        $r = $this->wooPost("{\"a\":\"\xff\"}", ['Signature' => self::signed("{\"a\":\"\xff\"}")]);
        $this->assertSame([400, 'BODY_NOT_UTF8'], [$r->get_status(), $r->get_data()['status']]);
    }

    /**
     * WordPress's batch endpoint (POST /batch/v1, {"requests":[{"method":"POST","path":"/everifin/v1/webhook"}, ...]})
     * runs rest_pre_dispatch for each sub-request, which it builds without a raw body, before it
     * refuses a route that does not allow batching: the plugin leaves them to WordPress (400
     * rest_batch_not_allowed). Should the route's callback get such a request anyway (a plugin
     * that allows batching, rest_do_request()), it is a stranger's unsigned request: 401, recorded
     * at most once a minute, nothing in the error log.
     */
    public function testWooCommerceLeavesBatchSubRequestsToWordPress(): void
    {
        do_action('rest_api_init');
        \WpStub::$options[\Everifin_Webhook_Plugin::OPTION_SECRETS] = [self::SECRET];
        $server = new \WP_REST_Server();
        $forged = Verifier::sign('', ['someone-elses-secret']);
        for ($i = 0; $i < 25; $i++) {
            $sub = new \WP_REST_Request(null, $i % 2 === 0 ? [] : ['Signature' => $forged], 'POST', $i % 3 === 0 ? '/everifin/v1/webhook/' : '/everifin/v1/webhook');
            $this->assertNull(\Everifin_Webhook_Plugin::preDispatch(null, $server, $sub), "sub-request $i is WordPress's to answer");
        }
        $this->assertSame([], \WpStub::$logged);
        $this->assertArrayNotHasKey(\Everifin_Webhook_Plugin::OPTION_LAST_REJECTED, \WpStub::$options);

        foreach ([[[], [401, 'HEADER_MISSING']], [['Signature' => $forged], [401, 'SIGNATURE_MISMATCH']]] as [$headers, $want]) {
            $r = \Everifin_Webhook_Plugin::handle(new \WP_REST_Request(null, $headers));
            $this->assertSame($want, [$r->get_status(), $r->get_data()['status']]);
        }
        $this->assertSame([], \WpStub::$logged, 'nothing in the error log');
        $rejected = \WpStub::$options[\Everifin_Webhook_Plugin::OPTION_LAST_REJECTED];
        $this->assertSame([401, 'HEADER_MISSING'], [$rejected['httpStatus'], $rejected['status']], 'the first one, as any unsigned request; never a 500');
    }

    public function testWooCommerceLogsAnUnexpectedFailureAndAnswers500(): void
    {
        do_action('rest_api_init');
        \WpStub::$options[\Everifin_Webhook_Plugin::OPTION_SECRETS] = [self::SECRET];
        // payment_complete() saves the order paid; the save of the webhook state that follows fails.
        \WpStub::$orders[1042] = self::orderFailingStateSave(1042);
        $body = self::body('15151515-1515-4515-8515-151515151515', 'BOOKED', '2024-05-07T14:49:55.000Z');
        $r = $this->wooPost($body, ['Signature' => self::signed($body)]);
        $this->assertSame([500, 'INTERNAL'], [$r->get_status(), $r->get_data()['status']]);
        $this->assertStringNotContainsString('ERP', json_encode($r->get_data()), 'the cause is for the merchant, not for the caller');
        $this->assertCount(1, \WpStub::$logged);
        [$level, $message, $context] = \WpStub::$logged[0];
        $this->assertSame(['error', ['source' => 'everifin-webhook']], [$level, $context]);
        $this->assertStringContainsString('Error: the ERP connector is not loaded', $message);
        $this->assertStringNotContainsString(self::SECRET, $message);
        $this->assertContains('ROLLBACK', \WpStub::$log);
        $this->assertSame('pending', \WpStub::$orders[1042]->get_status(), 'the order saved paid before is rolled back with the rest');
    }

    /**
     * An order whose save() fails with a PHP Error once the plugin has set its webhook state (the
     * delivery's last write): WooCommerce's save() catches an Exception, not an Error (a hook
     * calling what a deactivated plugin defined).
     */
    private static function orderFailingStateSave(int $id): \WC_Order
    {
        return new class ($id, 'pending') extends \WC_Order {
            public function save(): int
            {
                if ($this->get_meta(\Everifin_Webhook_Plugin::META_STATE) !== '') {
                    throw new \Error('the ERP connector is not loaded');
                }
                return parent::save();
            }
        };
    }

    /** @return array<string, array{0: string, 1: string, 2: string, 3: string, 4: string}> [hook that throws, event status, status after, what WooCommerce logs, what the plugin logs] */
    public static function wooFailingHooks(): array
    {
        return [
            'payment_complete(): a woocommerce_pre_payment_complete hook' => ['woocommerce_pre_payment_complete', 'BOOKED', 'processing', 'Error completing payment for order #1042', "WooCommerce's payment_complete() failed for order 1042"],
            // set_status() runs it (WC_Order::maybe_set_date_paid()) for an order without a paid date.
            'update_status(): a woocommerce_payment_complete_order_status filter' => ['woocommerce_payment_complete_order_status', 'FAILED', 'failed', 'Error updating status for order #1042', "WooCommerce's update_status('failed') failed for order 1042"],
        ];
    }

    /**
     * WooCommerce's payment_complete() and update_status() catch what a hook or filter throws,
     * leave a note and return false. When the order did not move as the event says (a hook before
     * payment_complete() saves the order, a filter update_status()'s set_status() runs), the
     * delivery is rolled back (the webhook state with it) and answered 500, logged, so that
     * Everifin delivers it again; once the hook works, the retry applies the event.
     *
     * @dataProvider wooFailingHooks
     */
    public function testWooCommerceHasEverifinRetryWhatWooCommerceDidNotApply(string $hook, string $eventStatus, string $after, string $wooLogged, string $logged): void
    {
        do_action('rest_api_init');
        \WpStub::$options[\Everifin_Webhook_Plugin::OPTION_SECRETS] = [self::SECRET];
        \WpStub::$orders[1042] = new \WC_Order(1042, 'pending');
        add_action($hook, static function (): void {
            throw new \RuntimeException('the warehouse did not answer');
        });
        $body = self::body('29000000-0000-4000-8000-000000000001', $eventStatus, '2024-05-07T14:49:55.000Z');
        $r = $this->wooPost($body, ['Signature' => self::signed($body)]);
        $this->assertSame([500, 'INTERNAL'], [$r->get_status(), $r->get_data()['status'] ?? null], json_encode($r->get_data()));
        $this->assertContains('ROLLBACK', \WpStub::$log);
        $order = \WpStub::$orders[1042];
        $this->assertSame(['pending', '', []], [$order->get_status(), $order->get_meta(\Everifin_Webhook_Plugin::META_STATE), $order->notes], 'nothing of the delivery kept');
        $this->assertCount(2, \WpStub::$logged, "WooCommerce's error, then the plugin's");
        $this->assertSame(['error', $wooLogged], array_slice(\WpStub::$logged[0], 0, 2));
        [$level, $message] = \WpStub::$logged[1];
        $this->assertSame('error', $level);
        $this->assertStringContainsString('webhook not processed (answered 500, Everifin retries): Everifin_Webhook_Not_Applied: ' . $logged, $message);

        unset(\WpStub::$actions[$hook]);
        $r = $this->wooPost($body, ['Signature' => self::signed($body)]);
        $this->assertSame([200, ['action' => 'apply', 'reason' => 'first'], $after], [$r->get_status(), $r->get_data()['decision'], \WpStub::$orders[1042]->get_status()]);
    }

    /**
     * WooCommerce's payment_complete() saves the order paid (its e-mails, its stock) and only then
     * runs woocommerce_payment_complete; a hook there that throws (another plugin's stock sync)
     * makes it return false although the order is paid. The event stays applied and the answer is
     * 200: a 500 would roll the order back to pending, and each of Everifin's retries would save it
     * paid and send its e-mails again, until Everifin gives up and leaves the money arrived and the
     * order pending. The merchant is told (a private note and a warning in WooCommerce's log);
     * Everifin's retries are duplicates.
     */
    public function testWooCommerceKeepsAnOrderWooCommerceSavedPaidBeforeAHookFailed(): void
    {
        do_action('rest_api_init');
        \WpStub::$options[\Everifin_Webhook_Plugin::OPTION_SECRETS] = [self::SECRET];
        $order = \WpStub::$orders[1042] = new \WC_Order(1042, 'pending');
        $savedPaid = 0;
        add_action('woocommerce_payment_complete', static function (int $id) use (&$savedPaid): void {
            $savedPaid += \WpStub::$orders[$id]->get_changes() === [] && \WpStub::$orders[$id]->is_paid() ? 1 : 0;
            throw new \RuntimeException('ERP sync: unknown SKU');
        });
        $body = self::body('2d000000-0000-4000-8000-000000000001', 'BOOKED', '2024-05-07T14:49:55.000Z');
        $answers = [];
        for ($i = 0; $i < 8; $i++) {
            $r = $this->wooPost($body, ['Signature' => self::signed($body)]);
            $answers[] = [$r->get_status(), $r->get_data()['decision']['reason'] ?? null, $r->get_data()['orderState'] ?? null];
        }
        $this->assertSame(array_merge([[200, 'first', 'processing']], array_fill(0, 7, [200, 'duplicate', 'processing'])), $answers, 'applied once; the retries are duplicates');
        $order = \WpStub::$orders[1042];
        $this->assertSame(['processing', 1, 1], [$order->get_status(), $order->paymentCompleteCalls, $savedPaid], 'saved paid once: no second e-mail');
        $this->assertSame('f0489615-fb8a-4c76-bb28-7f9726d815d6', $order->get_transaction_id());
        $this->assertNotContains('ROLLBACK', \WpStub::$log);
        $this->assertSame('BOOKED', json_decode((string) $order->get_meta(\Everifin_Webhook_Plugin::META_STATE), true)['status']);
        $text = 'Everifin payment f0489615-fb8a-4c76-bb28-7f9726d815d6: BOOKED (event 2d000000-0000-4000-8000-000000000001): WooCommerce marked the order paid (processing), '
            . 'but a woocommerce_payment_complete hook of another plugin failed afterwards; WooCommerce wrote the cause to its log (WooCommerce > Status > Logs) and to an order note. '
            . 'What that hook does (a stock sync, an export) may not have happened: check it. The payment stays applied: Everifin does not send it again.';
        $this->assertSame(['Payment complete event failed. ERP sync: unknown SKU', $text], $order->notes, "WooCommerce's note, then the plugin's");
        $this->assertSame([], $order->customerNotes, 'a private note');
        $this->assertSame([['error', 'Error completing payment for order #1042'], ['warning', "order 1042: $text"]],
            array_map(static fn (array $line): array => [$line[0], $line[1]], \WpStub::$logged), "WooCommerce's error, the plugin's warning; no 500");
    }

    /**
     * As above, with a filter (a fraud review) that makes woocommerce_payment_complete_order_status
     * on-hold: payment_complete() saved the order on hold (its e-mail, its stock) before the hook
     * failed. The event stays applied (200, once): the merchant is told the order is not paid.
     * A payment_complete() that saved nothing (its woocommerce_pre_payment_complete hook failed)
     * is still a 500.
     */
    public function testWooCommerceKeepsAnOrderWooCommerceSavedOnHoldBeforeAHookFailed(): void
    {
        do_action('rest_api_init');
        \WpStub::$options[\Everifin_Webhook_Plugin::OPTION_SECRETS] = [self::SECRET];
        \WpStub::$orders[1042] = new \WC_Order(1042, 'pending');
        add_filter('woocommerce_payment_complete_order_status', static fn (string $status): string => 'on-hold');
        $savedOnHold = 0;
        add_action('woocommerce_payment_complete', static function (int $id) use (&$savedOnHold): void {
            $savedOnHold += \WpStub::$orders[$id]->get_changes() === [] && \WpStub::$orders[$id]->get_status() === 'on-hold' ? 1 : 0;
            throw new \RuntimeException('ERP sync: unknown SKU');
        });
        $body = self::body('2d000000-0000-4000-8000-0000000000aa', 'BOOKED', '2024-05-07T14:49:55.000Z');
        $answers = [];
        for ($i = 0; $i < 5; $i++) {
            $r = $this->wooPost($body, ['Signature' => self::signed($body)]);
            $answers[] = [$r->get_status(), $r->get_data()['decision']['reason'] ?? null, $r->get_data()['orderState'] ?? null];
        }
        $this->assertSame(array_merge([[200, 'first', 'on-hold']], array_fill(0, 4, [200, 'duplicate', 'on-hold'])), $answers, 'applied once; the retries are duplicates');
        $order = \WpStub::$orders[1042];
        $this->assertSame(['on-hold', 1, 1], [$order->get_status(), $order->paymentCompleteCalls, $savedOnHold], 'saved on hold once: no second e-mail');
        $this->assertNotContains('ROLLBACK', \WpStub::$log);
        $this->assertStringContainsString(': WooCommerce saved the order on-hold, not a paid status (the money has arrived: check the order, then mark it paid by hand or refund the payment), '
            . 'but a woocommerce_payment_complete hook of another plugin failed afterwards;', (string) end($order->notes));
        $this->assertSame('warning', \WpStub::$logged[1][0] ?? null);
    }

    /**
     * A COMMIT the database answers with an error (a lost connection; the server rolled the
     * transaction back): 500, logged, nothing kept, and Everifin's retry applies the event.
     */
    public function testWooCommerceAnswers500WhenTheCommitFails(): void
    {
        do_action('rest_api_init');
        \WpStub::$options[\Everifin_Webhook_Plugin::OPTION_SECRETS] = [self::SECRET];
        \WpStub::$orders[1042] = new \WC_Order(1042, 'pending');
        \WpStub::$commitFails = true;
        $body = self::body('2d000000-0000-4000-8000-0000000000ab', 'BOOKED', '2024-05-07T14:49:55.000Z');
        $r = $this->wooPost($body, ['Signature' => self::signed($body)]);
        $this->assertSame([500, 'INTERNAL'], [$r->get_status(), $r->get_data()['status'] ?? null]);
        $this->assertSame(['pending', ''], [\WpStub::$orders[1042]->get_status(), \WpStub::$orders[1042]->get_meta(\Everifin_Webhook_Plugin::META_STATE)]);
        $this->assertStringContainsString('Everifin_Webhook_Not_Applied: the database did not commit the delivery for order 1042; nothing of it was kept', (string) (end(\WpStub::$logged)[1] ?? ''));
        \WpStub::$commitFails = false;
        $r = $this->wooPost($body, ['Signature' => self::signed($body)]);
        $this->assertSame([200, 'first', 'processing'], [$r->get_status(), $r->get_data()['decision']['reason'], \WpStub::$orders[1042]->get_status()]);
    }

    /**
     * A hook on woocommerce_payment_complete fails after a save() that did not write the order
     * (WooCommerce's save() catches what a woocommerce_before_order_object_save hook throws and
     * logs it): the status is set in the object only, so the order is not paid. Nothing of the
     * delivery is kept: 500, and Everifin delivers it again.
     */
    public function testWooCommerceHasEverifinRetryAPaymentWooCommerceDidNotSave(): void
    {
        do_action('rest_api_init');
        \WpStub::$options[\Everifin_Webhook_Plugin::OPTION_SECRETS] = [self::SECRET];
        \WpStub::$orders[1042] = new \WC_Order(1042, 'pending');
        add_action('woocommerce_before_order_object_save', static function (\WC_Order $order): void {
            if ($order->get_changes() !== []) {
                throw new \RuntimeException('the order table is read-only');
            }
        });
        add_action('woocommerce_payment_complete', static function (): void {
            throw new \RuntimeException('ERP sync: unknown SKU');
        });
        $body = self::body('2d000000-0000-4000-8000-000000000002', 'BOOKED', '2024-05-07T14:49:55.000Z');
        $r = $this->wooPost($body, ['Signature' => self::signed($body)]);
        $this->assertSame([500, 'INTERNAL'], [$r->get_status(), $r->get_data()['status'] ?? null], json_encode($r->get_data()));
        $this->assertContains('ROLLBACK', \WpStub::$log);
        $order = \WpStub::$orders[1042];
        $this->assertSame(['pending', [], '', []], [$order->get_status(), $order->get_changes(), $order->get_meta(\Everifin_Webhook_Plugin::META_STATE), $order->notes], 'nothing of the delivery kept');
        $this->assertSame([['error', 'Error saving order ID 1042.'], ['error', 'Error completing payment for order #1042']],
            array_map(static fn (array $line): array => [$line[0], $line[1]], array_slice(\WpStub::$logged, 0, 2)), "WooCommerce's errors");
        $this->assertSame('error', \WpStub::$logged[2][0] ?? null);
        $this->assertStringContainsString("Everifin_Webhook_Not_Applied: WooCommerce's payment_complete() failed for order 1042", \WpStub::$logged[2][1] ?? '');
        $this->assertSame([], self::wooWarnings());
    }

    /** @return array<string, array{0: string, 1: string, 2: int}> [event status, order status once applied, payment_complete() calls] */
    public static function wooLastSaveFailures(): array
    {
        return [
            'a payment booked: payment_complete() saved the order paid before' => ['BOOKED', 'processing', 1],
            'a payment failed: update_status() saved the order failed before' => ['FAILED', 'failed', 0],
        ];
    }

    /**
     * WooCommerce's save() catches what a woocommerce_before_order_object_save hook throws, logs it
     * and returns as after a save. A hook that fails on the delivery's last save only, the one
     * that stores the webhook state (payment_complete() or update_status() saved the order
     * before): committing would answer 200 with the state not stored, and Everifin's next delivery
     * of the event would be decided from the old state. The plugin reads the state back before
     * COMMIT: 500, nothing of the delivery kept, logged without the state; once the hook works,
     * the retry applies the event once, and a delivery after it is a duplicate.
     *
     * @dataProvider wooLastSaveFailures
     */
    public function testWooCommerceHasEverifinRetryADeliveryWhoseStateWooCommerceDidNotSave(string $eventStatus, string $after, int $paymentCompleteCalls): void
    {
        do_action('rest_api_init');
        \WpStub::$options[\Everifin_Webhook_Plugin::OPTION_SECRETS] = [self::SECRET];
        \WpStub::$orders[1042] = new \WC_Order(1042, 'pending');
        $fails = true;
        add_action('woocommerce_before_order_object_save', static function (\WC_Order $order) use (&$fails): void {
            // The plugin sets the state after the order moved: only its own save carries it.
            if ($fails && $order->get_meta(\Everifin_Webhook_Plugin::META_STATE) !== '') {
                throw new \RuntimeException('the ERP rejected the order');
            }
        });
        $body = self::body('2f100000-0000-4000-8000-000000000001', $eventStatus, '2024-05-07T14:49:55.000Z');
        for ($i = 0; $i < 2; $i++) {
            \WpStub::$logged = [];
            $r = $this->wooPost($body, ['Signature' => self::signed($body)]);
            $this->assertSame([500, 'INTERNAL'], [$r->get_status(), $r->get_data()['status'] ?? null], json_encode($r->get_data()));
            $this->assertContains('ROLLBACK', \WpStub::$log);
            $this->assertNotContains('COMMIT', \WpStub::$log);
            $order = \WpStub::$orders[1042];
            $this->assertSame(['pending', [], '', [], 0], [$order->get_status(), $order->get_changes(), $order->get_meta(\Everifin_Webhook_Plugin::META_STATE), $order->notes, $order->paymentCompleteCalls],
                'nothing of the delivery kept');
            $this->assertCount(2, \WpStub::$logged, "WooCommerce's error, then the plugin's");
            $this->assertSame(['error', 'Error saving order ID 1042.'], array_slice(\WpStub::$logged[0], 0, 2));
            [$level, $message] = \WpStub::$logged[1];
            $this->assertSame('error', $level);
            $this->assertStringContainsString('webhook not processed (answered 500, Everifin retries): Everifin_Webhook_Not_Applied: '
                . "WooCommerce could not save order 1042: its webhook state is not in the database after save() (WooCommerce's save() caught the cause and wrote it to WooCommerce's log", $message);
            $this->assertStringNotContainsString('2f100000-0000-4000-8000-000000000001', $message, 'not the state (it holds the event ids)');
            $this->assertStringNotContainsString(self::SECRET, $message);
            \WpStub::$log = [];
        }

        $fails = false;
        $r = $this->wooPost($body, ['Signature' => self::signed($body)]);
        $order = \WpStub::$orders[1042];
        $this->assertSame([200, ['action' => 'apply', 'reason' => 'first'], $after, $after, $paymentCompleteCalls],
            [$r->get_status(), $r->get_data()['decision'], $r->get_data()['orderState'], $order->get_status(), $order->paymentCompleteCalls], json_encode($r->get_data()));
        $this->assertSame($eventStatus, json_decode($order->savedMeta[\Everifin_Webhook_Plugin::META_STATE][0], true)['status'], 'the state is stored');
        $r = $this->wooPost($body, ['Signature' => self::signed($body)]);
        $this->assertSame([['action' => 'skip', 'reason' => 'duplicate'], $paymentCompleteCalls], [$r->get_data()['decision'], \WpStub::$orders[1042]->paymentCompleteCalls]);
    }

    public function testWooCommerceUninstallDeletesTheSecretsOfEverySite(): void
    {
        if (!defined('WP_UNINSTALL_PLUGIN')) {
            define('WP_UNINSTALL_PLUGIN', 'everifin-webhook/everifin-webhook.php');
        }
        $ours = [\Everifin_Webhook_Plugin::OPTION_SECRETS, \Everifin_Webhook_Plugin::OPTION_LAST_REJECTED, \Everifin_Webhook_Plugin::OPTION_LAST_UNMATCHED];
        \WpStub::$options = array_fill_keys($ours, ['set']) + ['other' => 1];
        require self::EXAMPLES . '/woocommerce/everifin-webhook/uninstall.php';
        $this->assertSame(['other' => 1], \WpStub::$options);
        // The settings page's pending save errors (a transient per user) go too.
        $deleteErrors = "DELETE FROM wp_options WHERE option_name LIKE '\\\\_transient\\\\_everifin\\\\_webhook\\\\_error\\\\_%'"
            . " OR option_name LIKE '\\\\_transient\\\\_timeout\\\\_everifin\\\\_webhook\\\\_error\\\\_%'";
        $this->assertSame([$deleteErrors], \WpStub::$log);

        \WpStub::$sites = [1, 2, 5];
        foreach (\WpStub::$sites as $id) {
            \WpStub::$siteOptions[$id] = array_fill_keys($ours, ['of site ' . $id]) + ['other' => 1];
        }
        require self::EXAMPLES . '/woocommerce/everifin-webhook/uninstall.php';
        $this->assertSame([1 => ['other' => 1], 2 => ['other' => 1], 5 => ['other' => 1]], \WpStub::$siteOptions);
        $this->assertSame(array_fill(0, 4, $deleteErrors), \WpStub::$log, 'once more for each of the 3 sites');
        $this->assertSame(1, \WpStub::$blog, 'the current site is restored');
    }

    public function testWooCommerceRejectsForgedAndBrokenRequestsWithTheBindingsStatus(): void
    {
        do_action('rest_api_init');
        \WpStub::$options[\Everifin_Webhook_Plugin::OPTION_SECRETS] = [self::SECRET];
        $order = \WpStub::$orders[1042] = new \WC_Order(1042, 'pending');
        $booked = self::body('66666666-6666-4666-8666-666666666666', 'BOOKED', '2024-05-07T14:49:55.000Z');

        $forged = Verifier::sign($booked, ['someone-elses-secret']);
        $r = $this->wooPost($booked, ['Signature' => $forged]);
        $this->assertSame(401, $r->get_status());
        $this->assertSame('SIGNATURE_MISMATCH', $r->get_data()['status']);

        $r = $this->wooPost($booked, []);
        $this->assertSame(401, $r->get_status());
        $this->assertSame('HEADER_MISSING', $r->get_data()['status']);

        $r = $this->wooPost('{"eventId":', ['Signature' => self::signed('{"eventId":')]);
        $this->assertSame(400, $r->get_status());
        $this->assertSame('BODY_NOT_JSON', $r->get_data()['status']);
        $this->assertSame('pending', $order->get_status());
        $this->assertSame(0, $order->saves);
        $this->assertStringNotContainsString(self::SECRET, json_encode($r->get_data()));
    }

    public function testWooCommerceUnknownOrderAndMissingSecret(): void
    {
        do_action('rest_api_init');
        \WpStub::$options[\Everifin_Webhook_Plugin::OPTION_SECRETS] = [self::SECRET];
        $body = self::body('77777777-7777-4777-8777-777777777777', 'BOOKED', '2024-05-07T14:49:55.000Z', '999');
        $r = $this->wooPost($body, ['Signature' => self::signed($body)]);
        $this->assertSame(200, $r->get_status());
        $this->assertTrue($r->get_data()['received']);
        $this->assertNull($r->get_data()['order']);
        $this->assertArrayNotHasKey('decision', $r->get_data());
        // Every one in WooCommerce's log (the settings page keeps the last one a minute); a warning when money was reported.
        $this->assertSame(['verified delivery matched no order, answered 200 (Everifin does not send it again): event 77777777-7777-4777-8777-777777777777 (payment.statusChange BOOKED), '
            . 'looked for externalId "999", Everifin paymentId f0489615-fb8a-4c76-bb28-7f9726d815d6: '
            . 'money was reported for an order this shop cannot find. Check the payment in the Everifin Back Office.'], self::wooWarnings());
        $failed = self::body('77777777-7777-4777-8777-777777777778', 'FAILED', '2024-05-07T14:49:56.000Z', 'wc-1042');
        $this->assertSame(200, $this->wooPost($failed, ['Signature' => self::signed($failed)])->get_status());
        $this->assertSame(['info', 'verified delivery matched no order, answered 200 (Everifin does not send it again): event 77777777-7777-4777-8777-777777777778 (payment.statusChange FAILED), '
            . 'looked for externalId "wc-1042", Everifin paymentId f0489615-fb8a-4c76-bb28-7f9726d815d6', ['source' => 'everifin-webhook']], end(\WpStub::$logged));
        $this->assertCount(2, \WpStub::$logged);

        \WpStub::$options = [];
        $r = $this->wooPost($body, ['Signature' => self::signed($body)]);
        $this->assertSame(500, $r->get_status());
    }

    /**
     * A delivery answered with an error and a verified one that matched no order leave a record for
     * the settings page (autoload off; never a secret, the body or the header), at most one of each
     * kind a minute.
     */
    public function testWooCommerceRecordsTheLastRejectedAndUnmatchedDeliveries(): void
    {
        do_action('rest_api_init');
        \WpStub::$options[\Everifin_Webhook_Plugin::OPTION_SECRETS] = [self::SECRET];
        $body = self::body('1a1a1a1a-1a1a-4a1a-8a1a-1a1a1a1a1a1a', 'BOOKED', gmdate('Y-m-d\TH:i:s.000\Z'), 'ext-999');
        $forged = Verifier::sign($body, ['someone-elses-secret']);
        $before = time();
        $this->assertSame(401, $this->wooPost($body, ['Signature' => $forged])->get_status());
        $rejected = \WpStub::$options[\Everifin_Webhook_Plugin::OPTION_LAST_REJECTED];
        $this->assertSame(['time', 'httpStatus', 'status'], array_keys($rejected), 'not the message: it quotes the request');
        $this->assertGreaterThanOrEqual($before, $rejected['time']);
        $this->assertSame([401, 'SIGNATURE_MISMATCH'], [$rejected['httpStatus'], $rejected['status']]);
        $this->assertSame('no signature in the Signature header matches a configured hook secret.', \Everifin_Webhook_Admin::describeRejection(401, 'SIGNATURE_MISMATCH'));
        [$stored, $autoload] = \WpStub::$stored[\Everifin_Webhook_Plugin::OPTION_LAST_REJECTED];
        $this->assertFalse($autoload);
        foreach ([self::SECRET, $forged, substr($forged, -64), '1a1a1a1a-1a1a-4a1a-8a1a-1a1a1a1a1a1a', 'ext-999'] as $never) {
            $this->assertStringNotContainsString($never, $stored);
        }

        // Within the minute: a flood of rejected requests writes nothing more.
        $this->assertSame(401, $this->wooPost($body, [])->get_status());
        $this->assertSame($rejected, \WpStub::$options[\Everifin_Webhook_Plugin::OPTION_LAST_REJECTED]);
        // A minute later the next one is recorded.
        \WpStub::$options[\Everifin_Webhook_Plugin::OPTION_LAST_REJECTED]['time'] -= \Everifin_Webhook_Plugin::TRACE_INTERVAL;
        $this->assertSame(401, $this->wooPost($body, [])->get_status());
        $this->assertSame('HEADER_MISSING', \WpStub::$options[\Everifin_Webhook_Plugin::OPTION_LAST_REJECTED]['status']);

        // Authentic, but naming no order (an externalId that is not an order ID): 200, and what was looked for is recorded.
        $r = $this->wooPost($body, ['Signature' => self::signed($body)]);
        $this->assertSame([200, null], [$r->get_status(), $r->get_data()['order']]);
        $unmatched = \WpStub::$options[\Everifin_Webhook_Plugin::OPTION_LAST_UNMATCHED];
        unset($unmatched['time']);
        $this->assertSame(['eventId' => '1a1a1a1a-1a1a-4a1a-8a1a-1a1a1a1a1a1a', 'eventType' => 'payment.statusChange', 'status' => 'BOOKED',
            'externalId' => 'ext-999', 'hookDataOrderId' => null, 'orderId' => null, 'paymentId' => 'f0489615-fb8a-4c76-bb28-7f9726d815d6', 'refundId' => null], $unmatched);
        $this->assertFalse(\WpStub::$stored[\Everifin_Webhook_Plugin::OPTION_LAST_UNMATCHED][1]);
        $this->assertStringNotContainsString(self::SECRET, \WpStub::$stored[\Everifin_Webhook_Plugin::OPTION_LAST_UNMATCHED][0]);

        // The library's message quotes the request (a header part, a field's text): none of a
        // stranger's text reaches the record, so none reaches the settings page.
        foreach ([['Signature' => 'ts=2024-05-07T14:49:55.000Z;Call us +420 123 456 789 to unlock your shop'],
            ['Signature' => self::signed('{"eventId":"Call us +420 123 456 789"}')]] as $i => $headers) {
            \WpStub::$options = [\Everifin_Webhook_Plugin::OPTION_SECRETS => [self::SECRET]];
            $r = $this->wooPost($i === 0 ? $body : '{"eventId":"Call us +420 123 456 789"}', $headers);
            $this->assertStringContainsString('Call us', $r->get_data()['message'], 'the caller gets the library\'s message');
            $this->assertStringNotContainsString('Call us', \WpStub::$stored[\Everifin_Webhook_Plugin::OPTION_LAST_REJECTED][0]);
        }
        foreach (\Everifin\Webhook\Status::names() as $name) {
            if ($name !== 'OK') {
                $this->assertStringNotContainsString('see the status name', \Everifin_Webhook_Admin::describeRejection(\Everifin\Webhook\Status::httpStatus($name), $name), $name);
            }
        }

        // Parallel requests: one that finds another writing the record (its named lock held) writes nothing.
        \WpStub::$options = [\Everifin_Webhook_Plugin::OPTION_SECRETS => [self::SECRET]];
        \WpStub::$traceLockHeld = true;
        \WpStub::$log = [];
        $this->assertSame(401, $this->wooPost($body, [])->get_status());
        $this->assertArrayNotHasKey(\Everifin_Webhook_Plugin::OPTION_LAST_REJECTED, \WpStub::$options);
        $this->assertMatchesRegularExpression("/^SELECT GET_LOCK\\('everifin-webhook:[0-9a-f]{12}:everifin_webhook_last_rejected', 0\\)$/", \WpStub::$log[0] ?? '');
        \WpStub::$traceLockHeld = false;
        \WpStub::$log = [];
        $this->assertSame(401, $this->wooPost($body, [])->get_status());
        $this->assertSame('HEADER_MISSING', \WpStub::$options[\Everifin_Webhook_Plugin::OPTION_LAST_REJECTED]['status']);
        $this->assertSame("SELECT RELEASE_LOCK('everifin-webhook:", substr(end(\WpStub::$log), 0, 38), 'the lock is released');

        // Long texts are cut (an odd externalId), never inside a UTF-8 character.
        \WpStub::$options = [\Everifin_Webhook_Plugin::OPTION_SECRETS => [self::SECRET]];
        $long = self::body('2b2b2b2b-2b2b-4b2b-8b2b-2b2b2b2b2b2b', 'BOOKED', gmdate('Y-m-d\TH:i:s.000\Z'), 'x' . str_repeat('ž', 80));
        $this->wooPost($long, ['Signature' => self::signed($long)]);
        $externalId = \WpStub::$options[\Everifin_Webhook_Plugin::OPTION_LAST_UNMATCHED]['externalId'];
        $this->assertSame('x' . str_repeat('ž', 48) . '...', $externalId, '100 bytes');
        $long = self::body('2b2b2b2b-2b2b-4b2b-8b2b-2b2b2b2b2b2c', 'BOOKED', gmdate('Y-m-d\TH:i:s.000\Z'), 'xy' . str_repeat('ž', 80));
        \WpStub::$options[\Everifin_Webhook_Plugin::OPTION_LAST_UNMATCHED]['time'] -= \Everifin_Webhook_Plugin::TRACE_INTERVAL;
        $this->wooPost($long, ['Signature' => self::signed($long)]);
        $this->assertSame('xy' . str_repeat('ž', 47) . '...', \WpStub::$options[\Everifin_Webhook_Plugin::OPTION_LAST_UNMATCHED]['externalId'], 'the half character left out');
    }

    /**
     * @dataProvider orderStorages
     */
    public function testWooCommerceLoadsDecidesAndSavesWithTheOrderLocked(bool $hpos): void
    {
        do_action('rest_api_init');
        \WpStub::$hpos = $hpos;
        \WpStub::$options[\Everifin_Webhook_Plugin::OPTION_SECRETS] = [self::SECRET];
        \WpStub::$orders[1042] = new \WC_Order(1042, 'pending');
        $booked = self::body('99999999-9999-4999-8999-999999999999', 'BOOKED', '2024-05-07T14:49:55.000Z');
        \WpStub::$log = [];
        $r = $this->wooPost($booked, ['Signature' => self::signed($booked)]);
        $this->assertSame(['action' => 'apply', 'reason' => 'first'], $r->get_data()['decision']);
        $log = \WpStub::$log;
        $this->assertMatchesRegularExpression("/^SELECT GET_LOCK\\('everifin-webhook:[0-9a-f]{12}:1042', 10\\)$/", $log[0]);
        // WooCommerce's cached copies of the order are dropped before it is read, and again after
        // COMMIT (self::forget1042()). payment_complete() saves the order paid, the plugin saves its state.
        // Before COMMIT, one query reads the state back from the database, past HPOS's meta cache.
        $forget = self::forget1042();
        $readBack = ['OrdersTableDataStoreMeta::clear_cached_data(1042)', self::readMeta1042()];
        $this->assertSame(array_merge(['START TRANSACTION'], $forget, ['wc_get_order(1042)', 'save(1042)', 'save(1042)'], $readBack, ['COMMIT'], $forget),
            array_slice($log, 1, 7 + 2 * count($forget)));
        $this->assertSame(str_replace('GET_LOCK', 'RELEASE_LOCK', preg_replace('/, 10\)$/', ')', $log[0])), $log[8 + 2 * count($forget)]);
        $this->assertCount(9 + 2 * count($forget), $log);

        // A duplicate leaves the state as it was: nothing to read back.
        \WpStub::$log = [];
        $r = $this->wooPost($booked, ['Signature' => self::signed($booked)]);
        $this->assertSame(['action' => 'skip', 'reason' => 'duplicate'], $r->get_data()['decision']);
        $this->assertContains('COMMIT', \WpStub::$log);
        $this->assertNotContains(self::readMeta1042(), \WpStub::$log);
    }

    /** The query the order's data store reads order 1042's meta rows with (read_meta()), in the storage in use. */
    private static function readMeta1042(): string
    {
        return \WpStub::$hpos
            ? 'SELECT id, order_id as object_id, meta_key, meta_value FROM wp_wc_orders_meta WHERE order_id in ( 1042 )'
            : 'SELECT meta_id as meta_id, meta_key, meta_value FROM wp_postmeta WHERE post_id = 1042 ORDER BY meta_id';
    }

    /**
     * What forgetOrder() drops for order 1042: the post cache, WC_Data's meta rows and items list,
     * HPOS's OrderCache; with HPOS also its data store's cache (the posts storage's data store
     * has no clear_cached_data()); and HPOS's meta data store's cache.
     *
     * @return list<string>
     */
    private static function forget1042(): array
    {
        $forget = ['clean_post_cache(1042)', 'wp_cache_delete(orders-object_1042-object_meta_1042, orders)', 'wp_cache_delete(order-items-1042, orders)', 'OrderCache::remove(1042)'];
        return array_merge($forget, \WpStub::$hpos ? ['clear_cached_data(1042)'] : [], ['OrdersTableDataStoreMeta::clear_cached_data(1042)']);
    }

    /**
     * HPOS's data store drops an order's cached meta rows only when it could delete the order's
     * row entry; a persistent cache that evicted the row but kept the meta (the webhook state
     * among it) would otherwise serve that meta stale. The plugin drops the meta data store's
     * cache itself, under the lock and after COMMIT.
     */
    public function testWooCommerceDropsHposMetaCachedWithoutItsRow(): void
    {
        do_action('rest_api_init');
        \WpStub::$hpos = true;
        \WpStub::$options[\Everifin_Webhook_Plugin::OPTION_SECRETS] = [self::SECRET];
        \WpStub::$orders[1042] = new \WC_Order(1042, 'pending');
        \WpStub::$orders[1043] = new \WC_Order(1043, 'pending');
        // Order 1042's row entry was evicted, its meta kept; order 1043 (untouched) has both.
        \WpStub::$hposMetaCache = [1042 => ['_everifin_webhook_state' => 'as read before'], 1043 => ['_everifin_webhook_state' => 'of 1043']];
        \WpStub::$hposRowCache = [1043 => true];
        $booked = self::body('2f000000-0000-4000-8000-000000000001', 'BOOKED', '2024-05-07T14:49:55.000Z');
        $this->assertSame(200, $this->wooPost($booked, ['Signature' => self::signed($booked)])->get_status());
        $this->assertSame([1043], array_keys(\WpStub::$hposMetaCache), "order 1042's cached meta is gone; the other order's stays");
        $this->assertSame([1043 => true], \WpStub::$hposRowCache);

        // A WooCommerce whose container does not give the meta data store out: nothing is dropped, nothing fails.
        \WpStub::$containerWithoutHposMeta = true;
        $booked = self::body('2f000000-0000-4000-8000-000000000002', 'BOOKED', '2024-05-07T14:49:55.000Z', '1043');
        $r = $this->wooPost($booked, ['Signature' => self::signed($booked)]);
        $this->assertSame([200, 'processing'], [$r->get_status(), \WpStub::$orders[1043]->get_status()], json_encode($r->get_data()));
        $this->assertSame([], \WpStub::$logged);
    }

    /** @return array<string, array{0: bool}> */
    public static function orderStorages(): array
    {
        return ['posts storage' => [false], 'HPOS' => [true]];
    }

    /**
     * An event that names no order of the shop is matched by the Everifin ids an earlier event
     * left with the order. The lookup reads ids only; the order is read under its lock, after
     * WooCommerce's cached copies of it are dropped (the post cache, HPOS's OrderCache): a copy
     * cached before (by the lookup, or by another request while the last delivery was still
     * saving) would hide what the last delivery saved, and the same event would be applied twice.
     *
     * @dataProvider orderStorages
     */
    public function testWooCommerceReadsTheOrderUnderItsLockPastTheObjectCache(bool $hpos): void
    {
        do_action('rest_api_init');
        \WpStub::$hpos = $hpos;
        \WpStub::$options[\Everifin_Webhook_Plugin::OPTION_SECRETS] = [self::SECRET];
        $order = \WpStub::$orders[1042] = new \WC_Order(1042, 'pending');
        $ids = ['paymentId' => 'da96bc8f-2b1e-4c0d-9f3a-6e5d4c3b2a19', 'orderId' => '8840d948-12da-4ca1-8269-3cfdc10b73bc'];
        $this->wooSend('27000000-0000-4000-8000-000000000001', '2024-05-07T14:49:00.000Z', $ids + ['externalId' => '1042', 'status' => 'PROCESSING']);
        // The order as a request read it, and the object cache kept it, before the delivery below saved.
        $before = clone $order;

        \WpStub::$log = [];
        $r = $this->wooSend('27000000-0000-4000-8000-000000000002', '2024-05-07T14:49:55.000Z', $ids + ['status' => 'BOOKED']);
        $this->assertSame([1042, ['action' => 'apply', 'reason' => 'newer'], 'processing', 1], [$r->get_data()['order'], $r->get_data()['decision'], $order->get_status(), $order->paymentCompleteCalls]);
        $log = \WpStub::$log;
        $lock = (int) array_key_first(preg_grep('/^SELECT GET_LOCK\(.*:1042\'/', $log));
        $this->assertSame('wc_get_orders', substr($log[0], 0, 13), 'found by its Everifin orderId');
        $this->assertSame(['wc_get_order(1042)'], array_values(preg_grep('/^wc_get_order\(/', $log)), 'read once');
        $this->assertSame(array_merge(['START TRANSACTION'], self::forget1042(), ['wc_get_order(1042)']), array_slice($log, $lock + 1, 2 + count(self::forget1042())), 'only under the lock, past the cache');

        // Everifin delivers the event again; the object cache holds the copy from before the first delivery saved.
        \WpStub::$cachedOrders[1042] = $before;
        $r = $this->wooSend('27000000-0000-4000-8000-000000000002', '2024-05-07T14:49:55.000Z', $ids + ['status' => 'BOOKED']);
        $this->assertSame([['action' => 'skip', 'reason' => 'duplicate'], 'processing'], [$r->get_data()['decision'], $r->get_data()['orderState']]);
        $this->assertSame([1, 0], [$order->paymentCompleteCalls, $before->paymentCompleteCalls], 'paid once');
    }

    /**
     * WordPress and WooCommerce drop an order's cached copies when they write it, not when the
     * delivery's transaction commits: a request reading the order meanwhile (the customer's
     * return page) caches it as committed before, and a persistent object cache would keep that
     * "pending" for the paid order. After a ROLLBACK the cache would keep what the delivery read
     * of its own writes. The plugin drops the copies again once the transaction has ended.
     *
     * @dataProvider orderStorages
     */
    public function testWooCommerceLeavesNoStaleOrderInTheObjectCache(bool $hpos): void
    {
        do_action('rest_api_init');
        \WpStub::$hpos = $hpos;
        \WpStub::$options[\Everifin_Webhook_Plugin::OPTION_SECRETS] = [self::SECRET];
        $order = \WpStub::$orders[1042] = new \WC_Order(1042, 'pending');
        $committed = clone $order;
        // Another request reads the order while the delivery's transaction is open (here, in a
        // hook of payment_complete(), after WooCommerce dropped the cached copies): it gets the
        // order as committed, and its object cache keeps it.
        add_action('woocommerce_payment_complete', static function (int $id) use ($committed): void {
            if ($id === 1042) {
                \WpStub::$cachedOrders[$id] = $committed;
            }
        });
        $booked = self::body('28000000-0000-4000-8000-000000000001', 'BOOKED', '2024-05-07T14:49:55.000Z');
        $r = $this->wooPost($booked, ['Signature' => self::signed($booked)]);
        $this->assertSame([200, 'apply', 'processing'], [$r->get_status(), $r->get_data()['decision']['action'], $order->get_status()]);
        $this->assertSame('processing', wc_get_order(1042)->get_status(), 'the next request reads the order as committed');
        $log = \WpStub::$log;
        $this->assertSame(self::forget1042(), array_slice($log, (int) array_search('COMMIT', $log, true) + 1, count(self::forget1042())), 'dropped after COMMIT, before the lock is released');
        $this->assertStringStartsWith('SELECT RELEASE_LOCK(', $log[(int) array_search('COMMIT', $log, true) + 1 + count(self::forget1042())]);

        // A delivery that fails after payment_complete() saved the order paid: rolled back, and not left cached paid.
        \WpStub::$orders[1043] = self::orderFailingStateSave(1043);
        $booked = self::body('28000000-0000-4000-8000-000000000002', 'BOOKED', '2024-05-07T14:49:55.000Z', '1043');
        $this->assertSame(500, $this->wooPost($booked, ['Signature' => self::signed($booked)])->get_status());
        $this->assertSame('pending', \WpStub::$orders[1043]->get_status(), 'rolled back');
        $this->assertSame('pending', wc_get_order(1043)->get_status(), 'and read so');
        $this->assertSame(1, \WpStub::$orders[1042]->paymentCompleteCalls, 'the other order untouched');
    }

    public function testWooCommerceAnswers503WhileAnotherDeliveryHoldsTheOrder(): void
    {
        do_action('rest_api_init');
        \WpStub::$options[\Everifin_Webhook_Plugin::OPTION_SECRETS] = [self::SECRET];
        $order = \WpStub::$orders[1042] = new \WC_Order(1042, 'pending');
        \WpStub::$lockHeld = true;
        $booked = self::body('12121212-1212-4212-8212-121212121212', 'BOOKED', '2024-05-07T14:49:55.000Z');
        $r = $this->wooPost($booked, ['Signature' => self::signed($booked)]);
        $this->assertSame(503, $r->get_status(), 'Everifin must retry later');
        $this->assertSame(0, $order->saves);
        $this->assertNotContains('wc_get_order(1042)', \WpStub::$log, 'the order is not read without the lock');
    }

    public function testWooCommerceSecretsAreStoredWithoutAutoload(): void
    {
        \Everifin_Webhook_Plugin::activate();
        $this->assertSame([serialize([]), false], \WpStub::$stored[\Everifin_Webhook_Plugin::OPTION_SECRETS]);
        \Everifin_Webhook_Plugin::saveSecrets(['old', '', 'new']);
        $this->assertSame([serialize(['old', 'new']), false], \WpStub::$stored[\Everifin_Webhook_Plugin::OPTION_SECRETS]);
        $this->assertSame(['old', 'new'], \Everifin_Webhook_Plugin::secrets());
    }

    public function testWooCommerceAdminNoticeNamesTheBackendAndWhy(): void
    {
        [$class, $text] = \Everifin_Webhook_Admin::backendSummary();
        $d = \Everifin\Webhook\Environment::diagnose();
        if ($d['backend'] === 'ffi') {
            $this->assertSame('info', $class);
            $this->assertStringContainsString('the native library runs (PHP FFI', $text);
        } else {
            $this->assertSame('warning', $class);
            $this->assertStringContainsString('the pure-PHP fallback runs, because ' . rtrim((string) $d['reason'], '.'), $text);
        }
    }

    /**
     * What Environment::diagnose() says in a PHP-FPM pool where the package at $pkg falls back
     * (not preloaded): its reason and its php.ini advice, which names files inside $pkg.
     *
     * @return array<string, mixed>
     */
    private static function fpmFallbackDiagnosis(string $pkg): array
    {
        return [
            'backend' => 'php', 'via' => null, 'library' => null, 'libraryVersion' => null,
            'reason' => "the EVERIFIN_WEBHOOK scope is not preloaded in fpm-fcgi (ffi.enable=preload); the pure-PHP backend is used instead of loading the library in every request (add to php.ini: ffi.preload=$pkg/lib/everifin_webhook.ffi.h, opcache.preload=$pkg/preload.php)",
            'fix' => [
                "Run php $pkg/bin/ffi-header.php once: it writes $pkg/lib/everifin_webhook.ffi.h (the header ffi.preload loads) and prints the php.ini lines.",
                "Add to php.ini: ffi.preload=$pkg/lib/everifin_webhook.ffi.h",
                "Add to php.ini: opcache.preload=$pkg/preload.php (and opcache.preload_user=<the pool user> when the master starts as root)",
                'Then restart PHP-FPM/Apache (a reload with process_control_timeout = 10s in php-fpm.conf drops no request).',
                'The pure-PHP fallback gives the same results; FFI is only faster.',
            ],
        ];
    }

    /**
     * Under PHP-FPM the binding's advice names php.ini lines in its own folder, here the plugin
     * folder, which an update or deletion removes (PHP-FPM then does not start): the notice leaves
     * it out and points to the settings page's "Native library" commands, which use copies in
     * /opt/everifin-webhook.
     */
    public function testWooCommerceNeverAdvisesPhpIniLinesIntoThePluginFolder(): void
    {
        $pkg = '/var/www/html/wp-content/plugins/everifin-webhook/vendor/everifin-webhook';
        $d = self::fpmFallbackDiagnosis($pkg);
        [$class, $text] = \Everifin_Webhook_Admin::backendSummary($d);
        $this->assertSame('warning', $class);
        $this->assertSame('Everifin webhook: the pure-PHP fallback runs, because the EVERIFIN_WEBHOOK scope is not preloaded in fpm-fcgi (ffi.enable=preload); '
            . 'the pure-PHP backend is used instead of loading the library in every request. The pure-PHP fallback gives the same results; FFI is only faster. '
            . 'To use the native library, follow "Native library" on the plugin\'s settings page (php.ini must not name files in the plugin folder).', $text);
        // The settings page's report: the binding's, of withoutIniAdvice().
        $report = \Everifin_Webhook_Admin::report($d + \Everifin\Webhook\Environment::diagnose());
        $this->assertStringStartsWith("everifin-webhook backend: php (the EVERIFIN_WEBHOOK scope is not preloaded in fpm-fcgi (ffi.enable=preload); "
            . "the pure-PHP backend is used instead of loading the library in every request)\n  via: -\n", $report);
        $this->assertStringEndsWith("\n  fix: {$d['fix'][4]}\n", $report);
        $this->assertSame(1, substr_count($report, '  fix: '), $report);
        $this->assertStringNotContainsString($pkg, $report);
        // A fix that is not about php.ini stays, with the others of the kind.
        $d['fix'] = array_merge(['Install and enable the FFI extension (Debian: it ships with php-common; extension=ffi).'], $d['fix']);
        $this->assertSame(6, count($d['fix']));
        $text = \Everifin_Webhook_Admin::backendSummary($d)[1];
        $this->assertStringContainsString('because the EVERIFIN_WEBHOOK scope is not preloaded in fpm-fcgi (ffi.enable=preload); the pure-PHP backend is used instead of loading the library in every request. '
            . 'Install and enable the FFI extension (Debian: it ships with php-common; extension=ffi). The pure-PHP fallback gives the same results; FFI is only faster. To use', $text);
        $this->assertStringNotContainsString($pkg, $text);

        $setup = \Everifin_Webhook_Admin::nativeSetup();
        $plugin = dirname(EVERIFIN_WEBHOOK_PLUGIN_FILE);
        foreach (['ffi.preload=', 'opcache.preload=', '--lib=', '--out='] as $key) {
            $this->assertMatchesRegularExpression('~' . preg_quote($key, '~') . '/opt/everifin-webhook/~', $setup, $key);
        }
        $this->assertStringContainsString("\$file = '$plugin/vendor/everifin-webhook/preload.php';\nif (is_file(\$file)) {\n    require \$file;\n}", $setup);
        $this->assertMatchesRegularExpression('~^sudo php-fpm\d+\.\d+ -t && sudo systemctl reload php\d+\.\d+-fpm$~m', $setup);
        $this->assertSame([], \Everifin_Webhook_Admin::preloadsInPluginFolder(), 'PHPUnit names no preload in a plugin folder');
        $this->assertSame('/opt/everifin-webhook', \Everifin_Webhook_Admin::NATIVE_DIR);
    }

    /**
     * Environment::phpFpmSetup() refuses a path with ", \ or $ (they would need escaping in php.ini):
     * the settings page says so in a sentence instead of dying.
     */
    public function testWooCommerceSettingsPageSurvivesAPluginFolderTheCommandsCannotQuote(): void
    {
        foreach (['/srv/$site/wp-content/plugins/everifin-webhook', '/srv/a\\b/wp-content/plugins/everifin-webhook', '/srv/"x"/wp-content/plugins/everifin-webhook'] as $dir) {
            $this->assertNull(\Everifin_Webhook_Admin::nativeSetup($dir), $dir);
        }
        $this->assertStringContainsString('The commands cannot be shown for this plugin folder', \Everifin_Webhook_Admin::nativeSetupUnavailable());
        $this->assertIsString(\Everifin_Webhook_Admin::nativeSetup('/srv/my site/wp-content/plugins/everifin-webhook'), 'blanks are quoted');
    }

    /**
     * A blank at either end of a pasted secret makes every genuine webhook a 401: both settings
     * forms refuse it through the binding's SecretInput, also the invisible ones (word joiner,
     * zero-width joiners, soft hyphen), and name the secret by its position.
     *
     * @return iterable<string, array{0: string, 1: ?string}>
     */
    public static function blankEnds(): iterable
    {
        yield 'plain' => ['whsec-91b7', null];
        yield 'inner space' => ['whsec 91b7', null];
        yield 'space' => [' whsec-91b7', 'begins'];
        yield 'tab' => ["whsec-91b7\t", 'ends'];
        yield 'no-break space' => ["whsec-91b7\u{00A0}", 'ends'];
        yield 'zero-width space' => ["\u{200B}whsec-91b7", 'begins'];
        yield 'byte order mark' => ["\u{FEFF}whsec-91b7", 'begins'];
        yield 'word joiner' => ["whsec-91b7\u{2060}", 'ends'];
        yield 'zero-width non-joiner' => ["\u{200C}whsec-91b7", 'begins'];
        yield 'zero-width joiner' => ["whsec-91b7\u{200D}", 'ends'];
        yield 'soft hyphen' => ["whsec-91b7\u{00AD}", 'ends'];
    }

    /** @dataProvider blankEnds */
    public function testBothSettingsFormsFindABlankAtEitherEnd(string $secret, ?string $end): void
    {
        $this->assertSame($end, SecretInput::blankEnd($secret));
    }

    public function testBothSettingsFormsNameTheSecretByItsPosition(): void
    {
        $want = [0 => 'first', 1 => 'second', 9 => 'tenth', 10 => '11th', 11 => '12th', 12 => '13th', 20 => '21st', 21 => '22nd', 22 => '23rd', 23 => '24th',
            100 => '101st', 110 => '111th', 111 => '112th'];
        foreach ($want as $i => $word) {
            $this->assertSame($word, SecretInput::ordinal($i), "index $i");
        }
    }

    // ------------------------------------------------------------------ PrestaShop

    public function testPrestaShopFrontControllerUpdatesTheOrderOnce(): void
    {
        \PsStub::$config = [\EverifinWebhook::CONFIG_SECRETS => self::SECRET . "\n", 'PS_OS_PAYMENT' => 2, 'PS_OS_BANKWIRE' => 10, 'PS_OS_ERROR' => 8];
        \PsStub::$orders[1042] = ['state' => 10];
        $this->assertTrue((new \EverifinWebhook())->install());
        $c = new \EverifinWebhookWebhookModuleFrontController();
        $this->assertTrue($c->ajax);

        $booked = self::body('88888888-8888-4888-8888-888888888888', 'BOOKED', '2024-05-07T14:49:55.000Z');
        [$code, $payload] = $c->handle($booked, self::signed($booked));
        $this->assertSame(200, $code, json_encode($payload));
        $this->assertSame(['received' => true, 'order' => 1042, 'decision' => ['action' => 'apply', 'reason' => 'first'], 'orderOutcome' => 'paid', 'orderState' => 2], $payload);
        $this->assertSame(2, \PsStub::$orders[1042]['state']);
        $this->assertSame([[1042, 2]], \PsStub::$history);

        [$code, $payload] = $c->handle($booked, self::signed($booked));
        $this->assertSame([200, 'duplicate', 'paid', 2], [$code, $payload['decision']['reason'], $payload['orderOutcome'], $payload['orderState']]);
        $this->assertCount(1, \PsStub::$history);
        $this->assertSame('BOOKED', json_decode(\PsStub::$stateTable[1042], true)['status']);

        // The order row is locked (SELECT ... FOR UPDATE inside a transaction, sent unchanged by
        // executeS) before its state is read (getValue: PrestaShop appends LIMIT 1). For a paid
        // order and a payment reported paid, the payment the webhook marked it paid for is read.
        $log = array_values(array_filter(\PsStub::$log, static fn ($q) => !str_starts_with($q, 'CREATE TABLE')));
        $this->assertSame([
            'START TRANSACTION',
            'SELECT `id_order` FROM `ps_orders` WHERE `id_order` = 1042 FOR UPDATE',
            'new Order(1042)',
            'SELECT `state` FROM `ps_everifin_webhook_state` WHERE `id_order` = 1042 LIMIT 1',
            "SELECT `ref_id` FROM `ps_everifin_webhook_ref` WHERE `ref_type` = 'paid' AND `id_order` = 1042 LIMIT 1",
        ], array_slice($log, -8, 5));
        $this->assertStringStartsWith('REPLACE INTO `ps_everifin_webhook_state`', $log[count($log) - 3]);
        $this->assertSame("INSERT IGNORE INTO `ps_everifin_webhook_ref` (`ref_type`, `ref_id`, `id_order`) VALUES ('payment', 'f0489615-fb8a-4c76-bb28-7f9726d815d6', 1042)", $log[count($log) - 2]);
        $this->assertSame('COMMIT', $log[count($log) - 1]);

        [$code, $payload] = $c->handle($booked, 'ts=2024-05-07T14:49:55.000Z;v0=' . str_repeat('0', 64));
        $this->assertSame([401, 'SIGNATURE_MISMATCH'], [$code, $payload['status']]);
        [$code, $payload] = $c->handle("\xff\xfe", self::signed("\xff\xfe"));
        $this->assertSame([400, 'BODY_NOT_UTF8'], [$code, $payload['status']]);
    }

    /** @return array<string, array{0: int, 1: string, 2: string, 3: int, 4: list<array{0: int, 1: int}>}> */
    public static function psShopStateCases(): array
    {
        // [state before, eventType, event status, state after, history rows]; 2 payment accepted,
        // 4 shipped, 6 cancelled, 7 refunded, 8 payment error, 10 awaiting bank wire.
        return [
            'payment accepted elsewhere, then the payment expires' => [2, 'payment.statusChange', 'EXPIRED', 2, []],
            'shipped, then the order is reported paid' => [4, 'order.statusChange', 'PAID', 4, []],
            'shipped, then a payment fails' => [4, 'payment.statusChange', 'FAILED', 4, []],
            'refunded, then a payment is booked' => [7, 'payment.statusChange', 'BOOKED', 7, []],
            'cancelled, then a payment is in progress' => [6, 'payment.statusChange', 'PROCESSING', 6, []],
            'cancelled, then the payment is booked' => [6, 'payment.statusChange', 'BOOKED', 2, [[1042, 2]]],
            'awaiting, then the payment fails' => [10, 'payment.statusChange', 'FAILED', 8, [[1042, 8]]],
            'payment error, then a new attempt is in progress' => [8, 'payment.statusChange', 'PROCESSING', 10, [[1042, 10]]],
        ];
    }

    /**
     * Decide knows only the webhooks; the order's own state has the last word: an order that has
     * been paid is never moved (not back, not to payment accepted again), a cancelled or refunded
     * one only by its payment being booked.
     *
     * @dataProvider psShopStateCases
     * @param list<array{0: int, 1: int}> $history
     */
    public function testPrestaShopOrderStateInTheShopHasTheLastWord(int $before, string $type, string $status, int $after, array $history): void
    {
        \PsStub::$config = [\EverifinWebhook::CONFIG_SECRETS => self::SECRET, 'PS_OS_PAYMENT' => 2, 'PS_OS_BANKWIRE' => 10, 'PS_OS_ERROR' => 8, 'PS_OS_CANCELED' => 6, 'PS_OS_REFUND' => 7];
        \PsStub::$orders[1042] = ['state' => $before];
        // A refunded order was paid first: the paid state is in its history (Refunded has no paid flag).
        $prior = $before === 7 ? [[1042, 2]] : [];
        \PsStub::$history = $prior;
        $data = $type === 'order.statusChange'
            ? ['orderId' => '5e0c1f2a-3b4c-4d5e-8f60-718293a4b5c6', 'status' => $status, 'externalId' => '1042']
            : ['paymentId' => 'f0489615-fb8a-4c76-bb28-7f9726d815d6', 'status' => $status, 'externalId' => '1042'];
        $body = json_encode(['eventId' => '16161616-1616-4616-8616-161616161616', 'eventType' => $type, 'eventTimestamp' => '2024-05-07T14:49:55.000Z', 'data' => $data]);
        [$code, $payload] = (new \EverifinWebhookWebhookModuleFrontController())->handle($body, self::signed($body));
        $this->assertSame([200, ['action' => 'apply', 'reason' => 'first']], [$code, $payload['decision'] ?? $payload]);
        $this->assertSame($after, \PsStub::$orders[1042]['state']);
        $this->assertSame(array_merge($prior, $history), \PsStub::$history, 'no history row (and no customer e-mail) when the order is left as it is');
        if ($before === 7 && $status === 'BOOKED') {
            // Money booked for a refunded order: a warning and a private note instead (Attention).
            $this->assertCount(1, \PsStub::$logs);
            $this->assertSame([2, 'Order', 1042], array_slice(\PsStub::$logs[0], 1));
            $this->assertStringContainsString('(the order is in state 7 already; left as it is): money was booked for a refunded order.', \PsStub::$logs[0][0]);
            $this->assertSame(['everifin-webhook: ' . \PsStub::$messages[0]['message']], [\PsStub::$logs[0][0]]);
        } elseif ($before === $after) {
            $this->assertCount(1, \PsStub::$logs);
            $this->assertSame([1, 'Order', 1042], array_slice(\PsStub::$logs[0], 1));
            $this->assertStringContainsString("the order (state $before) has been paid, cancelled or refunded in the shop; left as it is", \PsStub::$logs[0][0]);
            $this->assertSame([], \PsStub::$messages);
        }
    }

    public function testPrestaShopRefundBookedIsLoggedAndTheStateKept(): void
    {
        \PsStub::$config = [\EverifinWebhook::CONFIG_SECRETS => self::SECRET, 'PS_OS_PAYMENT' => 2, 'PS_OS_REFUND' => 7];
        \PsStub::$orders[1042] = ['state' => 2];
        $body = json_encode(['eventId' => '17171717-1717-4717-8717-171717171717', 'eventType' => 'payment.statusChange', 'eventTimestamp' => '2024-05-08T09:00:00.000Z',
            'data' => ['refundId' => '2b1f0c4e-5d6a-4b7c-8d9e-0f1a2b3c4d5e', 'status' => 'BOOKED', 'externalId' => '1042']]);
        [$code, $payload] = (new \EverifinWebhookWebhookModuleFrontController())->handle($body, self::signed($body));
        $this->assertSame([200, 'apply', 'refunded', 2], [$code, $payload['decision']['action'], $payload['orderOutcome'], $payload['orderState']]);
        $this->assertSame([2, []], [\PsStub::$orders[1042]['state'], \PsStub::$history]);
        $this->assertCount(1, \PsStub::$logs);
        $this->assertStringContainsString('a refund was booked at the bank. The webhook does not say its amount', \PsStub::$logs[0][0]);
    }

    public function testPrestaShopFindsTheOrderByHookDataWithoutExternalId(): void
    {
        \PsStub::$config = [\EverifinWebhook::CONFIG_SECRETS => self::SECRET, 'PS_OS_PAYMENT' => 2];
        \PsStub::$orders[77] = ['state' => 10];
        $body = json_encode(['eventId' => '18181818-1818-4818-8818-181818181818', 'eventType' => 'payment.statusChange', 'eventTimestamp' => '2024-05-07T14:49:55.000Z',
            'data' => ['paymentId' => 'f0489615-fb8a-4c76-bb28-7f9726d815d6', 'status' => 'BOOKED', 'hookData' => ['orderId' => 77]]]);
        [$code, $payload] = (new \EverifinWebhookWebhookModuleFrontController())->handle($body, self::signed($body));
        $this->assertSame([200, 77, 2], [$code, $payload['order'], \PsStub::$orders[77]['state']]);
    }

    public function testPrestaShopLogsAnUnexpectedFailureAndAnswers500(): void
    {
        \PsStub::$config = [\EverifinWebhook::CONFIG_SECRETS => self::SECRET, 'PS_OS_PAYMENT' => 2];
        \PsStub::$orders[1042] = ['state' => 10];
        \PsStub::$failOn = 'REPLACE INTO';   // the state cannot be saved
        $body = self::body('19191919-1919-4919-8919-191919191919', 'BOOKED', '2024-05-07T14:49:55.000Z');
        [$code, $payload] = (new \EverifinWebhookWebhookModuleFrontController())->handle($body, self::signed($body));
        $this->assertSame([500, 'INTERNAL'], [$code, $payload['status'] ?? null], json_encode($payload));
        $this->assertStringNotContainsString('gone away', json_encode($payload), 'the cause is for the merchant, not for the caller');
        $this->assertSame('ROLLBACK', \PsStub::$log[count(\PsStub::$log) - 3]);
        $this->assertSame("SELECT `time` FROM `ps_everifin_webhook_trace` WHERE `kind` = 'rejected' LIMIT 1", \PsStub::$log[count(\PsStub::$log) - 2]);
        $this->assertStringStartsWith("INSERT INTO `ps_everifin_webhook_trace` (`kind`, `time`, `record`) VALUES ('rejected', ", end(\PsStub::$log), 'recorded for the configuration page, after the rollback');
        $this->assertCount(1, \PsStub::$logs);
        [$message, $severity, $type, $id] = \PsStub::$logs[0];
        $this->assertSame([3, null, null], [$severity, $type, $id]);
        $this->assertStringContainsString('PDOException: SQLSTATE[HY000]: General error: 2006 MySQL server has gone away', $message);
        $this->assertStringNotContainsString(self::SECRET, $message);
    }

    /**
     * What of $code a PHP 7.1 cannot parse or run: the syntax that came later, and calls to the
     * string functions of PHP 8.0, as "line N: what" (a token-level check, not a parser).
     *
     * @return list<string>
     */
    private static function laterThanPhp71(string $code): array
    {
        $later = [T_FN => 'arrow function (7.4)', T_COALESCE_EQUAL => '??= (7.4)', T_MATCH => 'match (8.0)', T_NULLSAFE_OBJECT_OPERATOR => '?-> (8.0)',
            T_ATTRIBUTE => 'attribute (8.0)', T_READONLY => 'readonly (8.1)', T_ENUM => 'enum (8.1)'];
        $functions = ['str_contains', 'str_starts_with', 'str_ends_with', 'array_is_list', 'get_debug_type', 'fdiv', 'array_key_first', 'array_key_last', 'is_countable'];
        // The significant tokens: [id or char, text, line].
        $tokens = [];
        $line = 1;
        foreach (token_get_all($code) as $t) {
            if (is_array($t)) {
                $line = $t[2];
                if (!in_array($t[0], [T_WHITESPACE, T_COMMENT, T_DOC_COMMENT], true)) {
                    $tokens[] = [$t[0], $t[1], $t[2]];
                }
            } else {
                $tokens[] = [$t, $t, $line];
            }
        }
        $found = [];
        $parens = [];       // for each open "(": 'array' (array(...) takes a trailing comma), 'catch', 'signature' or 'other'
        $inSignature = false;
        foreach ($tokens as $i => [$id, $text, $ln]) {
            $prev = $tokens[$i - 1] ?? [null, '', 0];
            $next = $tokens[$i + 1] ?? [null, '', 0];
            $what = $later[$id] ?? null;
            if ($id === T_FUNCTION) {
                $inSignature = true;
            } elseif ($inSignature && ($id === '{' || $id === ';')) {
                $inSignature = false;
            }
            if ($id === '(') {
                $parens[] = $prev[0] === T_ARRAY ? 'array' : ($prev[0] === T_CATCH ? 'catch' : 'other');
            } elseif ($id === ')') {
                $open = array_pop($parens);
                if ($open === 'catch' && $prev[0] !== T_VARIABLE) {
                    $what = 'catch without a variable (8.0)';
                }
                if ($prev[0] === ',' && $open !== 'array') {
                    $what = 'a trailing comma in a call or parameter list (7.3 / 8.0)';
                }
                if ($prev[0] === T_ELLIPSIS && ($tokens[$i - 2][0] ?? null) === '(') {
                    $what = 'first-class callable syntax (8.1)';
                }
            } elseif ($id === T_STRING && $next[0] === ':' && in_array($prev[0], ['(', ','], true) && end($parens) !== 'array') {
                $what = 'a named argument (8.0)';
            } elseif ($inSignature && in_array($id, [T_PUBLIC, T_PROTECTED, T_PRIVATE], true)) {
                $what = 'constructor property promotion (8.0)';
            } elseif ($inSignature && $id === '|') {
                $what = 'a union type (8.0)';
            } elseif ($inSignature && $id === T_STRING && in_array(strtolower($text), ['mixed', 'never', 'object'], true)) {
                $what = strtolower($text) . ' type (7.2 / 8.0 / 8.1)';
            } elseif (in_array($id, [T_PUBLIC, T_PROTECTED, T_PRIVATE, T_VAR, T_STATIC], true) && !$inSignature
                && in_array($tokens[$j = $i + ($next[0] === '?' ? 2 : 1)][0] ?? null, [T_STRING, T_ARRAY, T_CALLABLE, T_NAME_QUALIFIED, T_NAME_FULLY_QUALIFIED], true)
                && ($tokens[$j + 1][0] ?? null) === T_VARIABLE) {
                $what = 'a typed property (7.4)';
            } elseif (($id === T_LNUMBER || $id === T_DNUMBER) && str_contains($text, '_')) {
                $what = 'a numeric literal separator (7.4)';
            } elseif (in_array($id, [T_STRING, T_NAME_FULLY_QUALIFIED], true) && in_array(strtolower(ltrim($text, '\\')), $functions, true) && $next[0] === '('
                && !in_array($prev[0], [T_OBJECT_OPERATOR, T_DOUBLE_COLON, T_FUNCTION], true)) {
                $what = ltrim($text, '\\') . '() (PHP 7.3 / 8.0)';
            }
            if ($what !== null) {
                $found[] = "line $ln: $what";
            }
        }
        return $found;
    }

    /** The check above finds each construct it is for, and nothing in code of PHP 7.1. */
    public function testTheOldPhpCheckFindsWhatItLooksFor(): void
    {
        $later = [
            'f(name: 1);', 'f($a, $b,);', 'function g($a, $b,) {}', 'function g(int|string $a) {}', 'function g(): mixed {}', 'function g(): never {}',
            'function g(object $o) {}', 'try {} catch (Exception) {}', '$x = str_contains($a, "b");', '$x = \\str_starts_with($a, "b");', 'if (str_ends_with($a, "b")) {}',
            'class A { private ?int $x = null; }', 'class A { public string $x; }', '$x = 1_000;', '$f = strlen(...);', '$x = fn ($a) => $a;', '$x ??= 1;',
            '$x = $a?->b;', '$x = match ($a) { default => 1 };', 'class A { public function __construct(private $x) {} }',
        ];
        foreach ($later as $code) {
            $this->assertNotSame([], self::laterThanPhp71("<?php\n$code\n"), $code);
        }
        $fine = "<?php\nclass A extends B {\n    public const C = 1;\n    private static \$d = [1, 2,];\n    public \$e;\n    public function f(?string \$a = null, array \$b = array(1, 2,), callable \$c = null): ?string\n    {\n"
            . "        \$x = \$a ? PHP_EOL : ''; \$y = f(\$a ? A : B, \$b);\n        try { g(); } catch (\\Throwable \$e) { throw \$e; }\n        switch (\$a) { case 1: return 'a'; default: return A::C; }\n"
            . "        \$f = static function (\$a) use (\$b): int { return \$a | \$b; };\n        return \$this->str_contains(\$a) . self::str_starts_with(\$a) . sprintf('%d', 1);\n    }\n}\n";
        $this->assertSame([], self::laterThanPhp71($fine));
    }

    /**
     * PrestaShop's module list reads everifinwebhook.php on whatever PHP the shop runs (8.0 runs
     * on PHP 7.2 and newer; the module keeps to PHP 7.1); install() then refuses a PHP older than
     * 8.1 by name. The file must therefore parse on PHP 7.1: none of the syntax that came later.
     */
    public function testPrestaShopModuleFileParsesOnOldPhpAndRefusesItAtInstall(): void
    {
        $file = self::EXAMPLES . '/prestashop/everifinwebhook/everifinwebhook.php';
        $this->assertSame([], self::laterThanPhp71((string) file_get_contents($file)), $file);
        $m = new \EverifinWebhook();
        $this->assertSame('8.0.0', $m->ps_versions_compliancy['min']);
        $this->assertSame(80100, \EverifinWebhook::MIN_PHP_VERSION_ID);
        $this->assertStringContainsString('This module needs PHP 8.1 or newer; this shop runs PHP ' . PHP_VERSION, \EverifinWebhook::phpTooOld());
        $this->assertNull($m->warning, 'no warning on a PHP that runs the library');
    }

    public function testPrestaShopConfigurationPageSavesSecretsAndNamesTheBackend(): void
    {
        $m = new \EverifinWebhook();
        $_SERVER['REQUEST_URI'] = '/admin/index.php?controller=AdminModules&configure=everifinwebhook';
        $_POST = [];
        $html = $m->getContent();
        $this->assertStringContainsString('0 hook secret(s) configured', $html);
        $this->assertStringContainsString('No hook secret is configured', $html);
        $this->assertStringContainsString('<code>https://shop.example/module/everifinwebhook/webhook</code>', $html);
        $d = \Everifin\Webhook\Environment::diagnose();
        $this->assertStringContainsString($d['backend'] === 'ffi' ? 'alert-info">The native library runs' : 'alert-warning">The pure-PHP fallback runs, because', $html);

        $_POST = ['submitEverifinWebhook' => '1', 'EVERIFIN_WEBHOOK_SECRETS' => "old secret 2025\r\nnew secret 2026\r\n"];
        try {
            $html = $m->getContent();
        } finally {
            $_POST = [];
        }
        \PsStub::newRequest();   // read from the configuration table
        $this->assertSame(['old secret 2025', 'new secret 2026'], \EverifinWebhook::secrets());
        $this->assertStringContainsString('2 hook secret(s) saved.', $html);
        $this->assertStringNotContainsString('secret 2025', $html, 'secrets are never printed back');
        $this->assertStringNotContainsString('No hook secret is configured', $html);

        // A secret with a non-ASCII letter whose UTF-8 bytes include 0x85 (which \R splits on) is one secret.
        $_POST = ['submitEverifinWebhook' => '1', 'EVERIFIN_WEBHOOK_SECRETS' => "whsec-Å-ą-2026"];
        try {
            $html = $m->getContent();
        } finally {
            $_POST = [];
        }
        \PsStub::newRequest();
        $this->assertSame(['whsec-Å-ą-2026'], \EverifinWebhook::secrets());
        $this->assertStringContainsString('1 hook secret(s) saved.', $html);

        // A blank pasted with a secret: refused, naming which, the configured secrets unchanged.
        $_POST = ['submitEverifinWebhook' => '1', 'EVERIFIN_WEBHOOK_SECRETS' => "newer secret 2027\nnewest secret 2028\u{2060}\n"];
        try {
            $html = $m->getContent();
        } finally {
            $_POST = [];
        }
        $this->assertStringContainsString('alert-danger">Not saved: the second secret ends with a space or another blank character.', $html);
        \PsStub::newRequest();
        $this->assertSame(['whsec-Å-ą-2026'], \EverifinWebhook::secrets());
        $this->assertStringNotContainsString('secret 2028', $html);
    }

    /**
     * PHP-FPM does not start when php.ini names a file that an update or a deletion of the module
     * removed: the configuration page gives commands that copy what PHP-FPM loads at start to
     * /opt/everifin-webhook (docs/release.md gives the same with example paths), keeps the
     * fallback's reason without the binding's php.ini lines into the module folder, and all of
     * it is escaped.
     */
    public function testPrestaShopConfigurationPageGivesStableFolderCommands(): void
    {
        $module = realpath(self::EXAMPLES . '/prestashop/everifinwebhook');
        $pkg = $module . '/vendor/everifin-webhook';
        $setup = \EverifinWebhook::nativeSetup();
        $this->assertSame(\Everifin\Webhook\Environment::phpFpmSetup($pkg, 'module', '/opt/everifin-webhook', 'www-data'), $setup);
        $this->assertSame(1, preg_match("~<<'INI'\n(.*?)\nINI\n~s", $setup, $m));
        $this->assertSame("ffi.enable=preload\nffi.preload=/opt/everifin-webhook/everifin_webhook.ffi.h\nopcache.enable=1\nopcache.preload=/opt/everifin-webhook/preload.php\nopcache.preload_user=www-data", $m[1]);
        $this->assertStringContainsString("\$file = '$pkg/preload.php';\nif (is_file(\$file)) {", $setup);
        $this->assertStringContainsString('sudo install -m 0644 ' . $pkg . '/lib/libeverifin_webhook.so /opt/everifin-webhook/', $setup);

        $_SERVER['REQUEST_URI'] = '/admin/index.php?controller=AdminModules&configure=everifinwebhook';
        $_POST = [];
        $html = (new \EverifinWebhook())->getContent();
        $this->assertStringContainsString('<h3>Native library (optional, faster)</h3>', $html);
        $this->assertStringContainsString('<pre class="everifin-webhook-native-setup">' . htmlspecialchars($setup, ENT_QUOTES) . '</pre>', $html);
        $this->assertStringNotContainsString('<?php', $html, 'the preload script is shown escaped');
        $this->assertStringContainsString('After each module update, run the first three commands again', $html);
        $this->assertStringNotContainsString('alert-danger', $html, 'PHPUnit names no preload in the module folder');

        // docs/release.md gives the same commands with example paths.
        $doc = (string) file_get_contents(self::EXAMPLES . '/../docs/release.md');
        $this->assertSame(1, preg_match("~<!-- prestashop-native-setup -->\n```sh\n(.*?\n)```\n~s", $doc, $m));
        $php = PHP_MAJOR_VERSION . '.' . PHP_MINOR_VERSION;
        $this->assertSame(strtr($setup, [$module => '/var/www/html/modules/everifinwebhook', "/etc/php/$php/" => '/etc/php/8.2/', "php-fpm$php " => 'php-fpm8.2 ', "php$php-fpm" => 'php8.2-fpm']), $m[1],
            'docs/release.md, "PrestaShop: the native library under PHP-FPM", differs from the configuration page');

        // The fallback under PHP-FPM: the reason stays, the php.ini lines into the module folder go.
        $d = self::fpmFallbackDiagnosis($pkg);
        $this->assertSame([false, 'The pure-PHP fallback runs, because the EVERIFIN_WEBHOOK scope is not preloaded in fpm-fcgi (ffi.enable=preload); '
            . 'the pure-PHP backend is used instead of loading the library in every request. The pure-PHP fallback gives the same results; FFI is only faster. '
            . 'To use the native library, follow "Native library" below (php.ini must not name files in the module folder).'], \EverifinWebhook::backendSummary($d));
    }

    /**
     * An install that put the header or preload.php of the module folder into php.ini (what
     * bin/ffi-header.php without --lib/--out prints) gets an error on the configuration page: the
     * next update or deletion stops PHP-FPM. Run in a PHP started with such an opcache.preload
     * (not preloaded: opcache is off in the CLI).
     */
    public function testPrestaShopConfigurationPageWarnsAboutPhpIniNamingTheModuleFolder(): void
    {
        $module = (string) realpath(self::EXAMPLES . '/prestashop/everifinwebhook');
        $preload = $module . '/vendor/everifin-webhook/preload.php';
        $this->assertSame(["opcache.preload=$preload"], \EverifinWebhook::preloadsInModuleFolder(['ffi.preload' => '/opt/everifin-webhook/everifin_webhook.ffi.h', 'opcache.preload' => $preload]));
        $this->assertSame([], \EverifinWebhook::preloadsInModuleFolder(['ffi.preload' => '/opt/everifin-webhook/everifin_webhook.ffi.h', 'opcache.preload' => '/opt/everifin-webhook/preload.php']));

        $script = sys_get_temp_dir() . '/evf-ps-page-' . getmypid() . '.php';
        file_put_contents($script, "<?php\ndeclare(strict_types=1);\n"
            . 'require ' . var_export(__DIR__ . '/stubs/prestashop.php', true) . ";\n"
            . 'require ' . var_export(dirname(__DIR__) . '/autoload.php', true) . ";\n"
            . 'require ' . var_export($module . '/everifinwebhook.php', true) . ";\n"
            . "\$_SERVER['REQUEST_URI'] = '/admin/index.php?controller=AdminModules&configure=everifinwebhook';\n"
            . "echo (new EverifinWebhook())->getContent();\n");
        try {
            [$rc, $html, $err] = Command::run([PHP_BINARY, '-d', 'ffi.enable=0', '-d', 'opcache.enable_cli=0', '-d', 'opcache.preload=' . $preload, $script]);
            $this->assertSame(0, $rc, $html . $err);
        } finally {
            unlink($script);
        }
        $this->assertStringContainsString('<div class="alert alert-danger">php.ini names a file in the module folder (opcache.preload='
            . htmlspecialchars($preload, ENT_QUOTES) . '). Updating or deleting the module removes it, and PHP-FPM then does not start at all', $html);
        $this->assertStringContainsString('Move it to /opt/everifin-webhook as &quot;Native library&quot; below says', $html);
        $this->assertStringContainsString('<pre class="everifin-webhook-native-setup">', $html);
    }

    /**
     * A module folder whose path Environment::phpFpmSetup() refuses (", \ or $): the configuration
     * page still opens (secrets can be saved) and says why the commands are missing. The module
     * file is run from a copy in such a folder, in a child PHP.
     */
    public function testPrestaShopConfigurationPageSurvivesAModuleFolderTheCommandsCannotQuote(): void
    {
        $this->assertNull(\EverifinWebhook::nativeSetup('/var/www/$shop/modules/everifinwebhook'));
        $tmp = sys_get_temp_dir() . '/evf-ps-$dollar-' . getmypid();
        $module = "$tmp/modules/everifinwebhook";
        @mkdir($module, 0777, true);
        copy(self::EXAMPLES . '/prestashop/everifinwebhook/everifinwebhook.php', "$module/everifinwebhook.php");
        $script = "$tmp/page.php";
        file_put_contents($script, "<?php\ndeclare(strict_types=1);\n"
            . 'require ' . var_export(__DIR__ . '/stubs/prestashop.php', true) . ";\n"
            . 'require ' . var_export(dirname(__DIR__) . '/autoload.php', true) . ";\n"
            . 'require ' . var_export("$module/everifinwebhook.php", true) . ";\n"
            . "\$_SERVER['REQUEST_URI'] = '/admin/index.php?controller=AdminModules&configure=everifinwebhook';\n"
            . "\$_POST = ['submitEverifinWebhook' => '1', 'EVERIFIN_WEBHOOK_SECRETS' => 'whsec-new-2026'];\n"
            . "echo (new EverifinWebhook())->getContent();\n");
        try {
            [$rc, $html, $err] = Command::run([PHP_BINARY, '-d', 'ffi.enable=0', $script]);
            $this->assertSame(0, $rc, $html . $err);
        } finally {
            @unlink($script);
            @unlink("$module/everifinwebhook.php");
            @rmdir($module);
            @rmdir("$tmp/modules");
            @rmdir($tmp);
        }
        $this->assertStringContainsString('1 hook secret(s) saved.', $html);
        $this->assertStringContainsString('<p class="everifin-webhook-native-setup">The commands cannot be shown for this module folder', $html);
        $this->assertStringNotContainsString('<pre class="everifin-webhook-native-setup">', $html);
    }

    public function testPrestaShopPostProcessReadsTheRequestAndAnswers(): void
    {
        \PsStub::$config = [\EverifinWebhook::CONFIG_SECRETS => self::SECRET];
        $c = new class () extends \EverifinWebhookWebhookModuleFrontController {
            /** @var array{0: int, 1: array<string, mixed>}|null */
            public ?array $answer = null;

            protected function respond(int $code, array $payload): void
            {
                $this->answer = [$code, $payload];
            }
        };
        // In the CLI php://input is empty and there is no Signature header: HEADER_MISSING.
        unset($_SERVER['HTTP_SIGNATURE']);
        $c->postProcess();
        $this->assertSame(401, $c->answer[0]);
        $this->assertSame('HEADER_MISSING', $c->answer[1]['status']);
    }
}
