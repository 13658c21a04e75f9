<?php
/* fpm.sh's lean endpoint: the hand-written verifier of ../lean.php on the POSTed webhook. */

declare(strict_types=1);

require dirname(__DIR__) . '/lean.php';

header('Content-Type: application/json');
try {
    [$id, $status] = lean_verify((string) file_get_contents('php://input'), (string) ($_SERVER['HTTP_SIGNATURE'] ?? ''), (string) getenv('BENCH_HOOK_SECRET'), (int) floor(microtime(true) * 1000));
    echo json_encode(['ok' => true, 'eventId' => $id, 'status' => $status]);
} catch (\Throwable $e) {
    http_response_code(401);
    echo json_encode(['ok' => false]);
}
