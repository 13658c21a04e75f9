#!/usr/bin/env bash
# Tests of the Python binding, from a clean checkout on a fresh machine:
#   1. a virtualenv in a temp dir; pip install "./bindings/python[test]" (builds the Rust library
#      into the package; the test extra brings the test tools); the everifin-webhook CLI;
#   2. mypy --strict on the package (and the Flask example and the tests);
#   3. pytest over bindings/python/tests against the INSTALLED package (vectors, API, ABI,
#      results, threads, memory, README snippet, Flask and Django examples incl. `send`); a
#      smoke run of bench/bench.py;
#   4. pip wheel (the licence files in it), install the wheel into a second clean virtualenv,
#      import and verify there;
#   5. the source tree has no new files that git would see.
# Exits non-zero on any failure. Env: PYTHON (default python3), KEEP_TMP=1 keeps the temp dir,
# PYTEST_ARGS extra pytest arguments.
set -euo pipefail

HERE="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
PY_ROOT="$(cd "$HERE/.." && pwd)"
REPO="$(cd "$PY_ROOT/../.." && pwd)"
PYTHON="${PYTHON:-python3}"
export PYTHONDONTWRITEBYTECODE=1   # no __pycache__ in the source tree
export PIP_DISABLE_PIP_VERSION_CHECK=1
unset EVERIFIN_WEBHOOK_LIB
# Cargo's output folder (TARGET_DIR; CARGO_TARGET_DIR exported absolute when set, so that pip's
# build of the package, which runs cargo from another folder, builds there too).
source "$REPO/scripts/target-dir.sh"

say() { printf '\n=== %s\n' "$*"; }

# --- prerequisites (install only what is missing) ---------------------------------------------
need_apt=()
command -v "$PYTHON" >/dev/null 2>&1 || need_apt+=(python3)
if command -v "$PYTHON" >/dev/null 2>&1; then
    "$PYTHON" -c 'import venv, ensurepip' >/dev/null 2>&1 || need_apt+=(python3-venv)
fi
command -v cc >/dev/null 2>&1 || need_apt+=(gcc libc6-dev)
if ((${#need_apt[@]})); then
    say "apt-get install ${need_apt[*]}"
    bash "$REPO/scripts/dist-tools.sh" --apt-only "${need_apt[@]}"
fi
if ! command -v cargo >/dev/null 2>&1; then
    [ -x "$HOME/.cargo/bin/cargo" ] && export PATH="$HOME/.cargo/bin:$PATH"
fi
command -v cargo >/dev/null 2>&1 || { echo "cargo (Rust toolchain) is required" >&2; exit 1; }

TMP="$(mktemp -d "${TMPDIR:-/tmp}/everifin-python.XXXXXX")"
cleanup() { if [ "${KEEP_TMP:-0}" = 1 ]; then echo "kept $TMP"; else rm -rf "$TMP"; fi; }
trap cleanup EXIT

git_status() {
    if command -v git >/dev/null 2>&1 && git -C "$REPO" rev-parse --is-inside-work-tree >/dev/null 2>&1; then
        git -C "$REPO" status --porcelain --untracked-files=all -- bindings/python
    fi
}
STATUS_BEFORE="$(git_status)"

# --- 1. install --------------------------------------------------------------------------------
say "virtualenv in $TMP/venv; pip install $PY_ROOT (builds the Rust library)"
"$PYTHON" -m venv "$TMP/venv"
VPY="$TMP/venv/bin/python"
# The package with its "test" extra (pytest, mypy, Flask, Django: the versions the examples need).
"$VPY" -m pip install -q "$PY_ROOT[test]"

# The command-line tool, for `everifin-webhook send --scenario payment-flow` against the examples.
if [ -z "${EVERIFIN_WEBHOOK_CLI:-}" ]; then
    say "cargo build --release --features cli (the everifin-webhook tool, into $TARGET_DIR)"
    (cd "$REPO" && cargo build --release --features cli --quiet)
    export EVERIFIN_WEBHOOK_CLI="$TARGET_DIR/release/everifin-webhook"
fi
echo "everifin-webhook: $EVERIFIN_WEBHOOK_CLI"

# --- 2. types ----------------------------------------------------------------------------------
say "mypy --strict"
(cd "$PY_ROOT" && "$VPY" -m mypy --strict --cache-dir "$TMP/mypy-cache" everifin_webhook examples/flask_app.py tests bench)

# --- 3. tests ----------------------------------------------------------------------------------
say "pytest (against the installed package)"
# Run from the temp dir so that the source tree's everifin_webhook/ (no library inside) is not
# imported instead of the installed package; no cache directory in the source tree.
(cd "$TMP" && EVERIFIN_EXPECT_INSTALLED=1 "$TMP/venv/bin/pytest" -p no:cacheprovider -rs \
    ${PYTEST_ARGS:-} "$PY_ROOT/tests")

# --- 3b. the bench runs (a smoke run: a few rounds; speed is judged by `make bench`, not here) ---
say "bench smoke run"
(cd "$TMP" && "$VPY" "$PY_ROOT/bench/bench.py" --rounds 5 --batch-ms 1)

# --- 4. wheel ----------------------------------------------------------------------------------
say "pip wheel, install into a clean virtualenv"
"$VPY" -m pip wheel -q --no-deps -w "$TMP/dist" "$PY_ROOT"
WHEEL="$(ls "$TMP"/dist/everifin_webhook-*.whl)"
echo "built $(basename "$WHEEL")"
"$VPY" - "$WHEEL" <<'EOF'
import sys, zipfile
wheel = zipfile.ZipFile(sys.argv[1])
names = wheel.namelist()
# one library, named without an interpreter tag (the wheel is py3-none: any Python 3 loads it)
assert [n for n in names if n.startswith("everifin_webhook/_native")] == [
    "everifin_webhook/_native.so"
], names
assert "everifin_webhook/py.typed" in names, names
meta = wheel.read(next(n for n in names if n.endswith(".dist-info/METADATA"))).decode()
# the License field, which every pip shows (pip < 25.1 shows no License-Expression)
assert "\nLicense: MIT OR Apache-2.0\n" in meta, meta
EOF
"$VPY" "$REPO/tests/dist/check_wheel_licenses.py" "$WHEEL"
"$PYTHON" -m venv "$TMP/clean"
"$TMP/clean/bin/python" -m pip install -q --no-index "$WHEEL"
# What `pip show` says with the pip of a fresh virtualenv (23.x on Python 3.11 and older).
"$TMP/clean/bin/python" -m pip --version
"$TMP/clean/bin/python" -m pip show everifin-webhook | grep -x 'License: MIT OR Apache-2.0' \
    || { echo "pip show: no 'License: MIT OR Apache-2.0'" >&2; exit 1; }
(cd / && "$TMP/clean/bin/python" - <<'EOF'
import hashlib, hmac, json, os
from datetime import datetime, timezone
import everifin_webhook as ew
assert "EVERIFIN_WEBHOOK_LIB" not in os.environ
assert ew.abi_version() == 1 and ew.version()
assert os.path.dirname(ew.library_path()) == os.path.dirname(ew.__file__), ew.library_path()
body = json.dumps({"eventId": "c2949dfe-4585-46eb-9213-35f0f7faf055",
                   "eventType": "payment.statusChange",
                   "eventTimestamp": "2024-05-07T14:49:55.884Z",
                   "data": {"paymentId": "da96bc8f-5d57-4bd4-9b4a-6b1e1c0d2f10",
                            "status": "BOOKED"}}).encode()
now = datetime.now(timezone.utc)
ts = now.strftime("%Y-%m-%dT%H:%M:%S.") + "%03dZ" % (now.microsecond // 1000)
mac = hmac.new(b"wheel secret", ts.encode() + b"." + body, hashlib.sha256).hexdigest()
event = ew.Verifier(["wheel secret"]).verify(body, "ts=%s;v0=%s" % (ts, mac))
assert event.outcome == "paid", event
print("wheel OK:", ew.library_path())
EOF
)

# --- 5. source tree ----------------------------------------------------------------------------
STATUS_AFTER="$(git_status)"
if [ "$STATUS_BEFORE" != "$STATUS_AFTER" ]; then
    say "the build or the tests left files in the source tree that git sees:"
    diff <(echo "$STATUS_BEFORE") <(echo "$STATUS_AFTER") || true
    exit 1
fi
say "python binding: all checks passed"
