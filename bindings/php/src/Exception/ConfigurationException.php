<?php

declare(strict_types=1);

namespace Everifin\Webhook\Exception;

/**
 * The verifier's configuration is wrong (INVALID_OPTIONS, NULL_ARGUMENT; HTTP 500 so that Everifin retries once the shop is fixed).
 */
class ConfigurationException extends WebhookException
{
}
