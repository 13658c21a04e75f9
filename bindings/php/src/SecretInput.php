<?php

declare(strict_types=1);

namespace Everifin\Webhook;

/**
 * Hook secrets typed or pasted into a settings form (the WooCommerce and PrestaShop plugins use
 * it). The library uses a secret as its exact bytes, so a blank pasted with one would make every
 * genuine webhook a 401 SIGNATURE_MISMATCH, which Everifin does not retry; Everifin's secrets have
 * no blank at either end, so a form refuses such a secret, naming it by its position and never
 * showing it. (The Verifier itself takes any exact bytes: refusing blanks is a form's policy.)
 */
final class SecretInput
{
    /**
     * Blanks: whitespace, Unicode spaces (no-break space, ...) and format characters (zero-width
     * space and joiners, word joiner, soft hyphen, byte order mark, ...): none of them shows when
     * pasted.
     */
    private const BLANK = '[\\s\\p{Z}\\p{Cf}]';

    private function __construct()
    {
    }

    /** 'begins' or 'ends' when $secret begins or ends with a blank (else null; also for non-UTF-8). */
    public static function blankEnd(#[\SensitiveParameter] string $secret): ?string
    {
        if (preg_match('/\\A' . self::BLANK . '/u', $secret) === 1) {
            return 'begins';
        }
        if (preg_match('/' . self::BLANK . '\\z/u', $secret) === 1) {
            return 'ends';
        }
        return null;
    }

    /** 'first', 'second', ..., 'tenth', then '11th', '21st', '22nd', '23rd', ... for the secret at index $i. */
    public static function ordinal(int $i): string
    {
        $words = ['first', 'second', 'third', 'fourth', 'fifth', 'sixth', 'seventh', 'eighth', 'ninth', 'tenth'];
        if (isset($words[$i])) {
            return $words[$i];
        }
        $n = $i + 1;
        $suffix = in_array($n % 100, [11, 12, 13], true) ? 'th' : (['th', 'st', 'nd', 'rd'][$n % 10] ?? 'th');
        return $n . $suffix;
    }

    /**
     * Why the first secret with a blank at either end cannot be saved, naming it by its position
     * and never showing it; null when none has one.
     *
     * @param list<string> $secrets
     */
    public static function blankProblem(#[\SensitiveParameter] array $secrets): ?string
    {
        foreach ($secrets as $i => $secret) {
            $end = self::blankEnd($secret);
            if ($end !== null) {
                return sprintf(
                    'the %s secret %s with a space or another blank character. Everifin signs with the exact secret, so every webhook would be rejected (401 SIGNATURE_MISMATCH). Paste it again without the blank.',
                    self::ordinal($i),
                    $end
                );
            }
        }
        return null;
    }
}
