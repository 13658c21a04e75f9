<?php

declare(strict_types=1);

namespace Everifin\Webhook\Tests;

use Everifin\Webhook\Environment;
use Everifin\Webhook\Tests\Support\Command;
use PHPUnit\Framework\TestCase;

/**
 * Environment::phpFpmSetup(), preloadsInside() and withoutIniAdvice(): php.ini must never name a
 * file in a folder that a deploy, a plugin update or a deletion replaces (PHP-FPM then does not
 * start at all), so the setup commands copy what PHP-FPM loads at start to a stable folder, and a
 * plugin can warn about php.ini entries that name its own folder.
 */
final class PhpFpmSetupTest extends TestCase
{
    private const PACKAGE = '/var/www/shop/modules/everifinwebhook/vendor/everifin-webhook';

    /** The lines between "<<'$tag'" and "$tag" (a heredoc of the commands). */
    private static function heredoc(string $commands, string $tag): string
    {
        self::assertSame(1, preg_match("~<<'$tag'\n(.*?\n)$tag\n~s", $commands, $m), "no $tag heredoc in:\n$commands");
        return $m[1];
    }

    /** @return list<string> the words bash makes of $line: how the shell reads its quoting */
    private static function shellWords(string $line): array
    {
        [$rc, $out, $err] = Command::run(['bash', '-c', 'printf "%s\n" ' . $line]);
        self::assertSame(0, $rc, $err);
        return explode("\n", rtrim($out, "\n"));
    }

    public function testTheCommandsGivePhpIniOnlyPathsInTheStableFolder(): void
    {
        $setup = Environment::phpFpmSetup(self::PACKAGE, 'module', Environment::STABLE_DIR, 'www-data', '8.2');
        $this->assertSame('/opt/everifin-webhook', Environment::STABLE_DIR);
        $lines = explode("\n", rtrim($setup, "\n"));
        $this->assertSame('sudo install -d /opt/everifin-webhook', $lines[0]);
        $this->assertSame('sudo install -m 0644 ' . self::PACKAGE . '/lib/libeverifin_webhook.so /opt/everifin-webhook/', $lines[1]);
        $this->assertSame('sudo php ' . self::PACKAGE . '/bin/ffi-header.php --lib=/opt/everifin-webhook/libeverifin_webhook.so --out=/opt/everifin-webhook/everifin_webhook.ffi.h >/dev/null', $lines[2]);
        $this->assertSame('sudo php-fpm8.2 -t && sudo systemctl reload php8.2-fpm', end($lines));
        $this->assertStringContainsString("sudo tee /etc/php/8.2/fpm/conf.d/90-everifin-webhook.ini >/dev/null <<'INI'\n", $setup);

        // php.ini (the conf.d file) names only files in the stable folder.
        $ini = parse_ini_string(self::heredoc($setup, 'INI'), false, INI_SCANNER_RAW);
        $this->assertSame([
            'ffi.enable' => 'preload',
            'ffi.preload' => '/opt/everifin-webhook/everifin_webhook.ffi.h',
            'opcache.enable' => '1',
            'opcache.preload' => '/opt/everifin-webhook/preload.php',
            'opcache.preload_user' => 'www-data',
        ], $ini);
        $this->assertSame([], Environment::preloadsInside(dirname(self::PACKAGE, 2), $ini), 'no php.ini entry in the module folder');

        // The preload script there requires the package's preload.php only while it exists.
        $script = self::heredoc($setup, 'PHP');
        $this->assertSame("<?php\n"
            . "// opcache.preload of the Everifin webhook module: preloads its library classes while the\n"
            . "// module is installed. Without the module folder it does nothing, and PHP-FPM still starts.\n"
            . "\$file = '" . self::PACKAGE . "/preload.php';\nif (is_file(\$file)) {\n    require \$file;\n}\n", $script);
    }

    public function testTheDefaultsAreThisPackageAndThisPhp(): void
    {
        $php = PHP_MAJOR_VERSION . '.' . PHP_MINOR_VERSION;
        $package = (string) realpath(__DIR__ . '/..');
        $setup = Environment::phpFpmSetup();
        $this->assertSame(Environment::phpFpmSetup($package, 'package', '/opt/everifin-webhook', 'www-data', $php, 'everifin-webhook'), $setup);
        $this->assertStringContainsString("/etc/php/$php/fpm/conf.d/90-everifin-webhook.ini", $setup);
        $this->assertStringContainsString("// opcache.preload of the Everifin webhook package:", $setup);
        $this->assertStringNotContainsString($package, self::heredoc($setup, 'INI'));
    }

    /** Another stable folder, pool user, ini name; a package folder and a stable folder with blanks. */
    public function testPathsWithBlanksAreQuotedForTheShellAndForPhpIni(): void
    {
        $package = "/srv/my shop/it's/modules/everifinwebhook/vendor/everifin-webhook";
        $stable = '/opt/Everifin Webhook';
        $setup = Environment::phpFpmSetup($package, 'module', $stable, 'shop-pool', '8.3', 'everifin-webhook-shop');
        $lines = explode("\n", rtrim($setup, "\n"));
        $this->assertSame(['install', '-d', $stable], self::shellWords(substr($lines[0], 5)));
        $this->assertSame(['install', '-m', '0644', "$package/lib/libeverifin_webhook.so", "$stable/"], self::shellWords(substr($lines[1], 5)));
        $this->assertSame(['php', "$package/bin/ffi-header.php", "--lib=$stable/libeverifin_webhook.so", "--out=$stable/everifin_webhook.ffi.h"],
            self::shellWords(substr($lines[2], 5, -strlen(' >/dev/null'))));
        $this->assertSame("sudo tee '$stable/preload.php' >/dev/null <<'PHP'", $lines[3]);
        $this->assertStringContainsString("sudo tee /etc/php/8.3/fpm/conf.d/90-everifin-webhook-shop.ini >/dev/null <<'INI'\n", $setup);
        $ini = parse_ini_string(self::heredoc($setup, 'INI'), false, INI_SCANNER_RAW);
        $this->assertSame("$stable/everifin_webhook.ffi.h", $ini['ffi.preload']);
        $this->assertSame("$stable/preload.php", $ini['opcache.preload']);
        $this->assertSame('shop-pool', $ini['opcache.preload_user']);
        $this->assertStringContainsString('$file = ' . var_export("$package/preload.php", true) . ";\n", self::heredoc($setup, 'PHP'));
        $this->assertSame('sudo php-fpm8.3 -t && sudo systemctl reload php8.3-fpm', end($lines));
    }

    /** @return iterable<string, array{0: list<mixed>}> */
    public static function refused(): iterable
    {
        yield 'relative package folder' => [['vendor/everifin/webhook']];
        yield 'relative stable folder' => [[self::PACKAGE, 'module', 'opt/everifin-webhook']];
        yield 'line break in a path' => [["/srv/shop\nPHP/vendor/everifin-webhook"]];
        yield 'double quote in a path' => [[self::PACKAGE, 'module', '/opt/"everifin"']];
        yield 'dollar in a path' => [['/srv/$HOME/vendor/everifin-webhook']];
        yield 'backslash in a path (Windows)' => [['C:\\xampp\\htdocs\\wp-content\\plugins\\everifin-webhook\\vendor\\everifin-webhook']];
        // ffi.preload is split on PATH_SEPARATOR: PHP would try "/opt/everifin" and not start.
        yield 'PATH_SEPARATOR in the stable folder' => [[self::PACKAGE, 'module', '/opt/everifin' . PATH_SEPARATOR . 'webhook']];
        yield 'owner with a blank' => [[self::PACKAGE, 'my module']];
        yield 'pool user with a line break' => [[self::PACKAGE, 'module', '/opt/everifin-webhook', "www-data\nopcache.preload=/tmp/x.php"]];
        yield 'PHP version' => [[self::PACKAGE, 'module', '/opt/everifin-webhook', 'www-data', '8']];
        yield 'ini name with a slash' => [[self::PACKAGE, 'module', '/opt/everifin-webhook', 'www-data', '8.2', '../php.ini']];
    }

    /**
     * @dataProvider refused
     * @param list<mixed> $args
     */
    public function testRefusesWhatCannotBeWrittenSafely(array $args): void
    {
        $this->expectException(\InvalidArgumentException::class);
        Environment::phpFpmSetup(...$args);
    }

    /** The package folder is named only in the shell commands and the preload script: ":" is fine there. */
    public function testAPackageFolderWithAColonIsAccepted(): void
    {
        $package = '/srv/shop:8080/modules/everifinwebhook/vendor/everifin-webhook';
        $setup = Environment::phpFpmSetup($package, 'module', Environment::STABLE_DIR, 'www-data', '8.2');
        $this->assertStringContainsString('$file = ' . var_export("$package/preload.php", true) . ";\n", self::heredoc($setup, 'PHP'));
        $this->assertStringNotContainsString($package, self::heredoc($setup, 'INI'));
    }

    public function testPreloadsInsideFindsAPathInTheFolderAndIgnoresOthers(): void
    {
        $plugins = '/var/www/html/wp-content/plugins';
        $found = Environment::preloadsInside($plugins, [
            'ffi.preload' => '/opt/everifin-webhook/everifin_webhook.ffi.h' . PATH_SEPARATOR . "$plugins/everifin-webhook/vendor/everifin-webhook/lib/everifin_webhook.ffi.h",
            'opcache.preload' => "$plugins/everifin-webhook/vendor/everifin-webhook/preload.php",
        ]);
        $this->assertSame([
            "ffi.preload=$plugins/everifin-webhook/vendor/everifin-webhook/lib/everifin_webhook.ffi.h",
            "opcache.preload=$plugins/everifin-webhook/vendor/everifin-webhook/preload.php",
        ], $found);
        // Outside: the stable folder, a sibling whose name starts like the folder, nothing set.
        $this->assertSame([], Environment::preloadsInside("$plugins/everifin-webhook", [
            'ffi.preload' => '/opt/everifin-webhook/everifin_webhook.ffi.h',
            'opcache.preload' => "$plugins/everifin-webhook-old/preload.php",
        ]));
        $this->assertSame([], Environment::preloadsInside($plugins, ['ffi.preload' => '', 'opcache.preload' => '']));
        $this->assertSame([], Environment::preloadsInside($plugins, []));
        $this->assertSame(["opcache.preload=$plugins/x.php"], Environment::preloadsInside("$plugins/", ['opcache.preload' => "$plugins/x.php"]), 'a trailing slash of the folder');
        // opcache.preload is one path (PHP opens "/srv/a:/var/...", PATH_SEPARATOR and all); only
        // ffi.preload is a list.
        $this->assertSame([], Environment::preloadsInside($plugins, ['opcache.preload' => '/srv/a' . PATH_SEPARATOR . "$plugins/x.php"]));
        $this->assertSame(["ffi.preload=$plugins/x.h"], Environment::preloadsInside($plugins, ['ffi.preload' => '/srv/a.h' . PATH_SEPARATOR . "$plugins/x.h"]));
    }

    /** A php.ini path through a symbolic link into the folder is found by its real path. */
    public function testPreloadsInsideFollowsSymbolicLinks(): void
    {
        $tmp = sys_get_temp_dir() . '/evf-preloads-' . getmypid();
        @mkdir("$tmp/modules/everifinwebhook", 0777, true);
        touch("$tmp/modules/everifinwebhook/preload.php");
        @symlink("$tmp/modules/everifinwebhook", "$tmp/current");
        try {
            $this->assertSame(["opcache.preload=$tmp/current/preload.php"],
                Environment::preloadsInside("$tmp/modules/everifinwebhook", ['opcache.preload' => "$tmp/current/preload.php"]));
            $this->assertSame([], Environment::preloadsInside("$tmp/modules/other", ['opcache.preload' => "$tmp/current/preload.php"]));
        } finally {
            @unlink("$tmp/current");
            @unlink("$tmp/modules/everifinwebhook/preload.php");
            @rmdir("$tmp/modules/everifinwebhook");
            @rmdir("$tmp/modules");
            @rmdir($tmp);
        }
    }

    /**
     * Without $settings: this PHP's php.ini values; without a folder: this package's folder. Run in
     * a PHP started with opcache.preload naming the package's preload.php (not preloaded: opcache is
     * off in the CLI).
     */
    public function testPreloadsInsideDefaultsToThisPhpAndThisPackage(): void
    {
        $package = (string) realpath(__DIR__ . '/..');
        $code = 'require ' . var_export("$package/autoload.php", true) . '; echo json_encode(Everifin\\Webhook\\Environment::preloadsInside());';
        [$rc, $out, $err] = Command::run([PHP_BINARY, '-d', 'ffi.enable=0', '-d', 'opcache.enable_cli=0', '-d', "opcache.preload=$package/preload.php", '-r', $code]);
        $this->assertSame(0, $rc, $out . $err);
        $this->assertSame(["opcache.preload=$package/preload.php"], json_decode($out, true), $err);
    }

    /** report() of a given diagnosis: a plugin shows report(withoutIniAdvice()). */
    public function testReportOfAGivenDiagnosisWithoutIniAdvice(): void
    {
        $pkg = self::PACKAGE;
        $d = ['backend' => 'php', 'reason' => "not preloaded (add to php.ini: ffi.preload=$pkg/lib/everifin_webhook.ffi.h)", 'via' => null,
            'fix' => ["Add to php.ini: ffi.preload=$pkg/lib/everifin_webhook.ffi.h", 'The pure-PHP fallback gives the same results; FFI is only faster.']] + Environment::diagnose();
        $report = Environment::report(Environment::withoutIniAdvice($d));
        $this->assertStringStartsWith("everifin-webhook backend: php (not preloaded)\n  via: -\n", $report);
        $this->assertStringEndsWith("\n  fix: The pure-PHP fallback gives the same results; FFI is only faster.\n", $report);
        $this->assertStringNotContainsString('Add to php.ini', $report);
        $this->assertSame(Environment::report(Environment::diagnose()), Environment::report());
    }

    public function testWithoutIniAdviceKeepsTheReasonAndDropsThePackageFoldersPhpIniLines(): void
    {
        $pkg = self::PACKAGE;
        $d = [
            'backend' => 'php',
            'reason' => "the EVERIFIN_WEBHOOK scope is not preloaded in fpm-fcgi (ffi.enable=preload); the pure-PHP backend is used instead of loading the library in every request (add to php.ini: ffi.preload=$pkg/lib/everifin_webhook.ffi.h, opcache.preload=$pkg/preload.php)",
            'fix' => [
                'Install and enable the FFI extension (Debian: it ships with php-common; extension=ffi).',
                "Run php $pkg/bin/ffi-header.php once: it writes $pkg/lib/everifin_webhook.ffi.h (the header ffi.preload loads) and prints the php.ini lines.",
                "Add to php.ini: ffi.preload=$pkg/lib/everifin_webhook.ffi.h",
                "Add to php.ini: opcache.preload=$pkg/preload.php (and opcache.preload_user=<the pool user> when the master starts as root)",
                'Then restart PHP-FPM/Apache (a reload with process_control_timeout = 10s in php-fpm.conf drops no request).',
                'The pure-PHP fallback gives the same results; FFI is only faster.',
            ],
        ];
        $w = Environment::withoutIniAdvice($d);
        $this->assertSame('the EVERIFIN_WEBHOOK scope is not preloaded in fpm-fcgi (ffi.enable=preload); the pure-PHP backend is used instead of loading the library in every request', $w['reason']);
        $this->assertSame([$d['fix'][0], $d['fix'][5]], $w['fix']);
        $this->assertStringNotContainsString($pkg, json_encode($w) ?: '');
        $this->assertSame('php', $w['backend']);
        $cliServer = Environment::withoutIniAdvice(['reason' => "x (start the built-in server as php -d ffi.enable=1 -d ffi.preload=$pkg/lib/everifin_webhook.ffi.h -S ...)", 'fix' => ["php -S needs FFI enabled ... $pkg"]]);
        $this->assertSame(['reason' => 'x', 'fix' => []], $cliServer);
        $this->assertSame(array_keys(Environment::diagnose()), array_keys(Environment::withoutIniAdvice()));
    }
}
