<?php

/*
 * The endpoint the real-server test (ServerTest.php) runs under PHP-FPM behind nginx: verifies the
 * POSTed webhook with the binding and answers with the binding's httpStatus. The JSON answer also
 * says which backend was used and in which SAPI, so the test can prove FFI ran inside PHP-FPM.
 */

declare(strict_types=1);

// A test endpoint, not part of the binding: when vendor/ is under a web root, a request must find
// nothing here. The harness (ServerTest.php) sets EVERIFIN_TEST_HOOK_SECRET; nothing else does.
if ((string) getenv('EVERIFIN_TEST_HOOK_SECRET') === '') {
    http_response_code(404);
    exit;
}

require dirname(__DIR__, 2) . '/autoload.php';

use Everifin\Webhook\Environment;
use Everifin\Webhook\Exception\WebhookException;
use Everifin\Webhook\Verifier;

header('Content-Type: application/json');
$context = ['sapi' => PHP_SAPI, 'ffiEnable' => (string) ini_get('ffi.enable')];
if (($_GET['diagnose'] ?? '') === '1') {
    echo json_encode(Environment::diagnose() + $context);
    return;
}
$secret = (string) getenv('EVERIFIN_TEST_HOOK_SECRET');
try {
    $verifier = new Verifier([$secret]);
    $context['backend'] = $verifier->backend();
    $event = $verifier->verifyRequest();
    $decision = $verifier->decide($event, []);
    http_response_code(200);
    echo json_encode($context + [
        'status' => 'OK',
        'httpStatus' => 200,
        'event' => $event->toArray(),
        'eventJson' => $event->json,
        'hookDataJson' => $event->hookDataJson,
        'decision' => $decision->toArray(),
    ], JSON_UNESCAPED_UNICODE | JSON_UNESCAPED_SLASHES);
} catch (WebhookException $e) {
    http_response_code($e->httpStatus());
    echo json_encode($context + ['status' => $e->status(), 'httpStatus' => $e->httpStatus(), 'message' => $e->getMessage()]);
} catch (\Throwable $e) {
    http_response_code(500);
    echo json_encode($context + ['status' => 'INTERNAL', 'httpStatus' => 500, 'message' => 'unexpected error']);
}
