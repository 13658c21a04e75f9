<?php

declare(strict_types=1);

namespace Everifin\Webhook\Internal;

/**
 * Already-encoded JSON text to splice into output as is.
 *
 * @internal
 */
final class JsonRaw
{
    public string $json;

    public function __construct(string $json)
    {
        $this->json = $json;
    }
}
