<?php

/*
 * The endpoint RequestTest.php runs under php -S: Request::fromGlobals() with the limit given as
 * ?max= (none: the old unbounded read), then verifyRequest(). Answers the binding's httpStatus and
 * JSON with the status, the bytes read and the body's sha256 (the test checks the exact bytes).
 */

declare(strict_types=1);

// A test endpoint, not part of the binding: when vendor/ is under a web root, a request must find
// nothing here. The harness (RequestTest.php) sets EVERIFIN_TEST_HOOK_SECRET; nothing else does.
if ((string) getenv('EVERIFIN_TEST_HOOK_SECRET') === '') {
    http_response_code(404);
    exit;
}

require dirname(__DIR__, 2) . '/autoload.php';

use Everifin\Webhook\Exception\WebhookException;
use Everifin\Webhook\Request;
use Everifin\Webhook\Verifier;

header('Content-Type: application/json');
if (isset($_GET['verifyRequest'])) {
    // verifyRequest() reading the request itself, with the verifier's limit.
    try {
        $verifier = new Verifier([(string) getenv('EVERIFIN_TEST_HOOK_SECRET')], maxBodyBytes: (int) $_GET['verifyRequest']);
        $verifier->verifyRequest();
        echo json_encode(['status' => 'OK', 'backend' => $verifier->backend()]);
    } catch (WebhookException $e) {
        http_response_code($e->httpStatus());
        echo json_encode(['status' => $e->status(), 'message' => $e->getMessage()]);
    }
    return;
}
$max = isset($_GET['max']) ? (int) $_GET['max'] : null;
$request = Request::fromGlobals($max);
$answer = ['read' => strlen($request->body), 'sha256' => hash('sha256', $request->body)];
try {
    $verifier = new Verifier([(string) getenv('EVERIFIN_TEST_HOOK_SECRET')], maxBodyBytes: $max ?? 1048576);
    $answer['backend'] = $verifier->backend();
    $verifier->verifyRequest($request);
    http_response_code(200);
    echo json_encode($answer + ['status' => 'OK']);
} catch (WebhookException $e) {
    http_response_code($e->httpStatus());
    echo json_encode($answer + ['status' => $e->status()]);
}
