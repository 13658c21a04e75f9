<?php

declare(strict_types=1);

namespace Everifin\Webhook\Tests\Support;

/** A child process for a test: run to its end, stdin empty, stdout and stderr captured. */
final class Command
{
    /**
     * @param list<string> $cmd the program and its arguments (no shell)
     * @return array{0: int, 1: string, 2: string} exit status, stdout, stderr
     */
    public static function run(array $cmd): array
    {
        $p = proc_open($cmd, [0 => ['file', '/dev/null', 'r'], 1 => ['pipe', 'w'], 2 => ['pipe', 'w']], $pipes);
        if (!is_resource($p)) {
            throw new \RuntimeException('cannot start ' . $cmd[0]);
        }
        $out = (string) stream_get_contents($pipes[1]);
        $err = (string) stream_get_contents($pipes[2]);
        fclose($pipes[1]);
        fclose($pipes[2]);
        return [proc_close($p), $out, $err];
    }
}
