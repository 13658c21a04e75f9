#!/usr/bin/env bash
# make test-dist: what `make dist` ships, installed and used the way its users do.
#   1. scripts/dist.sh all (unless EVF_DIST_PREBUILT=1): dist/ with the C SDK, wheel, plugin ZIPs
#   2. one version everywhere (check_versions.py), glibc <= 2.17 in every shipped .so (check_glibc.sh)
#   3. C: the SDK unpacked to a temporary prefix: layout, SONAME links, pkg-config, every relative
#      link of its docs resolving inside it; the README's C example compiled through pkg-config, run
#      with nothing but LD_LIBRARY_PATH (valid, forged, 1 MiB, over 1 MiB: 413 BODY_TOO_LARGE);
#      statically linked; `make install PREFIX DESTDIR` gives the tarball's tree without running
#      any Rust tool (a fake toolchain first on PATH), and builds first a stale or missing tarball;
#      the SDK's bin/everifin-webhook run from the unpacked tree (--version, sign then verify, its
#      header checked with Python's hmac and accepted by the C example, a forged one rejected)
#   4. PrestaShop: the module ZIP unpacked and loaded with its bundled binding and library
#      (FFI and fallback) against the PrestaShop stubs (tests/dist/prestashop.php), whose Db
#      rewrites queries as PrestaShop's does and sends them to a private MariaDB (own datadir,
#      socket only): the module's SQL runs in MySQL's dialect
#   5. Python: auditwheel show; LICENSE-MIT and LICENSE-APACHE in the wheel; the wheel installed
#      into fresh virtualenvs of the oldest and the newest Python found (>= requires-python), the
#      binding's tests run against site-packages
# The WordPress test of the plugin ZIP is tests/dist/wordpress.sh (make test-wordpress).
# Prints "test-dist: N passed, M failed"; exit status 1 when anything failed.
set -uo pipefail
# Test what ships: the Makefile's EVERIFIN_WEBHOOK_LIB (the checkout's build) must not be used.
unset EVERIFIN_WEBHOOK_LIB
ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)"
cd "$ROOT"
DIST="$ROOT/dist"
TMP="$(mktemp -d "${TMPDIR:-/tmp}/everifin-dist.XXXXXX")"
PS_DB_PID=""
trap '[ -n "$PS_DB_PID" ] && { kill "$PS_DB_PID" 2>/dev/null; wait "$PS_DB_PID" 2>/dev/null; }; rm -rf "$TMP"' EXIT
export PIP_DISABLE_PIP_VERSION_CHECK=1 PYTHONDONTWRITEBYTECODE=1
results=(); fail=0
step() { # name, command...
  local name="$1"; shift
  echo; echo "== $name"
  if "$@"; then results+=("PASS $name"); else results+=("FAIL $name"); fail=1; fi
}

bash scripts/dist-tools.sh python3-venv || { echo "installing the tools failed"; exit 1; }
if [ "${EVF_DIST_PREBUILT:-0}" != 1 ]; then
  step "make dist" bash scripts/dist.sh all || true
fi
VERSION="$(bash scripts/version.sh)"
ABI="$(sed -n 's/^pub const EVF_ABI_VERSION: u32 = \([0-9]*\);/\1/p' src/ffi.rs)"
SDK_TGZ="$DIST/everifin-webhook-$VERSION-x86_64-linux-gnu.tar.gz"
WHEEL="$DIST/everifin_webhook-$VERSION-py3-none-manylinux_2_17_x86_64.manylinux2014_x86_64.whl"
PS_ZIP="$DIST/everifinwebhook-prestashop-$VERSION.zip"

step "versions agree (Cargo.toml is the source)" python3 tests/dist/check_versions.py "$DIST"
step "glibc: no shipped .so or program needs more than GLIBC_2.17" bash tests/dist/check_glibc.sh "$DIST" 2.17

# A signed request the way Everifin sends it (Python's hmac, independent of the library).
sign() { # secret, body file -> Signature header for now
  python3 - "$1" "$2" <<'PY'
import hashlib, hmac, sys
from datetime import datetime, timezone
now = datetime.now(timezone.utc)
ts = now.strftime("%Y-%m-%dT%H:%M:%S.") + "%03dZ" % (now.microsecond // 1000)
body = open(sys.argv[2], "rb").read()
print("ts=%s;v0=%s" % (ts, hmac.new(sys.argv[1].encode(), ts.encode() + b"." + body, hashlib.sha256).hexdigest()))
PY
}
cat > "$TMP/body.json" <<'JSON'
{"eventId":"c2949dfe-4585-46eb-9213-35f0f7faf055","eventType":"payment.statusChange","eventTimestamp":"2024-05-07T14:49:55.884Z","data":{"paymentId":"da96bc8f-3c3e-4b7a-9d1e-0c1f3b5a7e21","status":"BOOKED","externalId":"1042"}}
JSON

# An event body of exactly SIZE bytes (hookData padded), into FILE.
sized_body() { # size, file
  python3 - "$1" "$2" <<'PY'
import json, sys
size, path = int(sys.argv[1]), sys.argv[2]
event = {"eventId": "5b0c8a3e-8d1f-4f6e-9a55-1f1f3c2b7d10", "eventType": "payment.statusChange",
         "eventTimestamp": "2024-05-07T14:49:55.884Z",
         "data": {"paymentId": "0c6f1e2a-7b3d-4c55-8e9f-3a2b1c0d9e8f", "status": "BOOKED",
                  "externalId": "1043", "hookData": {"pad": ""}}}
base = len(json.dumps(event, separators=(",", ":")).encode())
event["data"]["hookData"]["pad"] = "x" * (size - base)
body = json.dumps(event, separators=(",", ":")).encode()
assert len(body) == size, (len(body), size)
open(path, "wb").write(body)
PY
}

sdk_layout() {
  local p="$TMP/sdk/prefix"; mkdir -p "$p"
  tar -xzf "$SDK_TGZ" -C "$p" --strip-components=1 || return 1
  local ok=0 f
  for f in bin/everifin-webhook include/everifin_webhook.h "lib/libeverifin_webhook.so.$VERSION" lib/libeverifin_webhook.a lib/pkgconfig/everifin_webhook.pc share/doc/everifin-webhook/README.md; do
    [ -f "$p/$f" ] && [ ! -L "$p/$f" ] || { echo "missing file: $f"; ok=1; }
  done
  [ "$(readlink "$p/lib/libeverifin_webhook.so.$ABI")" = "libeverifin_webhook.so.$VERSION" ] || { echo "lib/libeverifin_webhook.so.$ABI is not a link to .so.$VERSION"; ok=1; }
  [ "$(readlink "$p/lib/libeverifin_webhook.so")" = "libeverifin_webhook.so.$ABI" ] || { echo "lib/libeverifin_webhook.so is not a link to .so.$ABI"; ok=1; }
  local soname; soname="$(readelf -d "$p/lib/libeverifin_webhook.so.$VERSION" | sed -n 's/.*(SONAME).*\[\(.*\)\]/\1/p')"
  echo "SONAME: $soname"
  [ "$soname" = "libeverifin_webhook.so.$ABI" ] || { echo "SONAME is '$soname'"; ok=1; }
  # packaging/c/README.md: nothing but glibc (libc, libpthread, libdl and the loader).
  local needed; needed="$(readelf -d "$p/lib/libeverifin_webhook.so.$VERSION" | sed -n 's/.*(NEEDED).*\[\(.*\)\]/\1/p' | LC_ALL=C sort | paste -sd' ')"
  echo "NEEDED: $needed"
  [ "$needed" = "ld-linux-x86-64.so.2 libc.so.6 libdl.so.2 libpthread.so.0" ] || { echo "NEEDED is not what packaging/c/README.md says"; ok=1; }
  # The command: an executable needing nothing but glibc either (packaging/c/README.md).
  [ -x "$p/bin/everifin-webhook" ] || { echo "bin/everifin-webhook is not executable"; ok=1; }
  needed="$(readelf -d "$p/bin/everifin-webhook" | sed -n 's/.*(NEEDED).*\[\(.*\)\]/\1/p' | LC_ALL=C sort | paste -sd' ')"
  echo "bin/everifin-webhook NEEDED: $needed"
  [ "$needed" = "libc.so.6 libdl.so.2 libpthread.so.0" ] || { echo "bin/everifin-webhook NEEDED is not what packaging/c/README.md says"; ok=1; }
  cmp -s "$p/include/everifin_webhook.h" include/everifin_webhook.h || { echo "the SDK header differs from include/"; ok=1; }
  for f in LICENSE-MIT LICENSE-APACHE; do
    if [ -f "$f" ]; then [ -f "$p/share/doc/everifin-webhook/$f" ] || { echo "$f is not in the SDK"; ok=1; }; fi
  done
  # The changelog and the shared test vectors (docs/design.md "Shared test vectors"), byte for byte
  # those of the repository: every case file, the status table and their README, nothing else.
  local doc="$p/share/doc/everifin-webhook"
  cmp -s "$doc/CHANGELOG.md" CHANGELOG.md || { echo "CHANGELOG.md is missing from the SDK or differs"; ok=1; }
  local repo_vectors shipped_vectors
  repo_vectors="$(cd tests/vectors && ls -1 README.md ./*.json | sed 's|^\./||' | LC_ALL=C sort | paste -sd' ')"
  shipped_vectors="$(cd "$doc/tests/vectors" 2>/dev/null && ls -1A | LC_ALL=C sort | paste -sd' ')"
  echo "vectors: $shipped_vectors"
  [ "$shipped_vectors" = "$repo_vectors" ] || { echo "the SDK's tests/vectors/ holds '$shipped_vectors', the repository '$repo_vectors'"; ok=1; }
  for f in $repo_vectors; do
    cmp -s "$doc/tests/vectors/$f" "tests/vectors/$f" || { echo "tests/vectors/$f in the SDK differs from the repository's"; ok=1; }
  done
  [ "$(echo "$repo_vectors" | wc -w)" -ge 9 ] || { echo "too few vector files: $repo_vectors"; ok=1; }
  return $ok
}

# The C example of README.md ("## Using it from C", first ```c block), byte for byte.
readme_example() {
  awk '/^## Using it from C/{s=1} s && /^```c$/{c=1; next} c && /^```$/{exit} c' README.md > "$TMP/webhook.c"
  [ -s "$TMP/webhook.c" ] && grep -q 'int main' "$TMP/webhook.c"
}

sdk_pkgconfig_dynamic() {
  local p="$TMP/sdk/prefix"
  export PKG_CONFIG_PATH="$p/lib/pkgconfig"
  echo "pkg-config --modversion: $(pkg-config --modversion everifin_webhook)"
  [ "$(pkg-config --modversion everifin_webhook)" = "$VERSION" ] || return 1
  [ "$(cd "$(pkg-config --variable=libdir everifin_webhook)" && pwd -P)" = "$(cd "$p/lib" && pwd -P)" ] || { echo "libdir does not follow the .pc file"; return 1; }
  # The README's build line, unchanged, from a directory away from the checkout.
  (cd "$TMP" && cc -Wall -Werror webhook.c $(pkg-config --cflags --libs everifin_webhook) -o webhook) || return 1
  local header out rc
  header="$(sign "new hook secret" "$TMP/body.json")"
  out="$(cd "$TMP" && env -i LD_LIBRARY_PATH="$p/lib" ./webhook "$header" < body.json)"; rc=$?
  echo "valid: exit $rc: ${out:0:120}..."
  [ $rc -eq 0 ] && [[ "$out" == "200 {\"ok\":true"* ]] && [[ "$out" == *'"outcome":"paid"'* ]] || return 1
  header="$(sign "someone else's secret" "$TMP/body.json")"
  out="$(cd "$TMP" && env -i LD_LIBRARY_PATH="$p/lib" ./webhook "$header" < body.json)"; rc=$?
  echo "forged: exit $rc: ${out:0:120}..."
  [ $rc -eq 1 ] && [[ "$out" == "401 "*'"SIGNATURE_MISMATCH"'* ]] || return 1
  # The body limit (maxBodyBytes, default 1 MiB): a signed body of exactly 1 MiB verifies, one
  # byte more is 413 BODY_TOO_LARGE (not a truncated body failing its signature with 401).
  local size
  for size in 1048576 1048577 2000000; do
    sized_body "$size" "$TMP/body-$size.json" || return 1
    header="$(sign "new hook secret" "$TMP/body-$size.json")"
    out="$(cd "$TMP" && env -i LD_LIBRARY_PATH="$p/lib" ./webhook "$header" < "body-$size.json")"; rc=$?
    echo "$size-byte body: exit $rc: ${out:0:120}..."
    if [ "$size" = 1048576 ]; then
      [ $rc -eq 0 ] && [[ "$out" == "200 {\"ok\":true"* ]] || return 1
    else
      [ $rc -eq 1 ] && [[ "$out" == "413 "*'"BODY_TOO_LARGE"'* ]] || return 1
    fi
  done
  # The loader resolved the SONAME link in the prefix; without LD_LIBRARY_PATH it is not found.
  local deps; deps="$(env -i LD_LIBRARY_PATH="$p/lib" ldd "$TMP/webhook")"
  grep -qF "libeverifin_webhook.so.$ABI => $p/lib/" <<<"$deps" || { echo "ldd: $deps"; return 1; }
  (cd "$TMP" && env -i ./webhook "$header" < body.json >/dev/null 2>&1); rc=$?
  [ $rc -eq 127 ] || { echo "without LD_LIBRARY_PATH the program should not find the library (exit $rc)"; return 1; }
}

sdk_static() {
  local p="$TMP/sdk/prefix"
  export PKG_CONFIG_PATH="$p/lib/pkgconfig"
  (cd "$TMP" && cc webhook.c $(pkg-config --cflags everifin_webhook) "$(pkg-config --variable=libdir everifin_webhook)/libeverifin_webhook.a" \
     $(pkg-config --libs-only-l --static everifin_webhook | sed 's/-leverifin_webhook//') -o webhook-static) || return 1
  local deps; deps="$(ldd "$TMP/webhook-static")"
  if grep -q everifin <<<"$deps"; then echo "the static program still needs the .so: $deps"; return 1; fi
  local header out rc
  header="$(sign "old hook secret" "$TMP/body.json")"
  out="$(cd "$TMP" && env -i ./webhook-static "$header" < body.json)"; rc=$?
  echo "static, valid (old secret): exit $rc: ${out:0:60}..."
  [ $rc -eq 0 ] && [[ "$out" == *'"outcome":"paid"'* ]]
}

# The SDK's command, run from the unpacked tree with an empty environment (no PATH, no secret).
sdk_cli() {
  local exe="$TMP/sdk/prefix/bin/everifin-webhook" out rc header
  out="$(env -i "$exe" --version)" || return 1
  echo "--version: $out"
  [ "$out" = "everifin-webhook $VERSION" ] || { echo "expected 'everifin-webhook $VERSION'"; return 1; }
  # The secrets as docs/cli.md shows them: a file created private, oldest first.
  (umask 077; printf '%s\n' "old hook secret" "new hook secret" > "$TMP/cli-secrets.txt")
  header="$(cd "$TMP" && env -i "$exe" sign --secret-file cli-secrets.txt body.json)" || return 1
  echo "sign: ${header:0:40}..."
  # Both signatures as Python's hmac computes them over "ts.body".
  python3 - "$header" "$TMP/body.json" <<'PY' || return 1
import hashlib, hmac, sys
parts = dict(p.split("=", 1) for p in sys.argv[1].split(";"))
body = open(sys.argv[2], "rb").read()
for key, secret in (("v0", b"old hook secret"), ("v1", b"new hook secret")):
    want = hmac.new(secret, parts["ts"].encode() + b"." + body, hashlib.sha256).hexdigest()
    if parts.get(key) != want:
        sys.exit("%s is not HMAC-SHA256(%s)" % (key, secret.decode()))
PY
  out="$(cd "$TMP" && env -i "$exe" verify --header "$header" --secret-file cli-secrets.txt body.json)"; rc=$?
  echo "verify: exit $rc: ${out:0:100}..."
  [ $rc -eq 0 ] && [[ "$out" == '{"ok":true'* ]] && [[ "$out" == *'"outcome":"paid"'* ]] || return 1
  # The header the shipped command made, accepted by the shipped library (the C example).
  out="$(cd "$TMP" && env -i LD_LIBRARY_PATH="$TMP/sdk/prefix/lib" ./webhook "$header" < body.json)"; rc=$?
  echo "C example on the command's header: exit $rc: ${out:0:60}..."
  [ $rc -eq 0 ] && [[ "$out" == "200 "* ]] || return 1
  header="$(sign "someone else's secret" "$TMP/body.json")"
  out="$(cd "$TMP" && env -i "$exe" verify --header "$header" --secret-file cli-secrets.txt body.json)"; rc=$?
  echo "verify, forged: exit $rc: ${out:0:100}..."
  [ $rc -eq 1 ] && [[ "$out" == *'"SIGNATURE_MISMATCH"'* ]]
}

# Stand-ins for the Rust toolchain and the build tools that record each call and fail, first on
# PATH: `make install` from a fresh tarball must run none of them.
fake_toolchain() { # dir, call log
  local c
  mkdir -p "$1"; : > "$2"
  for c in cargo rustc rustup cargo-zigbuild zig; do
    printf '#!/bin/sh\necho "%s $*" >> "%s"\nexit 1\n' "$c" "$2" > "$1/$c"
    chmod +x "$1/$c"
  done
}

# make install with the fake toolchain; stderr into $TMP/install.err.
make_install_without_rust() { # DESTDIR, extra make arguments...
  local stage="$1"; shift
  PATH="$TMP/fake-toolchain:$PATH" CARGO="$TMP/fake-toolchain/cargo" RUSTC="$TMP/fake-toolchain/rustc" \
    make --no-print-directory -C "$ROOT" install PREFIX=/opt/everifin-webhook DESTDIR="$stage" "$@" 2>"$TMP/install.err"
}

make_install() {
  local stage="$TMP/install-root" prefix="/opt/everifin-webhook" calls="$TMP/toolchain-calls"
  fake_toolchain "$TMP/fake-toolchain" "$calls"
  # The tarball built above is newer than its sources: install only copies it.
  make_install_without_rust "$stage" || { cat "$TMP/install.err"; return 1; }
  if [ -s "$calls" ]; then echo "make install ran the toolchain although the tarball is fresh:"; cat "$calls"; return 1; fi
  if grep -q 'building' "$TMP/install.err"; then echo "make install built:"; cat "$TMP/install.err"; return 1; fi
  diff <(cd "$stage$prefix" && find . | LC_ALL=C sort) <(tar -tzf "$SDK_TGZ" | sed 's|^[^/]*||; s|/$||; s|^|.|' | LC_ALL=C sort) \
    || { echo "make install and the tarball differ"; return 1; }
  diff -r --no-dereference "$TMP/sdk/prefix" "$stage$prefix" || { echo "make install and the unpacked tarball differ in content"; return 1; }
  PKG_CONFIG_PATH="$stage$prefix/lib/pkgconfig" pkg-config --exists everifin_webhook || return 1
  echo "make install PREFIX=$prefix DESTDIR=$stage, no Rust toolchain: the tarball's tree ($(cd "$stage$prefix" && find . -type f -o -type l | wc -l) files and links)"
}

make_install_builds_when_needed() {
  local calls="$TMP/toolchain-calls" rc mtime="$TMP/tarball-mtime"
  fake_toolchain "$TMP/fake-toolchain" "$calls"
  # A tarball older than its sources (its mtime set back, then restored): built first, said so.
  touch -r "$SDK_TGZ" "$mtime" && touch -d '2000-01-01 00:00:00' "$SDK_TGZ" || return 1
  make_install_without_rust "$TMP/stale-root"; rc=$?
  touch -r "$mtime" "$SDK_TGZ"
  echo "stale tarball: exit $rc: $(grep 'install:' "$TMP/install.err")"
  [ $rc -ne 0 ] && grep -q 'is newer than dist/.*building the C SDK first' "$TMP/install.err" && [ -s "$calls" ] \
    || { echo "expected the build to be started (and to fail on the fake toolchain)"; cat "$TMP/install.err" "$calls"; return 1; }
  [ ! -e "$TMP/stale-root/opt/everifin-webhook/include" ] || { echo "the stale tarball was installed"; return 1; }
  # A fresh tarball without the command (made before it was shipped, or by hand): built first too.
  : > "$calls"
  local top; top="$(tar -tzf "$SDK_TGZ" | head -n 1 | cut -d/ -f1)"
  rm -rf "$TMP/nobin" && mkdir -p "$TMP/nobin" && tar -xzf "$SDK_TGZ" -C "$TMP/nobin" && rm -rf "$TMP/nobin/$top/bin" || return 1
  mv "$SDK_TGZ" "$TMP/sdk-kept.tar.gz" && tar -czf "$SDK_TGZ" -C "$TMP/nobin" "$top" || return 1
  make_install_without_rust "$TMP/nobin-root"; rc=$?
  mv -f "$TMP/sdk-kept.tar.gz" "$SDK_TGZ"
  echo "tarball without bin/: exit $rc: $(grep 'install:' "$TMP/install.err")"
  [ $rc -ne 0 ] && grep -q 'has no bin/everifin-webhook: building the C SDK first' "$TMP/install.err" && [ -s "$calls" ] \
    || { cat "$TMP/install.err" "$calls"; return 1; }
  [ ! -e "$TMP/nobin-root/opt/everifin-webhook/include" ] || { echo "the tarball without the command was installed"; return 1; }
  # No tarball of the target: built first too.
  : > "$calls"
  make_install_without_rust "$TMP/missing-root" EVF_TARGET=aarch64-unknown-linux-gnu.2.17; rc=$?
  echo "no tarball: exit $rc: $(grep 'install:' "$TMP/install.err")"
  [ $rc -ne 0 ] && grep -q 'dist/ has no everifin-webhook-.*-aarch64-linux-gnu.tar.gz: building the C SDK first' "$TMP/install.err" && [ -s "$calls" ] \
    || { cat "$TMP/install.err" "$calls"; return 1; }
}

wheel_auditwheel() {
  local out; out="$("$ROOT/target/dist-tools/venv/bin/auditwheel" show "$WHEEL" 2>&1)" || { echo "$out"; return 1; }
  echo "$out" | head -n 8
  grep -q '"manylinux_2_17_x86_64"' <<<"$(tr -d '\n' <<<"$out" | tr -s ' ')" || { echo "auditwheel does not place the wheel on manylinux_2_17_x86_64"; return 1; }
}

# Pythons: python3.N on PATH and pyenv's, at least requires-python; the oldest and the newest.
pick_pythons() {
  local min; min="$(sed -n 's/^requires-python *= *">=\([0-9.]*\)".*/\1/p' bindings/python/pyproject.toml)"
  local c v
  for c in $(compgen -c python3. | grep -E '^python3\.[0-9]+$' | sort -u) "${PYENV_ROOT:-$HOME/.pyenv}"/versions/3.*/bin/python3; do
    command -v "$c" >/dev/null 2>&1 || [ -x "$c" ] || continue
    v="$("$c" -c 'import sys, venv, ensurepip; print("%d.%d" % sys.version_info[:2])' 2>/dev/null)" || continue
    [ "$(printf '%s\n%s\n' "$min" "$v" | sort -V | head -n1)" = "$min" ] && echo "$v $c"
  done | sort -V -u -k1,1 | sed -n '1p;$p' | sort -u -V
}

wheel_in_venv() { # python
  local py="$1" v venv
  v="$("$py" -c 'import sys; print("%d.%d" % sys.version_info[:2])')"
  venv="$TMP/venv-$v"
  "$py" -m venv "$venv" || return 1
  "$venv/bin/python" -m pip install -q --no-index "$WHEEL" || return 1
  # The Django example needs Django >= 5.1 (SQLite transaction_mode), which needs Python >= 3.10:
  # on older Pythons the library and the Flask example are tested, the Django example is not.
  # uvicorn: the Django example under ASGI (the package's test extra has it).
  local django=(django uvicorn) select=()
  if [ "$("$py" -c 'import sys; print(int(sys.version_info >= (3, 10)))')" = 0 ]; then
    django=(); select=(-k "not django")
    echo "Python $v: Django >= 5.1 is not available; the Django example's tests are deselected"
  fi
  "$venv/bin/python" -m pip install -q pytest flask ${django[@]+"${django[@]}"} || return 1
  # Away from the checkout: the package must come from site-packages, the library from inside it.
  (cd "$TMP" && "$venv/bin/python" -c 'import everifin_webhook as e, sys; print("imported", e.__file__, "library", e.library_path(), "version", e.version()); sys.exit(0 if "site-packages" in e.__file__ and "site-packages" in e.library_path() else 1)') || return 1
  (cd "$TMP" && env -u EVERIFIN_WEBHOOK_LIB EVERIFIN_EXPECT_INSTALLED=1 "$venv/bin/python" -m pytest -q -p no:cacheprovider ${select[@]+"${select[@]}"} "$ROOT/bindings/python/tests" 2>&1 | tail -n 3; exit "${PIPESTATUS[0]}")
}

if [ -f "$SDK_TGZ" ]; then
  step "C SDK: layout, SONAME links, header" sdk_layout
  step "C SDK: every relative link of its docs (README-project.md = README.md) resolves inside it" \
    python3 tests/dist/check_links.py "$TMP/sdk/prefix/share/doc/everifin-webhook"
  step "README: the C example is a complete program" readme_example
  step "C SDK: README example via pkg-config, run with only LD_LIBRARY_PATH" sdk_pkgconfig_dynamic
  step "C SDK: static link with libeverifin_webhook.a" sdk_static
  step "C SDK: bin/everifin-webhook: --version, sign then verify (Python's hmac, the C example agree)" sdk_cli
  step "make install PREFIX DESTDIR from a fresh tarball: no Rust toolchain, the tarball's tree" make_install
  step "make install from a stale or missing tarball builds it first, saying so" make_install_builds_when_needed
else
  results+=("FAIL C SDK: $SDK_TGZ is missing"); fail=1
fi
# A private MariaDB for the PrestaShop module's SQL (the one tests/dist/wordpress.sh starts too).
PS_DB_SOCK="$TMP/psdb/mysqld.sock"
ps_db() {
  [ "$(id -u)" = 0 ] || { echo "needs root (mariadbd --user=root, apt-get)"; return 1; }
  source scripts/web-stack.sh
  web_install mariadb-server mariadb-client php-mysql || return 1
  mkdir -p "$TMP/psdb"
  start_mariadb "$TMP/psdb" --skip-networking --innodb-buffer-pool-size=32M || return 1
  PS_DB_PID="$WEB_PID"
  local i
  for ((i = 0; i < 600; i++)); do
    mariadb-admin --no-defaults --socket="$PS_DB_SOCK" -uroot ping >/dev/null 2>&1 && break
    sleep 0.1
  done
  mariadb --no-defaults --socket="$PS_DB_SOCK" -uroot -e 'CREATE DATABASE prestashop1; CREATE DATABASE prestashop2' \
    || { tail -n 20 "$TMP/psdb/mysqld.log"; return 1; }
}
ps_module() { # ffi|php, database
  local d="$TMP/prestashop"
  [ -d "$d" ] || { mkdir -p "$d" && unzip -q "$PS_ZIP" -d "$d"; } || return 1
  EVF_PS_MYSQL="$PS_DB_SOCK:$2" php -d ffi.enable="$([ "$1" = ffi ] && echo 1 || echo 0)" tests/dist/prestashop.php "$d" "$1"
}
if [ -f "$PS_ZIP" ]; then
  bash scripts/dist-tools.sh --apt-only php-cli >/dev/null
  step "PrestaShop: a private MariaDB for the module's SQL" ps_db
  step "PrestaShop module ZIP with its bundled library (FFI), on MariaDB" ps_module ffi prestashop1
  step "PrestaShop module ZIP, pure-PHP fallback (ffi.enable=0), on MariaDB" ps_module php prestashop2
else
  results+=("FAIL PrestaShop module: $PS_ZIP is missing"); fail=1
fi
if [ -f "$WHEEL" ]; then
  # The binding's tests drive the examples with `everifin-webhook send` (the checkout's build;
  # `make test` has built it in test-python already).
  (cargo build --release --features cli --quiet) || { results+=("FAIL cargo build --features cli"); fail=1; }
  step "wheel: auditwheel show" wheel_auditwheel
  step "wheel: LICENSE-MIT and LICENSE-APACHE in .dist-info/licenses, License-File in METADATA" \
    python3 tests/dist/check_wheel_licenses.py "$WHEEL"
  mapfile -t pys < <(pick_pythons)
  [ "${#pys[@]}" -gt 0 ] || { results+=("FAIL no Python >= requires-python found"); fail=1; }
  for line in "${pys[@]}"; do
    step "wheel in a fresh virtualenv of Python ${line%% *} (${line#* }): binding tests from site-packages" wheel_in_venv "${line#* }"
  done
else
  results+=("FAIL wheel: $WHEEL is missing"); fail=1
fi

echo; echo "== summary"
passed=0; failed=0
for r in "${results[@]}"; do echo "  $r"; case "$r" in PASS*) passed=$((passed+1));; *) failed=$((failed+1));; esac; done
echo "test-dist: $passed passed, $failed failed"
exit $fail
