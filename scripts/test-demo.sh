#!/usr/bin/env bash
# make test-demo: `make demo`, then proof that its checks catch what its last line claims and that
# the demo shop (code people copy) holds against what a stranger POSTs:
#   1. scripts/demo.sh as it is: passes;
#   2. broken copies of demo/shop/webhook.php, each run through scripts/demo.sh
#      (EVERIFIN_DEMO_SHOP_DIR): the demo must fail, and name what broke:
#      - a shop that also acts on `already_paid` skips, writing the event's suggested state over
#        the order: the history check reports the skip that changed the order and the un-paid order;
#      - a shop that writes every applied event's suggested state over the order (the refund makes
#        a paid order "refunded"): the final state check reports order 3001;
#   3. shop_apply() (the shop's state has the last word) on orders the merchant moved:
#      demo/tests/shop-apply.php;
#   4. the demo shop under php -S -d memory_limit=128M -d post_max_size=0 (a shop that accepts big
#      POSTs), FFI and pure-PHP backends:
#      - a 54 MB unsigned JSON body (nested arrays): 413 BODY_TOO_LARGE, quickly, no PHP error;
#      - a webhook POSTed to a mistyped URL: POST /webhook 404, POST / 405; GET / 200 (the history),
#        GET /webhook.php 405.
# Exit status: non-zero when anything failed. Uses the same build as scripts/demo.sh
# (CARGO_TARGET_DIR or target/: scripts/target-dir.sh).
set -uo pipefail

ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
cd "$ROOT"
TMP="$(mktemp -d "${TMPDIR:-/tmp}/everifin-test-demo.XXXXXX")"
SERVER_PID=""
stop_server() {
  if [ -n "$SERVER_PID" ]; then
    kill "$SERVER_PID" 2>/dev/null || true
    wait "$SERVER_PID" 2>/dev/null || true
    SERVER_PID=""
  fi
}
trap 'stop_server; rm -rf "$TMP"' EXIT
trap 'exit 130' INT TERM

passed=0
failed=0
pass() { echo "PASS $*"; passed=$((passed + 1)); }
fail() { echo "FAIL $*"; failed=$((failed + 1)); }

# 1. The demo as shipped.
echo "== 1. make demo (scripts/demo.sh)"
if bash scripts/demo.sh; then
  pass "the demo passes"
else
  fail "the demo fails"
  echo "test-demo: the demo itself fails; the other checks need it" >&2
  exit 1
fi
source "$ROOT/scripts/target-dir.sh"
source "$ROOT/scripts/php-server.sh"
export EVERIFIN_WEBHOOK_LIB="$TARGET_DIR/release/libeverifin_webhook.so"

# 2. Broken shops. A copy of the shop next to a link to the bindings (shop.php finds them at
# ../../bindings), with one line of webhook.php replaced.
APPLY_LINE='        [$after, $note] = $decision->shouldApply() ? shop_apply($before, $event) : [$before, null];'
mutant() { # name, replacement line, expected text in the demo's output...
  local name="$1" replacement="$2"; shift 2
  local dir="$TMP/mutant-$name"
  mkdir -p "$dir/demo"
  cp -r "$ROOT/demo/shop" "$dir/demo/shop"
  ln -s "$ROOT/bindings" "$dir/bindings"
  if ! APPLY_LINE="$APPLY_LINE" REPLACEMENT="$replacement" php -r '
      $f = $argv[1]; $s = file_get_contents($f);
      $n = substr_count($s, getenv("APPLY_LINE"));
      file_put_contents($f, str_replace(getenv("APPLY_LINE"), getenv("REPLACEMENT"), $s));
      exit($n === 1 ? 0 : 1);' "$dir/demo/shop/webhook.php"; then
    fail "mutant $name: the line it replaces is not (once) in demo/shop/webhook.php: update scripts/test-demo.sh"
    return
  fi
  echo
  echo "== 2. mutant $name: scripts/demo.sh must fail"
  local status=0
  EVERIFIN_DEMO_SHOP_DIR="$dir/demo/shop" bash scripts/demo.sh >"$dir/demo.out" 2>&1 || status=$?
  tail -n 12 "$dir/demo.out" | sed 's/^/    /'
  if [ "$status" -eq 0 ]; then
    fail "mutant $name: the demo passed with a broken shop"
    return
  fi
  local want
  for want in "$@"; do
    if ! grep -qF -- "$want" "$dir/demo.out"; then
      fail "mutant $name: the demo failed, but did not say: $want"
      return
    fi
  done
  pass "mutant $name: the demo fails and says why"
}
# The review's broken shop: acts on already_paid skips too (and writes the suggested state).
mutant acts-on-already-paid \
  '        [$after, $note] = ($decision->shouldApply() || $decision->reason === "already_paid") ? [$event->suggestedFor("woocommerce") ?? $before, null] : [$before, null];' \
  'invariant broken: #' 'skip (already_paid) changed the order processing -> failed' \
  'the order was paid, and this delivery un-paid it' 'demo: FAILED'
# The shop before the shop's-state-has-the-last-word rule: every applied event overwrites the order.
mutant overwrites-order-state \
  '        [$after, $note] = $decision->shouldApply() ? [$event->suggestedFor("woocommerce") ?? $before, null] : [$before, null];' \
  'expected order 3001-demo in state processing, found refunded' 'demo: FAILED'

# 3. The order rule on states the scenarios never reach (a completed, cancelled, refunded order).
echo
echo "== 3. php demo/tests/shop-apply.php"
if php demo/tests/shop-apply.php | sed 's/^/    /'; then   # pipefail: php's status
  pass "shop_apply: an order the merchant moved keeps its state; paid once; a booked refund leaves a note"
else
  fail "shop_apply: see the FAIL lines above"
fi

# 4. The shop against strangers: its own php -S, the way a shop that accepts big POSTs runs it.
start_shop() { # backend (ffi|php)
  local backend="$1"
  local dir="$TMP/shop-$backend"
  mkdir -p "$dir"
  (umask 077 && php -r 'echo "test-", bin2hex(random_bytes(16)), "\n";' >"$dir/secrets.txt")
  local flags=(-d ffi.enable=0)
  if [ "$backend" = ffi ]; then
    php "$ROOT/bindings/php/bin/ffi-header.php" --out="$dir/everifin_webhook.ffi.h" >/dev/null
    flags=(-d ffi.enable=1 -d "ffi.preload=$dir/everifin_webhook.ffi.h")
  fi
  SERVER_LOG="$dir/server.log"
  start_php_server "$SERVER_LOG" \
    env EVERIFIN_WEBHOOK_SECRET_FILE="$dir/secrets.txt" EVERIFIN_DEMO_DB="$dir/shop.sqlite" \
    php "${flags[@]}" -d memory_limit=128M -d post_max_size=0 -d display_errors=0 -d log_errors=1 \
    -- -t "$ROOT/demo/shop" "$ROOT/demo/shop/router.php"
}
# METHOD PATH [BODY-FILE] -> "HTTP-STATUS CONTENT-TYPE SECONDS" and the body in $TMP/answer
http() {
  curl -s -o "$TMP/answer" -w '%{http_code} %{content_type} %{time_total}' -X "$1" \
    ${3:+--data-binary "@$3"} -H 'Content-Type: application/json' --max-time 60 "http://127.0.0.1:$PORT$2"
}

# 54 MB of JSON that claims an order and is mostly nested arrays: json_decode of it needs GBs.
BIG="$TMP/big.json"
php -r '$f = fopen($argv[1], "w");
  fwrite($f, "{\"eventId\":\"4e896aa3-bbba-4a75-a888-06bcfe403c99\",\"eventType\":\"payment.statusChange\",\"data\":{\"externalId\":\"big-1\",\"status\":\"BOOKED\"},\"pad\":[");
  $chunk = str_repeat("[0],", 1 << 16);
  for ($i = 0; $i < 216; $i++) { fwrite($f, $chunk); }
  fwrite($f, "[0]]}"); fclose($f);' "$BIG"

for backend in ffi php; do
  echo
  echo "== 4. the demo shop under php -S -d memory_limit=128M -d post_max_size=0 ($backend backend)"
  if ! start_shop "$backend"; then
    fail "$backend: the shop did not start"
    continue
  fi
  read -r code type secs < <(http POST /webhook.php "$BIG")
  answer="$(head -c 300 "$TMP/answer")"
  echo "    POST /webhook.php, $(stat -c %s "$BIG") bytes, no Signature: $code in ${secs}s: $answer"
  if [ "$code" = 413 ] && grep -q '"BODY_TOO_LARGE"' "$TMP/answer"; then
    pass "$backend: a 54 MB unsigned body gets 413 BODY_TOO_LARGE under memory_limit=128M"
  else
    fail "$backend: a 54 MB unsigned body got $code, not 413 BODY_TOO_LARGE"
  fi
  # The rejected request is recorded, and what the body claimed is not (it was never parsed).
  rows="$(php -r '$db = new PDO("sqlite:" . $argv[1]);
    echo json_encode($db->query("SELECT http_status, result, claimed_ref, claimed_status FROM deliveries")->fetchAll(PDO::FETCH_NUM));' "$TMP/shop-$backend/shop.sqlite")"
  if [ "$rows" = '[[413,"BODY_TOO_LARGE",null,null]]' ]; then
    pass "$backend: recorded as BODY_TOO_LARGE, nothing taken from the body"
  else
    fail "$backend: the shop recorded $rows"
  fi

  for check in "POST /webhook 404" "POST / 405" "POST /index.php 405" "POST /history.php 405" "GET /webhook.php 405" \
               "GET /webhook 404" "GET / 200" "GET /history.php 200"; do
    read -r method path want <<<"$check"
    printf '{}' >"$TMP/small.json"
    read -r code type secs < <(http "$method" "$path" "$([ "$method" = POST ] && echo "$TMP/small.json")")
    if [ "$code" = "$want" ]; then
      pass "$backend: $method $path answers $want"
    else
      fail "$backend: $method $path answers $code ($type), not $want: $(head -c 200 "$TMP/answer")"
    fi
    if [ "$want" = 200 ] && ! grep -q '^Everifin demo shop: ' "$TMP/answer"; then
      fail "$backend: $method $path is not the history: $(head -c 200 "$TMP/answer")"
    fi
  done
  stop_server
  if grep -qiE 'PHP (Fatal|Warning|Notice|Deprecated)|Allowed memory size' "$SERVER_LOG"; then
    fail "$backend: the shop logged PHP errors: $(grep -iE 'PHP (Fatal|Warning|Notice|Deprecated)|Allowed memory size' "$SERVER_LOG" | head -3)"
  else
    pass "$backend: no PHP error in the server log"
  fi
done

echo
echo "test-demo: $passed passed, $failed failed"
[ "$failed" -eq 0 ]
