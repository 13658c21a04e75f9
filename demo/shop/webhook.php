<?php
/*
 * The demo shop's Everifin webhook endpoint: POST /webhook.php
 *
 * verify (the raw body and the Signature header) -> find the order (data.externalId) -> decide with
 * the order's stored state -> apply (shop_apply() in shop.php: the shop's own order state has the
 * last word, as in the WooCommerce plugin) -> store the new state, all in one transaction with the
 * database locked; every delivery is recorded. The answer is the binding's
 * httpStatus (200 also for skipped duplicates and stale events: they were received; 401 for forged,
 * tampered or too old requests: Everifin does not retry those) and a small JSON body. A verified
 * delivery is answered with the decision, in the shape `everifin-webhook send` checks
 * (docs/design.md "What endpoints answer"):
 *   {"received":true,"decision":{"action":"skip","reason":"already_paid"},"orderOutcome":"paid",...}
 */

declare(strict_types=1);

require_once __DIR__ . '/shop.php';

use Everifin\Webhook\Exception\WebhookException;
use Everifin\Webhook\Request;
use Everifin\Webhook\Status;
use Everifin\Webhook\Verifier;

/** Larger bodies are refused (413) before any HMAC, and never read whole (Request::fromGlobals). */
const SHOP_MAX_BODY_BYTES = 1048576;

function respond(int $status, array $payload): void
{
    http_response_code($status);
    header('Content-Type: application/json');
    echo json_encode($payload, JSON_UNESCAPED_SLASHES | JSON_UNESCAPED_UNICODE), "\n";
}

/**
 * Records a rejected request. Its body is a stranger's, unverified and possibly huge: it is never
 * parsed (no json_decode). For the history only, the order and status it claims are picked from
 * its first 4 KiB with a plain pattern; nothing at all from a body refused as too large.
 */
function record_rejected(PDO $db, Request $request, WebhookException $e, string $backend): void
{
    $prefix = $e->status() === Status::BODY_TOO_LARGE ? '' : substr($request->body, 0, 4096);
    $claimed = static fn (string $key): ?string =>
        preg_match('/"' . $key . '"\s*:\s*"([^"\\\\]{1,200})"/', $prefix, $m) === 1 ? $m[1] : null;
    $db->prepare('INSERT INTO deliveries (received_at, http_status, result, message, claimed_ref, claimed_status, backend)
                  VALUES (?, ?, ?, ?, ?, ?, ?)')
        ->execute([shop_now(), $e->httpStatus(), $e->status(), $e->getMessage(), $claimed('externalId'),
                   $claimed('status'), $backend]);
}

if (($_SERVER['REQUEST_METHOD'] ?? '') !== 'POST') {
    header('Allow: POST');
    respond(405, ['ok' => false, 'message' => 'POST an Everifin webhook here; the order history is at /history.php']);
    return;
}

try {
    $secrets = shop_secrets();
    if ($secrets === []) {
        respond(500, ['ok' => false, 'message' => 'the shop has no Everifin hook secret configured']);
        return;
    }
    $db = shop_db();
    $verifier = new Verifier($secrets, maxBodyBytes: SHOP_MAX_BODY_BYTES);
    $request = Request::fromGlobals(SHOP_MAX_BODY_BYTES);

    try {
        $event = $verifier->verifyRequest($request);
    } catch (WebhookException $e) {
        record_rejected($db, $request, $e, $verifier->backend());
        respond($e->httpStatus(), ['ok' => false, 'status' => $e->status(), 'message' => $e->getMessage()]);
        return;
    }

    $ref = $event->externalId ?? $event->entityId ?? 'unknown';
    $db->exec('BEGIN IMMEDIATE'); // locks the database: one delivery at a time per order
    try {
        $find = $db->prepare('SELECT * FROM orders WHERE ref = ?');
        $find->execute([$ref]);
        $order = $find->fetch();
        if ($order === false) {
            // The demo has no checkout: the first webhook for an order creates it as "pending".
            $now = shop_now();
            $db->prepare('INSERT INTO orders (ref, shop_state, everifin_status, state_json, created_at, updated_at) VALUES (?, ?, NULL, ?, ?, ?)')
                ->execute([$ref, 'pending', '{}', $now, $now]);
            $order = ['ref' => $ref, 'shop_state' => 'pending', 'everifin_status' => null, 'state_json' => '{}'];
        }

        $decision = $verifier->decide($event, $order['state_json']);
        // The order's outcome after this event, derived from every payment, refund and order-level
        // status of the order (a late failure of another payment attempt never un-pays it).
        $orderOutcome = $decision->orderOutcome;
        $before = $order['shop_state'];
        [$after, $note] = $decision->shouldApply() ? shop_apply($before, $event) : [$before, null];
        $db->prepare('UPDATE orders SET shop_state = ?, everifin_status = ?, state_json = ?, updated_at = ? WHERE ref = ?')
            ->execute([$after, $decision->state['status'] ?? null, $decision->stateJson, shop_now(), $ref]);

        $sig = $event->signature;
        $db->prepare('INSERT INTO deliveries (received_at, http_status, result, order_ref, event_id, event_type, entity,
                          event_status, event_time, signed_with, action, reason, state_before, state_after, note, backend)
                      VALUES (?, 200, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)')
            ->execute([shop_now(), 'OK', $ref, $event->eventId, $event->eventType, $event->entity, $event->status,
                       $event->eventTimestamp, $sig === null ? null : sprintf('%s = secret #%d', $sig->key, $sig->secretIndex),
                       $decision->action, $decision->reason, $before, $after, $note, $verifier->backend()]);
        $db->exec('COMMIT');
    } catch (\Throwable $e) {
        $db->exec('ROLLBACK');
        throw $e;
    }
    respond(200, ['received' => true, 'order' => $ref,
                  'decision' => ['action' => $decision->action, 'reason' => $decision->reason],
                  'orderOutcome' => $orderOutcome, 'orderState' => $after]);
} catch (WebhookException $e) {
    // The stored state or the configuration is at fault: 5xx, so Everifin retries once it is fixed.
    respond($e->httpStatus(), ['ok' => false, 'status' => $e->status(), 'message' => $e->getMessage()]);
} catch (\Throwable $e) {
    error_log('everifin demo shop: ' . $e->getMessage());
    respond(500, ['ok' => false, 'status' => 'INTERNAL', 'message' => 'the shop could not process the webhook; it will be retried']);
}
