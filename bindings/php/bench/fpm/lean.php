<?php
/* fpm.sh's lean endpoint: the hand-written verifier of ../lean.php on the POSTed webhook. */

declare(strict_types=1);

// A bench endpoint, not part of the binding: when vendor/ is under a web root, a request must find
// nothing here. The harness (bench/fpm.sh) sets BENCH_HOOK_SECRET; nothing else does.
if ((string) getenv('BENCH_HOOK_SECRET') === '') {
    http_response_code(404);
    exit;
}

require dirname(__DIR__) . '/lean.php';

header('Content-Type: application/json');
try {
    [$id, $status] = lean_verify((string) file_get_contents('php://input'), (string) ($_SERVER['HTTP_SIGNATURE'] ?? ''), (string) getenv('BENCH_HOOK_SECRET'), (int) floor(microtime(true) * 1000));
    echo json_encode(['ok' => true, 'eventId' => $id, 'status' => $status]);
} catch (\Throwable $e) {
    http_response_code(401);
    echo json_encode(['ok' => false]);
}
