<?php

declare(strict_types=1);

namespace Everifin\Webhook\Tests;

use Everifin\Webhook\Tests\Support\PhpServer;
use PHPUnit\Framework\TestCase;

/**
 * The WooCommerce plugin and the PrestaShop module ZIPs put the whole package under the shop's web
 * root, and a shop that keeps Composer's vendor/ under its web root does too. Its two scripts
 * (bin/ffi-header.php, a command-line tool that writes a file, and preload.php, for
 * opcache.preload) must do nothing when requested over HTTP: served here by PHP's built-in web
 * server, they answer 404 with an empty body and write nothing. So do the test and bench endpoints
 * and scripts (tests/, bench/) unless their harness enabled them.
 */
final class WebRootTest extends TestCase
{
    private const PACKAGE = __DIR__ . '/..';

    private ?PhpServer $server = null;

    protected function setUp(): void
    {
        $log = (string) tempnam(sys_get_temp_dir(), 'evf-webroot-');
        // display_errors=0 as on a production site (the README says what it shows when on)
        try {
            $this->server = PhpServer::start(['-d', 'ffi.enable=1', '-d', 'register_argc_argv=1', '-d', 'display_errors=0'],
                ['-t', (string) realpath(self::PACKAGE)], $log);
        } catch (\RuntimeException $e) {
            @unlink($log);
            throw $e;
        }
    }

    protected function tearDown(): void
    {
        if ($this->server !== null) {
            $this->server->stop();
            @unlink($this->server->log);
        }
    }

    /** @return array{0: int, 1: string} */
    private function get(string $path): array
    {
        $context = stream_context_create(['http' => ['ignore_errors' => true, 'timeout' => 10]]);
        $body = (string) file_get_contents($this->server->url($path), false, $context);
        preg_match('{^HTTP/\S+ (\d{3})}', $http_response_header[0] ?? '', $m);
        return [(int) ($m[1] ?? 0), $body];
    }

    public function testTheCommandLineToolDoesNothingOverHttp(): void
    {
        $out = sys_get_temp_dir() . '/evf-webroot-' . getmypid() . '.h';
        @unlink($out);
        $header = realpath(self::PACKAGE) . '/lib/everifin_webhook.ffi.h';
        $before = is_file($header) ? [filemtime($header), md5_file($header)] : null;
        clearstatcache();
        [$code, $body] = $this->get('/bin/ffi-header.php?--out=' . rawurlencode($out));
        $this->assertSame([404, ''], [$code, $body]);
        $this->assertFileDoesNotExist($out);
        clearstatcache();
        $this->assertSame($before, is_file($header) ? [filemtime($header), md5_file($header)] : null, 'lib/everifin_webhook.ffi.h is not written');
    }

    public function testThePreloadScriptDoesNothingOverHttp(): void
    {
        [$code, $body] = $this->get('/preload.php');
        $this->assertSame([404, ''], [$code, $body]);
    }

    /**
     * The scripts under tests/ and bench/ that answer requests or do work: their harness enables
     * the endpoints with an environment variable (EVERIFIN_TEST_HOOK_SECRET: ServerTest.php,
     * RequestTest.php; BENCH_HOOK_SECRET: bench/fpm.sh); the others run from the command line only.
     */
    private const HARNESS_SCRIPTS = [
        '/tests/server/webhook.php',
        '/tests/server/request.php',
        '/tests/Support/bare-php.php',
        '/bench/fpm/binding.php',
        '/bench/fpm/lean.php',
        '/bench/bench.php',
    ];

    /**
     * Without their harness's environment the test and bench scripts answer 404 with an empty
     * body: webhook.php?diagnose=1 answered the server's configuration (paths, PHP version, preload
     * script, library candidates) to anyone.
     */
    public function testTheTestAndBenchScriptsAreNotEndpoints(): void
    {
        $this->assertFalse(getenv('EVERIFIN_TEST_HOOK_SECRET'), 'run without EVERIFIN_TEST_HOOK_SECRET: php -S passes it on');
        $this->assertFalse(getenv('BENCH_HOOK_SECRET'), 'run without BENCH_HOOK_SECRET: php -S passes it on');
        foreach (self::HARNESS_SCRIPTS as $path) {
            $this->assertFileExists(self::PACKAGE . $path);
            foreach (['', '?diagnose=1', '?verifyRequest=1000', '?max=10', '?backend=1', '?rounds=5'] as $query) {
                [$code, $body] = $this->get($path . $query);
                $this->assertSame([404, ''], [$code, $body], $path . $query);
            }
        }
    }

    /**
     * Every other PHP file under tests/ and bench/ (test classes, stubs, helpers) says nothing over
     * HTTP either (with display_errors off): an error (a test class without PHPUnit) or an empty
     * answer. A new endpoint script that is not guarded fails here.
     */
    public function testNoOtherFileUnderTestsOrBenchAnswers(): void
    {
        $root = (string) realpath(self::PACKAGE);
        $files = [];
        foreach (['tests', 'bench'] as $dir) {
            foreach (new \RecursiveIteratorIterator(new \RecursiveDirectoryIterator("$root/$dir", \FilesystemIterator::SKIP_DOTS)) as $f) {
                $path = substr((string) $f, strlen($root));
                if (substr($path, -4) === '.php' && !in_array($path, self::HARNESS_SCRIPTS, true)) {
                    $files[] = $path;
                }
            }
        }
        sort($files);
        $this->assertContains('/tests/server/ServerTest.php', $files);
        $this->assertContains('/tests/stubs/woocommerce.php', $files);
        foreach ($files as $path) {
            [$code, $body] = $this->get($path . '?diagnose=1');
            $this->assertTrue($code !== 200 || $body === '', "$path answers $code: " . substr($body, 0, 300));
            $this->assertStringNotContainsString($root, $body, $path);
        }
    }

    /** The check is real: a plain file of the package is served. */
    public function testTheServerServesThePackage(): void
    {
        [$code, $body] = $this->get('/composer.json');
        $this->assertSame(200, $code);
        $this->assertStringContainsString('everifin/webhook', $body);
    }
}
