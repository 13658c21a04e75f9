#!/usr/bin/env bash
# Differential fuzz of the PHP binding (part of `make fuzz`): FUZZ_PHP_CASES (default 5000) inputs
# generated from tests/vectors by fuzz/php/gen.py (seed FUZZ_PHP_SEED, default random and printed),
# each run through both backends by fuzz/php/differential.php under `php -d ffi.enable=1`.
# Last line: `php-differential: N inputs, D differences`; non-zero exit on any difference.
set -uo pipefail
ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)"
bash "$ROOT/scripts/dist-tools.sh" --apt-only php-cli php-mbstring \
  || { echo "php-differential: apt-get install failed" >&2; exit 1; }
source "$ROOT/scripts/target-dir.sh"   # TARGET_DIR: CARGO_TARGET_DIR or target/
(cd "$ROOT" && cargo build --release --lib --quiet) || { echo "php-differential: cargo build failed" >&2; exit 1; }
SEED="${FUZZ_PHP_SEED:-$RANDOM$RANDOM}"
CASES="$(mktemp /tmp/everifin-php-differential.XXXXXX.jsonl)"
trap 'rm -f "$CASES"' EXIT
python3 "$ROOT/fuzz/php/gen.py" "${FUZZ_PHP_CASES:-5000}" "$SEED" >"$CASES" || exit 1
echo "php-differential: seed $SEED (FUZZ_PHP_SEED=$SEED reproduces)"
EVERIFIN_WEBHOOK_LIB="$TARGET_DIR/release/libeverifin_webhook.so" \
  php -d ffi.enable=1 -d memory_limit=1G "$ROOT/fuzz/php/differential.php" "$CASES"
