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
     *   opcachePreload: string, preloadScript: string, header: string, headerExists: bool, ffiPreload: string,
     *   libraryCandidates: list<string>, steps: list<string>, fix: list<string>
     * }
     */
    public static function diagnose(): array
    {
        $r = Native::report();
        $candidates = [];
        foreach (Native::candidates() as [$path, $source]) {
            $candidates[] = sprintf('%s (%s): %s', $path, $source, is_file($path) ? 'exists' : (file_exists($path) ? 'not a file' : 'missing'));
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
            $envLib = (string) getenv(Native::ENV_LIB);
            if (Native::findLibrary() === null) {
                $fix[] = $envLib !== ''
                    ? sprintf('%s=%s %s: point it at %s, or unset it and put the library into %s/lib/.', Native::ENV_LIB, $envLib, file_exists($envLib) ? 'is not a readable file' : 'does not exist', Native::LIB_NAME, Native::packageDir())
                    : 'Put ' . Native::LIB_NAME . ' into ' . Native::packageDir() . '/lib/ or set the environment variable ' . Native::ENV_LIB . ' to its path.';
            } elseif ($envLib !== '' && $ffiLoaded && preg_match('/^FFI::cdef\(|ABI version/', (string) $r['reason'])) {
                // The library it names was loaded and is not this binding's (another library, or another ABI).
                $fix[] = sprintf('%s=%s is not the everifin-webhook library this binding needs (ABI %d): point it at the %s of this release, or unset it to use %s/lib/.',
                    Native::ENV_LIB, $envLib, Native::ABI_VERSION, Native::LIB_NAME, Native::packageDir());
            }
            if (!Native::isCommandLine()) {
                if (!is_file(Native::preloadHeaderPath())) {
                    $fix[] = 'Run php ' . Native::packageDir() . '/bin/ffi-header.php once: it writes ' . Native::preloadHeaderPath() . ' (the header ffi.preload loads) and prints the php.ini lines.';
                }
                if (PHP_SAPI === 'cli-server') {
                    $fix[] = 'php -S needs FFI enabled and the scope preloaded: php -d ffi.enable=1 -d ffi.preload=' . Native::preloadHeaderPath() . ' -S 127.0.0.1:8000 ...';
                } else {
                    foreach (Native::missingIniLines() as $line) {
                        $fix[] = 'Add to php.ini: ' . $line . ($line === 'opcache.preload=' . $preloadScript ? ' (and opcache.preload_user=<the pool user> when the master starts as root)' : '');
                    }
                    $fix[] = 'Then restart PHP-FPM/Apache (a reload with process_control_timeout = 10s in php-fpm.conf drops no request).';
                }
            } elseif ($ffiEnable !== '' && strtolower($ffiEnable) !== 'preload' && !Native::ffiFullyEnabled()) {
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
            'header' => $r['header'] ?? (Native::isCommandLine() ? Native::headerPath() : Native::preloadHeaderPath()),
            'headerExists' => is_file($r['header'] === null ? (Native::isCommandLine() ? Native::headerPath() : Native::preloadHeaderPath()) : (string) strtok($r['header'], ' ')),
            'ffiPreload' => (string) ini_get('ffi.preload'),
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
        foreach (['via', 'library', 'libraryVersion', 'header', 'php', 'sapi', 'ffiEnable', 'ffiPreload', 'opcacheEnable', 'opcachePreload', 'preloadScript'] as $k) {
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
