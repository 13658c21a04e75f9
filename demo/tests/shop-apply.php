<?php
/*
 * make test-demo (scripts/test-demo.sh): shop_apply() in demo/shop/shop.php, the shop's own order
 * state having the last word as in the WooCommerce plugin, on orders the merchant has moved too.
 *   php demo/tests/shop-apply.php     (one PASS/FAIL line per case; exit 1 when one fails)
 */

declare(strict_types=1);
require dirname(__DIR__) . '/shop/shop.php';
$v = new Everifin\Webhook\Verifier(['test-demo']);
$event = static function (string $entity, string $status) use ($v): Everifin\Webhook\Event {
    $id = ['payment' => 'paymentId', 'refund' => 'refundId', 'order' => 'orderId'][$entity];
    return $v->normalize(json_encode(['eventId' => '4e896aa3-bbba-4a75-a888-06bcfe403c99',
        'eventType' => $entity === 'order' ? 'order.statusChange' : 'payment.statusChange',
        'eventTimestamp' => '2024-05-07T14:49:55.884Z',
        'data' => [$id => 'da96bc8f-2b1e-4c0d-9f3a-6e5d4c3b2a19', 'externalId' => '1', 'status' => $status]]));
};
$cases = [ // order state, event, expected state, a note expected
    ['completed', 'payment', 'EXPIRED', 'completed', true],   // merchant-completed: an expiry never fails it
    ['processing', 'payment', 'FAILED', 'processing', true],
    ['cancelled', 'payment', 'EXPIRED', 'cancelled', true],
    ['pending', 'payment', 'EXPIRED', 'failed', false],
    ['on-hold', 'payment', 'FAILED', 'failed', false],
    ['failed', 'payment', 'CREATED', 'pending', false],       // a retry of a failed order
    ['pending', 'payment', 'BOOKED', 'processing', false],
    ['failed', 'payment', 'BOOKED', 'processing', false],
    ['completed', 'payment', 'BOOKED', 'completed', true],    // paid once
    ['refunded', 'payment', 'BOOKED', 'refunded', true],
    ['processing', 'refund', 'BOOKED', 'processing', true],   // a booked refund: a note, no status
    ['completed', 'refund', 'BOOKED', 'completed', true],
    ['processing', 'order', 'UNPAID', 'processing', true],
];
$bad = 0;
foreach ($cases as [$state, $entity, $status, $want, $note]) {
    [$got, $gotNote] = shop_apply($state, $event($entity, $status));
    $ok = $got === $want && ($gotNote !== null) === $note;
    printf("%s shop_apply(%s, %s %s) = %s%s\n", $ok ? 'PASS' : 'FAIL', $state, $entity, $status, $got,
        $gotNote === null ? '' : " (note: $gotNote)");
    $bad += $ok ? 0 : 1;
}
exit($bad === 0 ? 0 : 1);
