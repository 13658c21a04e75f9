<?php

declare(strict_types=1);

namespace Everifin\Webhook\Internal\Fallback;

/**
 * src/text.rs: message helpers shared by every step.
 *
 * @internal
 */
final class Text
{
    private function __construct()
    {
    }

    /** A stranger-supplied string cut to $maxChars characters for a message (text::truncate). */
    public static function truncate(string $s, int $maxChars): string
    {
        if (strlen($s) <= $maxChars || !preg_match('/\\A.{0,' . $maxChars . '}/su', $s, $m) || strlen($m[0]) === strlen($s)) {
            return $s;
        }
        return $m[0] . '...';
    }
}
