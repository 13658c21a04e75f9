#!/usr/bin/env bash
# make bench-php: installs PHP when missing, copies the library to lib/, runs bench.php with FFI
# enabled and opcache on (as under PHP-FPM).
set -euo pipefail
PKG_DIR="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
ROOT="$(cd "$PKG_DIR/../.." && pwd)"
bash "$ROOT/scripts/dist-tools.sh" --apt-only php-cli
source "$ROOT/scripts/target-dir.sh"   # TARGET_DIR: CARGO_TARGET_DIR or target/
mkdir -p "$PKG_DIR/lib"
cp -f "$TARGET_DIR/release/libeverifin_webhook.so" "$PKG_DIR/lib/libeverifin_webhook.so"
exec php -d ffi.enable=1 -d opcache.enable_cli=1 -d memory_limit=512M "$PKG_DIR/bench/bench.php" "$@"
