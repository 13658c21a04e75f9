<?php
/*
 * The demo shop's router for PHP's built-in server (php -S ... router.php, as scripts/demo.sh
 * starts it): the shop's two pages are served as they are, every other path answers 404. Without
 * it, php -S answers an unknown path that names no .php file with index.php, so a webhook POSTed
 * to a mistyped URL (/webhook, /webhooks/everifin) would get a 200 and look delivered.
 */

declare(strict_types=1);

$path = parse_url((string) ($_SERVER['REQUEST_URI'] ?? '/'), PHP_URL_PATH);
if (in_array($path, ['/', '/index.php', '/history.php', '/webhook.php'], true)) {
    return false; // php -S serves the file itself
}
http_response_code(404);
header('Content-Type: application/json');
echo json_encode(['ok' => false, 'message' => 'no such page: POST Everifin webhooks to /webhook.php; the order history is at /']), "\n";
