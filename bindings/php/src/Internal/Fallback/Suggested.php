<?php

declare(strict_types=1);

namespace Everifin\Webhook\Internal\Fallback;

/**
 * src/suggested.rs: per platform, the shop order state to set for each outcome; a default table
 * (WooCommerce, PrestaShop) that the suggestedStates option overrides (Options).
 *
 * @internal
 */
final class Suggested
{
    private function __construct()
    {
    }

    /** The default suggested shop states (suggested::DEFAULT_SUGGESTED). */
    public const DEFAULTS = [
        'woocommerce' => [
            'pending' => 'pending', 'authorized' => 'on-hold', 'partially_paid' => 'on-hold',
            'paid' => 'processing', 'failed' => 'failed', 'expired' => 'failed', 'withdrawn' => 'cancelled',
            'review' => 'on-hold', 'refund_pending' => null, 'refunded' => 'refunded', 'refund_failed' => null,
            'unknown' => null,
        ],
        'prestashop' => [
            'pending' => 'PS_OS_BANKWIRE', 'authorized' => 'PS_OS_BANKWIRE', 'partially_paid' => 'PS_OS_BANKWIRE',
            'paid' => 'PS_OS_PAYMENT', 'failed' => 'PS_OS_ERROR', 'expired' => 'PS_OS_CANCELED',
            'withdrawn' => 'PS_OS_CANCELED', 'review' => 'PS_OS_ERROR', 'refund_pending' => null,
            'refunded' => 'PS_OS_REFUND', 'refund_failed' => null, 'unknown' => null,
        ],
    ];


    /**
     * The `suggested` object of an event: platform => state or null, in table order.
     *
     * @param array<array-key, array<string, ?string>> $table
     * @return array<array-key, ?string>
     */
    public static function forOutcome(array $table, string $outcome): array
    {
        $out = [];
        foreach ($table as $platform => $row) {
            $out[$platform] = $row[$outcome];
        }
        return $out;
    }
}
