<?php

declare(strict_types=1);

namespace Everifin\Webhook;

/**
 * The status names, stable numbers and HTTP statuses of docs/design.md.
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

    /**
     * name => [code, httpStatus, exception family]: tests/vectors/statuses.json, the one status
     * table (tests/ApiTest.php holds this copy to it).
     */
    private const TABLE = [
        'OK' => [0, 200, null],
        'NULL_ARGUMENT' => [1, 500, 'internal'],
        'INVALID_OPTIONS' => [2, 500, 'configuration'],
        'INTERNAL' => [3, 500, 'internal'],
        'HEADER_MISSING' => [10, 401, 'signature'],
        'HEADER_MALFORMED' => [11, 401, 'signature'],
        'HEADER_TIMESTAMP_INVALID' => [12, 401, 'signature'],
        'SIGNATURE_MISMATCH' => [13, 401, 'signature'],
        'TIMESTAMP_TOO_OLD' => [14, 401, 'timestamp'],
        'TIMESTAMP_IN_FUTURE' => [15, 401, 'timestamp'],
        'BODY_TOO_LARGE' => [20, 413, 'body'],
        'BODY_NOT_UTF8' => [21, 400, 'body'],
        'BODY_NOT_JSON' => [22, 400, 'body'],
        'EVENT_INVALID' => [23, 400, 'body'],
        'STATE_INVALID' => [30, 500, 'state'],
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

    /** The exception family of a status (signature, timestamp, body, configuration, state, internal); null for OK. */
    public static function family(string $name): ?string
    {
        return isset(self::TABLE[$name]) ? self::TABLE[$name][2] : 'internal';
    }

    /**
     * What a delivery rejected with status $name means, for a settings page that records it (both
     * shop plugins show the last one): the plugin's own words, so nothing of the request (which
     * the library's message may quote) reaches the page. No trailing full stop; null for OK and
     * an unknown name. For the internal family the shop adds where its log is.
     */
    public static function rejectionMeaning(string $name): ?string
    {
        return self::REJECTION_MEANINGS[$name] ?? null;
    }

    private const REJECTION_MEANINGS = [
        'NULL_ARGUMENT' => 'the shop could not process the webhook',
        'INVALID_OPTIONS' => 'the hook secrets are missing or not usable: save them on this page',
        'INTERNAL' => 'the shop could not process the webhook',
        'HEADER_MISSING' => 'the request had no Signature header',
        'HEADER_MALFORMED' => 'the Signature header was not in Everifin\'s format',
        'HEADER_TIMESTAMP_INVALID' => 'the time in the Signature header was not a valid timestamp',
        'SIGNATURE_MISMATCH' => 'no signature in the Signature header matches a configured hook secret',
        'TIMESTAMP_TOO_OLD' => 'the signature was too old (a replay, or this server\'s clock is wrong)',
        'TIMESTAMP_IN_FUTURE' => 'the signature was dated in the future (this server\'s clock may be wrong)',
        'BODY_TOO_LARGE' => 'the body was larger than the library accepts',
        'BODY_NOT_UTF8' => 'the signed body was not UTF-8 text',
        'BODY_NOT_JSON' => 'the signed body was not JSON',
        'EVENT_INVALID' => 'the signed body was not an Everifin event the library understands',
        'STATE_INVALID' => 'the webhook state stored with the order could not be read',
    ];

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
