<?php

declare(strict_types=1);

namespace Everifin\Webhook\Tests;

use Everifin\Webhook\Tests\Support\PhpServer;
use Everifin\Webhook\Verifier;
use PHPUnit\Framework\TestCase;

/**
 * The README's webhook endpoint (the php block between the webhook-endpoint markers), run as
 * written behind PHP's built-in server with this run's backend: a genuine webhook is applied, and
 * every rejection is answered as JSON, so the header text a stranger sent (which the messages
 * quote) never reaches a browser as HTML.
 */
final class ReadmeTest extends TestCase
{
    private const OLD_SECRET = 'readme-old-hook-secret';
    private const NEW_SECRET = 'readme-new-hook-secret';
    private const BODY = '{"eventId":"c2949dfe-4585-46eb-9213-35f0f7faf055","eventType":"payment.statusChange","eventTimestamp":"2024-05-07T14:49:55.884Z","data":{"paymentId":"da96bc8f-3c3e-4b7a-9d1e-0c1f3b5a7e21","status":"BOOKED"}}';

    private static ?PhpServer $server = null;
    private static int $port = 0;
    private static string $dir = '';

    /** The php code block that follows $marker in README.md. */
    private static function readmeBlock(string $marker): string
    {
        $readme = (string) file_get_contents(dirname(__DIR__) . '/README.md');
        $at = strpos($readme, $marker);
        self::assertNotFalse($at, "README.md has no $marker");
        self::assertSame(1, preg_match('/\G\s*```php\n(.*?)\n```\n/s', $readme, $m, 0, $at + strlen($marker)), "no php block after $marker");
        return $m[1];
    }

    public static function setUpBeforeClass(): void
    {
        self::$dir = sys_get_temp_dir() . '/evf-readme-test-' . getmypid();
        @mkdir(self::$dir);
        $prelude = "<?php\n\ndeclare(strict_types=1);\n\nrequire " . var_export(dirname(__DIR__) . '/autoload.php', true) . ";\n"
            . '$oldSecret = ' . var_export(self::OLD_SECRET, true) . ";\n"
            . '$newSecret = ' . var_export(self::NEW_SECRET, true) . ";\n"
            . "\$storedStateJsonOrArray = '';\n\n";
        file_put_contents(self::$dir . '/webhook.php', $prelude . self::readmeBlock('<!-- webhook-endpoint -->') . "\n");

        $flags = PhpServer::backendOptions(Verifier::defaultBackend(), self::$dir);
        self::$server = PhpServer::start(array_merge($flags, ['-d', 'display_errors=0', '-d', 'log_errors=1']),
            ['-t', self::$dir], self::$dir . '/server.log');
        self::$port = self::$server->port;
    }

    public static function tearDownAfterClass(): void
    {
        self::$server?->stop();
        foreach ((array) glob(self::$dir . '/*') as $f) {
            @unlink((string) $f);
        }
        @rmdir(self::$dir);
    }

    /**
     * POSTs $body with $signature (null: no Signature header) to the README's endpoint.
     *
     * @return array{0: int, 1: string, 2: string} status, Content-Type, body
     */
    private static function post(string $body, ?string $signature): array
    {
        $headers = "Content-Type: application/json\r\n" . ($signature === null ? '' : "Signature: $signature\r\n");
        $context = stream_context_create(['http' => ['method' => 'POST', 'header' => $headers, 'content' => $body,
            'ignore_errors' => true, 'timeout' => 10]]);
        $answer = (string) @file_get_contents('http://127.0.0.1:' . self::$port . '/webhook.php', false, $context);
        $lines = $http_response_header ?? [];
        preg_match('{^HTTP/\S+ (\d{3})}', $lines[0] ?? '', $m);
        $type = '';
        foreach ($lines as $line) {
            if (stripos($line, 'Content-Type:') === 0) {
                $type = trim(substr($line, 13));
            }
        }
        return [(int) ($m[1] ?? 0), $type, $answer];
    }

    public function testAGenuineWebhookIsApplied(): void
    {
        // Signed with the newer secret only: both configured secrets are tried.
        [$code, $type, $body] = self::post(self::BODY, Verifier::sign(self::BODY, [self::NEW_SECRET]));
        $this->assertSame([200, 'application/json'], [$code, $type], $body . @file_get_contents(self::$dir . '/server.log'));
        $this->assertSame(['ok' => true, 'action' => 'apply', 'reason' => 'first'], json_decode($body, true));
    }

    /** @return array<string, array{0: ?string, 1: int, 2: string, 3: ?string}> */
    public function rejections(): array
    {
        $ts = 'ts=' . gmdate('Y-m-d\TH:i:s') . '.000Z';
        return [
            'a header part that is HTML' => ["$ts; <b>x</b>", 401, 'HEADER_MALFORMED', '<b>x</b>'],
            'a script in the timestamp' => ['ts=<script>alert(1)</script>;v0=' . str_repeat('0', 64), 401, 'HEADER_TIMESTAMP_INVALID', '<script>alert(1)</script>'],
            'no Signature header' => [null, 401, 'HEADER_MISSING', null],
            'a forged signature' => ["$ts;v0=" . str_repeat('ab', 32), 401, 'SIGNATURE_MISMATCH', null],
        ];
    }

    /** @dataProvider rejections */
    public function testRejectionsAreAnsweredAsJson(?string $signature, int $status, string $name, ?string $quoted): void
    {
        [$code, $type, $body] = self::post(self::BODY, $signature);
        $this->assertSame([$status, 'application/json'], [$code, $type], $body);
        $json = json_decode($body, true);
        $this->assertIsArray($json, $body);
        $this->assertSame([false, $name], [$json['ok'] ?? null, $json['status'] ?? null], $body);
        if ($quoted !== null) {
            // The message quotes the stranger's text: harmless only because the answer is JSON.
            $this->assertStringContainsString($quoted, (string) $json['message']);
        }
        foreach ([self::OLD_SECRET, self::NEW_SECRET] as $secret) {
            $this->assertStringNotContainsString($secret, $body);
        }
    }
}
