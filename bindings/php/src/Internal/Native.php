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
    }

    /** @return array{backend: string, reason: ?string, via: ?string, library: ?string, version: ?string, steps: list<string>} */
    public static function report(): array
    {
        self::backend();
        return [
            'backend' => self::$backend !== null ? 'ffi' : 'php',
            'reason' => self::$reason,
            'via' => self::$via,
            'library' => self::$libraryPath,
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
            $tried[] = "$path ($source): " . (file_exists($path) ? 'not a readable file' : 'does not exist');
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
            self::$steps[] = 'FFI::scope(' . self::SCOPE . '): found (registered at startup by ffi.preload or preload.php)';
        } catch (\Throwable $e) {
            self::$steps[] = 'FFI::scope(' . self::SCOPE . '): ' . self::describe($e);
        }

        // 2. Load from a path: allowed with ffi.enable=1, and in the CLI with ffi.enable=preload.
        if ($ffi === null) {
            if (!$enabled && PHP_SAPI !== 'cli') {
                self::fail('ffi.enable=preload allows FFI in ' . PHP_SAPI . ' only through opcache.preload, and the '
                    . self::SCOPE . ' scope is not preloaded (add opcache.preload=' . self::packageDir() . '/preload.php)');
                return null;
            }
            $path = self::findLibrary($tried);
            foreach ($tried as $t) {
                self::$steps[] = 'library ' . $t;
            }
            if ($path === null) {
                self::fail('the native library was not found (set ' . self::ENV_LIB . ' or copy ' . self::LIB_NAME . ' into ' . self::packageDir() . '/lib/)');
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
        $backend = new FfiBackend($ffi);
        try {
            self::$version = $backend->version();
        } catch (\Throwable $e) {
            self::fail('evf_version() failed: ' . self::describe($e));
            return null;
        }
        self::$steps[] = sprintf('ABI version %d, library version %s: using FFI', $abi, self::$version);
        return $backend;
    }

    private static function describe(\Throwable $e): string
    {
        $m = $e->getMessage();
        return get_class($e) . ($m !== '' ? ': ' . $m : '');
    }
}
