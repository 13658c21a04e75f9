<?php

/*
 * opcache.preload script for everifin/webhook: makes the native library usable under PHP-FPM and
 * mod_php with PHP's default ffi.enable=preload.
 *
 * php.ini (FPM or Apache; restart the service afterwards). First run once, as the deploying user:
 *     php /path/to/everifin/webhook/bin/ffi-header.php
 * which writes lib/everifin_webhook.ffi.h (the header plus FFI_SCOPE and an absolute FFI_LIB) and
 * prints these lines with the real paths:
 *     ffi.enable=preload                   ; the default
 *     ffi.preload=/path/to/everifin/webhook/lib/everifin_webhook.ffi.h
 *     opcache.enable=1
 *     opcache.preload=/path/to/everifin/webhook/preload.php
 *     opcache.preload_user=www-data        ; the pool user (required when the master starts as root)
 *
 * What happens when PHP-FPM/Apache starts:
 *   - ffi.preload loads the library under the FFI scope EVERIFIN_WEBHOOK (this works whatever user
 *     the master runs as);
 *   - this script compiles every class of the binding, so that its calls into FFI count as
 *     "preloaded code" (ffi.enable=preload allows FFI's API only from preloaded code). When the
 *     scope is not registered yet and PHP is not started as root (no opcache.preload_user), it
 *     registers it itself with FFI::load() from a private temporary header file (FFI::load needs
 *     the FFI_SCOPE/FFI_LIB lines; PHP refuses FFI::load when preloading runs as preload_user).
 * Requests then get the library through FFI::scope('EVERIFIN_WEBHOOK') without loading anything.
 * Library lookup: env EVERIFIN_WEBHOOK_LIB (of the PHP-FPM master), then this package's lib/.
 * Any failure this script finds is logged (error_log) and never stops the server: the binding then
 * falls back to its pure-PHP implementation, and Environment::diagnose() says why. PHP itself does
 * refuse to start when this file is missing, or when the ffi.preload header, or the library its
 * FFI_LIB line names, is (README: keep both at a stable path; run php-fpm -t after each deploy).
 */

declare(strict_types=1);

// Only for opcache.preload (no request then): a plugin ZIP puts this file under the web root,
// where a request must not run it.
if (isset($_SERVER['REQUEST_METHOD'])) {
    http_response_code(404);
    return;
}

require_once __DIR__ . '/autoload.php';

(static function (): void {
    $log = static function (string $message): void {
        error_log('everifin-webhook preload: ' . $message);
    };
    try {
        // 1. Preload every class of the binding.
        $src = __DIR__ . '/src';
        $files = new RecursiveIteratorIterator(new RecursiveDirectoryIterator($src, FilesystemIterator::SKIP_DOTS));
        $classes = [];
        foreach ($files as $file) {
            if ($file->getExtension() === 'php') {
                $relative = substr($file->getPathname(), strlen($src) + 1, -4);
                $classes[] = 'Everifin\\Webhook\\' . str_replace('/', '\\', $relative);
            }
        }
        sort($classes);
        foreach ($classes as $class) {
            if (!class_exists($class) && !interface_exists($class)) {
                $log("could not preload $class");
            }
        }

        // 2. Register the FFI scope.
        if (!extension_loaded('ffi')) {
            $log('the FFI extension is not loaded; the pure-PHP backend will be used');
            return;
        }
        try {
            FFI::scope(\Everifin\Webhook\Internal\Native::SCOPE);
            return; // registered by ffi.preload
        } catch (\Throwable $e) {
            // not registered yet: try FFI::load below
        }
        $lib = \Everifin\Webhook\Internal\Native::findLibrary($tried);
        if ($lib === null) {
            $log('library not found (' . implode('; ', $tried ?? []) . '); the pure-PHP backend will be used');
            return;
        }
        $lib = realpath($lib) ?: $lib;
        $header = \Everifin\Webhook\Internal\Native::headerText($lib);
        if ($header === null) {
            $log('FFI header missing: ' . \Everifin\Webhook\Internal\Native::headerPath());
            return;
        }
        $tmp = tempnam(sys_get_temp_dir(), 'everifin-webhook-');
        if ($tmp === false) {
            $log('cannot create a temporary header file in ' . sys_get_temp_dir());
            return;
        }
        try {
            chmod($tmp, 0600);
            file_put_contents($tmp, $header);
            try {
                $ffi = FFI::load($tmp);
            } catch (\Throwable $e) {
                $log(get_class($e) . ': ' . $e->getMessage() . ' -- run bin/ffi-header.php and set ffi.preload to the header it writes');
                return;
            }
        } finally {
            @unlink($tmp);
        }
        if ($ffi === null) {
            $log('FFI::load failed for ' . $lib);
            return;
        }
        $abi = (int) $ffi->evf_abi_version();
        if ($abi !== \Everifin\Webhook\Internal\Native::ABI_VERSION) {
            $log("library $lib has ABI version $abi, expected " . \Everifin\Webhook\Internal\Native::ABI_VERSION . '; requests will use the pure-PHP backend');
        }
    } catch (\Throwable $e) {
        $log(get_class($e) . ': ' . $e->getMessage());
    }
})();
