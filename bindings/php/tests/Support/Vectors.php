<?php

declare(strict_types=1);

namespace Everifin\Webhook\Tests\Support;

use Everifin\Webhook\Internal\Backend;
use Everifin\Webhook\Internal\Json;
use Everifin\Webhook\Internal\JsonBigInt;
use Everifin\Webhook\Internal\JsonObject;

/**
 * Reads tests/vectors/*.json (format: tests/vectors/README.md) and runs a case on a backend.
 */
final class Vectors
{
    public static function dir(): string
    {
        return dirname(__DIR__, 4) . '/tests/vectors';
    }

    /** @return list<string> */
    public static function files(): array
    {
        // statuses.json is the status table, not a case file.
        $files = array_values(array_filter(glob(self::dir() . '/*.json') ?: [], fn (string $f): bool => basename($f) !== 'statuses.json'));
        sort($files);
        return $files;
    }

    /** @return array<string, array{0: string, 1: JsonObject}> "file: name" => [file, case] */
    public static function cases(): array
    {
        $out = [];
        foreach (self::files() as $file) {
            $doc = Json::parse((string) file_get_contents($file), 1000);
            if (!$doc instanceof JsonObject || !is_array($doc->get('cases'))) {
                throw new \RuntimeException("$file: not a vector file");
            }
            foreach ($doc->get('cases') as $case) {
                $key = basename($file) . ': ' . $case->get('name');
                if (isset($out[$key])) {
                    throw new \RuntimeException("duplicate case name $key");
                }
                $out[$key] = [basename($file), $case];
            }
        }
        return $out;
    }

    public static function body(JsonObject $c): string
    {
        if ($c->has('body')) {
            return (string) $c->get('body');
        }
        if ($c->has('bodyHex')) {
            return (string) hex2bin((string) $c->get('bodyHex'));
        }
        if ($c->has('bodyParts')) {
            $s = '';
            foreach ($c->get('bodyParts') as $part) {
                $s .= $part instanceof JsonObject ? str_repeat((string) $part->get('repeat'), (int) $part->get('times')) : (string) $part;
            }
            return $s;
        }
        return '';
    }

    /** A JSON input: the compact serialization of `$key`, or the exact text of `${key}Raw`, or "". */
    public static function input(JsonObject $c, string $key): string
    {
        if ($c->has($key . 'Raw')) {
            return (string) $c->get($key . 'Raw');
        }
        if ($c->has($key)) {
            return Json::encode($c->get($key));
        }
        return '';
    }

    /** Runs one case; returns the result JSON text. */
    public static function run(Backend $b, JsonObject $c): string
    {
        $fn = (string) $c->get('function');
        switch ($fn) {
            case 'process':
                [$handle, $error] = $b->newVerifier(self::input($c, 'options'));
                if ($handle === null) {
                    return (string) $error;
                }
                try {
                    return $b->process($handle, self::body($c), (string) ($c->get('header') ?? ''), (int) $c->get('nowMs'));
                } finally {
                    $b->freeVerifier($handle);
                }
            case 'normalize':
                return $b->normalize(self::body($c), self::input($c, 'options'));
            case 'decide':
                return $b->decide(self::input($c, 'event'), self::input($c, 'state'));
            case 'sign':
                return $b->sign(self::body($c), (string) $c->get('timestamp'), self::input($c, 'secrets'));
        }
        throw new \RuntimeException("unknown function $fn");
    }

    /** @return list<string> the secrets of a case (options.secrets, secrets) */
    public static function secrets(JsonObject $c): array
    {
        $out = [];
        $opts = $c->get('options');
        if ($opts instanceof JsonObject && is_array($opts->get('secrets'))) {
            $out = array_merge($out, $opts->get('secrets'));
        }
        if (is_array($c->get('secrets'))) {
            $out = array_merge($out, $c->get('secrets'));
        }
        return array_values(array_filter($out, static fn ($s) => is_string($s) && $s !== ''));
    }

    /**
     * A canonical form for comparing JSON values: objects become sorted arrays tagged as objects,
     * so that {} and [] differ and key order does not matter.
     *
     * @param mixed $v
     * @return mixed
     */
    public static function canon($v)
    {
        if ($v instanceof JsonObject) {
            $out = [];
            foreach ($v->members() as $k => $val) {
                $out['k:' . $k] = self::canon($val);
            }
            ksort($out, SORT_STRING);
            return ['{}' => $out];
        }
        if (is_array($v)) {
            return ['[]' => array_map([self::class, 'canon'], $v)];
        }
        if ($v instanceof JsonBigInt) {
            return ['bigint' => $v->digits];
        }
        if (is_float($v) && floor($v) === $v && abs($v) < 2 ** 53) {
            return ['float' => $v];
        }
        return $v;
    }

    /** The ordered key list of each object, recursively (to compare key order too). */
    public static function keyOrder($v): array
    {
        if ($v instanceof JsonObject) {
            $out = [];
            foreach ($v->members() as $k => $val) {
                $out[] = [$k, self::keyOrder($val)];
            }
            return $out;
        }
        if (is_array($v)) {
            return array_map([self::class, 'keyOrder'], $v);
        }
        return [];
    }
}
