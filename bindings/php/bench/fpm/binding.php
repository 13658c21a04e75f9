<?php
/* fpm.sh's binding endpoint: Verifier::verifyRequest() as a shop plugin calls it. */

declare(strict_types=1);

// A bench endpoint, not part of the binding: when vendor/ is under a web root, a request must find
// nothing here. The harness (bench/fpm.sh) sets BENCH_HOOK_SECRET; nothing else does.
if ((string) getenv('BENCH_HOOK_SECRET') === '') {
    http_response_code(404);
    exit;
}

require dirname(__DIR__, 2) . '/autoload.php';

use Everifin\Webhook\Exception\WebhookException;
use Everifin\Webhook\Verifier;

header('Content-Type: application/json');
try {
    $verifier = new Verifier([(string) getenv('BENCH_HOOK_SECRET')]);
    if (isset($_GET['backend'])) {
        echo json_encode(['backend' => $verifier->backend(), 'sapi' => PHP_SAPI]);
        return;
    }
    $event = $verifier->verifyRequest();
    echo json_encode(['ok' => true, 'eventId' => $event->eventId, 'status' => $event->status, 'suggested' => $event->suggestedFor('woocommerce')]);
} catch (WebhookException $e) {
    http_response_code($e->httpStatus());
    echo json_encode(['ok' => false, 'status' => $e->status()]);
}
