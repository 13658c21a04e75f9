#!/usr/bin/env bash
# make test-wordpress: the WooCommerce plugin ZIP of `make dist`, installed and used in a real
# WordPress the way a shop does. Everything runs as the test's own processes on 127.0.0.1 and is
# torn down at the end:
#   - Debian's `wordpress` package (unmodified /usr/share/wordpress; its wp-config.php reads
#     /etc/wordpress/config-<WORDPRESS_CONFIG>.php, which this test writes and removes);
#   - MariaDB (own datadir, unix socket only), PHP-FPM (two masters: "ffi" with the default
#     ffi.enable=preload and the php.ini lines of readme.txt's Installation step 3 (ffi.preload and
#     opcache.preload of copies outside the plugin folder), "fallback" with ffi.enable=0), nginx
#     (one port per PHP-FPM master);
#   - WooCommerce is not installable here: a must-use plugin of the test (wordpress/
#     woocommerce-stand-in.php, marked as a test stand-in, never shipped) provides the few
#     WooCommerce functions the plugin calls, storing orders as shop_order posts; another one
#     (wordpress/test-hooks.php) does in WooCommerce's order hooks what other plugins do;
#   - for one step, a persistent object cache: Redis (own unix socket) and the test's drop-in
#     (wordpress/object-cache.php).
# Steps: wp_install; upload the ZIP with WordPress's Plugin_Upgrader; activate_plugin; run the
# settings page's "Native library" commands (readme.txt must give the same); log in as the admin and
# save a secret through the settings screen; check the admin notice of each backend; send signed
# webhooks (wordpress/webhooks.py): valid, duplicate, forged, stale, late, unknown order, bodies
# WordPress would run out of memory decoding (memory_limit 128M), concurrent duplicates; check the
# answers and the stored order state; with the Redis object cache, no stale order left in it. Then update the plugin as WordPress does (its folder replaced): php-fpm -t and a
# restart work with the documented setup and fail with the former one (header in the plugin
# folder); replay the order-safety scenario with `everifin-webhook send` (built here), as shipped and
# as docs/cli.md says for WooCommerce; deactivate (the webhook URL is 404) and delete the plugin
# (uninstall.php: its options are gone; PHP-FPM still starts).
# Prints "test-wordpress: N passed, M failed"; exit status 1 when anything failed.
set -uo pipefail
# Test what ships: the Makefile's EVERIFIN_WEBHOOK_LIB (the checkout's build) must not reach PHP-FPM.
unset EVERIFIN_WEBHOOK_LIB
ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)"
HERE="$ROOT/tests/dist/wordpress"
cd "$ROOT"
[ "$(id -u)" = 0 ] || { echo "test-wordpress: needs root (PHP-FPM -R, /etc/wordpress/config-*.php)"; exit 1; }

source scripts/web-stack.sh
web_install wordpress php-fpm php-cli php-mysql mariadb-server mariadb-client nginx curl \
  || { echo "test-wordpress: installing packages failed"; exit 1; }
web_binaries || exit 1
# A persistent object cache for one step (Redis, as shops run it; the drop-in is the test's).
redis_was_installed=1; dpkg -s redis-server >/dev/null 2>&1 || redis_was_installed=0
web_install redis-server "php$PHPV-redis" || { echo "test-wordpress: installing redis-server and php$PHPV-redis failed"; exit 1; }
if [ "$redis_was_installed" = 0 ] && command -v service >/dev/null && service redis-server status >/dev/null 2>&1; then
  service redis-server stop >/dev/null 2>&1 || true
fi

VERSION="$(bash scripts/version.sh)"
ZIP="$ROOT/dist/everifin-webhook-woocommerce-$VERSION.zip"
if [ "${EVF_DIST_PREBUILT:-0}" != 1 ] || [ ! -f "$ZIP" ]; then
  bash scripts/dist.sh woocommerce >/dev/null || { echo "test-wordpress: building the plugin ZIP failed"; exit 1; }
fi

WP=/usr/share/wordpress
NAME="everifin-test-$$"
CONFIG="/etc/wordpress/config-$NAME.php"
TMP="$(mktemp -d "${TMPDIR:-/tmp}/everifin-wp.XXXXXX")"
chmod 755 "$TMP"
pids=()
teardown() {
  local p
  for p in "${pids[@]}"; do kill "$p" 2>/dev/null; done
  for p in "${pids[@]}"; do wait "$p" 2>/dev/null; done
  rm -f "$CONFIG"
  if [ "${KEEP_TMP:-0}" = 1 ]; then echo "kept $TMP"; else rm -rf "$TMP"; fi
}
trap teardown EXIT
results=(); fail=0
step() { local name="$1"; shift; echo; echo "== $name"; if "$@"; then results+=("PASS $name"); else results+=("FAIL $name"); fail=1; fi; }
free_port() { python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])'; }
wait_for() { # seconds, command...
  local n="$1"; shift; local i
  for ((i = 0; i < n * 10; i++)); do "$@" >/dev/null 2>&1 && return 0; sleep 0.1; done
  return 1
}
show_logs() { local f; for f in "$TMP"/*.log; do [ -s "$f" ] && { echo "--- $f"; tail -n 15 "$f"; }; done; }

# --- MariaDB ---------------------------------------------------------------------------------
SOCK="$TMP/mysqld.sock"
start_db() {
  start_mariadb "$TMP" --skip-networking --innodb-buffer-pool-size=64M || return 1
  pids+=("$WEB_PID")
  wait_for 60 mariadb-admin --no-defaults --socket="$SOCK" -uroot ping || { show_logs; return 1; }
  mariadb --no-defaults --socket="$SOCK" -uroot -e "CREATE DATABASE wordpress; CREATE USER 'wp'@'localhost' IDENTIFIED BY 'wp-test-db-password'; GRANT ALL ON wordpress.* TO 'wp'@'localhost';"
}

PORT_FFI="$(free_port)"; PORT_PHP="$(free_port)"; FPM_FFI="$(free_port)"; FPM_PHP="$(free_port)"
ADMIN_PW="admin-test-password-$$"
PLUGIN_DIR="$TMP/wp-content/plugins/everifin-webhook"
BINDING="$PLUGIN_DIR/vendor/everifin-webhook"
# readme.txt's /opt/everifin-webhook and /etc/php/X.Y/fpm/conf.d/90-everifin-webhook.ini, here:
# outside wp-content/plugins, and nothing of the machine's own PHP is touched.
NATIVE_DIR="$TMP/opt/everifin-webhook"
NATIVE_INI="$TMP/conf.d/90-everifin-webhook.ini"
FFI_PID=""
export WORDPRESS_CONFIG="$NAME" WP_TEST_HOST="127.0.0.1:$PORT_FFI"
wpcli() { php -d ffi.enable=0 "$HERE/setup.php" "$WP" "$@"; }

write_config() {
  mkdir -p "$TMP/wp-content/plugins" "$TMP/wp-content/mu-plugins" "$TMP/wp-content/uploads" "$TMP/wp-content/themes"
  install -m 0644 "$HERE/woocommerce-stand-in.php" "$HERE/test-hooks.php" "$TMP/wp-content/mu-plugins/"
  local salts; salts="$(python3 -c 'import secrets; print("".join("define(%r, %r);\n" % (k, secrets.token_hex(32)) for k in ["AUTH_KEY","SECURE_AUTH_KEY","LOGGED_IN_KEY","NONCE_KEY","AUTH_SALT","SECURE_AUTH_SALT","LOGGED_IN_SALT","NONCE_SALT"]))')"
  cat > "$CONFIG" <<PHP
<?php
// Written by everifin-webhook's tests/dist/wordpress.sh for its own WordPress; removed afterwards.
define('DB_NAME', 'wordpress');
define('DB_USER', 'wp');
define('DB_PASSWORD', 'wp-test-db-password');
define('DB_HOST', 'localhost:$SOCK');
define('WP_CONTENT_DIR', '$TMP/wp-content');
\$evf_host = isset(\$_SERVER['HTTP_HOST']) && preg_match('/^127\.0\.0\.1:\d+\$/', \$_SERVER['HTTP_HOST']) ? \$_SERVER['HTTP_HOST'] : '127.0.0.1:$PORT_FFI';
define('WP_HOME', 'http://' . \$evf_host);
define('WP_SITEURL', 'http://' . \$evf_host);
define('WP_CONTENT_URL', 'http://' . \$evf_host . '/wp-content');
define('FS_METHOD', 'direct');
define('DISABLE_WP_CRON', true);
define('WP_HTTP_BLOCK_EXTERNAL', true);
define('AUTOMATIC_UPDATER_DISABLED', true);
define('WP_DEBUG', true);
define('WP_DEBUG_DISPLAY', false);
define('WP_DEBUG_LOG', '$TMP/wp-debug.log');
// The test's Redis, for wordpress/object-cache.php while object_cache() installs it.
define('EVF_TEST_REDIS_SOCKET', '$TMP/redis.sock');
$salts
PHP
}

start_web() {
  local pool port ini
  for pool in ffi fallback; do
    if [ "$pool" = ffi ]; then port="$FPM_FFI"; else port="$FPM_PHP"; fi
    ini="$TMP/php-$pool.ini"
    {
      echo "error_log = $TMP/php-$pool.log"; echo "log_errors = On"; echo "display_errors = Off"
      # PHP's default memory_limit: what a stranger's body must not exhaust.
      echo "opcache.enable = 1"; echo "opcache.enable_cli = 0"; echo "memory_limit = 128M"
      if [ "$pool" = ffi ]; then
        # What readme.txt and the settings page tell the merchant (native_setup wrote it):
        # ffi.enable=preload (the default), ffi.preload and opcache.preload of stable copies.
        cat "$NATIVE_INI"
      else
        echo "ffi.enable = 0"
      fi
    } > "$ini"
    start_fpm "$TMP" "$pool" "$ini" "$port" 8 "clear_env = no"
    pids+=("$WEB_PID")
    [ "$pool" = ffi ] && FFI_PID="$WEB_PID"
  done
  local server=""
  for pool in ffi fallback; do
    if [ "$pool" = ffi ]; then port="$PORT_FFI"; fpm="$FPM_FFI"; else port="$PORT_PHP"; fpm="$FPM_PHP"; fi
    server+="
  server {
    listen 127.0.0.1:$port;
    root $WP;
    index index.php;
    # Larger than the library's 1 MiB limit: big bodies reach WordPress and the plugin.
    client_max_body_size 16m;
    location /wp-content/ { alias $TMP/wp-content/; }
    location / { try_files \$uri \$uri/ /index.php?\$args; }
    location ~ \\.php\$ {
      include /etc/nginx/fastcgi_params;
      fastcgi_param SCRIPT_FILENAME \$document_root\$fastcgi_script_name;
      fastcgi_param WORDPRESS_CONFIG $NAME;
      fastcgi_pass 127.0.0.1:$fpm;
    }
  }"
  done
  start_nginx "$TMP" 1 <<<"  access_log $TMP/nginx-access.log;$server"
  pids+=("$WEB_PID")
  local p
  for p in "$PORT_FFI" "$PORT_PHP"; do
    wait_for 30 curl -sf -o /dev/null "http://127.0.0.1:$p/wp-login.php" || { show_logs; return 1; }
  done
}

install_plugin() {
  wpcli upload "$ZIP" || return 1
  wpcli activate everifin-webhook/everifin-webhook.php || return 1
  # The activation hook created the secrets option, not autoloaded.
  local opt; opt="$(wpcli option everifin_webhook_secrets)"; echo "option after activation: $opt"
  [[ "$opt" == *'"autoload":"no"'* ]]
}

# The settings page's "Native library" commands (Everifin_Webhook_Admin::nativeSetup(), this site's
# paths), which readme.txt's Installation step 3 must give word for word with its example paths;
# run as the merchant runs them, with /opt/everifin-webhook and the conf.d file moved into $TMP
# and without sudo; the last line (php-fpm -t, reload) is start_web's and the update's business.
native_setup() {
  wpcli native-setup > "$TMP/native-setup.sh" || return 1
  python3 "$ROOT/tests/dist/readme_block.py" "$ROOT/plugins/woocommerce/everifin-webhook/readme.txt" "$TMP/native-setup.sh" \
    --what "the settings page's commands (Installation step 3)" \
    --replace "$PLUGIN_DIR" /var/www/html/wp-content/plugins/everifin-webhook --replace "php-fpm$PHPV" php-fpm8.2 \
    --replace "/etc/php/$PHPV/" /etc/php/8.2/ --replace "php$PHPV-fpm" php8.2-fpm > /dev/null || return 1
  mkdir -p "$(dirname "$NATIVE_DIR")" "$(dirname "$NATIVE_INI")"
  sed -e '/^sudo php-fpm.* -t && /d' -e 's/^sudo //' -e "s#/opt/everifin-webhook#$NATIVE_DIR#g" \
    -e "s#/etc/php/$PHPV/fpm/conf.d/90-everifin-webhook.ini#$NATIVE_INI#" "$TMP/native-setup.sh" > "$TMP/native-setup-run.sh"
  bash -e "$TMP/native-setup-run.sh" || return 1
  ls -l "$NATIVE_DIR"; cat "$NATIVE_INI"
  [ -f "$NATIVE_DIR/libeverifin_webhook.so" ] && [ -f "$NATIVE_DIR/preload.php" ] || return 1
  grep -qx "#define FFI_LIB \"$NATIVE_DIR/libeverifin_webhook.so\"" "$NATIVE_DIR/everifin_webhook.ffi.h" || { echo "FFI_LIB does not name the copy"; return 1; }
  # Nothing PHP-FPM loads at start is in the plugin folder.
  if grep -n "$TMP/wp-content" "$NATIVE_INI" "$NATIVE_DIR/everifin_webhook.ffi.h"; then return 1; fi
  [ ! -e "$BINDING/lib/everifin_webhook.ffi.h" ]
}

fpm_test() { # INI: php-fpm -t of the ffi master with that php.ini (what readme.txt runs before a reload)
  "$FPM" -t -R -c "$1" -y "$TMP/fpm-ffi.conf"
}
restart_ffi() { # INI: stops the ffi master, starts it again with that php.ini
  if [ -n "$FFI_PID" ]; then kill "$FFI_PID" 2>/dev/null; wait "$FFI_PID" 2>/dev/null; fi
  start_fpm "$TMP" ffi "$1" "$FPM_FFI" 8 "clear_env = no"
  FFI_PID="$WEB_PID"; pids+=("$WEB_PID")
  wait_for 30 curl -sf -o /dev/null "http://127.0.0.1:$PORT_FFI/wp-login.php" || { show_logs; return 1; }
}
site_check() { # MODE: webhooks.py's checks of that mode on the ffi site
  python3 "$HERE/webhooks.py" --mode "$1" --php "php -d ffi.enable=0 $HERE/setup.php $WP" \
    --site "ffi=http://127.0.0.1:$PORT_FFI" --admin-password "$ADMIN_PW"
}

# The former readme's setup (ffi-header.php without --lib/--out: the header in the plugin folder,
# php.ini naming it and the plugin's preload.php), to show what an update does to it.
former_layout() {
  php "$BINDING/bin/ffi-header.php" >/dev/null || return 1
  { grep -v -E '^(error_log|ffi\.preload|opcache\.preload) ?=' "$TMP/php-ffi.ini"
    echo "error_log = $TMP/former-layout.log"
    echo "ffi.preload = $BINDING/lib/everifin_webhook.ffi.h"
    echo "opcache.preload = $BINDING/preload.php"; } > "$TMP/php-ffi-former.ini"
}

# An update the way WordPress does it ("Replace current with uploaded": the plugin folder deleted
# and unpacked again), then php-fpm -t and a restart: the documented setup keeps PHP-FPM starting;
# the former one does not.
update_plugin() {
  local ok=0 rc
  former_layout || return 1
  fpm_test "$TMP/php-ffi-former.ini" >/dev/null 2>&1 || { echo "php-fpm -t fails with the former layout before the update"; return 1; }
  # While php.ini names files in a plugin folder, the plugin says so on every admin page.
  restart_ffi "$TMP/php-ffi-former.ini" && site_check preload-warning || ok=1
  wpcli replace "$ZIP" || return 1
  [ ! -e "$BINDING/lib/everifin_webhook.ffi.h" ] || { echo "the replaced plugin folder still has the header"; ok=1; }
  fpm_test "$TMP/php-ffi-former.ini" >/dev/null 2>&1; rc=$?
  echo "former layout after the update: php-fpm -t exits $rc: $(grep -i 'fatal' "$TMP/former-layout.log" | tail -n 1)"
  [ "$rc" != 0 ] && grep -q 'PHP Fatal error:  Unable to start FFI module' "$TMP/former-layout.log" \
    || { echo "php-fpm -t should fail (Unable to start FFI module) for the former layout after an update"; ok=1; }
  fpm_test "$TMP/php-ffi.ini" || { echo "php-fpm -t fails for the documented layout after an update"; return 1; }
  restart_ffi "$TMP/php-ffi.ini" || return 1
  site_check after-update || ok=1
  return $ok
}

# docs/cli.md, "Against the WooCommerce plugin" (readme.txt's FAQ gives the same lines): the shipped
# order-safety scenario changes no order (externalId "3001-<run>") and passes on its statuses alone,
# --require-decisions fails it; the documented copy with two new orders' IDs moves them.
send_recipe() {
  local ok=0 cli url a b st
  ( source scripts/target-dir.sh; cargo build --quiet --release --features cli --bin everifin-webhook ) || return 1
  cli="$(bash scripts/target-dir.sh)/release/everifin-webhook"
  url="http://127.0.0.1:$PORT_FFI/wp-json/everifin/v1/webhook"
  # The secret webhooks.py configured (its SECRETS[1]).
  printf '%s\n' "wp-test hook secret 2026 (new)" > "$TMP/send-secrets.txt"
  "$cli" send --quiet --scenario order-safety --url "$url" --secret-file "$TMP/send-secrets.txt" > "$TMP/send-shipped.out" 2>&1 \
    || { echo "the shipped scenario should pass on its statuses alone"; ok=1; }
  echo "shipped order-safety: $(grep -E '^(summary|decisions):' "$TMP/send-shipped.out" | tr '\n' ' ')"
  if "$cli" send --quiet --scenario order-safety --require-decisions --url "$url" --secret-file "$TMP/send-secrets.txt" > "$TMP/send-required.out" 2>&1; then
    echo "--require-decisions should fail a run that changed no order"; ok=1
  fi
  echo "shipped order-safety --require-decisions: $(grep -E '^(summary|decisions):' "$TMP/send-required.out" | tr '\n' ' ')"
  a="$(wpcli order)" && b="$(wpcli order)" || return 1
  python3 "$ROOT/tests/dist/readme_block.py" --doc-block "$ROOT/docs/cli.md" woocommerce-send > "$TMP/send-block.sh" || return 1
  python3 "$ROOT/tests/dist/readme_block.py" "$ROOT/plugins/woocommerce/everifin-webhook/readme.txt" "$TMP/send-block.sh" \
    --what "docs/cli.md's woocommerce-send lines (FAQ)" > "$TMP/send-recipe.sh" || return 1
  sed -i -e "s/4711/$a/g; s/4712/$b/g" \
    -e "s#^everifin-webhook send#$cli send#" -e "s#https://shop.example#http://127.0.0.1:$PORT_FFI#" \
    -e "s#secrets.txt#$TMP/send-secrets.txt#" "$TMP/send-recipe.sh"
  ( cd "$TMP" && bash -e send-recipe.sh > send-recipe.out 2>&1 ) || { cat "$TMP/send-recipe.out"; ok=1; }
  echo "documented copy: $(grep -E '^(summary|decisions):' "$TMP/send-recipe.out" | tr '\n' ' ')"
  for o in "$a" "$b"; do
    st="$(wpcli order-state "$o")"
    python3 -c 'import json, sys; s = json.loads(sys.argv[1]); sys.exit(0 if s["status"] == "wc-processing" and s["paymentComplete"] == 1 else 1)' "$st" \
      || { echo "order $o should be paid once: $st"; ok=1; }
  done
  wpcli order-state "$a" | grep -q 'record it with the Refund button' || { echo "order $a should have the refund note"; ok=1; }
  return $ok
}

# A persistent object cache shared by every request (Redis behind the test's drop-in, as Redis
# Object Cache works): webhooks.py's object-cache checks, then the drop-in is removed.
object_cache() {
  local ok=0
  redis-server --port 0 --unixsocket "$TMP/redis.sock" --unixsocketperm 700 --save '' --appendonly no \
    --logfile "$TMP/redis.log" > /dev/null 2>&1 &
  pids+=("$!")
  wait_for 10 redis-cli -s "$TMP/redis.sock" ping || { show_logs; return 1; }
  install -m 0644 "$HERE/object-cache.php" "$TMP/wp-content/object-cache.php"
  site_check object-cache || ok=1
  rm -f "$TMP/wp-content/object-cache.php"
  return $ok
}

# Deactivated: the webhook URL is 404 (readme.txt's FAQ). Deleted (uninstall.php): the plugin's
# options are gone, and PHP-FPM still starts with the documented setup.
delete_plugin() {
  local ok=0 o v
  wpcli deactivate everifin-webhook/everifin-webhook.php || return 1
  site_check deactivated || ok=1
  wpcli delete everifin-webhook/everifin-webhook.php || return 1
  [ ! -e "$PLUGIN_DIR" ] || { echo "the plugin folder is still there"; ok=1; }
  for o in everifin_webhook_secrets everifin_webhook_last_rejected everifin_webhook_last_unmatched; do
    v="$(wpcli option-raw "$o")"
    [ "$v" = null ] || { echo "option $o left after uninstall: $v"; ok=1; }
  done
  if fpm_test "$TMP/php-ffi-former.ini" >/dev/null 2>&1; then echo "php-fpm -t should fail for the former layout"; ok=1; fi
  fpm_test "$TMP/php-ffi.ini" || { echo "php-fpm -t fails for the documented layout without the plugin"; return 1; }
  restart_ffi "$TMP/php-ffi.ini" || return 1
  return $ok
}

step "MariaDB (own datadir, socket only)" start_db || true
install_wp() { write_config && wpcli install "$ADMIN_PW"; }
step "Debian's WordPress: /etc/wordpress/config-$NAME.php, wp_install" install_wp || true
step "plugin ZIP: uploaded with Plugin_Upgrader, activated with activate_plugin" install_plugin || true
step "native library as readme.txt and the settings page say: copies outside the plugin folder" native_setup || true
step "nginx + PHP-FPM (ffi: preload, fallback: ffi.enable=0) on 127.0.0.1" start_web || true
step "webhooks through both backends (answers and stored order state)" \
  python3 "$HERE/webhooks.py" --php "php -d ffi.enable=0 $HERE/setup.php $WP" \
    --site "ffi=http://127.0.0.1:$PORT_FFI" --site "fallback=http://127.0.0.1:$PORT_PHP" \
    --admin-password "$ADMIN_PW" --db "mariadb --no-defaults --socket=$SOCK -uroot wordpress" || true
step "persistent object cache (Redis drop-in): no order left stale in it after a delivery" object_cache || true
step "plugin updated (folder replaced), php-fpm -t, PHP-FPM restarted: still starts, FFI, webhooks" update_plugin || true
step "everifin-webhook send: the shipped scenario moves no order (--require-decisions fails it), docs/cli.md's copy does" send_recipe || true
step "plugin deactivated (404) and deleted (options gone), php-fpm -t, PHP-FPM restarted" delete_plugin || true
# WordPress 6.1 on PHP 8.2 logs deprecations of its own; the plugin must log nothing, and nothing fatal.
if [ -s "$TMP/wp-debug.log" ] && grep -E -i "fatal|everifin" "$TMP/wp-debug.log"; then
  results+=("FAIL PHP errors of the plugin in wp-debug.log"); fail=1
fi
for f in "$TMP"/php-ffi.log "$TMP"/php-fallback.log; do
  if [ -s "$f" ] && grep -E -i "fatal|everifin" "$f"; then results+=("FAIL PHP errors in $(basename "$f")"); fail=1; fi
done
[ "$fail" = 0 ] || show_logs

echo; echo "== summary"
passed=0; failed=0
for r in "${results[@]}"; do echo "  $r"; case "$r" in PASS*) passed=$((passed+1));; *) failed=$((failed+1));; esac; done
echo "test-wordpress: $passed passed, $failed failed"
exit $fail
