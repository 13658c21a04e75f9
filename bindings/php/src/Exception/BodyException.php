<?php

declare(strict_types=1);

namespace Everifin\Webhook\Exception;

/**
 * The body is too large, not UTF-8, not JSON, or not a valid Everifin event (BODY_TOO_LARGE 413, BODY_NOT_UTF8, BODY_NOT_JSON, EVENT_INVALID 400). For EVENT_INVALID, field() names the field.
 */
class BodyException extends WebhookException
{
}
