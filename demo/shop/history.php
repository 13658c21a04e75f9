<?php
/*
 * The demo shop's order history: every order with each delivery's effect on its state, then the
 * rejected requests.
 *
 *   php history.php [DB-FILE] [--check] [--expect REF=STATE ...]   (CLI; DB default: EVERIFIN_DEMO_DB)
 *   GET /history.php, GET /                                          (in the demo server, text/plain;
 *                                                                     any other method: 405)
 *
 * --expect checks the final shop state of an order, --check the promises make demo's last line
 * makes (check_invariants()); either exits 1 when one fails (make demo / make test-demo).
 */

declare(strict_types=1);

require_once __DIR__ . '/shop.php';

/** Length in characters (bytes when the text is not UTF-8); no mbstring needed. */
function u_len(string $s): int
{
    $n = preg_match_all('/./us', $s);
    return $n === false ? strlen($s) : $n;
}

function u_sub(string $s, int $max): string
{
    return preg_match('/^.{0,' . $max . '}/us', $s, $m) === 1 ? $m[0] : substr($s, 0, $max);
}

/** One line of at most $max characters, control characters blanked. */
function clean(?string $s, int $max = 40): string
{
    $s = preg_replace('/[\x00-\x1f\x7f]/', ' ', $s ?? '') ?? '';
    return u_len($s) > $max ? u_sub($s, $max - 1) . '…' : $s;
}

/**
 * What make demo promises, checked on what the shop recorded (every delivery, in order):
 * - a skipped event never changes the order;
 * - an order's state changes only in recorded deliveries (each starts where the last one left it,
 *   the order ends where its last one left it), and never in a rejected request;
 * - an order that was paid (processing, completed, refunded) never goes back to an unpaid state
 *   (pending, on-hold, failed, cancelled, checkout-draft), and is marked paid at most once.
 *
 * @param list<array<string, mixed>> $orders
 * @param list<array<string, mixed>> $deliveries
 * @return list<string> what broke, one line each (empty: all held)
 */
function check_invariants(array $orders, array $deliveries): array
{
    $unpaid = array_merge(SHOP_OPEN_STATES, ['cancelled']);
    $broken = [];
    $state = [];   // order ref => the state its last delivery left
    $paid = [];    // order ref => times it was moved into a paid state
    $everPaid = [];
    foreach ($deliveries as $d) {
        $id = '#' . $d['id'];
        if ($d['result'] !== 'OK') {
            if ($d['order_ref'] !== null || $d['state_before'] !== $d['state_after']) {
                $broken[] = "$id: a rejected request ({$d['result']}) was applied to an order";
            }
            continue;
        }
        $ref = (string) $d['order_ref'];
        $before = (string) $d['state_before'];
        $after = (string) $d['state_after'];
        $expected = $state[$ref] ?? 'pending';
        if ($before !== $expected) {
            $broken[] = "$id ($ref): starts from $before, but the order's last delivery left it $expected (changed outside a recorded delivery)";
        }
        if ($d['action'] !== 'apply' && $before !== $after) {
            $broken[] = "$id ($ref): {$d['action']} ({$d['reason']}) changed the order $before -> $after; a skipped event must leave it as it is";
        }
        if ((($everPaid[$ref] ?? false) || in_array($before, SHOP_WAS_PAID_STATES, true)) && $before !== $after && in_array($after, $unpaid, true)) {
            $broken[] = "$id ($ref): the order was paid, and this delivery un-paid it ($before -> $after)";
        }
        if (in_array($after, SHOP_PAID_STATES, true) && !in_array($before, SHOP_WAS_PAID_STATES, true)) {
            $paid[$ref] = ($paid[$ref] ?? 0) + 1;
            if ($paid[$ref] > 1) {
                $broken[] = "$id ($ref): the order was marked paid a second time ($before -> $after)";
            }
        }
        $everPaid[$ref] = ($everPaid[$ref] ?? false) || in_array($before, SHOP_WAS_PAID_STATES, true) || in_array($after, SHOP_WAS_PAID_STATES, true);
        $state[$ref] = $after;
    }
    foreach ($orders as $order) {
        $last = $state[$order['ref']] ?? 'pending';
        if ($order['shop_state'] !== $last) {
            $broken[] = sprintf('order %s is %s, but its last delivery left it %s (changed outside a recorded delivery)',
                $order['ref'], $order['shop_state'], $last);
        }
    }
    return $broken;
}

/** @param list<list<string>> $rows */
function table(array $header, array $rows, string $indent = '  '): string
{
    $widths = array_map('u_len', $header);
    foreach ($rows as $row) {
        foreach ($row as $i => $cell) {
            $widths[$i] = max($widths[$i], u_len($cell));
        }
    }
    $line = static function (array $cells) use ($widths, $indent): string {
        $out = [];
        foreach ($cells as $i => $cell) {
            $out[] = $cell . str_repeat(' ', $widths[$i] - u_len($cell));
        }
        return rtrim($indent . implode('  ', $out)) . "\n";
    };
    $text = $line($header);
    $text .= $indent . implode('  ', array_map(static fn ($w) => str_repeat('-', $w), $widths)) . "\n";
    foreach ($rows as $row) {
        $text .= $line($row);
    }
    return $text;
}

$cli = PHP_SAPI === 'cli';
$dbPath = null;
$expect = [];
$check = false;
if ($cli) {
    $args = array_slice($argv, 1);
    for ($i = 0; $i < count($args); $i++) {
        if ($args[$i] === '--expect' && isset($args[$i + 1]) && str_contains($args[$i + 1], '=')) {
            [$ref, $state] = explode('=', $args[++$i], 2);
            $expect[$ref] = $state;
        } elseif ($args[$i] === '--check') {
            $check = true;
        } elseif ($dbPath === null && !str_starts_with($args[$i], '--')) {
            $dbPath = $args[$i];
        } else {
            fwrite(STDERR, "usage: php history.php [DB-FILE] [--check] [--expect REF=STATE ...]\n");
            exit(2);
        }
    }
} else {
    $method = $_SERVER['REQUEST_METHOD'] ?? 'GET';
    if ($method !== 'GET' && $method !== 'HEAD') {
        // A webhook POSTed to the wrong URL must not look delivered (200).
        http_response_code(405);
        header('Allow: GET, HEAD');
        header('Content-Type: application/json');
        echo json_encode(['ok' => false, 'message' => 'this is the order history (GET); POST Everifin webhooks to /webhook.php']), "\n";
        return;
    }
    header('Content-Type: text/plain; charset=utf-8');
}
$dbPath ??= shop_db_path();
if ($cli && !is_file($dbPath)) {
    fwrite(STDERR, "no shop database at $dbPath\n");
    exit(2);
}
$db = shop_db($dbPath);

$orders = $db->query('SELECT * FROM orders ORDER BY created_at, ref')->fetchAll();
$deliveries = $db->query('SELECT * FROM deliveries ORDER BY id')->fetchAll();
$backends = array_values(array_unique(array_filter(array_column($deliveries, 'backend'))));
$rejected = array_values(array_filter($deliveries, static fn ($d) => $d['result'] !== 'OK'));

$count = static fn (int $n, string $one, string $many): string => $n . ' ' . ($n === 1 ? $one : $many);
echo sprintf("Everifin demo shop: %s, %s, %d rejected (binding backend: %s)\n",
    $count(count($orders), 'order', 'orders'), $count(count($deliveries), 'delivery', 'deliveries'),
    count($rejected), $backends === [] ? '-' : implode(', ', $backends));

foreach ($orders as $order) {
    echo "\n", sprintf("Order %s: shop state %s, Everifin status %s\n",
        clean($order['ref']), clean($order['shop_state']), clean($order['everifin_status'] ?? '-'));
    $rows = [];
    foreach ($deliveries as $d) {
        if ($d['order_ref'] !== $order['ref']) {
            continue;
        }
        $change = $d['state_before'] === $d['state_after']
            ? clean($d['state_after'])
            : clean($d['state_before']) . ' -> ' . clean($d['state_after']);
        // The entity the status belongs to (a refund's BOOKED is not the payment's); an event type
        // this library does not know is shown by its name.
        $entity = $d['entity'] ?? null;
        $what = $entity === null ? '-' : ($entity === 'unknown' ? clean($d['event_type'] ?? '-') . ' (unknown type)' : clean($entity));
        $rows[] = [(string) $d['id'], clean(substr((string) $d['event_time'], 11)), $what, clean($d['event_status'] ?? '-'),
                   clean($d['signed_with'] ?? '-'), $d['action'] . ' (' . $d['reason'] . ')', $change, clean($d['note'] ?? '', 90)];
    }
    $header = ['#', 'event time', 'event', 'status', 'signed with', 'decision', 'shop state', 'note'];
    if (array_filter(array_column($rows, 7)) === []) {   // no notes: no note column
        array_pop($header);
        $rows = array_map(static fn ($r) => array_slice($r, 0, 7), $rows);
    }
    echo table($header, $rows);
}

echo "\nRejected requests (nothing applied; order and status are what the unverified body claimed):\n";
if ($rejected === []) {
    echo "  none\n";
} else {
    $rows = [];
    foreach ($rejected as $d) {
        $rows[] = [(string) $d['id'], (string) $d['http_status'], clean($d['result']), clean($d['claimed_ref'] ?? '-'),
                   clean($d['claimed_status'] ?? '-'), clean($d['message'], 70)];
    }
    echo table(['#', 'HTTP', 'result', 'claimed order', 'claimed status', 'message'], $rows);
}

$failed = 0;
foreach ($expect as $ref => $state) {
    $found = null;
    foreach ($orders as $order) {
        if ($order['ref'] === $ref) {
            $found = $order['shop_state'];
        }
    }
    if ($found !== $state) {
        fwrite(STDERR, sprintf("expected order %s in state %s, found %s\n", $ref, $state, $found ?? 'no such order'));
        $failed++;
    }
}
$broken = $check ? check_invariants($orders, $deliveries) : [];
foreach ($broken as $line) {
    fwrite(STDERR, "invariant broken: $line\n");
}
if ($cli && ($expect !== [] || $check)) {
    echo "\n";
    if ($expect !== [] && $failed === 0) {
        echo 'final order states as expected: ', implode(', ', array_map(
            static fn ($r, $s) => "$r $s", array_keys($expect), $expect)), "\n";
    }
    if ($check && $broken === []) {
        echo "invariants held over all ", count($deliveries), " deliveries: every skip left its order as it was, states changed\n",
             "only in recorded deliveries and never in a rejected request, no paid order went back to an unpaid\n",
             "state or was marked paid twice\n";
    }
    exit($failed === 0 && $broken === [] ? 0 : 1);
}
