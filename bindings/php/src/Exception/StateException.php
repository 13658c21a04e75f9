<?php

declare(strict_types=1);

namespace Everifin\Webhook\Exception;

/**
 * The order state passed to decide() is invalid (STATE_INVALID; HTTP 500).
 */
class StateException extends WebhookException
{
}
