<?php

declare(strict_types=1);

namespace Everifin\Webhook\Tests;

use PHPUnit\Framework\TestCase;

/**
 * The pure-PHP fallback mirrors the core module by module; the README's table says which PHP file
 * mirrors which core module. Every module of the core (src/*.rs and its folders, but lib.rs and
 * the command-line tool) and every file of the fallback must be in it, so a new module is mapped.
 */
final class ModuleMapTest extends TestCase
{
    private const HEADING = '## The pure-PHP fallback, module by module';

    /** @return list<string> every `name` in the README's table */
    private static function named(): array
    {
        $readme = (string) file_get_contents(dirname(__DIR__) . '/README.md');
        $at = strpos($readme, self::HEADING);
        self::assertNotFalse($at, 'README.md has no "' . self::HEADING . '" section');
        $section = substr($readme, $at + strlen(self::HEADING));
        $end = strpos($section, "\n## ");
        $section = $end === false ? $section : substr($section, 0, $end); // this section only
        $rows = array_filter(explode("\n", $section), static fn (string $l): bool => str_starts_with($l, '|'));
        preg_match_all('/`([^`]+)`/', implode("\n", $rows), $m);
        return $m[1];
    }

    public function testEveryModuleOfTheCoreIsMapped(): void
    {
        $src = dirname(__DIR__, 3) . '/src';
        $modules = [];
        foreach ((array) scandir($src) as $f) {
            $f = (string) $f;
            if (str_ends_with($f, '.rs') && $f !== 'lib.rs') {
                $modules[] = $f;
            } elseif ($f[0] !== '.' && is_dir("$src/$f") && $f !== 'bin') {
                $modules[] = "$f/";
            }
        }
        $this->assertNotEmpty($modules);
        $this->assertSame([], array_values(array_diff($modules, self::named())), 'core modules missing from the README table');
    }

    public function testEveryFileOfTheFallbackIsMapped(): void
    {
        $files = array_map(static fn (string $f): string => 'Fallback/' . basename($f), (array) glob(dirname(__DIR__) . '/src/Internal/Fallback/*.php'));
        $this->assertNotEmpty($files);
        $this->assertSame([], array_values(array_diff($files, self::named())), 'fallback files missing from the README table');
    }
}
