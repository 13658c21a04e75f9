<?php

declare(strict_types=1);

namespace Everifin\Webhook\Internal\Fallback;

/**
 * src/outcome.rs: what an event is about (its entity) and what its status means for the shop's
 * order (its outcome).
 *
 * @internal
 */
final class Outcome
{
    private function __construct()
    {
    }

    /** Outcome names, in the core's order (Outcome::ALL). */
    public const ALL = [
        'pending', 'authorized', 'partially_paid', 'paid', 'failed', 'expired', 'withdrawn', 'review',
        'refund_pending', 'refunded', 'refund_failed', 'unknown',
    ];

    /** @return array{0: bool, 1: string}|null [final, outcome] for a known status (outcome::classify) */
    public static function classify(string $entity, string $status, bool $confirmedIsPaid): ?array
    {
        switch ($entity) {
            case 'payment':
                switch ($status) {
                    case 'CREATED':
                    case 'SEEN':
                    case 'PROCESSING':
                        return [false, 'pending'];
                    case 'CONFIRMED':
                        return [false, $confirmedIsPaid ? 'paid' : 'authorized'];
                    case 'BOOKED':
                    case 'FINISHED':
                        return [true, 'paid'];
                    case 'FAILED':
                    case 'REJECTED':
                        return [true, 'failed'];
                    case 'EXPIRED':
                        return [true, 'expired'];
                    case 'WITHDRAWN':
                        return [true, 'withdrawn'];
                    case 'PROCESSING_EXPIRED':
                        return [true, 'review'];
                }
                return null;
            case 'refund':
                switch ($status) {
                    case 'CREATED':
                    case 'SEEN':
                    case 'PROCESSING':
                    case 'CONFIRMED':
                        return [false, 'refund_pending'];
                    case 'BOOKED':
                    case 'FINISHED':
                        return [true, 'refunded'];
                    case 'FAILED':
                    case 'REJECTED':
                    case 'EXPIRED':
                    case 'WITHDRAWN':
                    case 'PROCESSING_EXPIRED':
                        return [true, 'refund_failed'];
                }
                return null;
            case 'order':
                switch ($status) {
                    case 'UNPAID':
                        return [false, 'pending'];
                    case 'PARTIALLY_PAID':
                        return [false, 'partially_paid'];
                    case 'PAID':
                        return [true, 'paid'];
                }
                return null;
        }
        return null;
    }
}
