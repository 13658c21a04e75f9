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
    /** Control characters, and the Unicode line breaks NEL, LS and PS, as UTF-8. */
    private const CONTROL = '/[\x00-\x1F\x7F]|\xC2\x85|\xE2\x80[\xA8\xA9]/';

    private function __construct()
    {
    }

    /**
     * $text for a sentence: each control character or Unicode line break written as its JSON
     * escape (\n, \r, \t, \u001b, \u2028, ...), so that a line break in an event's text cannot
     * start a line of its own in a log, then cut as cut() does.
     */
    public static function text(string $text): string
    {
        return self::cut((string) preg_replace_callback(self::CONTROL, static function (array $m): string {
            $c = $m[0];
            return match ($c) {
                "\n" => '\n',
                "\r" => '\r',
                "\t" => '\t',
                "\xC2\x85" => '\u0085',
                "\xE2\x80\xA8" => '\u2028',
                "\xE2\x80\xA9" => '\u2029',
                default => sprintf('\u%04x', ord($c)),
            };
        }, $text));
    }

    /** $text cut to at most 100 bytes (then ending with "..."), never inside a UTF-8 character. */
    public static function cut(string $text): string
    {
        if (strlen($text) <= 100) {
            return $text;
        }
        // A UTF-8 lead byte at the end, with fewer continuation bytes than it needs: dropped.
        return (string) preg_replace('/(?:[\xC0-\xDF]|[\xE0-\xEF][\x80-\xBF]?|[\xF0-\xF7][\x80-\xBF]{0,2})\z/', '', substr($text, 0, 97)) . '...';
    }
}
