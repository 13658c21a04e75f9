<?php

declare(strict_types=1);

namespace Everifin\Webhook\Internal;

/**
 * Finds and loads the native library through FFI, once per request (or per CLI process), and
 * records every step so that {@see \Everifin\Webhook\Environment::diagnose()} can tell why FFI is
 * not in use. Never throws: any failure means "use the pure-PHP backend".
 *
 * @internal
 */
final class Native
{
    public const SCOPE = 'EVERIFIN_WEBHOOK';
    public const ABI_VERSION = 1;
    public const LIB_NAME = 'libeverifin_webhook.so';
    public const ENV_LIB = 'EVERIFIN_WEBHOOK_LIB';
    public const ENV_BACKEND = 'EVERIFIN_WEBHOOK_BACKEND';

    private static bool $tried = false;
    private static ?FfiBackend $backend = null;
    /** @var list<string> */
    private static array $steps = [];
    private static ?string $reason = null;
    private static ?string $via = null;
    private static ?string $libraryPath = null;
    private static ?string $version = null;
    private static ?string $header = null;

    /** The native backend, or null when FFI cannot be used here. */
    public static function backend(): ?FfiBackend
    {
        if (!self::$tried) {
            self::$tried = true;
            try {
                self::$backend = self::load();
            } catch (\Throwable $e) {
                self::$backend = null;
                self::fail('unexpected error while loading FFI: ' . get_class($e) . ': ' . $e->getMessage());
            }
        }
        return self::$backend;
    }

    /** Forgets the previous attempt (tests, or after changing EVERIFIN_WEBHOOK_LIB). */
    public static function reset(): void
    {
        self::$tried = false;
        self::$backend = null;
        self::$steps = [];
        self::$reason = null;
        self::$via = null;
        self::$libraryPath = null;
        self::$version = null;
        self::$header = null;
    }

    /** @return array{backend: string, reason: ?string, via: ?string, library: ?string, header: ?string, version: ?string, steps: list<string>} */
    public static function report(): array
    {
        self::backend();
        if (self::$via === 'scope' && self::$header === null) {
            // Which header and library the scope came from: looked up here only, not per request.
            [self::$header, self::$libraryPath] = self::scopeSource();
        }
        if (self::$backend !== null && self::$version === null) {
            // Asked for here only: a request that merely verifies does not pay for it.
            try {
                self::$version = self::$backend->version();
            } catch (\Throwable $e) {
                self::$version = 'unknown (evf_version() failed: ' . self::describe($e) . ')';
            }
        }
        return [
            'backend' => self::$backend !== null ? 'ffi' : 'php',
            'reason' => self::$reason,
            'via' => self::$via,
            'library' => self::$libraryPath,
            'header' => self::$header,
            'version' => self::$version,
            'steps' => self::$steps,
        ];
    }

    /** The package's own folder (bindings/php). */
    public static function packageDir(): string
    {
        return dirname(__DIR__, 2);
    }

    public static function headerPath(): string
    {
        return self::packageDir() . '/include/everifin_webhook.h';
    }

    /** The header ffi.preload loads (written by bin/ffi-header.php). */
    public static function preloadHeaderPath(): string
    {
        return self::packageDir() . '/lib/everifin_webhook.ffi.h';
    }

    /** The CLI (and phpdbg): one process per run, where FFI::cdef once is fine. */
    public static function isCommandLine(): bool
    {
        return PHP_SAPI === 'cli' || PHP_SAPI === 'phpdbg';
    }

    /** ffi.enable allows FFI everywhere (1/on/true/yes), as opposed to "preload" or off. */
    public static function ffiFullyEnabled(): bool
    {
        return in_array(strtolower((string) ini_get('ffi.enable')), ['1', 'on', 'true', 'yes'], true);
    }

    /**
     * The php.ini lines a web server lacks for the preloaded scope, with this package's paths
     * (empty when nothing is missing).
     *
     * @return list<string>
     */
    public static function missingIniLines(): array
    {
        $lines = [];
        if (self::preloadedHeader() === null) {
            $lines[] = 'ffi.preload=' . self::preloadHeaderPath();
        }
        if (!self::ffiFullyEnabled()) {
            // ffi.enable=preload: FFI's API only from preloaded code, so the binding is preloaded.
            if (!in_array(strtolower((string) ini_get('opcache.enable')), ['1', 'on', 'true', 'yes'], true)) {
                $lines[] = 'opcache.enable=1';
            }
            if ((string) ini_get('opcache.preload') === '') {
                $lines[] = 'opcache.preload=' . self::packageDir() . '/preload.php';
            }
        }
        return $lines;
    }

    /** The header named in ffi.preload that registers this scope (by its FFI_SCOPE line), or null. */
    public static function preloadedHeader(): ?string
    {
        foreach (explode(PATH_SEPARATOR, (string) ini_get('ffi.preload')) as $pattern) {
            foreach ($pattern === '' ? [] : (glob($pattern) ?: [$pattern]) as $file) {
                $text = @file_get_contents($file, false, null, 0, 4096);
                if (is_string($text) && strpos($text, '"' . self::SCOPE . '"') !== false) {
                    return $file;
                }
            }
        }
        return null;
    }

    /** @return array{0: string, 1: ?string} where the scope came from: header, library */
    private static function scopeSource(): array
    {
        $header = self::preloadedHeader();
        if ($header === null) {
            return [self::headerPath() . ' (FFI::load in preload.php)', self::findLibrary()];
        }
        $text = (string) @file_get_contents($header, false, null, 0, 4096);
        $lib = preg_match('/^#define FFI_LIB "((?:[^"\\\\]|\\\\.)*)"/m', $text, $m) ? stripcslashes($m[1]) : null;
        return [$header . ' (ffi.preload)', $lib];
    }

    /**
     * How missingScopeReason() starts its closing advice, which names files in this package's
     * folder (Environment::withoutIniAdvice() removes it).
     */
    public const HOW_ADD_TO_INI = 'add to php.ini: ';
    public const HOW_START_CLI_SERVER = 'start the built-in server as ';

    private static function missingScopeReason(string $mode): string
    {
        $why = sprintf('the %s scope is not preloaded in %s (ffi.enable=%s)', self::SCOPE, PHP_SAPI, $mode);
        $lines = self::missingIniLines();
        $how = $lines === [] ? 'check the error log for what ffi.preload/preload.php reported' : self::HOW_ADD_TO_INI . implode(', ', $lines);
        if (PHP_SAPI === 'cli-server') {
            $how = self::HOW_START_CLI_SERVER . 'php -d ffi.enable=1 -d ffi.preload=' . self::preloadHeaderPath() . ' -S ...';
        }
        return $why . '; the pure-PHP backend is used instead of loading the library in every request (' . $how . ')';
    }

    /**
     * Candidate library paths, in lookup order: env EVERIFIN_WEBHOOK_LIB, then the package's lib/.
     *
     * @return list<array{0: string, 1: string}> [path, where it came from]
     */
    public static function candidates(): array
    {
        $out = [];
        $env = getenv(self::ENV_LIB);
        if (is_string($env) && $env !== '') {
            $out[] = [$env, 'env ' . self::ENV_LIB];
        }
        $out[] = [self::packageDir() . '/lib/' . self::LIB_NAME, 'package lib/'];
        return $out;
    }

    /** The first candidate that is a readable file, or null. Records each path tried. */
    public static function findLibrary(?array &$tried = null): ?string
    {
        $tried = [];
        foreach (self::candidates() as [$path, $source]) {
            if (is_file($path) && is_readable($path)) {
                $tried[] = "$path ($source): found";
                return $path;
            }
            $tried[] = "$path ($source): " . self::unusable($path);
        }
        return null;
    }

    /**
     * The header text for FFI::cdef (no preprocessor lines), or for FFI::load with the FFI_SCOPE
     * and FFI_LIB lines PHP needs for preloading.
     */
    public static function headerText(?string $scopeLibrary = null): ?string
    {
        $h = @file_get_contents(self::headerPath());
        if (!is_string($h)) {
            return null;
        }
        if ($scopeLibrary !== null) {
            $h = sprintf("#define FFI_SCOPE \"%s\"\n#define FFI_LIB \"%s\"\n", self::SCOPE, addcslashes($scopeLibrary, "\"\\")) . $h;
        }
        return $h;
    }

    private static function fail(string $reason): void
    {
        self::$reason = $reason;
        self::$steps[] = 'fallback: ' . $reason;
    }

    private static function load(): ?FfiBackend
    {
        $forced = getenv(self::ENV_BACKEND);
        if ($forced === 'php') {
            self::fail('env ' . self::ENV_BACKEND . '=php asks for the pure-PHP backend');
            return null;
        }
        if (!extension_loaded('ffi') || !class_exists(\FFI::class, false)) {
            self::fail('the FFI extension is not loaded (install/enable php-ffi: extension=ffi)');
            return null;
        }
        $mode = (string) ini_get('ffi.enable');
        self::$steps[] = 'ffi.enable=' . $mode . ', SAPI ' . PHP_SAPI;
        $enabled = in_array(strtolower($mode), ['1', 'on', 'true', 'yes'], true);
        $preloadMode = strtolower($mode) === 'preload';
        if (!$enabled && !$preloadMode) {
            self::fail('ffi.enable=' . ($mode === '' ? '0' : $mode) . ' disables FFI (set ffi.enable=preload and preload preload.php, or ffi.enable=1)');
            return null;
        }

        // 1. The scope registered by preload.php (opcache.preload), usable under ffi.enable=preload.
        $ffi = null;
        try {
            $ffi = \FFI::scope(self::SCOPE);
            self::$via = 'scope';
            self::$steps[] = 'FFI::scope(' . self::SCOPE . '): found (registered at startup)';
        } catch (\Throwable $e) {
            self::$steps[] = 'FFI::scope(' . self::SCOPE . '): ' . self::describe($e);
        }

        // 2. Load from a path, in the command line only. In a web server (FPM, mod_php, php -S)
        //    FFI::cdef would parse the header again in every request, which costs more than the
        //    pure-PHP backend: there only the preloaded scope is used.
        if ($ffi === null) {
            if (!self::isCommandLine()) {
                self::fail(self::missingScopeReason($mode));
                return null;
            }
            $path = self::findLibrary($tried);
            foreach ($tried as $t) {
                self::$steps[] = 'library ' . $t;
            }
            if ($path === null) {
                self::fail(self::notFoundReason());
                return null;
            }
            $header = self::headerText();
            if ($header === null) {
                self::fail('the FFI header ' . self::headerPath() . ' is missing');
                return null;
            }
            try {
                $ffi = \FFI::cdef($header, $path);
                self::$via = 'cdef';
                self::$libraryPath = $path;
                self::$header = self::headerPath();
                self::$steps[] = 'FFI::cdef(' . $path . '): loaded';
            } catch (\Throwable $e) {
                self::fail('FFI::cdef(' . $path . ') failed: ' . self::describe($e));
                return null;
            }
        }

        try {
            $abi = (int) $ffi->evf_abi_version();
        } catch (\Throwable $e) {
            self::fail('evf_abi_version() failed: ' . self::describe($e));
            return null;
        }
        if ($abi !== self::ABI_VERSION) {
            self::fail(sprintf('the library has ABI version %d; this binding needs %d (install the matching library)', $abi, self::ABI_VERSION));
            return null;
        }
        self::$steps[] = sprintf('ABI version %d: using FFI', $abi);
        return new FfiBackend($ffi);
    }

    /** Why a library path that was tried is not used: "does not exist" or "is not a readable file". */
    public static function unusable(string $path): string
    {
        return file_exists($path) ? 'is not a readable file' : 'does not exist';
    }

    /** Why no candidate library was found: the path EVERIFIN_WEBHOOK_LIB names, when it is set. */
    private static function notFoundReason(): string
    {
        $env = getenv(self::ENV_LIB);
        $lib = self::packageDir() . '/lib/' . self::LIB_NAME;
        if (is_string($env) && $env !== '') {
            return sprintf(
                '%s points to %s, which %s, and %s %s either (point %s at the library, or unset it and copy %s into %s/lib/)',
                self::ENV_LIB,
                $env,
                self::unusable($env),
                $lib,
                self::unusable($lib),
                self::ENV_LIB,
                self::LIB_NAME,
                self::packageDir()
            );
        }
        return 'the native library was not found (set ' . self::ENV_LIB . ' or copy ' . self::LIB_NAME . ' into ' . self::packageDir() . '/lib/)';
    }

    private static function describe(\Throwable $e): string
    {
        $m = $e->getMessage();
        return get_class($e) . ($m !== '' ? ': ' . $m : '');
    }
}
