<?php

/*
 * The load-test endpoint, built the way the WooCommerce / PrestaShop examples are built, with the
 * locking issue 9 asks of them: verify with the binding (FFI through preload), find the order by
 * the event's externalId (the shop's order number), then in ONE MariaDB transaction with the order
 * row locked (SELECT ... FOR UPDATE): load the stored state -> decide -> apply -> save the state,
 * and log the decision (every decision in `deliveries`, every applied one in `applied_events`).
 * Answers Everifin with the binding's httpStatus: 4xx are not retried, 5xx (also a deadlock, a
 * lost database connection or anything unexpected) are.
 */

declare(strict_types=1);

require dirname(__DIR__) . '/bindings/php/autoload.php';

use Everifin\Webhook\Exception\WebhookException;
use Everifin\Webhook\Verifier;

header('Content-Type: application/json');

function answer(int $http, array $body): void
{
    http_response_code($http);
    echo json_encode($body, JSON_UNESCAPED_SLASHES);
}

if (($_GET['diagnose'] ?? '') === '1') {
    $v = new Verifier([(string) getenv('EVERIFIN_LOADTEST_SECRET')]);
    answer(200, ['sapi' => PHP_SAPI, 'backend' => $v->backend()]);
    return;
}

$pdo = null;
try {
    $verifier = new Verifier([(string) getenv('EVERIFIN_LOADTEST_SECRET')]);
    $event = $verifier->verifyRequest();

    $orderNo = ($event->externalId !== null && preg_match('/\A[0-9]+\z/', $event->externalId) === 1) ? (int) $event->externalId : null;
    $pdo = new PDO('mysql:unix_socket=' . getenv('EVERIFIN_LOADTEST_DB_SOCKET') . ';dbname=shop;charset=utf8mb4', 'root', '', [
        PDO::ATTR_ERRMODE => PDO::ERRMODE_EXCEPTION,
        PDO::ATTR_EMULATE_PREPARES => false,
    ]);
    $pdo->beginTransaction();
    $row = false;
    if ($orderNo !== null) {
        // LOADTEST_UNLOCKED=1 (a self-check of the load test, docs/proof.md) drops the row lock, as
        // the unlocked examples of issue 9 did: concurrent duplicates then get applied twice.
        $lock = getenv('EVERIFIN_LOADTEST_UNLOCKED') === '1' ? '' : ' FOR UPDATE';
        $q = $pdo->prepare('SELECT webhook_state FROM orders WHERE id = ?' . $lock);
        $q->execute([$orderNo]);
        $row = $q->fetch(PDO::FETCH_ASSOC);
    }
    if ($row === false) {
        $pdo->rollBack();
        answer(200, ['ok' => true, 'action' => 'ignored', 'reason' => 'no matching order']);
        return;
    }
    $decision = $verifier->decide($event, (string) $row['webhook_state']);
    $d = $decision->toArray();
    // The order's outcome after this event: `orderOutcome` when decide gives it (issue 9), else
    // the applied event's own outcome (the current contract).
    $orderOutcome = $d['orderOutcome'] ?? $event->outcome;
    if ($decision->shouldApply()) {
        $target = $event->suggestedFor('woocommerce');
        if (isset($d['suggested']['woocommerce'])) {
            $target = $d['suggested']['woocommerce'];
        }
        if ($target !== null) {
            // Set the order to the suggested state (null: leave the order as it is).
            $pdo->prepare('UPDATE orders SET shop_outcome = ?, shop_status = ? WHERE id = ?')
                ->execute([$orderOutcome, $target, $orderNo]);
        }
        $pdo->prepare('INSERT INTO applied_events (event_id, order_id, entity, entity_id, status, outcome) VALUES (?, ?, ?, ?, ?, ?)')
            ->execute([$event->eventId, $orderNo, $event->entity, $event->entityId, $event->status, $orderOutcome]);
    }
    $pdo->prepare('INSERT INTO deliveries (event_id, order_id, action, reason) VALUES (?, ?, ?, ?)')
        ->execute([$event->eventId, $orderNo, $decision->action, $decision->reason]);
    $pdo->prepare('UPDATE orders SET webhook_state = ? WHERE id = ?')->execute([$decision->stateJson, $orderNo]);
    $pdo->commit();
    answer(200, ['ok' => true, 'action' => $decision->action, 'reason' => $decision->reason, 'backend' => $verifier->backend()]);
} catch (WebhookException $e) {
    if ($pdo instanceof PDO && $pdo->inTransaction()) {
        $pdo->rollBack();
    }
    answer($e->httpStatus(), ['ok' => false, 'status' => $e->status(), 'message' => $e->getMessage()]);
} catch (\Throwable $e) {
    if ($pdo instanceof PDO && $pdo->inTransaction()) {
        try {
            $pdo->rollBack();
        } catch (\Throwable) {
        }
    }
    error_log('loadtest endpoint: ' . get_class($e) . ': ' . $e->getMessage());
    answer(500, ['ok' => false, 'status' => 'INTERNAL', 'message' => 'the shop could not process the webhook; it will be retried']);
}
