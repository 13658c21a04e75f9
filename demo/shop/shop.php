<?php
/*
 * The demo shop's shared code: configuration, the SQLite database, what an applied event does to an
 * order (shop_apply()), small helpers.
 *
 * Configuration (environment):
 *   EVERIFIN_WEBHOOK_SECRET_FILE  hook secrets, one per line, oldest first (or:)
 *   EVERIFIN_WEBHOOK_SECRET       one hook secret
 *   EVERIFIN_DEMO_DB              the SQLite file (default: <temp dir>/everifin-demo-shop.sqlite)
 *   EVERIFIN_WEBHOOK_LIB          the native library for the binding's FFI backend (optional)
 */

declare(strict_types=1);

require_once __DIR__ . '/../../bindings/php/autoload.php';

use Everifin\Webhook\Event;

/**
 * Order states (WooCommerce names) of a paid order, of one that has been paid (refunded since
 * included), and of one still waiting for its payment.
 */
const SHOP_PAID_STATES = ['processing', 'completed'];
const SHOP_WAS_PAID_STATES = [...SHOP_PAID_STATES, 'refunded'];
const SHOP_OPEN_STATES = ['pending', 'on-hold', 'failed', 'checkout-draft'];

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
            event_type      TEXT,               -- e.g. payment.statusChange (verified events)
            entity          TEXT,               -- payment, refund, order; unknown for an unknown type
            event_status    TEXT,
            event_time      TEXT,
            signed_with     TEXT,               -- e.g. "v1 = secret #1"
            action          TEXT,               -- apply / skip
            reason          TEXT,               -- first, newer, duplicate, stale, already_paid, ...
            state_before    TEXT,
            state_after     TEXT,
            note            TEXT,               -- why an applied event left the order as it is
            backend         TEXT                -- ffi or php
        )
        SQL);
    // A database from an older demo shop: the columns added since.
    $have = array_column($pdo->query('PRAGMA table_info(deliveries)')->fetchAll(), 'name');
    foreach (['event_type', 'entity', 'note'] as $column) {
        if (!in_array($column, $have, true)) {
            try {
                $pdo->exec("ALTER TABLE deliveries ADD COLUMN $column TEXT");
            } catch (PDOException $e) {
                // another request added it first
            }
        }
    }
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

/**
 * What a delivery that decide() said to apply does to the shop's order: [new state, note]. Decide
 * knows only what earlier webhooks did; the order may have moved since (the merchant completed,
 * cancelled or refunded it), so the shop's own state has the last word (the WooCommerce plugin's
 * rule, plugins/woocommerce/.../class-everifin-webhook-plugin.php apply()):
 * - paid: marks the order paid once; an order already paid or refunded is left as it is;
 * - refund booked: a note only (the webhook does not say the amount: the merchant records it);
 * - any other outcome: the suggested state, only for an order still waiting for its payment.
 *
 * @return array{0: string, 1: ?string}
 */
function shop_apply(string $state, Event $event): array
{
    $suggested = $event->suggestedFor('woocommerce');
    if ($event->outcome === 'paid') {
        return in_array($state, SHOP_WAS_PAID_STATES, true)
            ? [$state, "the order is $state already; left as it is"]
            : [$suggested ?? $state, null];   // null (an override): leave the order as it is
    }
    if ($event->outcome === 'refunded') {
        return [$state, 'refund booked at the bank; the webhook does not say its amount: record it on the order'];
    }
    if ($suggested === null || $suggested === $state) {
        return [$state, null];
    }
    if (!in_array($state, SHOP_OPEN_STATES, true)) {
        return [$state, "suggested $suggested, but the order is $state; left as it is"];
    }
    return [$suggested, null];
}
