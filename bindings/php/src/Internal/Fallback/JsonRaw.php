<?php

declare(strict_types=1);

namespace Everifin\Webhook\Internal\Fallback;

/**
 * JSON text written as it is by {@see JsonWriter} (hookData exactly as received).
 *
 * @internal
 */
final class JsonRaw
{
    public function __construct(public readonly string $json)
    {
    }
}
