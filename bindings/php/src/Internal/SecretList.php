<?php

declare(strict_types=1);

namespace Everifin\Webhook\Internal;

/**
 * Hook secrets, held where a dump does not reach them. var_dump(), print_r() and Symfony's
 * VarDumper show __debugInfo() (a count); json_encode() sees no public property; var_export() and
 * an (array) cast, which ignore __debugInfo(), find only a closure, whose bound variables neither
 * of them shows. A shop that logs a Verifier, or an object holding one, logs no secret.
 *
 * @internal
 */
final class SecretList
{
    private \Closure $list;

    /** @param list<string> $secrets oldest first */
    public function __construct(#[\SensitiveParameter] array $secrets)
    {
        $this->list = static fn (): array => $secrets;
    }

    /** @return list<string> */
    public function get(): array
    {
        return ($this->list)();
    }

    /** @return array<string, string> */
    public function __debugInfo(): array
    {
        return ['secrets' => sprintf('[%d redacted]', count($this->get()))];
    }

    /** @return array<string, mixed> */
    public function __serialize(): array
    {
        throw new \LogicException('hook secrets cannot be serialized');
    }
}
