#!/usr/bin/env bash
# make demo: the product's main job end to end, on built-in defaults.
#
#   0. checks cargo is there (Rust comes from rustup),
#   1. installs what is missing (php-cli, php-sqlite3; apt-get only when needed),
#   2. builds the library and the command-line tool (cargo build --release --features cli),
#   3. starts the demo shop (demo/shop/, PHP's built-in server with the PHP binding over FFI, orders
#      in a temporary SQLite file) on a free 127.0.0.1 port, configured with two fresh hook secrets
#      (a rotation in progress),
#   4. replays the shipped scenarios with `everifin-webhook send --scenario payment-flow` and
#      `--scenario order-safety` (each step's decision is checked: --require-decisions),
#   5. prints each order's state history and checks it (demo/shop/history.php --check --expect):
#      the final order states, and that what the last line says held in every recorded delivery
#      (a skip never changes an order, a paid order is never un-paid or marked paid twice, ...),
#   6. stops the server and deletes the temporary files (EVERIFIN_DEMO_KEEP=1 keeps them).
# Exit status: 0 when every step got the answer the scenarios expect, the orders ended as expected
# and the checks held; non-zero otherwise.
#
# EVERIFIN_DEMO_SHOP_DIR serves another copy of demo/shop (make test-demo runs deliberately broken
# copies through it: scripts/test-demo.sh); the checks are always this checkout's history.php.
set -euo pipefail

ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
cd "$ROOT"
say() { printf '\n== %s\n' "$*"; }

# 0. Rust (rustup), the one prerequisite this script does not install.
bash "$ROOT/scripts/need-cargo.sh" demo

# 1. PHP with PDO SQLite (the binding itself needs nothing else).
need=()
command -v php >/dev/null 2>&1 || need+=(php-cli php-sqlite3)
if [ "${#need[@]}" -eq 0 ] && ! php -m 2>/dev/null | grep -qx 'pdo_sqlite'; then
  need+=(php-sqlite3)
fi
if [ "${#need[@]}" -gt 0 ]; then
  say "installing ${need[*]}"
  if [ "$(id -u)" -ne 0 ]; then
    echo "demo: ${need[*]} missing and not root: install them with apt-get" >&2
    exit 1
  fi
  bash scripts/dist-tools.sh --apt-only "${need[@]}"
fi

# 2. The library (for PHP's FFI) and the CLI.
# Cargo builds into CARGO_TARGET_DIR when it is set (a relative one is relative to $ROOT).
source "$ROOT/scripts/target-dir.sh"
say "cargo build --release --features cli (into $TARGET_DIR)"
cargo build --release --features cli --quiet
BIN="$TARGET_DIR/release/everifin-webhook"
export EVERIFIN_WEBHOOK_LIB="$TARGET_DIR/release/libeverifin_webhook.so"
for built in "$BIN" "$EVERIFIN_WEBHOOK_LIB"; do
  if [ ! -f "$built" ]; then
    echo "demo: cargo build finished but $built is missing (CARGO_TARGET_DIR=${CARGO_TARGET_DIR:-unset}; a cargo config's build.target-dir is not followed: set CARGO_TARGET_DIR instead)" >&2
    exit 1
  fi
done

# 3. The shop: temp dir with the database, the secrets (mode 600) and the server log.
SHOP="${EVERIFIN_DEMO_SHOP_DIR:-$ROOT/demo/shop}"
[ -f "$SHOP/webhook.php" ] && [ -f "$SHOP/router.php" ] || { echo "demo: no demo shop in $SHOP" >&2; exit 1; }
WORK="$(mktemp -d "${TMPDIR:-/tmp}/everifin-demo.XXXXXX")"
SERVER_PID=""
cleanup() {
  if [ -n "$SERVER_PID" ]; then
    kill "$SERVER_PID" 2>/dev/null || true
    wait "$SERVER_PID" 2>/dev/null || true
  fi
  if [ "${EVERIFIN_DEMO_KEEP:-0}" = "1" ]; then
    rm -f "$WORK/secrets.txt"
    echo "demo: kept $WORK (shop.sqlite, server.log; the secrets file is deleted):" >&2
    echo "      php demo/shop/history.php $WORK/shop.sqlite" >&2
  else
    rm -rf "$WORK"
  fi
}
trap cleanup EXIT
trap 'exit 130' INT TERM

(umask 077 && php -r 'echo "demo-old-", bin2hex(random_bytes(16)), "\ndemo-new-", bin2hex(random_bytes(16)), "\n";' > "$WORK/secrets.txt")
export EVERIFIN_WEBHOOK_SECRET_FILE="$WORK/secrets.txt"
export EVERIFIN_DEMO_DB="$WORK/shop.sqlite"
unset EVERIFIN_WEBHOOK_SECRET EVERIFIN_WEBHOOK_BACKEND

if [ "${EVERIFIN_DEMO_KEEP:-0}" = "1" ]; then kept="kept at exit"; else kept="deleted at exit; EVERIFIN_DEMO_KEEP=1 keeps it"; fi
# FFI in the built-in server needs the library preloaded (bindings/php/README.md, "php -S").
preload=()
if php "$ROOT/bindings/php/bin/ffi-header.php" --out="$WORK/everifin_webhook.ffi.h" >/dev/null 2>&1; then
  preload=(-d "ffi.preload=$WORK/everifin_webhook.ffi.h")
fi
# router.php: unknown paths answer 404 (php -S would answer them with index.php, 200).
source "$ROOT/scripts/php-server.sh"
# On failure start_php_server has printed why, with the server's log.
start_php_server "$WORK/server.log" php -d ffi.enable=1 "${preload[@]}" -- -t "$SHOP" "$SHOP/router.php" || exit 1
say "demo shop on http://127.0.0.1:$PORT (PHP built-in server, SQLite $EVERIFIN_DEMO_DB, $kept)"

# 4. The scenario.
say "everifin-webhook send --scenario payment-flow --url http://127.0.0.1:$PORT/webhook.php"
send_status=0
"$BIN" send --scenario payment-flow --url "http://127.0.0.1:$PORT/webhook.php" \
  --secret-file "$WORK/secrets.txt" --run-id demo --require-decisions || send_status=$?
say "everifin-webhook send --scenario order-safety --url http://127.0.0.1:$PORT/webhook.php"
"$BIN" send --scenario order-safety --url "http://127.0.0.1:$PORT/webhook.php" \
  --secret-file "$WORK/secrets.txt" --run-id demo --require-decisions || send_status=$?

# 5. What the shop did with it.
# 3001 stays processing after its refund is booked: the shop records a note, the merchant the
# refund's amount (the shop's own state has the last word, as in the plugins).
say "order history (php demo/shop/history.php --check)"
history_status=0
php "$ROOT/demo/shop/history.php" "$EVERIFIN_DEMO_DB" --check \
  --expect 1001-demo=processing --expect 1002-demo=failed --expect 1003-demo=processing \
  --expect 3001-demo=processing --expect 3002-demo=processing \
  | tee "$WORK/history.txt" || history_status=$?
# Only when recorded deliveries say so (with none, the history names no backend: "-").
if grep -qE '\(binding backend: [a-z, ]*\bphp\b' "$WORK/history.txt"; then
  echo "demo: note: the shop used the binding's pure-PHP backend, not the native library over FFI;" >&2
  echo "      php -d ffi.enable=1 -r \"require 'bindings/php/autoload.php'; echo Everifin\\Webhook\\Environment::report();\" says why" >&2
fi

if grep -qiE 'PHP (Fatal|Warning|Notice|Deprecated)' "$WORK/server.log"; then
  echo "demo: the shop logged PHP errors:" >&2
  grep -iE 'PHP (Fatal|Warning|Notice|Deprecated)' "$WORK/server.log" >&2
  history_status=1
fi

if [ "$send_status" -ne 0 ] || [ "$history_status" -ne 0 ]; then
  echo "demo: FAILED (send exit $send_status, history check exit $history_status)" >&2
  exit 1
fi
say "demo passed: every step answered as the scenarios expect (status and decision); forged, tampered, replayed and unsigned requests were rejected, duplicates and stale events skipped without changing an order, a paid order was never un-paid (checked on every recorded delivery)"
