<?php

declare(strict_types=1);

namespace Everifin\Webhook\Tests\Support;

/**
 * PHP's built-in server (php -S) for a test, on a port it picks itself: started on port 0, it
 * binds a free port and names it in its "Development Server (http://127.0.0.1:PORT) started"
 * line. (Choosing a free port first and starting the server on it afterwards races with any other
 * process taking that port in between, and a test could then talk to someone else's server.)
 */
final class PhpServer
{
    /** @var resource */
    private $process;

    /** @param resource $process */
    private function __construct($process, public readonly int $port, public readonly string $log)
    {
        $this->process = $process;
    }

    /**
     * @param list<string> $options php's options before -S (e.g. ['-d', 'ffi.enable=0'])
     * @param list<string> $after what follows -S 127.0.0.1:0 (e.g. ['-t', $root, $router])
     * @param string $log the file that gets the server's output (appended)
     * @throws \RuntimeException when the server does not say it started within $seconds
     */
    public static function start(array $options, array $after, string $log, float $seconds = 15.0): self
    {
        $cmd = array_merge([PHP_BINARY], $options, ['-S', '127.0.0.1:0'], $after);
        $before = is_file($log) ? (int) filesize($log) : 0;
        $process = proc_open($cmd, [0 => ['file', '/dev/null', 'r'], 1 => ['file', $log, 'a'], 2 => ['file', $log, 'a']], $pipes);
        if (!is_resource($process)) {
            throw new \RuntimeException('cannot start ' . PHP_BINARY . ' -S');
        }
        $deadline = microtime(true) + $seconds;
        do {
            $text = (string) @file_get_contents($log, false, null, $before);
            if (preg_match('#Development Server \(http://127\.0\.0\.1:(\d+)\) started#', $text, $m) === 1) {
                return new self($process, (int) $m[1], $log);
            }
            if (!proc_get_status($process)['running']) {
                break;
            }
            usleep(20000);
        } while (microtime(true) < $deadline);
        proc_terminate($process);
        proc_close($process);
        throw new \RuntimeException("php -S did not start:\n" . @file_get_contents($log, false, null, $before));
    }

    /**
     * php's options for a built-in server with $backend ('ffi' or 'php'): FFI in php -S needs the
     * library preloaded (README, "php -S"), from a header bin/ffi-header.php writes into $dir.
     *
     * @return list<string>
     */
    public static function backendOptions(string $backend, string $dir): array
    {
        if ($backend !== 'ffi') {
            return ['-d', 'ffi.enable=0'];
        }
        $header = $dir . '/everifin_webhook.ffi.h';
        exec(escapeshellarg(PHP_BINARY) . ' ' . escapeshellarg(dirname(__DIR__, 2) . '/bin/ffi-header.php')
            . ' ' . escapeshellarg("--out=$header") . ' 2>&1', $out, $rc);
        if ($rc !== 0) {
            throw new \RuntimeException("bin/ffi-header.php failed:\n" . implode("\n", $out));
        }
        return ['-d', 'ffi.enable=1', '-d', "ffi.preload=$header"];
    }

    public function url(string $path = '/'): string
    {
        return "http://127.0.0.1:{$this->port}$path";
    }

    public function stop(): void
    {
        if (is_resource($this->process)) {
            proc_terminate($this->process);
            proc_close($this->process);
        }
    }

    public function __destruct()
    {
        $this->stop();
    }
}
