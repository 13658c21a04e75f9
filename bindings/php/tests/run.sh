#!/usr/bin/env bash
# Runs the PHP binding's tests: the PHPUnit suite with FFI (-d ffi.enable=1) and with the pure-PHP
# fallback (-d ffi.enable=0), then the real-server test (nginx + three PHP-FPM masters: the
# default ffi.enable=preload with opcache.preload/ffi.preload, the same without, and ffi.enable=1
# without ffi.preload), then the README's Composer install run as written (tests/composer.sh).
# Installs missing Debian packages, builds the library if needed and copies it to lib/.
# Exit status: non-zero when anything failed.
set -uo pipefail

PKG_DIR="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
ROOT="$(cd "$PKG_DIR/../.." && pwd)"
cd "$PKG_DIR"

source "$ROOT/scripts/web-stack.sh"
web_install php-cli php-fpm php-sqlite3 php-mbstring php-xml phpunit nginx composer \
  || { echo "apt-get install failed"; exit 1; }

source "$ROOT/scripts/target-dir.sh"   # TARGET_DIR: CARGO_TARGET_DIR or target/
LIB="$TARGET_DIR/release/libeverifin_webhook.so"
if command -v cargo >/dev/null 2>&1; then
  echo "== cargo build --release --lib"
  (cd "$ROOT" && cargo build --release --lib --quiet) || { echo "cargo build failed"; exit 1; }
elif [ ! -f "$LIB" ]; then
  echo "the library is missing and cargo is not installed"; exit 1
fi
mkdir -p "$PKG_DIR/lib"
cp -f "$LIB" "$PKG_DIR/lib/libeverifin_webhook.so"
echo "== library: $LIB, copied to lib/"

PHPUNIT="$(command -v phpunit)"
PHP="$(command -v php)"
results=()
fail=0
run() { # name, expected backend, php -d args..., -- phpunit args...
  local name="$1"; shift
  echo
  echo "== $name"
  timeout 900 env "$@"
  local rc=$?
  if [ $rc -eq 0 ]; then results+=("PASS $name"); else results+=("FAIL $name (exit $rc)"); fail=1; fi
}

run "phpunit, FFI backend (php -d ffi.enable=1)" \
  EVERIFIN_EXPECT_BACKEND=ffi "$PHP" -d ffi.enable=1 -d memory_limit=1G "$PHPUNIT" -c "$PKG_DIR/phpunit.xml"
run "phpunit, pure-PHP fallback (php -d ffi.enable=0)" \
  EVERIFIN_EXPECT_BACKEND=php "$PHP" -d ffi.enable=0 -d memory_limit=1G "$PHPUNIT" -c "$PKG_DIR/phpunit.xml"
if [ "$(id -u)" = "0" ]; then
  run "real server: nginx + PHP-FPM (preloaded, plain and ffi.enable=1 pools) and php -S" \
    "$PHP" "$PHPUNIT" --bootstrap "$PKG_DIR/tests/bootstrap.php" "$PKG_DIR/tests/server/ServerTest.php"
else
  results+=("FAIL real server: needs root (php-fpm -R, private nginx)"); fail=1
fi

run "composer: the README's local install, as written" bash "$PKG_DIR/tests/composer.sh"

echo
echo "== summary"
passed=0; failed=0
for r in "${results[@]}"; do
  echo "  $r"
  case "$r" in PASS*) passed=$((passed+1));; *) failed=$((failed+1));; esac
done
echo "$passed passed, $failed failed"
exit $fail
