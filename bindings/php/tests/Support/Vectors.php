<?php

declare(strict_types=1);

namespace Everifin\Webhook\Tests\Support;

use Everifin\Webhook\Internal\Backend;

/**
 * Reads tests/vectors/*.json (format: tests/vectors/README.md) and runs a case on a backend.
 */
final class Vectors
{
    public static function dir(): string
    {
        return dirname(__DIR__, 4) . '/tests/vectors';
    }

    /** @return list<string> the vector files (statuses.json is the status table, not cases) */
    public static function files(): array
    {
        $files = array_values(array_filter(glob(self::dir() . '/*.json') ?: [], static fn (string $f): bool => basename($f) !== 'statuses.json'));
        sort($files);
        return $files;
    }

    /**
     * JSON as test data: objects as \stdClass (key order kept), big integers as their digits
     * (a {@see BigInt}), so that nothing is lost.
     *
     * @return mixed
     */
    public static function decode(string $json)
    {
        $v = json_decode($json, false, 1000, JSON_BIGINT_AS_STRING);
        if ($v === null && json_last_error() !== JSON_ERROR_NONE) {
            throw new \RuntimeException('not JSON: ' . json_last_error_msg());
        }
        if (!preg_match('/[0-9]{19}/', $json)) {
            return $v;
        }
        return self::markBig($v, json_decode($json, false, 1000));
    }

    /**
     * @param mixed $asString decoded with JSON_BIGINT_AS_STRING
     * @param mixed $asFloat decoded without
     * @return mixed
     */
    private static function markBig($asString, $asFloat)
    {
        if (is_string($asString) && is_float($asFloat)) {
            return new BigInt($asString);
        }
        if ($asString instanceof \stdClass) {
            foreach ($asString as $k => $v) {
                $asString->$k = self::markBig($v, $asFloat->$k);
            }
        } elseif (is_array($asString)) {
            foreach ($asString as $i => $v) {
                $asString[$i] = self::markBig($v, $asFloat[$i]);
            }
        }
        return $asString;
    }

    /** Compact JSON of test data (a BigInt as its digits). */
    public static function encode($v): string
    {
        if ($v instanceof BigInt) {
            return $v->digits;
        }
        if ($v instanceof \stdClass) {
            $parts = [];
            foreach ($v as $k => $x) {
                $parts[] = json_encode((string) $k, JSON_UNESCAPED_SLASHES | JSON_UNESCAPED_UNICODE) . ':' . self::encode($x);
            }
            return '{' . implode(',', $parts) . '}';
        }
        if (is_array($v)) {
            return '[' . implode(',', array_map([self::class, 'encode'], $v)) . ']';
        }
        return (string) json_encode($v, JSON_UNESCAPED_SLASHES | JSON_UNESCAPED_UNICODE | JSON_PRESERVE_ZERO_FRACTION);
    }

    /** @return array<string, array{0: string, 1: \stdClass}> "file: name" => [file, case] */
    public static function cases(): array
    {
        $out = [];
        foreach (self::files() as $file) {
            $doc = self::decode((string) file_get_contents($file));
            if (!$doc instanceof \stdClass || !is_array($doc->cases ?? null)) {
                throw new \RuntimeException("$file: not a vector file");
            }
            foreach ($doc->cases as $case) {
                $key = basename($file) . ': ' . $case->name;
                if (isset($out[$key])) {
                    throw new \RuntimeException("duplicate case name $key");
                }
                $out[$key] = [basename($file), $case];
            }
        }
        return $out;
    }

    public static function body(\stdClass $c): string
    {
        if (property_exists($c, 'body')) {
            return (string) $c->body;
        }
        if (property_exists($c, 'bodyHex')) {
            return (string) hex2bin((string) $c->bodyHex);
        }
        if (property_exists($c, 'bodyParts')) {
            $s = '';
            foreach ($c->bodyParts as $part) {
                $s .= $part instanceof \stdClass ? str_repeat((string) $part->repeat, (int) $part->times) : (string) $part;
            }
            return $s;
        }
        return '';
    }

    /** A JSON input: the compact serialization of `$key`, or the exact text of `${key}Raw`, or "". */
    public static function input(\stdClass $c, string $key): string
    {
        if (property_exists($c, $key . 'Raw')) {
            return (string) $c->{$key . 'Raw'};
        }
        if (property_exists($c, $key)) {
            return self::encode($c->$key);
        }
        return '';
    }

    /** Runs one case; returns the result JSON text. */
    public static function run(Backend $b, \stdClass $c): string
    {
        $fn = (string) $c->function;
        switch ($fn) {
            case 'process':
                [$handle, $error] = $b->newVerifier(self::input($c, 'options'));
                if ($handle === null) {
                    return (string) $error;
                }
                try {
                    return $b->process($handle, self::body($c), (string) ($c->header ?? ''), (int) $c->nowMs);
                } finally {
                    $b->freeVerifier($handle);
                }
            case 'normalize':
                return $b->normalize(self::body($c), self::input($c, 'options'));
            case 'decide':
                return $b->decide(self::input($c, 'event'), self::input($c, 'state'));
            case 'sign':
                return $b->sign(self::body($c), (string) $c->timestamp, self::input($c, 'secrets'));
        }
        throw new \RuntimeException("unknown function $fn");
    }

    /** @return list<string> the secrets of a case (options.secrets, secrets) */
    public static function secrets(\stdClass $c): array
    {
        $out = [];
        $opts = $c->options ?? null;
        if ($opts instanceof \stdClass && is_array($opts->secrets ?? null)) {
            $out = array_merge($out, $opts->secrets);
        }
        if (is_array($c->secrets ?? null)) {
            $out = array_merge($out, $c->secrets);
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
        if ($v instanceof \stdClass) {
            $out = [];
            foreach ($v as $k => $val) {
                $out['k:' . $k] = self::canon($val);
            }
            ksort($out, SORT_STRING);
            return ['{}' => $out];
        }
        if (is_array($v)) {
            return ['[]' => array_map([self::class, 'canon'], $v)];
        }
        if ($v instanceof BigInt) {
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
        if ($v instanceof \stdClass) {
            $out = [];
            foreach ($v as $k => $val) {
                $out[] = [(string) $k, self::keyOrder($val)];
            }
            return $out;
        }
        if (is_array($v)) {
            return array_map([self::class, 'keyOrder'], $v);
        }
        return [];
    }
}
