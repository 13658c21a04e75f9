<?php

declare(strict_types=1);

namespace Everifin\Webhook\Internal\Fallback;

/**
 * The limits of the core's modules that several files of the fallback use (src/options.rs,
 * src/secret.rs, src/verify.rs, src/parse.rs, src/normalize.rs, src/decide/mod.rs).
 *
 * @internal
 */
final class Constants
{
    // src/options.rs
    public const DEFAULT_TOLERANCE_SECONDS = 300;
    public const MAX_TOLERANCE_SECONDS = 31536000;
    public const DEFAULT_MAX_BODY_BYTES = 1048576;
    public const MAX_MAX_BODY_BYTES = 67108864;

    // src/secret.rs
    public const MAX_SECRETS = 16;

    /** serde_json's recursion limit (options, secrets, stored states, decide's event, explain). */
    public const MAX_INPUT_DEPTH = 128;

    // src/verify.rs
    public const MAX_HEADER_BYTES = 4096;
    public const MAX_SIGNATURES = 16;

    // src/parse.rs, src/normalize.rs
    public const MAX_JSON_DEPTH = 64;
    public const UUID_RE = '/\A[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}\z/';

    // src/decide/mod.rs
    public const MAX_RECENT_EVENT_IDS = 32;

    private function __construct()
    {
    }
}
