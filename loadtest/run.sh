#!/usr/bin/env bash
# `make loadtest`: the order-safety proof under load and faults (issue 9; docs/proof.md).
# Starts on 127.0.0.1, in a private temporary directory: MariaDB (schema: orders, applied_events,
# deliveries), PHP-FPM with the binding preloaded (FFI through ffi.preload + opcache.preload, as
# bindings/php/README.md tells shops) running loadtest/webhook.php, and nginx in front; then runs
# loadtest/generate.py (LOADTEST_REQUESTS, default 20000, at concurrency 32, killing PHP-FPM workers)
# and tears everything down. Installs what is missing with apt-get. Needs root (php-fpm -R,
# mariadbd --user=root). Exit status: that of the generator (non-zero unless L, D and W are 0).
# LOADTEST_UNLOCKED=1 makes the endpoint skip its row lock: a self-check that must end with D > 0.
set -uo pipefail

ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
[ "$(id -u)" = "0" ] || { echo "loadtest: needs root (PHP-FPM -R, a private MariaDB and nginx)" >&2; exit 1; }

source "$ROOT/scripts/web-stack.sh"
web_install php-cli php-fpm php-mysql php-mbstring nginx mariadb-server mariadb-client python3 \
  || { echo "loadtest: apt-get install failed" >&2; exit 1; }
web_binaries || exit 1
CLIENT="$(command -v mariadb || command -v mysql)"

source "$ROOT/scripts/target-dir.sh"   # TARGET_DIR: CARGO_TARGET_DIR or target/
LIB="$TARGET_DIR/release/libeverifin_webhook.so"
if command -v cargo >/dev/null; then
  (cd "$ROOT" && cargo build --release --lib --quiet) || { echo "loadtest: cargo build failed" >&2; exit 1; }
fi
[ -f "$LIB" ] || { echo "loadtest: $LIB is missing" >&2; exit 1; }

D="$(mktemp -d /tmp/everifin-loadtest.XXXXXX)"
chmod 755 "$D"
PIDS=()
cleanup() {
  for pid in "${PIDS[@]}"; do kill -TERM "$pid" 2>/dev/null; done
  for pid in "${PIDS[@]}"; do
    for _ in $(seq 1 100); do kill -0 "$pid" 2>/dev/null || break; sleep 0.1; done
    kill -KILL "$pid" 2>/dev/null
  done
  if [ "${LOADTEST_KEEP_DIR:-0}" = "1" ]; then echo "loadtest: logs kept in $D"; else rm -rf "$D"; fi
}
trap cleanup EXIT
trap 'exit 130' INT TERM

free_port() { python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])'; }
wait_for() { # description, command...
  local what="$1"; shift
  for _ in $(seq 1 300); do "$@" >/dev/null 2>&1 && return 0; sleep 0.1; done
  echo "loadtest: $what did not come up; logs in $D" >&2
  LOADTEST_KEEP_DIR=1; tail -n 20 "$D"/*.log >&2; exit 1
}

# MariaDB: a private data directory, a unix socket, TCP on 127.0.0.1 only.
DB_PORT="$(free_port)"
start_mariadb "$D" --port="$DB_PORT" --bind-address=127.0.0.1 \
  --innodb-buffer-pool-size=128M --max-connections=200 --innodb-lock-wait-timeout=20 \
  || { echo "loadtest: MariaDB did not start" >&2; exit 1; }
PIDS+=("$WEB_PID")
MYSQL="$CLIENT --no-defaults --socket=$D/mysqld.sock -uroot"
wait_for "MariaDB" $MYSQL -e 'SELECT 1'
$MYSQL <<'SQL' || { echo "loadtest: schema failed" >&2; exit 1; }
CREATE DATABASE shop;
USE shop;
-- The shop's orders: its status, the outcome it last applied, and the library's state.
CREATE TABLE orders (
  id INT PRIMARY KEY,
  shop_status VARCHAR(40) NULL,
  shop_outcome VARCHAR(40) NULL,
  webhook_state MEDIUMTEXT NOT NULL DEFAULT '{}'
) ENGINE=InnoDB;
-- Every applied event (no unique key: a double apply must be visible, not refused).
CREATE TABLE applied_events (
  id BIGINT AUTO_INCREMENT PRIMARY KEY,
  event_id VARCHAR(64) NOT NULL, order_id INT NOT NULL,
  entity VARCHAR(20) NULL, entity_id VARCHAR(64) NULL, status VARCHAR(40) NULL, outcome VARCHAR(40) NULL,
  at TIMESTAMP(6) NOT NULL DEFAULT CURRENT_TIMESTAMP(6), KEY (event_id)
) ENGINE=InnoDB;
-- Every committed decision (apply or skip): an event with none was lost.
CREATE TABLE deliveries (
  id BIGINT AUTO_INCREMENT PRIMARY KEY,
  event_id VARCHAR(64) NOT NULL, order_id INT NOT NULL, action VARCHAR(10) NOT NULL, reason VARCHAR(40) NOT NULL,
  at TIMESTAMP(6) NOT NULL DEFAULT CURRENT_TIMESTAMP(6), KEY (event_id)
) ENGINE=InnoDB;
SQL

# PHP-FPM with the binding preloaded (README of the PHP binding: ffi.preload + opcache.preload).
SECRET="whsec-loadtest-$(head -c 12 /dev/urandom | od -An -tx1 | tr -d ' \n')"
php "$ROOT/bindings/php/bin/ffi-header.php" --lib="$LIB" --out="$D/everifin_webhook.ffi.h" >/dev/null \
  || { echo "loadtest: bin/ffi-header.php failed" >&2; exit 1; }
FPM_PORT="$(free_port)"; HTTP_PORT="$(free_port)"
CHILDREN="${LOADTEST_FPM_CHILDREN:-12}"
cat >"$D/php.ini" <<INI
error_log = $D/php.log
log_errors = On
display_errors = Off
memory_limit = 256M
ffi.enable = preload
ffi.preload = $D/everifin_webhook.ffi.h
opcache.enable = 1
opcache.enable_cli = 0
opcache.preload = $ROOT/bindings/php/preload.php
opcache.preload_user = root
extension = pdo_mysql
INI
php -m | grep -qi '^pdo_mysql$' && sed -i '/^extension = pdo_mysql$/d' "$D/php.ini"
start_fpm "$D" loadtest "$D/php.ini" "$FPM_PORT" "$CHILDREN" "clear_env = yes" \
  "env[EVERIFIN_LOADTEST_SECRET] = $SECRET" "env[EVERIFIN_LOADTEST_DB_SOCKET] = $D/mysqld.sock" \
  "env[EVERIFIN_LOADTEST_UNLOCKED] = ${LOADTEST_UNLOCKED:-0}"
FPM_PID=$WEB_PID
PIDS+=("$FPM_PID")

start_nginx "$D" 1 <<CONF
  access_log off;
  keepalive_requests 100000;
  server {
    listen 127.0.0.1:$HTTP_PORT;
    location = /webhook {
      include /etc/nginx/fastcgi_params;
      fastcgi_param SCRIPT_FILENAME $ROOT/loadtest/webhook.php;
      fastcgi_pass 127.0.0.1:$FPM_PORT;
    }
  }
CONF
PIDS+=("$WEB_PID")
wait_for "nginx + PHP-FPM" python3 - "$HTTP_PORT" <<'PY'
import http.client, sys
c = http.client.HTTPConnection("127.0.0.1", int(sys.argv[1]), timeout=5)
c.request("GET", "/webhook?diagnose=1")
sys.exit(0 if c.getresponse().status == 200 else 1)
PY
diag="$(python3 -c 'import sys,urllib.request; print(urllib.request.urlopen("http://127.0.0.1:%s/webhook?diagnose=1" % sys.argv[1]).read().decode())' "$HTTP_PORT")"
echo "loadtest: endpoint $diag (nginx + PHP-FPM $PHPV, $CHILDREN workers; MariaDB $($MYSQL -B -N -e 'SELECT VERSION()'))"
if [ "${LOADTEST_ALLOW_PHP_BACKEND:-0}" != "1" ] && ! grep -q '"backend":"ffi"' <<<"$diag"; then
  echo "loadtest: the endpoint does not use the FFI backend inside PHP-FPM; see $D/php.log" >&2
  LOADTEST_KEEP_DIR=1; exit 1
fi

LOADTEST_URL="http://127.0.0.1:$HTTP_PORT/webhook" LOADTEST_SECRET="$SECRET" LOADTEST_FPM_PID="$FPM_PID" \
  LOADTEST_MYSQL="$MYSQL" python3 "$ROOT/loadtest/generate.py"
exit $?
