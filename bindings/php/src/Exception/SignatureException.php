<?php

declare(strict_types=1);

namespace Everifin\Webhook\Exception;

/**
 * The Signature header is missing or malformed, or no signature matches (HEADER_MISSING, HEADER_MALFORMED, SIGNATURE_MISMATCH; HTTP 401).
 */
class SignatureException extends WebhookException
{
}
