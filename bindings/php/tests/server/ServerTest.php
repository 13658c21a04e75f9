<?php

declare(strict_types=1);

namespace Everifin\Webhook\Tests\Server;

use Everifin\Webhook\Tests\Support\PhpServer;
use Everifin\Webhook\Verifier;
use PHPUnit\Framework\TestCase;

/**
 * The binding in a real server: nginx in front of two PHP-FPM masters, both with PHP's default
 * ffi.enable=preload.
 *   - "preload": opcache.preload=preload.php and ffi.preload=<header written by bin/ffi-header.php>
 *     (the php.ini lines of the README): must use the FFI backend inside PHP-FPM;
 *   - "plain": no preloading: must fall back to the pure-PHP backend, and say why;
 *   - "enabled": ffi.enable=1 but no ffi.preload: must use the pure-PHP backend too (FFI::cdef in
 *     every request would be slower than it) and name the missing php.ini line.
 * Real HTTP POSTs over TCP with raw bodies (odd whitespace, Unicode) and Signature header casing
 * variants; the endpoint (webhook.php) answers with the binding's httpStatus.
 *
 * Needs root (PHP-FPM -R), php-fpm8.x and nginx; run by tests/run.sh.
 */
final class ServerTest extends TestCase
{
    private const SECRET = 'whsec-server-test-shop-5d1c';

    private static string $dir = '';
    /** @var array<string, resource> */
    private static array $procs = [];
    private static int $httpPort = 0;

    public static function setUpBeforeClass(): void
    {
        $fpm = self::findBinary(['php-fpm' . PHP_MAJOR_VERSION . '.' . PHP_MINOR_VERSION, 'php-fpm']);
        $nginx = self::findBinary(['nginx']);
        if ($fpm === null || $nginx === null) {
            self::fail('php-fpm and nginx are needed (tests/run.sh installs them)');
        }
        $pkg = dirname(__DIR__, 2);
        self::$dir = sys_get_temp_dir() . '/everifin-webhook-server-' . getmypid();
        @mkdir(self::$dir . '/nginx', 0700, true);
        $header = self::$dir . '/everifin_webhook.ffi.h';
        exec(sprintf('%s %s --out=%s 2>&1', escapeshellarg(PHP_BINARY), escapeshellarg($pkg . '/bin/ffi-header.php'), escapeshellarg($header)), $out, $rc);
        if ($rc !== 0) {
            self::fail("bin/ffi-header.php failed:\n" . implode("\n", $out));
        }

        $ports = ['preload' => self::freePort(), 'plain' => self::freePort(), 'enabled' => self::freePort()];
        self::$httpPort = self::freePort();
        foreach ($ports as $name => $port) {
            $ini = "error_log = " . self::$dir . "/php-$name.log\nlog_errors = On\ndisplay_errors = Off\n"
                . 'ffi.enable = ' . ($name === 'enabled' ? '1' : 'preload') . "\nopcache.enable = 1\nopcache.enable_cli = 0\n";
            if ($name === 'preload') {
                $ini .= "opcache.preload = $pkg/preload.php\nopcache.preload_user = root\nffi.preload = $header\n";
            }
            file_put_contents(self::$dir . "/php-$name.ini", $ini);
            file_put_contents(self::$dir . "/fpm-$name.conf", implode("\n", [
                '[global]',
                'pid = ' . self::$dir . "/fpm-$name.pid",
                'error_log = ' . self::$dir . "/fpm-$name.log",
                'daemonize = no',
                "[$name]",
                'user = root',
                'group = root',
                "listen = 127.0.0.1:$port",
                'pm = static',
                'pm.max_children = 2',
                'catch_workers_output = yes',
                'clear_env = yes',
                'env[EVERIFIN_TEST_HOOK_SECRET] = ' . self::SECRET,
                '',
            ]));
            self::$procs["fpm-$name"] = self::spawn([$fpm, '-R', '-F', '-c', self::$dir . "/php-$name.ini", '-y', self::$dir . "/fpm-$name.conf"], self::$dir . "/fpm-$name.out");
        }
        $d = self::$dir;
        $app = __DIR__ . '/webhook.php';
        $location = static fn (string $name, int $port): string => "location /$name/ {\n"
            . "  include /etc/nginx/fastcgi_params;\n"
            . "  fastcgi_param SCRIPT_FILENAME $app;\n"
            . "  fastcgi_pass 127.0.0.1:$port;\n}\n";
        file_put_contents("$d/nginx.conf", "daemon off;\nuser root;\nworker_processes 1;\npid $d/nginx.pid;\nerror_log $d/nginx-error.log;\n"
            . "events { worker_connections 64; }\n"
            . "http {\n access_log off;\n client_body_temp_path $d/nginx/body;\n fastcgi_temp_path $d/nginx/fastcgi;\n"
            . " proxy_temp_path $d/nginx/proxy;\n uwsgi_temp_path $d/nginx/uwsgi;\n scgi_temp_path $d/nginx/scgi;\n"
            . " client_max_body_size 4m;\n"
            . " server {\n  listen 127.0.0.1:" . self::$httpPort . ";\n"
            . $location('preload', $ports['preload']) . $location('plain', $ports['plain']) . $location('enabled', $ports['enabled'])
            . " }\n}\n");
        self::$procs['nginx'] = self::spawn([$nginx, '-c', "$d/nginx.conf", '-p', $d], "$d/nginx.out");

        foreach (array_merge(array_values($ports), [self::$httpPort]) as $port) {
            if (!self::waitForPort($port, 15.0)) {
                self::fail("nothing listens on 127.0.0.1:$port after 15 s\n" . self::logs());
            }
        }
    }

    public static function tearDownAfterClass(): void
    {
        foreach (self::$procs as $name => $proc) {
            $status = proc_get_status($proc);
            if ($status['running']) {
                proc_terminate($proc, 15);
            }
        }
        $deadline = microtime(true) + 10;
        foreach (self::$procs as $proc) {
            while (proc_get_status($proc)['running'] && microtime(true) < $deadline) {
                usleep(50000);
            }
            if (proc_get_status($proc)['running']) {
                proc_terminate($proc, 9);
            }
            proc_close($proc);
        }
        self::$procs = [];
        if (self::$dir !== '' && getenv('EVERIFIN_KEEP_SERVER_DIR') !== '1') {
            exec('rm -rf ' . escapeshellarg(self::$dir));
        }
    }

    private static function body(string $eventId, string $status = 'BOOKED'): string
    {
        // Odd whitespace (tabs, CRLF, a leading space, trailing newline) and Unicode, raw and escaped.
        return " {\r\n\t\"eventId\" : \"$eventId\",\n  \"eventType\":\"payment.statusChange\",\t\"eventTimestamp\":\"2024-05-07T14:49:55.884Z\",\r\n"
            . "\"data\":{ \"paymentId\":\"DA96BC8F-2B1E-4C0D-9F3A-6E5D4C3B2A19\", \"status\":\"$status\",\n"
            . "   \"externalId\":\"objednávka č. 42 – Žluťoučký kůň 🐎\",\n"
            . "   \"hookData\" : { \"note\" : \"caf\\u00e9 ☕\", \"empty\": {}, \"list\": [ ] , \"n\": 1.50 } } }\n";
    }

    /**
     * Sends one HTTP/1.1 POST over a plain TCP socket, headers exactly as given.
     *
     * @param array<int, string> $headers "Name: value" lines
     * @return array{0: int, 1: array<string, mixed>, 2: string}
     */
    private function post(string $path, string $body, array $headers): array
    {
        $sock = @stream_socket_client('tcp://127.0.0.1:' . self::$httpPort, $errno, $errstr, 10);
        $this->assertIsResource($sock, "connect: $errstr");
        stream_set_timeout($sock, 20);
        $req = "POST $path HTTP/1.1\r\nHost: shop.example\r\nContent-Type: application/json\r\n"
            . implode('', array_map(static fn ($h) => "$h\r\n", $headers))
            . 'Content-Length: ' . strlen($body) . "\r\nConnection: close\r\n\r\n" . $body;
        fwrite($sock, $req);
        $resp = stream_get_contents($sock);
        fclose($sock);
        $this->assertIsString($resp);
        [$head, $payload] = array_pad(explode("\r\n\r\n", $resp, 2), 2, '');
        $this->assertMatchesRegularExpression('#^HTTP/1\.1 (\d{3})#', $head, $resp);
        preg_match('#^HTTP/1\.1 (\d{3})#', $head, $m);
        if (preg_match('/\r\ntransfer-encoding: chunked/i', $head)) {
            $payload = self::unchunk($payload);
        }
        $json = json_decode($payload, true);
        $this->assertIsArray($json, "not JSON from $path: $resp\n" . self::logs());
        return [(int) $m[1], $json, $payload];
    }

    private static function unchunk(string $s): string
    {
        $out = '';
        while ($s !== '' && preg_match('/^([0-9a-fA-F]+)\r\n/', $s, $m)) {
            $n = hexdec($m[1]);
            if ($n === 0) {
                break;
            }
            $out .= substr($s, strlen($m[0]), $n);
            $s = substr($s, strlen($m[0]) + $n + 2);
        }
        return $out;
    }

    private function get(string $path): array
    {
        $sock = @stream_socket_client('tcp://127.0.0.1:' . self::$httpPort, $errno, $errstr, 10);
        $this->assertIsResource($sock);
        fwrite($sock, "GET $path HTTP/1.1\r\nHost: shop.example\r\nConnection: close\r\n\r\n");
        $resp = (string) stream_get_contents($sock);
        fclose($sock);
        [$head, $payload] = array_pad(explode("\r\n\r\n", $resp, 2), 2, '');
        if (preg_match('/\r\ntransfer-encoding: chunked/i', $head)) {
            $payload = self::unchunk($payload);
        }
        $json = json_decode($payload, true);
        $this->assertIsArray($json, $resp);
        return $json;
    }

    public function testThePreloadedPoolUsesFfiInsidePhpFpm(): void
    {
        $d = $this->get('/preload/webhook?diagnose=1');
        $this->assertSame('fpm-fcgi', $d['sapi']);
        $this->assertSame('preload', $d['ffiEnable'], 'the pool must run with the default ffi.enable=preload');
        $this->assertSame('ffi', $d['backend'], implode("\n", $d['steps']) . "\n" . self::logs());
        $this->assertSame('scope', $d['via'], 'FFI must come from the preloaded scope');
        // The header ffi.preload loaded and the library it names, not include/everifin_webhook.h.
        $this->assertStringContainsString('everifin_webhook.ffi.h (ffi.preload)', (string) $d['header']);
        $this->assertStringEndsWith('/libeverifin_webhook.so', (string) $d['library']);
        $this->assertFileExists((string) $d['library']);
        $this->assertNotEmpty($d['libraryVersion']);

        $body = self::body('c2949dfe-4585-46eb-9213-35f0f7faf055');
        [$code, $json] = $this->post('/preload/webhook', $body, ['Signature: ' . Verifier::sign($body, [self::SECRET])]);
        $this->assertSame(200, $code, json_encode($json));
        $this->assertSame('ffi', $json['backend']);
        $this->assertSame('fpm-fcgi', $json['sapi']);
        $this->assertSame('da96bc8f-2b1e-4c0d-9f3a-6e5d4c3b2a19', $json['event']['paymentId']);
        $this->assertSame('objednávka č. 42 – Žluťoučký kůň 🐎', $json['event']['externalId']);
        $this->assertSame('{ "note" : "caf\u00e9 ☕", "empty": {}, "list": [ ] , "n": 1.50 }', $json['hookDataJson']);
        $this->assertSame(['action' => 'apply', 'reason' => 'first'], array_intersect_key($json['decision'], ['action' => 1, 'reason' => 1]));
    }

    public function testThePoolWithoutPreloadFallsBackAndSaysWhy(): void
    {
        $d = $this->get('/plain/webhook?diagnose=1');
        $this->assertSame('fpm-fcgi', $d['sapi']);
        $this->assertSame('preload', $d['ffiEnable']);
        $this->assertSame('php', $d['backend']);
        // The exact missing lines, with this package's paths.
        $pkg = dirname(__DIR__, 2);
        $this->assertStringContainsString("ffi.preload=$pkg/lib/everifin_webhook.ffi.h", (string) $d['reason']);
        $this->assertStringContainsString("opcache.preload=$pkg/preload.php", (string) $d['reason']);
        $this->assertContains("Add to php.ini: ffi.preload=$pkg/lib/everifin_webhook.ffi.h", $d['fix']);
        $this->assertStringEndsWith('/lib/everifin_webhook.ffi.h', (string) $d['header']);

        $body = self::body('0b8a3f4e-9c2d-4e1f-8a7b-6c5d4e3f2a10');
        [$code, $json] = $this->post('/plain/webhook', $body, ['Signature: ' . Verifier::sign($body, [self::SECRET])]);
        $this->assertSame(200, $code, json_encode($json));
        $this->assertSame('php', $json['backend']);
    }

    public function testFfiEnabledWithoutPreloadUsesTheFallbackNotCdefPerRequest(): void
    {
        $d = $this->get('/enabled/webhook?diagnose=1');
        $this->assertSame(['fpm-fcgi', '1'], [$d['sapi'], $d['ffiEnable']]);
        $this->assertSame('php', $d['backend'], implode("\n", $d['steps']));
        $this->assertNull($d['via']);
        $pkg = dirname(__DIR__, 2);
        $this->assertStringContainsString("ffi.preload=$pkg/lib/everifin_webhook.ffi.h", (string) $d['reason']);
        $this->assertStringNotContainsString('opcache.preload=', (string) $d['reason'], 'with ffi.enable=1 only ffi.preload is missing');
        foreach ($d['steps'] as $step) {
            $this->assertStringNotContainsString('FFI::cdef', $step);
        }
        $body = self::body('3c4d5e6f-7a8b-4c9d-8e0f-1a2b3c4d5e6f');
        [$code, $json] = $this->post('/enabled/webhook', $body, ['Signature: ' . Verifier::sign($body, [self::SECRET])]);
        $this->assertSame([200, 'php'], [$code, $json['backend']]);
    }

    /**
     * The built-in server (php -S, SAPI cli-server): without flags it falls back and says how to
     * start it; with the command line the README gives, it uses FFI from the preloaded scope.
     */
    public function testTheBuiltInServerFallsBackUnlessStartedAsTheReadmeSays(): void
    {
        $pkg = dirname(__DIR__, 2);
        $header = self::$dir . '/everifin_webhook.ffi.h';
        putenv('EVERIFIN_TEST_HOOK_SECRET=' . self::SECRET); // php -S passes its environment on
        try {
            foreach (['plain' => [], 'readme' => ['-d', 'ffi.enable=1', '-d', "ffi.preload=$header"]] as $name => $flags) {
                $server = PhpServer::start($flags, [__DIR__ . '/webhook.php'], self::$dir . "/cli-server-$name.log");
                $port = $server->port;
                try {
                    $d = json_decode((string) file_get_contents("http://127.0.0.1:$port/webhook?diagnose=1"), true);
                    $this->assertIsArray($d);
                    $this->assertSame('cli-server', $d['sapi']);
                    if ($name === 'plain') {
                        $this->assertSame('php', $d['backend']);
                        $this->assertStringContainsString("php -d ffi.enable=1 -d ffi.preload=$pkg/lib/everifin_webhook.ffi.h -S", (string) $d['reason']);
                    } else {
                        $this->assertSame(['ffi', 'scope'], [$d['backend'], $d['via']], implode("\n", $d['steps']));
                        $this->assertSame("$header (ffi.preload)", $d['header']);
                    }
                    $body = self::body('4d5e6f7a-8b9c-4dad-8ebf-0a1b2c3d4e5f');
                    $ctx = stream_context_create(['http' => ['method' => 'POST', 'ignore_errors' => true, 'content' => $body,
                        'header' => "Content-Type: application/json\r\nSignature: " . Verifier::sign($body, [self::SECRET]) . "\r\n"]]);
                    $json = json_decode((string) file_get_contents("http://127.0.0.1:$port/webhook", false, $ctx), true);
                    $this->assertSame(['OK', $d['backend']], [$json['status'] ?? null, $json['backend'] ?? null], json_encode($json));
                } finally {
                    $server->stop();
                }
            }
        } finally {
            putenv('EVERIFIN_TEST_HOOK_SECRET'); // the gated test endpoints stay off for later tests
        }
    }

    public function testBothPoolsGiveTheSameEventForTheSameRequest(): void
    {
        $body = self::body('5e2d1c0b-a987-4654-b321-0fedcba98765', 'PROCESSING');
        $header = 'Signature: ' . Verifier::sign($body, [self::SECRET]);
        [$c1, $ffi] = $this->post('/preload/webhook', $body, [$header]);
        [$c2, $php] = $this->post('/plain/webhook', $body, [$header]);
        $this->assertSame([200, 200], [$c1, $c2]);
        $this->assertSame(['ffi', 'php'], [$ffi['backend'], $php['backend']]);
        $this->assertSame($ffi['eventJson'], $php['eventJson']);
        $this->assertSame($ffi['event'], $php['event']);
        $this->assertSame($ffi['decision'], $php['decision']);
    }

    /** @return array<string, array{0: string}> */
    public function headerNames(): array
    {
        $out = [];
        foreach (['Signature', 'signature', 'SIGNATURE', 'sIgNaTuRe'] as $name) {
            foreach (['preload', 'plain'] as $pool) {
                $out["$pool $name"] = [$pool, $name];
            }
        }
        return $out;
    }

    /** @dataProvider headerNames */
    public function testTheHeaderIsFoundWhateverItsCasing(string $pool, string $name): void
    {
        $body = self::body('7a6b5c4d-3e2f-4a1b-9c8d-7e6f5a4b3c2d');
        [$code, $json] = $this->post("/$pool/webhook", $body, ["$name: " . Verifier::sign($body, [self::SECRET])]);
        $this->assertSame(200, $code, json_encode($json));
        $this->assertSame($pool === 'preload' ? 'ffi' : 'php', $json['backend']);
    }

    /** @return array<string, array{0: string, 1: string, 2: int, 3: string}> */
    public function failures(): array
    {
        $out = [];
        foreach (['preload', 'plain'] as $pool) {
            $out["$pool tampered body"] = [$pool, 'tampered', 401, 'SIGNATURE_MISMATCH'];
            $out["$pool no header"] = [$pool, 'missing', 401, 'HEADER_MISSING'];
            $out["$pool wrong secret"] = [$pool, 'wrong-secret', 401, 'SIGNATURE_MISMATCH'];
            $out["$pool too old"] = [$pool, 'old', 401, 'TIMESTAMP_TOO_OLD'];
            $out["$pool not json"] = [$pool, 'not-json', 400, 'BODY_NOT_JSON'];
            $out["$pool invalid event"] = [$pool, 'bad-event', 400, 'EVENT_INVALID'];
            $out["$pool not utf-8"] = [$pool, 'latin1', 400, 'BODY_NOT_UTF8'];
        }
        return $out;
    }

    /** @dataProvider failures */
    public function testFailuresAnswerTheBindingsHttpStatus(string $pool, string $kind, int $http, string $status): void
    {
        $body = self::body('1f2e3d4c-5b6a-4798-8a9b-0c1d2e3f4a5b');
        $sign = static fn (string $b, ?string $ts = null, string $secret = self::SECRET): string => 'Signature: ' . Verifier::sign($b, [$secret], $ts);
        switch ($kind) {
            case 'tampered':
                $headers = [$sign($body)];
                $body = str_replace('BOOKED', 'FAILED', $body);
                break;
            case 'missing':
                $headers = [];
                break;
            case 'wrong-secret':
                $headers = [$sign($body, null, 'not-the-shop-secret')];
                break;
            case 'old':
                $headers = [$sign($body, gmdate('Y-m-d\TH:i:s', time() - 3600) . '.000Z')];
                break;
            case 'not-json':
                $body = "{\"eventId\": \"1f2e3d4c\", \u{00A0}}";
                $headers = [$sign($body)];
                break;
            case 'bad-event':
                $body = str_replace('payment.statusChange', '', $body);
                $headers = [$sign($body)];
                break;
            default:
                $body = "{\"note\":\"caf\xE9\"}";
                $headers = [$sign($body)];
        }
        [$code, $json] = $this->post("/$pool/webhook", $body, $headers);
        $this->assertSame($http, $code, json_encode($json));
        $this->assertSame($status, $json['status']);
        $this->assertSame($pool === 'preload' ? 'ffi' : 'php', $json['backend']);
        $this->assertNotSame('', $json['message']);
        $this->assertStringNotContainsString(self::SECRET, json_encode($json));
    }

    // ------------------------------------------------------------------ process helpers

    private static function findBinary(array $names): ?string
    {
        foreach ($names as $n) {
            foreach (['/usr/sbin/', '/usr/bin/', '/usr/local/sbin/', '/usr/local/bin/'] as $dir) {
                if (is_executable($dir . $n)) {
                    return $dir . $n;
                }
            }
        }
        return null;
    }

    private static function freePort(): int
    {
        $s = stream_socket_server('tcp://127.0.0.1:0', $errno, $errstr);
        $name = stream_socket_get_name($s, false);
        fclose($s);
        return (int) substr((string) strrchr((string) $name, ':'), 1);
    }

    /** @param list<string> $cmd @return resource */
    private static function spawn(array $cmd, string $log)
    {
        $proc = proc_open($cmd, [0 => ['file', '/dev/null', 'r'], 1 => ['file', $log, 'a'], 2 => ['file', $log, 'a']], $pipes);
        if (!is_resource($proc)) {
            self::fail('cannot start ' . $cmd[0]);
        }
        return $proc;
    }

    private static function waitForPort(int $port, float $seconds): bool
    {
        $deadline = microtime(true) + $seconds;
        while (microtime(true) < $deadline) {
            $s = @stream_socket_client("tcp://127.0.0.1:$port", $errno, $errstr, 0.5);
            if ($s) {
                fclose($s);
                return true;
            }
            usleep(100000);
        }
        return false;
    }

    private static function logs(): string
    {
        $out = '';
        foreach (glob(self::$dir . '/*.{log,out}', GLOB_BRACE) ?: [] as $f) {
            $out .= "--- $f\n" . substr((string) @file_get_contents($f), -3000) . "\n";
        }
        return $out;
    }
}
