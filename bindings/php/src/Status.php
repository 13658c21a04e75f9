<?php

declare(strict_types=1);

namespace Everifin\Webhook;

/**
 * The status names, stable numbers and HTTP statuses of DESIGN.md.
 */
final class Status
{
    public const OK = 'OK';
    public const NULL_ARGUMENT = 'NULL_ARGUMENT';
    public const INVALID_OPTIONS = 'INVALID_OPTIONS';
    public const INTERNAL = 'INTERNAL';
    public const HEADER_MISSING = 'HEADER_MISSING';
    public const HEADER_MALFORMED = 'HEADER_MALFORMED';
    public const HEADER_TIMESTAMP_INVALID = 'HEADER_TIMESTAMP_INVALID';
    public const SIGNATURE_MISMATCH = 'SIGNATURE_MISMATCH';
    public const TIMESTAMP_TOO_OLD = 'TIMESTAMP_TOO_OLD';
    public const TIMESTAMP_IN_FUTURE = 'TIMESTAMP_IN_FUTURE';
    public const BODY_TOO_LARGE = 'BODY_TOO_LARGE';
    public const BODY_NOT_UTF8 = 'BODY_NOT_UTF8';
    public const BODY_NOT_JSON = 'BODY_NOT_JSON';
    public const EVENT_INVALID = 'EVENT_INVALID';
    public const STATE_INVALID = 'STATE_INVALID';

    /** name => [code, httpStatus] */
    private const TABLE = [
        'OK' => [0, 200],
        'NULL_ARGUMENT' => [1, 500],
        'INVALID_OPTIONS' => [2, 500],
        'INTERNAL' => [3, 500],
        'HEADER_MISSING' => [10, 401],
        'HEADER_MALFORMED' => [11, 401],
        'HEADER_TIMESTAMP_INVALID' => [12, 401],
        'SIGNATURE_MISMATCH' => [13, 401],
        'TIMESTAMP_TOO_OLD' => [14, 401],
        'TIMESTAMP_IN_FUTURE' => [15, 401],
        'BODY_TOO_LARGE' => [20, 413],
        'BODY_NOT_UTF8' => [21, 400],
        'BODY_NOT_JSON' => [22, 400],
        'EVENT_INVALID' => [23, 400],
        'STATE_INVALID' => [30, 500],
    ];

    private function __construct()
    {
    }

    /** @return list<string> every status name, in numeric order */
    public static function names(): array
    {
        return array_keys(self::TABLE);
    }

    public static function code(string $name): int
    {
        return self::TABLE[$name][0] ?? 3;
    }

    public static function httpStatus(string $name): int
    {
        return self::TABLE[$name][1] ?? 500;
    }

    public static function nameOf(int $code): ?string
    {
        foreach (self::TABLE as $name => [$c]) {
            if ($c === $code) {
                return $name;
            }
        }
        return null;
    }
}
