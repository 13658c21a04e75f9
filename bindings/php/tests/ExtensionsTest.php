<?php

declare(strict_types=1);

namespace Everifin\Webhook\Tests;

use Everifin\Webhook\Tests\Support\Command;
use PHPUnit\Framework\TestCase;

/**
 * The binding runs on any PHP that has the extensions composer.json requires, and no others
 * (Debian ships ctype, mbstring, iconv, intl, ... as separate packages; a call into a missing one is
 * an "undefined function" Error, a 500 for a genuine webhook that Everifin retries forever):
 *
 * - statically: every PHP function and class the package's code names belongs to Core, standard
 *   or an extension composer.json requires (FFI: suggested, and only used when loaded); the
 *   plugins, which bundle the package, are held to the same list;
 * - at run time: the pure-PHP backend runs every vector case and the public API under `php -n`
 *   (tests/Support/bare-php.php), where only the extensions built into PHP are loaded.
 */
final class ExtensionsTest extends TestCase
{
    /** Functions of optional extensions a shop's PHP may lack, whether or not this PHP has them. */
    private const OPTIONAL_EXTENSION_FUNCTION = '/\A(mb_|ctype_|iconv|grapheme_|idn_to_|normalizer_|posix_|pcntl_|gmp_|sodium_|curl_|exif_|gettext|bc(add|sub|mul|div|mod|pow|sqrt|scale|comp|powmod)\z)/';

    private const PACKAGE = __DIR__ . '/..';
    private const PLUGINS = __DIR__ . '/../../../plugins';

    /** Functions of some web server SAPIs only: allowed where the code asks function_exists() first. */
    private const SAPI_FUNCTIONS = ['getallheaders', 'apache_request_headers'];

    /** @param list<string> $files */
    private static function guarded(array $files, string $fn): bool
    {
        foreach ($files as $file) {
            if (strpos((string) file_get_contents($file), "function_exists('$fn')") !== false) {
                return true;
            }
        }
        return false;
    }

    /** @return array{require: list<string>, suggest: list<string>} extension names, lowercase */
    private static function declared(): array
    {
        $composer = json_decode((string) file_get_contents(self::PACKAGE . '/composer.json'), true, 512, JSON_THROW_ON_ERROR);
        $ext = static fn (array $deps): array => array_values(array_map(
            static fn (string $k): string => strtolower(substr($k, 4)),
            array_filter(array_keys($deps), static fn (string $k): bool => strncmp($k, 'ext-', 4) === 0)
        ));
        return ['require' => $ext($composer['require'] ?? []), 'suggest' => $ext($composer['suggest'] ?? [])];
    }

    /** @return list<string> the PHP files under $path (or $path itself) */
    private static function phpFiles(string $path): array
    {
        if (is_file($path)) {
            return [$path];
        }
        $out = [];
        foreach (new \RecursiveIteratorIterator(new \RecursiveDirectoryIterator($path, \FilesystemIterator::SKIP_DOTS)) as $f) {
            if (substr((string) $f, -4) === '.php') {
                $out[] = (string) $f;
            }
        }
        sort($out);
        return $out;
    }

    /**
     * The functions called and the classes and constants named in $files, with where.
     *
     * @param list<string> $files
     * @return array{functions: array<string, string>, classes: array<string, string>, constants: array<string, string>, defined: array<string, true>}
     */
    private static function names(array $files): array
    {
        $functions = [];
        $classes = [];
        $constants = [];
        $defined = [];
        foreach ($files as $file) {
            $t = \PhpToken::tokenize((string) file_get_contents($file));
            foreach ($t as $i => $tok) {
                if (!$tok->is([T_STRING, T_NAME_FULLY_QUALIFIED, T_NAME_QUALIFIED])) {
                    continue;
                }
                $where = basename($file) . ':' . $tok->line;
                $name = ltrim($tok->text, '\\');
                $prev = $i - 1;
                while ($prev >= 0 && $t[$prev]->isIgnorable()) {
                    $prev--;
                }
                $next = $i + 1;
                while (isset($t[$next]) && $t[$next]->isIgnorable()) {
                    $next++;
                }
                $after = $prev >= 0 ? $t[$prev] : null;
                if ($after !== null && $after->is(T_FUNCTION)) {
                    $defined[strtolower($name)] = true;
                    continue;
                }
                if (isset($t[$next]) && $t[$next]->text === '('
                    && !($after !== null && $after->is([T_OBJECT_OPERATOR, T_NULLSAFE_OBJECT_OPERATOR, T_DOUBLE_COLON, T_NEW, T_CONST]))) {
                    $functions[$name] ??= $where;
                } elseif (class_exists($name) || interface_exists($name)) {
                    $classes[$name] ??= $where;
                } elseif (defined($name) && !($after !== null && $after->is([T_OBJECT_OPERATOR, T_NULLSAFE_OBJECT_OPERATOR, T_DOUBLE_COLON]))) {
                    $constants[$name] ??= $where;
                }
            }
        }
        return ['functions' => $functions, 'classes' => $classes, 'constants' => $constants, 'defined' => $defined];
    }

    /**
     * Internal functions, classes and constants of an extension neither Core, standard nor in $allowed.
     *
     * @param list<string> $files
     * @param list<string> $allowed
     * @return list<string>
     */
    private static function undeclared(array $files, array $allowed, bool $unknownIsAnError): array
    {
        $names = self::names($files);
        $allowed = array_merge(['core', 'standard'], $allowed);
        $bad = [];
        foreach ($names['functions'] as $fn => $where) {
            $short = strtolower(substr($fn, (int) strrpos('\\' . $fn, '\\')));
            if (isset($names['defined'][$short])) {
                continue;
            }
            if (in_array($short, self::SAPI_FUNCTIONS, true) && self::guarded($files, $short)) {
                continue;
            }
            if (!function_exists($fn)) {
                // Not defined here and not a function of this PHP: an extension this PHP lacks (or,
                // for the plugins, a function of WordPress or PrestaShop). A function of a
                // well-known optional extension is an error either way.
                if ($unknownIsAnError || preg_match(self::OPTIONAL_EXTENSION_FUNCTION, $short) === 1) {
                    $bad[] = "$fn() ($where): not a function of this PHP";
                }
                continue;
            }
            $r = new \ReflectionFunction($fn);
            $ext = strtolower((string) $r->getExtensionName());
            if ($r->isInternal() && !in_array($ext, $allowed, true)) {
                $bad[] = "$fn() ($where): extension $ext";
            }
        }
        foreach ($names['classes'] as $class => $where) {
            $r = new \ReflectionClass($class);
            $ext = strtolower((string) $r->getExtensionName());
            if ($r->isInternal() && !in_array($ext, $allowed, true)) {
                $bad[] = "$class ($where): extension $ext";
            }
        }
        $constantExtension = [];
        foreach (get_defined_constants(true) as $ext => $list) {
            foreach ($list as $constant => $value) {
                $constantExtension[strtolower($constant)] = strtolower($ext);
            }
        }
        foreach ($names['constants'] as $constant => $where) {
            $ext = $constantExtension[strtolower($constant)] ?? 'user';
            if ($ext !== 'user' && !in_array($ext, $allowed, true)) {
                $bad[] = "$constant ($where): extension $ext";
            }
        }
        sort($bad);
        return $bad;
    }

    /** @return list<string> */
    private static function packageFiles(): array
    {
        return array_merge(
            self::phpFiles(self::PACKAGE . '/src'),
            self::phpFiles(self::PACKAGE . '/bin'),
            [self::PACKAGE . '/autoload.php', self::PACKAGE . '/preload.php']
        );
    }

    public function testThePackageUsesOnlyTheExtensionsComposerJsonDeclares(): void
    {
        $d = self::declared();
        $this->assertSame(['ffi'], $d['suggest'], 'FFI is optional: suggested, not required');
        $this->assertSame([], self::undeclared(self::packageFiles(), array_merge($d['require'], $d['suggest']), true));
    }

    /** FFI is only suggested: the only code that names it is the FFI backend and its loaders. */
    public function testOnlyTheFfiBackendNamesFfi(): void
    {
        $d = self::declared();
        $users = [];
        foreach (self::packageFiles() as $file) {
            if (self::undeclared([$file], $d['require'], true) !== []) {
                $users[] = basename($file);
            }
        }
        $this->assertSame(['FfiBackend.php', 'Native.php', 'preload.php'], $users);
    }

    /** The plugins bundle the package and run on the same PHP: no further extension. */
    public function testThePluginsUseOnlyTheExtensionsComposerJsonDeclares(): void
    {
        $files = array_merge(self::phpFiles(self::PLUGINS . '/woocommerce'), self::phpFiles(self::PLUGINS . '/prestashop'));
        $this->assertGreaterThan(4, count($files));
        // WordPress and PrestaShop functions are not functions of this PHP: only the known ones count.
        $this->assertSame([], self::undeclared($files, self::declared()['require'], false));
    }

    /** The check is real: it names ctype_xdigit(), mb_strlen(), MB_CASE_UPPER and IntlChar in code that uses them. */
    public function testTheCheckFindsAnUndeclaredExtension(): void
    {
        $file = sys_get_temp_dir() . '/evf-ext-' . getmypid() . '.php';
        file_put_contents($file, "<?php\nnamespace X;\nfunction ok() {}\nok(); if (\\ctype_xdigit(\$a) || mb_strlen(\$a, MB_CASE_UPPER) || hash('sha256', \$a)) { new \\IntlChar(); }\n");
        try {
            $bad = self::undeclared([$file], self::declared()['require'], true);
        } finally {
            unlink($file);
        }
        $this->assertCount(4, $bad, implode("\n", $bad));
        $this->assertStringStartsWith('IntlChar (', $bad[0]);
        $this->assertStringStartsWith('MB_CASE_UPPER (', $bad[1]);
        $this->assertStringStartsWith('ctype_xdigit() (', $bad[2]);
        $this->assertStringStartsWith('mb_strlen() (', $bad[3]);
    }

    public function testThePurePhpBackendRunsWithoutPhpIni(): void
    {
        $cmd = [PHP_BINARY, '-n', '-d', 'memory_limit=1G', __DIR__ . '/Support/bare-php.php'];
        [$rc, $out, $err] = Command::run($cmd);
        $this->assertSame(0, $rc, "php -n bare-php.php failed:\n$out\n$err");
        $r = json_decode($out, true);
        $this->assertIsArray($r, "not JSON:\n$out\n$err");
        $this->assertSame([], $r['failures'], 'under php -n (extensions: ' . implode(', ', $r['extensions']) . ')');
        $this->assertGreaterThan(500, $r['cases']);
        $this->assertGreaterThan($r['cases'] + 10, $r['checks']);
        foreach (self::declared()['require'] as $ext) {
            $this->assertContains($ext, $r['extensions'], "php -n lacks the required ext-$ext");
        }
        $notDeclared = array_intersect(['ctype', 'mbstring', 'iconv', 'intl'], $r['extensions']);
        if ($notDeclared !== []) {
            $this->markTestSkipped('this PHP has ' . implode(', ', $notDeclared) . ' built in: php -n cannot show a call into them (the static test does)');
        }
    }
}
