<?php

declare(strict_types=1);

namespace Everifin\Webhook\Internal\Fallback;

use Everifin\Webhook\Status;

/**
 * src/secret.rs: the hook secrets, a JSON array of 1 to 16 non-empty strings (their UTF-8 bytes
 * are the HMAC keys). Messages name positions, never values.
 *
 * The core keeps the HMAC state keyed with each secret from the start. Here Options::macs keys
 * them only for a verifier's second message: under PHP-FPM a verifier usually checks one, and
 * hash_hmac alone costs less than keying and then copying.
 *
 * @internal
 */
final class Secret
{
    private function __construct()
    {
    }

    /**
     * secret::require_utf8: JSON text that holds secrets (the options, sign's secrets) must be
     * UTF-8; a secret typed in Latin-1 is named by the offset of its first bad byte, never by its
     * bytes.
     *
     * @param string $what "options" or "secrets"
     * @throws Failure
     */
    public static function requireUtf8(#[\SensitiveParameter] string $json, string $what): void
    {
        if (!preg_match('//u', $json)) {
            throw new Failure(Status::INVALID_OPTIONS, sprintf('%s are not valid UTF-8 (invalid byte at offset %d): secrets are text, used as their UTF-8 bytes', $what, Parse::validUpTo($json)));
        }
    }

    /**
     * A JSON array of 1 to 16 non-empty secret strings (secret::parse_secrets). Messages name
     * positions, never values.
     *
     * @param mixed $value
     * @return list<string>
     */
    public static function parseList($value, string $what): array
    {
        if (!is_array($value) || !array_is_list($value)) {
            throw new Failure(Status::INVALID_OPTIONS, $what . ' must be an array of strings, oldest first');
        }
        if ($value === []) {
            throw new Failure(Status::INVALID_OPTIONS, $what . ' must hold at least one secret');
        }
        if (count($value) > Constants::MAX_SECRETS) {
            throw new Failure(Status::INVALID_OPTIONS, sprintf('%s holds %d secrets; at most %d are allowed', $what, count($value), Constants::MAX_SECRETS));
        }
        foreach ($value as $i => $s) {
            if (!is_string($s)) {
                throw new Failure(Status::INVALID_OPTIONS, sprintf('%s: secret %d is not a string', $what, $i));
            }
            if ($s === '') {
                throw new Failure(Status::INVALID_OPTIONS, sprintf('%s: secret %d is empty', $what, $i));
            }
        }
        return $value;
    }
}
