<?php

declare(strict_types=1);

namespace Everifin\Webhook\Internal;

/** @internal */
final class JsonError extends \Exception
{
    public int $offset;

    public function __construct(string $message, int $offset)
    {
        parent::__construct($message);
        $this->offset = $offset;
    }
}
