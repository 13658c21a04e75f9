<?php

declare(strict_types=1);

namespace Everifin\Webhook\Internal;

/**
 * A JSON string holding a lone UTF-16 surrogate escape: valid JSON syntax, but not a string PHP
 * (or serde_json) can decode. Kept as its source text.
 *
 * @internal
 */
final class JsonBadString
{
    public string $json;

    public function __construct(string $json)
    {
        $this->json = $json;
    }

    /** The string with each lone surrogate replaced by U+FFFD. */
    public function lossy(): string
    {
        $fixed = preg_replace_callback(
            '/\\\\u([dD][89abAB][0-9a-fA-F]{2})\\\\u([dD][c-fC-F][0-9a-fA-F]{2})|\\\\u([dD][89a-fA-F][0-9a-fA-F]{2})|\\\\\\\\/',
            static function (array $m): string {
                if ($m[0] === '\\\\') {
                    return $m[0];
                }
                return isset($m[3]) ? '\\ufffd' : $m[0];
            },
            $this->json
        );
        $out = json_decode((string) $fixed);
        return is_string($out) ? $out : "\u{FFFD}";
    }
}
