<?php

declare(strict_types=1);

namespace Everifin\Webhook\Exception;

use Everifin\Webhook\Signature;
use Everifin\Webhook\Status;

/**
 * The base of every exception the binding throws. The message is safe to send back to Everifin
 * (the Back Office shows it to the merchant): it never contains a secret or an expected signature.
 * It may quote the request (a header part, a field's text): answer it as JSON or text/plain, and
 * escape it on an HTML page.
 *
 *     catch (WebhookException $e) {
 *         http_response_code($e->httpStatus());
 *         header('Content-Type: application/json');
 *         echo json_encode(['ok' => false, 'status' => $e->status(), 'message' => $e->getMessage()]);
 *     }
 */
class WebhookException extends \RuntimeException
{
    private string $statusName;
    private ?string $field;
    private ?Signature $signature;

    final public function __construct(string $status, string $message, ?string $field = null, ?Signature $signature = null, ?\Throwable $previous = null)
    {
        parent::__construct($message, Status::code($status), $previous);
        $this->statusName = $status;
        $this->field = $field;
        $this->signature = $signature;
    }

    /** The exception for a status name, of the class of its family (tests/vectors/statuses.json). */
    public static function forStatus(string $status, string $message, ?string $field = null, ?Signature $signature = null, ?\Throwable $previous = null): self
    {
        if (Status::nameOf(Status::code($status)) !== $status) {
            $status = Status::INTERNAL;
        }
        switch (Status::family($status)) {
            case 'signature':
                return new SignatureException($status, $message, $field, $signature, $previous);
            case 'timestamp':
                return new TimestampException($status, $message, $field, $signature, $previous);
            case 'body':
                return new BodyException($status, $message, $field, $signature, $previous);
            case 'configuration':
                return new ConfigurationException($status, $message, $field, $signature, $previous);
            case 'state':
                return new StateException($status, $message, $field, $signature, $previous);
            default:
                return new InternalException($status, $message, $field, $signature, $previous);
        }
    }

    /** The status name, e.g. "SIGNATURE_MISMATCH" (docs/design.md). */
    public function status(): string
    {
        return $this->statusName;
    }

    /** The HTTP status to answer Everifin with (4xx: not retried; 5xx: retried). */
    public function httpStatus(): int
    {
        return Status::httpStatus($this->statusName);
    }

    /** For EVENT_INVALID: the field at fault ("data.status", "" for the whole body). */
    public function field(): ?string
    {
        return $this->field;
    }

    /** Set when the signature was authentic but a later check failed (too old, bad body...). */
    public function signature(): ?Signature
    {
        return $this->signature;
    }
}
