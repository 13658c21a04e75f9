#!/usr/bin/env bash
# Worker CPU per request under PHP-FPM (make bench-php-fpm): nginx in front of three PHP-FPM
# masters, each with 8 static workers, all on 127.0.0.1:
#   lean: the hand-written verifier of bench/lean.php (opcache on, no FFI);
#   ffi:  the binding with the library preloaded (ffi.preload + opcache.preload, the README's lines);
#   php:  the binding without preloading (its pure-PHP fallback).
# wrk (32 connections, 2 threads) posts the official event, signed just before each run, in
# interleaved rounds; the CPU time of each master's workers (utime + stime from /proc) over the
# requests served gives the CPU per request. Prints the ratio of the binding's to the lean
# endpoint's (goal: FFI through preload within 1.3x). Not part of `make test`.
# Options (environment): ROUNDS (3), DURATION seconds per run (8). Needs root (php-fpm -R).
# Installs nginx, php-fpm and wrk with apt-get when missing.
set -euo pipefail

PKG_DIR="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
ROOT="$(cd "$PKG_DIR/../.." && pwd)"
ROUNDS="${ROUNDS:-3}"
DURATION="${DURATION:-8}"

if [ "$(id -u)" != 0 ]; then
  echo "bench-php-fpm: needs root (PHP-FPM workers run with -R)" >&2; exit 1
fi
source "$ROOT/scripts/web-stack.sh"
web_install php-cli php-fpm nginx wrk || { echo "bench-php-fpm: apt-get install failed" >&2; exit 1; }
web_binaries || exit 1

source "$ROOT/scripts/target-dir.sh"   # TARGET_DIR: CARGO_TARGET_DIR or target/
LIB="$TARGET_DIR/release/libeverifin_webhook.so"
if [ ! -f "$LIB" ]; then
  (cd "$ROOT" && cargo build --release --lib --quiet)
fi
mkdir -p "$PKG_DIR/lib"
cp -f "$LIB" "$PKG_DIR/lib/libeverifin_webhook.so"

DIR="$(mktemp -d /tmp/everifin-bench-fpm.XXXXXX)"
PIDS=()
cleanup() {
  for pid in "${PIDS[@]}"; do kill "$pid" 2>/dev/null || true; done
  sleep 1
  for pid in "${PIDS[@]}"; do kill -9 "$pid" 2>/dev/null || true; done
  rm -rf "$DIR"
}
trap cleanup EXIT

php "$PKG_DIR/bin/ffi-header.php" --out="$DIR/everifin_webhook.ffi.h" >/dev/null
SECRET="whsec-bench-fpm-7e1d"
free_port() { php -r '$s=stream_socket_server("tcp://127.0.0.1:0"); echo explode(":", stream_socket_get_name($s, false))[1];'; }

declare -A PORT MASTER
for name in lean ffi php; do
  PORT[$name]="$(free_port)"
  {
    echo "error_log = $DIR/php-$name.log"
    echo "log_errors = On"
    echo "display_errors = Off"
    echo "ffi.enable = preload"
    echo "opcache.enable = 1"
    echo "opcache.validate_timestamps = 0"
    if [ "$name" = ffi ]; then
      echo "ffi.preload = $DIR/everifin_webhook.ffi.h"
      echo "opcache.preload = $PKG_DIR/preload.php"
      echo "opcache.preload_user = root"
    fi
  } > "$DIR/php-$name.ini"
  start_fpm "$DIR" "$name" "$DIR/php-$name.ini" "${PORT[$name]}" 8 "pm.max_requests = 0" \
    "clear_env = yes" "env[BENCH_HOOK_SECRET] = $SECRET"
  MASTER[$name]=$WEB_PID
  PIDS+=("$WEB_PID")
done
HTTP_PORT="$(free_port)"
locations=""
for name in lean ffi php; do
  script="$PKG_DIR/bench/fpm/binding.php"; [ "$name" = lean ] && script="$PKG_DIR/bench/fpm/lean.php"
  locations+="
  location /$name { include /etc/nginx/fastcgi_params; fastcgi_param SCRIPT_FILENAME $script; fastcgi_keep_conn on; fastcgi_pass $name; }"
done
start_nginx "$DIR" 2 <<CONF
 access_log off;
 upstream lean { server 127.0.0.1:${PORT[lean]}; keepalive 16; }
 upstream ffi { server 127.0.0.1:${PORT[ffi]}; keepalive 16; }
 upstream php { server 127.0.0.1:${PORT[php]}; keepalive 16; }
 server { listen 127.0.0.1:$HTTP_PORT;$locations
 }
CONF
PIDS+=("$WEB_PID")

for port in "${PORT[@]}" "$HTTP_PORT"; do
  for _ in $(seq 100); do
    (exec 3<>"/dev/tcp/127.0.0.1/$port") 2>/dev/null && break
    sleep 0.1
  done
done

URL="http://127.0.0.1:$HTTP_PORT"
for name in ffi php; do
  got="$(php -r 'echo @file_get_contents($argv[1]);' "$URL/$name?backend=1" || true)"
  case "$got" in
    *"\"backend\":\"$name\""*) ;;
    *) echo "bench-php-fpm: the $name pool does not use the $name backend: $got" >&2; cat "$DIR"/php-*.log 2>/dev/null >&2 || true; exit 1 ;;
  esac
done

# The CPU seconds used so far by a master's worker processes (utime + stime, clock ticks).
worker_ticks() {
  local master="$1" total=0 pid stat rest
  for pid in $(ps -o pid= --ppid "$master"); do
    stat="$(cat "/proc/$pid/stat" 2>/dev/null)" || continue
    rest="${stat##*) }"
    set -- $rest
    total=$((total + ${12} + ${13}))
  done
  echo "$total"
}
TICKS="$(getconf CLK_TCK)"

# The official event, signed now (the endpoints check a 300 s tolerance).
BODY='{"eventId":"c2949dfe-4585-46eb-9213-35f0f7faf055","eventType":"payment.statusChange","eventTimestamp":"2024-05-07T14:49:55.884Z","data":{"paymentId":"da96bc8f-3c3e-4b7a-9d1e-0c1f3b5a7e21","orderId":"8840d948-12da-4ca1-8269-3cfdc10b73bc","status":"BOOKED","instructionId":"302d7603-f5ce-45fb-82b3-a1a90ee26aca","hookData":{"customId":12341234,"note":"order x54352"}}}'
lua_script() {
  local header
  header="$(php -r 'require $argv[1]; echo Everifin\Webhook\Verifier::sign($argv[2], [$argv[3]]);' "$PKG_DIR/autoload.php" "$BODY" "$SECRET")"
  cat > "$DIR/post.lua" <<LUA
wrk.method = "POST"
wrk.body = [==[$BODY]==]
wrk.headers["Content-Type"] = "application/json"
wrk.headers["Signature"] = "$header"
LUA
}

declare -A CPU REQS RATE
run() { # name seconds -> appends "requests ticks" to $DIR/res-name
  local name="$1" secs="$2" before after out reqs bad
  lua_script
  before="$(worker_ticks "${MASTER[$name]}")"
  out="$(timeout $((secs + 30)) wrk -t2 -c32 -d"${secs}s" -s "$DIR/post.lua" "$URL/$name")"
  after="$(worker_ticks "${MASTER[$name]}")"
  reqs="$(echo "$out" | awk '/requests in/ {print $1}')"
  bad="$(echo "$out" | awk '/Non-2xx/ {print $5}')"
  if [ -n "$bad" ] && [ "$bad" != 0 ]; then
    echo "bench-php-fpm: $name answered $bad requests with a non-2xx status" >&2; echo "$out" >&2; exit 1
  fi
  echo "$reqs $((after - before))" >> "$DIR/res-$name"
}

for name in lean ffi php; do run "$name" 2 >/dev/null; rm -f "$DIR/res-$name"; done   # warm-up
for r in $(seq "$ROUNDS"); do
  order=(lean ffi php); [ $((r % 2)) = 0 ] && order=(php ffi lean)
  for name in "${order[@]}"; do run "$name" "$DURATION"; done
done

summary() { # name -> "req/s us_cpu_per_request"
  awk -v d="$DURATION" -v t="$TICKS" '{r+=$1; c+=$2; n++} END {printf "%.0f %.1f", r/(n*d), (c/t)/r*1e6}' "$DIR/res-$1"
}
read -r lean_rate lean_cpu <<<"$(summary lean)"
echo "bench-php-fpm ($ROUNDS rounds of ${DURATION}s, wrk 32 connections, 8 workers per pool, $(nproc) CPUs): lean endpoint $lean_rate req/s, $lean_cpu us worker CPU per request"
for name in ffi php; do
  read -r rate cpu <<<"$(summary "$name")"
  ratio="$(awk -v a="$cpu" -v b="$lean_cpu" 'BEGIN {printf "%.2f", a/b}')"
  if [ "$name" = ffi ]; then
    met="$(awk -v r="$ratio" 'BEGIN {print (r <= 1.3) ? "met" : "NOT met"}')"
    echo "bench-php-fpm binding, FFI through preload: $rate req/s, $cpu us worker CPU per request = ${ratio}x lean (goal <= 1.3x: $met)"
  else
    echo "bench-php-fpm binding, pure-PHP fallback: $rate req/s, $cpu us worker CPU per request = ${ratio}x lean"
  fi
done
