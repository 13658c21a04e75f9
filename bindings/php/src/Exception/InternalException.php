<?php

declare(strict_types=1);

namespace Everifin\Webhook\Exception;

/**
 * A bug was caught in the library or the binding (INTERNAL; HTTP 500, retryable).
 */
class InternalException extends WebhookException
{
}
