<?php

declare(strict_types=1);

namespace Everifin\Webhook\Tests;

use Everifin\Webhook\Tests\Support\PhpServer;
use PHPUnit\Framework\TestCase;

/**
 * The WooCommerce plugin and the PrestaShop module ZIPs put the whole package under the shop's web
 * root. Its two scripts (bin/ffi-header.php, a command-line tool that writes a file, and
 * preload.php, for opcache.preload) must do nothing when requested over HTTP: served here by PHP's
 * built-in web server, they answer 404 with an empty body and write nothing.
 */
final class WebRootTest extends TestCase
{
    private const PACKAGE = __DIR__ . '/..';

    private ?PhpServer $server = null;

    protected function setUp(): void
    {
        $log = tempnam(sys_get_temp_dir(), 'evf-webroot-');
        $this->server = PhpServer::start(['-d', 'ffi.enable=1', '-d', 'register_argc_argv=1'], ['-t', (string) realpath(self::PACKAGE)], (string) $log);
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

    /** The check is real: a plain file of the package is served. */
    public function testTheServerServesThePackage(): void
    {
        [$code, $body] = $this->get('/composer.json');
        $this->assertSame(200, $code);
        $this->assertStringContainsString('everifin/webhook', $body);
    }
}
