<?php

declare(strict_types=1);

namespace Everifin\Webhook;

use Everifin\Webhook\Internal\Native;

/**
 * Why the binding uses FFI or the pure-PHP fallback here, and how to get FFI.
 *
 *     print_r(Environment::diagnose());      // or: echo Environment::report();
 */
final class Environment
{
    private function __construct()
    {
    }

    /**
     * @return array{
     *   backend: string, reason: ?string, via: ?string, library: ?string, libraryVersion: ?string,
     *   php: string, sapi: string, ffiExtension: bool, ffiEnable: string, opcacheEnable: string,
     *   opcachePreload: string, preloadScript: string, header: string, headerExists: bool,
     *   libraryCandidates: list<string>, steps: list<string>, fix: list<string>
     * }
     */
    public static function diagnose(): array
    {
        $r = Native::report();
        $candidates = [];
        foreach (Native::candidates() as [$path, $source]) {
            $candidates[] = sprintf('%s (%s): %s', $path, $source, is_file($path) ? 'exists' : 'missing');
        }
        $ffiLoaded = extension_loaded('ffi');
        $ffiEnable = (string) ini_get('ffi.enable');
        $preload = (string) ini_get('opcache.preload');
        $preloadScript = Native::packageDir() . '/preload.php';
        $fix = [];
        if ($r['backend'] !== 'ffi') {
            if (!$ffiLoaded) {
                $fix[] = 'Install and enable the FFI extension (Debian: it ships with php-common; extension=ffi).';
            }
            $lib = Native::findLibrary();
            if ($lib === null) {
                $fix[] = 'Put ' . Native::LIB_NAME . ' into ' . Native::packageDir() . '/lib/ or set the environment variable ' . Native::ENV_LIB . ' to its path.';
            }
            if (PHP_SAPI !== 'cli' && !in_array(strtolower($ffiEnable), ['1', 'on', 'true', 'yes'], true)) {
                $fix[] = 'In php.ini (FPM/mod_php): opcache.enable=1, opcache.preload=' . $preloadScript . ', opcache.preload_user=<the pool user>, ffi.enable=preload; then restart PHP-FPM/Apache.';
            }
            if (PHP_SAPI === 'cli' && strtolower($ffiEnable) !== 'preload' && !in_array(strtolower($ffiEnable), ['1', 'on', 'true', 'yes'], true)) {
                $fix[] = 'Run PHP with -d ffi.enable=1 (or ffi.enable=preload, the default, which allows FFI in the CLI).';
            }
            $fix[] = 'The pure-PHP fallback gives the same results; FFI is only faster.';
        }
        return [
            'backend' => $r['backend'],
            'reason' => $r['reason'],
            'via' => $r['via'],
            'library' => $r['library'],
            'libraryVersion' => $r['version'],
            'php' => PHP_VERSION,
            'sapi' => PHP_SAPI,
            'ffiExtension' => $ffiLoaded,
            'ffiEnable' => $ffiEnable,
            'opcacheEnable' => (string) ini_get(PHP_SAPI === 'cli' ? 'opcache.enable_cli' : 'opcache.enable'),
            'opcachePreload' => $preload,
            'preloadScript' => $preloadScript,
            'header' => Native::headerPath(),
            'headerExists' => is_file(Native::headerPath()),
            'libraryCandidates' => $candidates,
            'steps' => $r['steps'],
            'fix' => $fix,
        ];
    }

    /** diagnose() as readable text (for a plugin's status page or the command line). */
    public static function report(): string
    {
        $d = self::diagnose();
        $lines = [sprintf('everifin-webhook backend: %s%s', $d['backend'], $d['reason'] !== null ? ' (' . $d['reason'] . ')' : '')];
        foreach (['via', 'library', 'libraryVersion', 'php', 'sapi', 'ffiEnable', 'opcacheEnable', 'opcachePreload', 'preloadScript', 'header'] as $k) {
            $v = $d[$k];
            $lines[] = sprintf('  %s: %s', $k, $v === null || $v === '' ? '-' : (string) $v);
        }
        $lines[] = '  ffiExtension: ' . ($d['ffiExtension'] ? 'loaded' : 'missing');
        $lines[] = '  library paths tried:';
        foreach ($d['libraryCandidates'] as $c) {
            $lines[] = '    ' . $c;
        }
        $lines[] = '  steps:';
        foreach ($d['steps'] as $s) {
            $lines[] = '    ' . $s;
        }
        foreach ($d['fix'] as $f) {
            $lines[] = '  fix: ' . $f;
        }
        return implode("\n", $lines) . "\n";
    }
}
