<?php

/*
 * Writes the header PHP's ffi.preload needs (the committed FFI header plus "#define FFI_SCOPE" and an
 * absolute "#define FFI_LIB"), then prints the php.ini lines for PHP-FPM / mod_php.
 *
 *     php bin/ffi-header.php [--lib=/path/to/libeverifin_webhook.so] [--out=/path/to/header.h]
 *
 * Defaults: the library found like the binding finds it (env EVERIFIN_WEBHOOK_LIB, then lib/),
 * output lib/everifin_webhook.ffi.h. Exit status 1 when the library or the header is missing.
 */

declare(strict_types=1);

// A command-line tool: a plugin ZIP puts this file under the web root, where a request must not run it.
if (PHP_SAPI !== 'cli') {
    http_response_code(404);
    exit;
}

require_once dirname(__DIR__) . '/autoload.php';

use Everifin\Webhook\Internal\Native;

$opts = getopt('', ['lib:', 'out:']);
$lib = isset($opts['lib']) ? (string) $opts['lib'] : Native::findLibrary($tried);
if ($lib === null || !is_file($lib)) {
    fwrite(STDERR, "libeverifin_webhook.so not found; tried:\n  " . implode("\n  ", $tried ?? [(string) $lib]) . "\n");
    exit(1);
}
$lib = (string) realpath($lib);
$header = Native::headerText($lib);
if ($header === null) {
    fwrite(STDERR, 'FFI header missing: ' . Native::headerPath() . "\n");
    exit(1);
}
$out = isset($opts['out']) ? (string) $opts['out'] : Native::packageDir() . '/lib/everifin_webhook.ffi.h';
if (!is_dir(dirname($out))) {
    mkdir(dirname($out), 0755, true);
}
if (file_put_contents($out, $header) === false) {
    fwrite(STDERR, "cannot write $out\n");
    exit(1);
}
$out = (string) realpath($out);
$preload = (string) realpath(Native::packageDir() . '/preload.php');
echo <<<INI
; everifin-webhook: native library under PHP-FPM / mod_php (restart PHP afterwards)
ffi.enable=preload
ffi.preload={$out}
opcache.enable=1
opcache.preload={$preload}
opcache.preload_user=www-data   ; the user your PHP-FPM pool runs as
; and in php-fpm.conf, [global]: process_control_timeout = 10s (a reload lets running requests finish)

INI;
