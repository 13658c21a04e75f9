<?php

declare(strict_types=1);

namespace Everifin\Webhook\Internal\Fallback;

/**
 * src/error.rs: a failed step inside the pure-PHP backend (status, message, field, and the
 * signature info when the signature was authentic); Result writes it as an error result.
 *
 * @internal
 */
final class Failure extends \Exception
{
    public string $status;
    public ?string $field;
    /** @var array<string, mixed>|null */
    public ?array $signature = null;

    public function __construct(string $status, string $message, ?string $field = null)
    {
        parent::__construct($message);
        $this->status = $status;
        $this->field = $field;
    }
}
