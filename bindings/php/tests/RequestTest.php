<?php

declare(strict_types=1);

namespace Everifin\Webhook\Tests;

use Everifin\Webhook\Tests\Support\PhpServer;
use Everifin\Webhook\Verifier;
use PHPUnit\Framework\TestCase;

/**
 * Request::fromGlobals() with a real POST: PHP's built-in server runs tests/server/request.php
 * (fromGlobals(?max), then verifyRequest()) under memory_limit=32M and post_max_size=0, a shop that
 * accepts big POSTs, with this run's backend (FFI through ffi.preload, or the pure-PHP fallback).
 * A body larger than the limit is read only up to limit + 1 bytes and refused as BODY_TOO_LARGE,
 * however large it is; without a limit the whole body is read, as before.
 */
final class RequestTest extends TestCase
{
    private const SECRET = 'request-test-secret';

    private static ?PhpServer $server = null;
    private static int $port = 0;
    private static string $dir = '';
    private static string $backend = '';

    public static function setUpBeforeClass(): void
    {
        self::$dir = sys_get_temp_dir() . '/evf-request-test-' . getmypid();
        @mkdir(self::$dir);
        self::$backend = (new Verifier([self::SECRET]))->backend();
        $flags = PhpServer::backendOptions(self::$backend, self::$dir);
        putenv('EVERIFIN_TEST_HOOK_SECRET=' . self::SECRET); // php -S passes its environment on
        try {
            self::$server = PhpServer::start(array_merge($flags, ['-d', 'memory_limit=32M', '-d', 'post_max_size=0',
                '-d', 'display_errors=0', '-d', 'log_errors=1']), [__DIR__ . '/server/request.php'], self::$dir . '/server.log');
        } finally {
            putenv('EVERIFIN_TEST_HOOK_SECRET');
        }
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
     * POSTs $body to request.php (?max=$max when given).
     *
     * @return array{0: int, 1: array<string, mixed>} HTTP status, the endpoint's JSON
     */
    private static function post(string $body, ?int $max, bool $sign = true, string $query = ''): array
    {
        $headers = "Content-Type: application/json\r\n";
        if ($sign) {
            $headers .= 'Signature: ' . Verifier::sign($body, [self::SECRET]) . "\r\n";
        }
        $context = stream_context_create(['http' => ['method' => 'POST', 'header' => $headers, 'content' => $body,
            'ignore_errors' => true, 'timeout' => 60]]);
        $url = 'http://127.0.0.1:' . self::$port . '/request' . ($query !== '' ? "?$query" : ($max === null ? '' : "?max=$max"));
        $answer = (string) @file_get_contents($url, false, $context);
        preg_match('{^HTTP/\S+ (\d{3})}', $http_response_header[0] ?? '', $m);
        $json = json_decode($answer, true);
        return [(int) ($m[1] ?? 0), is_array($json) ? $json : ['answer' => substr($answer, 0, 300),
            'log' => substr((string) @file_get_contents(self::$dir . '/server.log'), -600)]];
    }

    /** A genuine event padded with trailing spaces to exactly $bytes bytes. */
    private static function event(int $bytes): string
    {
        $json = '{"eventId":"4e896aa3-bbba-4a75-a888-06bcfe403c99","eventType":"payment.statusChange",'
            . '"eventTimestamp":"2024-05-07T14:49:55.884Z","data":{"paymentId":"da96bc8f-2b1e-4c0d-9f3a-6e5d4c3b2a19",'
            . '"externalId":"42","status":"BOOKED"}}';
        return str_pad($json, $bytes, ' ');
    }

    public function testABodyFarOverTheLimitIsNeverReadWholeAndGetsBodyTooLarge(): void
    {
        // 48 MB under memory_limit=32M: reading it whole is a fatal error (500), not an answer.
        $body = self::event(48 << 20);
        [$code, $json] = self::post($body, 1048576);
        $this->assertSame([413, 'BODY_TOO_LARGE', 1048577], [$code, $json['status'] ?? null, $json['read'] ?? null], json_encode($json));
        $this->assertSame(self::$backend, $json['backend']);
        [$code, $json] = self::post(str_repeat('[', 48 << 20), 1048576, false); // unsigned, not JSON
        $this->assertSame([413, 'BODY_TOO_LARGE', 1048577], [$code, $json['status'] ?? null, $json['read'] ?? null], json_encode($json));
    }

    public function testABodyOfExactlyTheLimitIsReadWholeAndOneByteMoreIsRefused(): void
    {
        $body = self::event(4096);
        [$code, $json] = self::post($body, 4096);
        $this->assertSame([200, 'OK', 4096, hash('sha256', $body)], [$code, $json['status'] ?? null, $json['read'] ?? null, $json['sha256'] ?? null], json_encode($json));
        $this->assertSame(self::$backend, $json['backend']);

        [$code, $json] = self::post(self::event(4097), 4096);
        $this->assertSame([413, 'BODY_TOO_LARGE', 4097], [$code, $json['status'] ?? null, $json['read'] ?? null], json_encode($json));
    }

    public function testVerifyRequestReadsTheBodyWithTheVerifiersLimit(): void
    {
        // 48 MB under memory_limit=32M: verifyRequest() without a Request reads limit + 1 bytes.
        [$code, $json] = self::post(self::event(48 << 20), null, true, 'verifyRequest=1048576');
        $this->assertSame([413, 'BODY_TOO_LARGE'], [$code, $json['status'] ?? null], json_encode($json));
        $this->assertStringContainsString('1048577', (string) ($json['message'] ?? ''));
        [$code, $json] = self::post(self::event(4096), null, true, 'verifyRequest=4096');
        $this->assertSame([200, 'OK', self::$backend], [$code, $json['status'] ?? null, $json['backend'] ?? null], json_encode($json));
    }

    public function testWithoutALimitTheWholeBodyIsReadAsBefore(): void
    {
        $body = self::event(3 << 20);
        [$code, $json] = self::post($body, null); // the endpoint's verifier: the default 1 MiB limit
        $this->assertSame([413, 'BODY_TOO_LARGE', 3 << 20, hash('sha256', $body)], [$code, $json['status'] ?? null, $json['read'] ?? null, $json['sha256'] ?? null], json_encode($json));
        $small = self::event(300);
        [$code, $json] = self::post($small, null);
        $this->assertSame([200, 'OK', 300, hash('sha256', $small)], [$code, $json['status'] ?? null, $json['read'] ?? null, $json['sha256'] ?? null], json_encode($json));
    }
}
