<?php

declare(strict_types=1);

namespace Everifin\Webhook\Tests\Support;

/** An integer beyond PHP's int range in test data, kept as its digits. */
final class BigInt
{
    public function __construct(public readonly string $digits)
    {
    }
}
