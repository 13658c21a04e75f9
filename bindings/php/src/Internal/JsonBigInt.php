<?php

declare(strict_types=1);

namespace Everifin\Webhook\Internal;

/**
 * A JSON integer above PHP_INT_MAX that still fits an unsigned 64-bit integer (serde_json keeps
 * such numbers as integers; PHP would turn them into floats).
 *
 * @internal
 */
final class JsonBigInt
{
    public string $digits;

    public function __construct(string $digits)
    {
        $this->digits = $digits;
    }
}
