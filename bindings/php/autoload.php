<?php

/*
 * PSR-4 autoloader for Everifin\Webhook without Composer:
 *     require __DIR__ . '/path/to/bindings/php/autoload.php';
 * (With Composer, composer.json's autoload section does the same.)
 */

declare(strict_types=1);

spl_autoload_register(static function (string $class): void {
    $prefix = 'Everifin\\Webhook\\';
    if (strncmp($class, $prefix, strlen($prefix)) !== 0) {
        return;
    }
    $file = __DIR__ . '/src/' . str_replace('\\', '/', substr($class, strlen($prefix))) . '.php';
    if (is_file($file)) {
        require $file;
    }
});
