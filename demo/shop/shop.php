<?php
/*
 * The demo shop's shared code: configuration, the SQLite database, small helpers.
 *
 * Configuration (environment):
 *   EVERIFIN_WEBHOOK_SECRET_FILE  hook secrets, one per line, oldest first (or:)
 *   EVERIFIN_WEBHOOK_SECRET       one hook secret
 *   EVERIFIN_DEMO_DB              the SQLite file (default: <temp dir>/everifin-demo-shop.sqlite)
 *   EVERIFIN_WEBHOOK_LIB          the native library for the binding's FFI backend (optional)
 */

declare(strict_types=1);

require_once __DIR__ . '/../../bindings/php/autoload.php';

/** Where the orders live. */
function shop_db_path(): string
{
    $path = getenv('EVERIFIN_DEMO_DB');
    return is_string($path) && $path !== '' ? $path : sys_get_temp_dir() . '/everifin-demo-shop.sqlite';
}

function shop_db(?string $path = null): PDO
{
    $pdo = new PDO('sqlite:' . ($path ?? shop_db_path()), null, null, [
        PDO::ATTR_ERRMODE => PDO::ERRMODE_EXCEPTION,
        PDO::ATTR_DEFAULT_FETCH_MODE => PDO::FETCH_ASSOC,
        PDO::ATTR_TIMEOUT => 10,
    ]);
    $pdo->exec('PRAGMA journal_mode = WAL');
    $pdo->exec(<<<'SQL'
        CREATE TABLE IF NOT EXISTS orders (
            ref             TEXT PRIMARY KEY,   -- the shop's order id (Everifin's data.externalId)
            shop_state      TEXT NOT NULL,      -- the order state the shop shows (WooCommerce names)
            everifin_status TEXT,               -- the last applied Everifin status
            state_json      TEXT NOT NULL,      -- the binding's decide() state, stored as given
            created_at      TEXT NOT NULL,
            updated_at      TEXT NOT NULL
        )
        SQL);
    $pdo->exec(<<<'SQL'
        CREATE TABLE IF NOT EXISTS deliveries (
            id              INTEGER PRIMARY KEY AUTOINCREMENT,
            received_at     TEXT NOT NULL,
            http_status     INTEGER NOT NULL,   -- what the shop answered Everifin
            result          TEXT NOT NULL,      -- OK or the binding's status name (SIGNATURE_MISMATCH, ...)
            message         TEXT,               -- the binding's message on failure (never a secret)
            order_ref       TEXT,               -- set only for verified events
            claimed_ref     TEXT,               -- rejected requests: what the unverified body claimed
            claimed_status  TEXT,
            event_id        TEXT,
            event_status    TEXT,
            event_time      TEXT,
            signed_with     TEXT,               -- e.g. "v1 = secret #1"
            action          TEXT,               -- apply / skip
            reason          TEXT,               -- first, newer, duplicate, stale, regression, unchanged
            state_before    TEXT,
            state_after     TEXT,
            backend         TEXT                -- ffi or php
        )
        SQL);
    return $pdo;
}

/** @return list<string> the hook secrets, oldest first (never printed). */
function shop_secrets(): array
{
    $file = getenv('EVERIFIN_WEBHOOK_SECRET_FILE');
    if (is_string($file) && $file !== '') {
        $text = @file_get_contents($file);
        if ($text === false) {
            return [];
        }
        $secrets = [];
        foreach (explode("\n", $text) as $line) {
            $line = rtrim($line, "\r");
            if ($line !== '') {
                $secrets[] = $line;
            }
        }
        return $secrets;
    }
    $one = getenv('EVERIFIN_WEBHOOK_SECRET');
    return is_string($one) && $one !== '' ? [$one] : [];
}

function shop_now(): string
{
    return (new DateTimeImmutable('now', new DateTimeZone('UTC')))->format('Y-m-d\TH:i:s.v\Z');
}
