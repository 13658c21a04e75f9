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
    /**
     * The default stable folder of phpFpmSetup(): outside any release, plugin or module folder, and
     * writable only by root (PHP-FPM's master, which runs as root, reads its files at start).
     */
    public const STABLE_DIR = '/opt/everifin-webhook';

    /** How diagnose()'s fixes that name files in this package's folder start (withoutIniAdvice()). */
    private const FIX_WRITE_HEADER = 'Run php ';
    private const FIX_CLI_SERVER = 'php -S needs ';
    private const FIX_ADD_TO_INI = 'Add to php.ini: ';
    private const FIX_RESTART = 'Then restart PHP-FPM';

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
                    ? sprintf('%s=%s %s: point it at %s, or unset it and put the library into %s/lib/.', Native::ENV_LIB, $envLib, Native::unusable($envLib), Native::LIB_NAME, Native::packageDir())
                    : 'Put ' . Native::LIB_NAME . ' into ' . Native::packageDir() . '/lib/ or set the environment variable ' . Native::ENV_LIB . ' to its path.';
            } elseif ($envLib !== '' && $ffiLoaded && preg_match('/^FFI::cdef\(|ABI version/', (string) $r['reason'])) {
                // The library it names was loaded and is not this binding's (another library, or another ABI).
                $fix[] = sprintf('%s=%s is not the everifin-webhook library this binding needs (ABI %d): point it at the %s of this release, or unset it to use %s/lib/.',
                    Native::ENV_LIB, $envLib, Native::ABI_VERSION, Native::LIB_NAME, Native::packageDir());
            }
            if (!Native::isCommandLine()) {
                if (!is_file(Native::preloadHeaderPath())) {
                    $fix[] = self::FIX_WRITE_HEADER . Native::packageDir() . '/bin/ffi-header.php once: it writes ' . Native::preloadHeaderPath() . ' (the header ffi.preload loads) and prints the php.ini lines.';
                }
                if (PHP_SAPI === 'cli-server') {
                    $fix[] = self::FIX_CLI_SERVER . 'FFI enabled and the scope preloaded: php -d ffi.enable=1 -d ffi.preload=' . Native::preloadHeaderPath() . ' -S 127.0.0.1:8000 ...';
                } else {
                    foreach (Native::missingIniLines() as $line) {
                        $fix[] = self::FIX_ADD_TO_INI . $line . ($line === 'opcache.preload=' . $preloadScript ? ' (and opcache.preload_user=<the pool user> when the master starts as root)' : '');
                    }
                    $fix[] = self::FIX_RESTART . '/Apache (a reload with process_control_timeout = 10s in php-fpm.conf drops no request).';
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

    /**
     * The shell commands (Debian/Ubuntu, with sudo) that set up the native library for PHP-FPM so
     * that php.ini names only files in $stableDir, never in the package's folder: a deploy, or a
     * plugin update or deletion, that removes a file php.ini names stops PHP-FPM from starting
     * ("Unable to start FFI module"). They copy the library to $stableDir, write its header there
     * (bin/ffi-header.php --lib --out), write an opcache.preload script there that requires the
     * package's preload.php only while it exists, write the php.ini lines to
     * /etc/php/X.Y/fpm/conf.d/90-$iniName.ini, check that PHP-FPM starts (php-fpmX.Y -t), then reload.
     * After each upgrade of the package run the first three commands and the last line again.
     *
     * Paths that need it are shell-quoted; php.ini values with such characters are double-quoted.
     *
     * @param string|null $packageDir this package's folder as the server sees it (a plugin passes its
     *   bundled copy, e.g. .../wp-content/plugins/everifin-webhook/vendor/everifin-webhook); default:
     *   the folder these classes are loaded from
     * @param string $owner what the package is part of, named in the preload script's comment:
     *   "package" (Composer), "plugin" (WooCommerce), "module" (PrestaShop)
     * @param string $poolUser opcache.preload_user: the user of the PHP-FPM pool
     * @param string|null $phpVersion "8.2" (the php.ini folder and the service); default: this PHP's
     * @param string $iniName the conf.d file is 90-$iniName.ini
     * @throws \InvalidArgumentException for a relative folder, a path with a line break, ", \ or $,
     *   a stable folder with PATH_SEPARATOR (":", which splits ffi.preload into several paths: PHP
     *   would not start), or an owner, user, version or ini name that is not a plain word. A plugin
     *   page that shows the commands catches it and says why they are not shown.
     */
    public static function phpFpmSetup(
        ?string $packageDir = null,
        string $owner = 'package',
        string $stableDir = self::STABLE_DIR,
        string $poolUser = 'www-data',
        ?string $phpVersion = null,
        string $iniName = 'everifin-webhook'
    ): string {
        $package = rtrim($packageDir ?? Native::packageDir(), '/');
        $dir = rtrim($stableDir, '/');
        $php = $phpVersion ?? PHP_MAJOR_VERSION . '.' . PHP_MINOR_VERSION;
        foreach (['packageDir' => $package, 'stableDir' => $dir] as $what => $path) {
            if ($path === '' || $path[0] !== '/' || preg_match('/["$\\\\\x00-\x1f\x7f]/', $path) === 1) {
                // Those would need escaping in a double-quoted php.ini value (or break the heredocs).
                throw new \InvalidArgumentException("$what must be an absolute path without \", \\, \$ or control characters: " . json_encode($path));
            }
        }
        if (str_contains($dir, PATH_SEPARATOR)) {
            // ffi.preload is a PATH_SEPARATOR-separated list: the header's path would be cut in two,
            // and PHP does not start ("Unable to start FFI module").
            throw new \InvalidArgumentException('stableDir must not contain ' . json_encode(PATH_SEPARATOR) . ' (it splits ffi.preload): ' . json_encode($dir));
        }
        foreach (['owner' => $owner, 'poolUser' => $poolUser, 'iniName' => $iniName] as $what => $word) {
            if (preg_match('/\A[A-Za-z0-9_][A-Za-z0-9_.-]*\z/', $word) !== 1) {
                throw new \InvalidArgumentException("$what must be a plain word (letters, digits, _ . -): " . json_encode($word));
            }
        }
        if (preg_match('/\A\d+\.\d+\z/', $php) !== 1) {
            throw new \InvalidArgumentException('phpVersion must be MAJOR.MINOR: ' . json_encode($php));
        }
        $plain = static fn (string $path): bool => preg_match('~\A[A-Za-z0-9_./+-]+\z~', $path) === 1;
        $sh = static fn (string $path): string => $plain($path) ? $path : escapeshellarg($path);
        $ini = static fn (string $path): string => $plain($path) ? $path : '"' . $path . '"';
        $lib = $dir . '/' . Native::LIB_NAME;
        $header = $dir . '/everifin_webhook.ffi.h';
        $lines = [
            'sudo install -d ' . $sh($dir),
            'sudo install -m 0644 ' . $sh($package . '/lib/' . Native::LIB_NAME) . ' ' . $sh($dir . '/'),
            'sudo php ' . $sh($package . '/bin/ffi-header.php') . ' --lib=' . $sh($lib) . ' --out=' . $sh($header) . ' >/dev/null',
            'sudo tee ' . $sh($dir . '/preload.php') . " >/dev/null <<'PHP'",
            '<?php',
            "// opcache.preload of the Everifin webhook $owner: preloads its library classes while the",
            "// $owner is installed. Without the $owner folder it does nothing, and PHP-FPM still starts.",
            '$file = ' . var_export($package . '/preload.php', true) . ';',
            'if (is_file($file)) {',
            '    require $file;',
            '}',
            'PHP',
            "sudo tee /etc/php/$php/fpm/conf.d/90-$iniName.ini >/dev/null <<'INI'",
            'ffi.enable=preload',
            'ffi.preload=' . $ini($header),
            'opcache.enable=1',
            'opcache.preload=' . $ini($dir . '/preload.php'),
            'opcache.preload_user=' . $poolUser,
            'INI',
            "sudo php-fpm$php -t && sudo systemctl reload php$php-fpm",
        ];
        return implode("\n", $lines) . "\n";
    }

    /**
     * The ffi.preload and opcache.preload entries of this PHP that name a file inside $folder (or a
     * file whose real path is inside it): PHP-FPM does not start once a deploy, an update or a
     * deletion of that folder removed it. phpFpmSetup() gives the setup without such entries.
     *
     * @param string|null $folder default: this package's folder; a plugin passes its plugin folder
     *   (or the folder of all plugins)
     * @param array<string, string>|null $settings the values to check, keyed 'ffi.preload' (it may
     *   list several paths separated by PATH_SEPARATOR) and 'opcache.preload' (one path); default:
     *   this PHP's php.ini values
     * @return list<string> "ffi.preload=/path", "opcache.preload=/path", ...
     */
    public static function preloadsInside(?string $folder = null, ?array $settings = null): array
    {
        $folder ??= Native::packageDir();
        $roots = array_values(array_unique(array_filter([rtrim($folder, '/'), rtrim((string) realpath($folder), '/')], static fn (string $r): bool => $r !== '')));
        $found = [];
        foreach (['ffi.preload', 'opcache.preload'] as $key) {
            $value = $settings !== null ? (string) ($settings[$key] ?? '') : (string) ini_get($key);
            foreach ($key === 'ffi.preload' ? explode(PATH_SEPARATOR, $value) : [$value] as $path) {
                if ($path === '') {
                    continue;
                }
                foreach (array_unique([$path, (string) realpath($path)]) as $p) {
                    foreach ($roots as $root) {
                        if ($p !== '' && str_starts_with($p, $root . '/')) {
                            $found[] = $key . '=' . $path;
                            continue 4;
                        }
                    }
                }
            }
        }
        return $found;
    }

    /**
     * diagnose()'s result (or the given one) without its advice that names php.ini lines or a
     * header in this package's folder: the reason's closing "(add to php.ini: ...)" or "(start the
     * built-in server as ...)", and the fixes "Run php .../bin/ffi-header.php once", "Add to
     * php.ini: ...", "php -S needs ..." and "Then restart PHP-FPM/Apache ...". For a plugin or a
     * deploy whose package folder is replaced on updates, which shows phpFpmSetup() instead:
     * report(withoutIniAdvice()) is its report.
     *
     * @param array<string, mixed>|null $d
     * @return array<string, mixed>
     */
    public static function withoutIniAdvice(?array $d = null): array
    {
        $d ??= self::diagnose();
        if (isset($d['reason'])) {
            $how = preg_quote(Native::HOW_ADD_TO_INI, '/') . '|' . preg_quote(Native::HOW_START_CLI_SERVER, '/');
            $d['reason'] = (string) preg_replace('/ \((?:' . $how . ').*\)\z/s', '', (string) $d['reason']);
        }
        $d['fix'] = array_values(array_filter((array) ($d['fix'] ?? []), static function ($fix): bool {
            foreach ([self::FIX_ADD_TO_INI, self::FIX_WRITE_HEADER, self::FIX_CLI_SERVER, self::FIX_RESTART] as $start) {
                if (str_starts_with((string) $fix, $start)) {
                    return false;
                }
            }
            return true;
        }));
        return $d;
    }

    /**
     * diagnose()'s result (or the given one) as readable text (for a plugin's status page or the
     * command line). A plugin whose package folder is replaced on updates passes
     * withoutIniAdvice().
     *
     * @param array<string, mixed>|null $d
     */
    public static function report(?array $d = null): string
    {
        $d ??= self::diagnose();
        $reason = $d['reason'] ?? null;
        $lines = [sprintf('everifin-webhook backend: %s%s', (string) ($d['backend'] ?? '-'), $reason !== null ? ' (' . $reason . ')' : '')];
        foreach (['via', 'library', 'libraryVersion', 'header', 'php', 'sapi', 'ffiEnable', 'ffiPreload', 'opcacheEnable', 'opcachePreload', 'preloadScript'] as $k) {
            $v = $d[$k] ?? null;
            $lines[] = sprintf('  %s: %s', $k, $v === null || $v === '' ? '-' : (string) $v);
        }
        $lines[] = '  ffiExtension: ' . (!empty($d['ffiExtension']) ? 'loaded' : 'missing');
        $lines[] = '  library paths tried:';
        foreach ((array) ($d['libraryCandidates'] ?? []) as $c) {
            $lines[] = '    ' . $c;
        }
        $lines[] = '  steps:';
        foreach ((array) ($d['steps'] ?? []) as $s) {
            $lines[] = '    ' . $s;
        }
        foreach ((array) ($d['fix'] ?? []) as $f) {
            $lines[] = '  fix: ' . $f;
        }
        return implode("\n", $lines) . "\n";
    }
}
