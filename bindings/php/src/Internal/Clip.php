<?php

declare(strict_types=1);

namespace Everifin\Webhook\Internal;

/**
 * Text of a verified event cut for a note, a log line or a settings page (Attention, Unmatched).
 *
 * @internal
 */
final class Clip
{
    private function __construct()
    {
    }

    /** $text cut to at most 100 bytes (then ending with "..."), never inside a UTF-8 character. */
    public static function text(string $text): string
    {
        if (strlen($text) <= 100) {
            return $text;
        }
        // A UTF-8 lead byte at the end, with fewer continuation bytes than it needs: dropped.
        return (string) preg_replace('/(?:[\xC0-\xDF]|[\xE0-\xEF][\x80-\xBF]?|[\xF0-\xF7][\x80-\xBF]{0,2})\z/', '', substr($text, 0, 97)) . '...';
    }
}
