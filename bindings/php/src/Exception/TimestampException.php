<?php

declare(strict_types=1);

namespace Everifin\Webhook\Exception;

/**
 * The signature's timestamp is invalid or outside the tolerance (HEADER_TIMESTAMP_INVALID, TIMESTAMP_TOO_OLD, TIMESTAMP_IN_FUTURE; HTTP 401). For the last two the signature was authentic: see signature().
 */
class TimestampException extends WebhookException
{
}
