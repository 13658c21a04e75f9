#!/usr/bin/env bash
# Builds what ships, into dist/ (docs/release.md):
#   sdk          everifin-webhook-<version>-<triple>.tar.gz     the C SDK (header, .so, .a, pkg-config,
#                                                               the everifin-webhook command)
#   wheel        everifin_webhook-<version>-py3-none-manylinux_2_17_x86_64.manylinux2014_x86_64.whl
#   woocommerce  everifin-webhook-woocommerce-<version>.zip      the WordPress plugin
#   prestashop   everifinwebhook-prestashop-<version>.zip        the PrestaShop module
#   all          all of them (default)
# Usage: scripts/dist.sh [--target RUST_TARGET] [all|sdk|lib|wheel|woocommerce|prestashop ...]
#        scripts/dist.sh [--target RUST_TARGET] sdk-path|sdk-sources
#   RUST_TARGET defaults to $EVF_TARGET or x86_64-unknown-linux-gnu.2.17: cargo-zigbuild links
#   against glibc 2.17 so that the library loads on every glibc >= 2.17 (RHEL 7+, Debian 8+,
#   Ubuntu 14.04+). Only targets whose Rust standard library is installed can be built here.
# `lib` only builds the native library (printed path on stdout).
# `sdk-path` prints the path of the SDK tarball and `sdk-sources` what it is built from (files and
# folders, relative to the repository, one a line); both build and write nothing (make install).
# Tools (zig, cargo-zigbuild, auditwheel, zip) are installed by scripts/dist-tools.sh.
set -euo pipefail
ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
cd "$ROOT"

TARGET="${EVF_TARGET:-x86_64-unknown-linux-gnu.2.17}"
what=()
while [ $# -gt 0 ]; do
  case "$1" in
    --target) TARGET="$2"; shift 2;;
    --target=*) TARGET="${1#--target=}"; shift;;
    -h|--help) sed -n '2,17p' "$0"; exit 0;;
    *) what+=("$1"); shift;;
  esac
done
[ "${#what[@]}" -eq 0 ] && what=(all)

say() { printf '== %s\n' "$*" >&2; }
die() { printf 'dist: %s\n' "$*" >&2; exit 1; }

VERSION="$(scripts/version.sh)"
ABI="$(sed -n 's/^pub const EVF_ABI_VERSION: u32 = \([0-9]*\);/\1/p' src/ffi.rs)"
[ -n "$ABI" ] || die "EVF_ABI_VERSION not found in src/ffi.rs"
# Cargo's directory name drops a glibc suffix (x86_64-unknown-linux-gnu.2.17 -> ...-gnu).
CARGO_TRIPLE="${TARGET%%.*}"
# The name users see: x86_64-unknown-linux-gnu -> x86_64-linux-gnu.
TRIPLE="${CARGO_TRIPLE/-unknown-/-}"
DIST="$ROOT/dist"
# Cargo builds the library (and the wheel's) into TARGET_DIR: CARGO_TARGET_DIR or target/.
source "$ROOT/scripts/target-dir.sh"
# dist.sh's own folders stay in this checkout's target/ whatever CARGO_TARGET_DIR says: the stage,
# the tools (scripts/dist-tools.sh) and the command's separate cargo folder (build_cli).
STAGE="$ROOT/target/dist-stage"
TOOLS="$ROOT/target/dist-tools"
SDK_NAME="everifin-webhook-$VERSION-$TRIPLE"
# share/doc/everifin-webhook/ holds README.md as README-project.md: the files its relative links
# point to ship next to it at the same relative paths, so that every link resolves in the SDK
# (tests/dist/check_links.py, in make test-dist).
SDK_LINKED_DOCS=(docs/behaviour.md docs/cli.md docs/design.md docs/performance.md docs/release.md
  tests/vectors/README.md tests/vectors/statuses.json bindings/php/README.md bindings/python/README.md)
# Also in share/doc/everifin-webhook/, at the same paths: the shared test vectors (docs/design.md
# "Shared test vectors": what a binding written against the header alone runs) and the changelog.
SDK_MORE_DOCS=(CHANGELOG.md)
for f in "$ROOT"/tests/vectors/*.json; do
  case "${f##*/}" in statuses.json) ;; *) SDK_MORE_DOCS+=("tests/vectors/${f##*/}");; esac
done
# What the SDK tarball is built from: newer files than the tarball make `make install` rebuild it.
# (scenarios/: the command embeds them.)
SDK_SOURCES=(src include build.rs Cargo.toml Cargo.lock packaging/c scripts/dist.sh README.md
  scenarios LICENSE-MIT LICENSE-APACHE "${SDK_LINKED_DOCS[@]}" "${SDK_MORE_DOCS[@]}")

case "${what[*]}" in
  sdk-path) echo "$DIST/$SDK_NAME.tar.gz"; exit 0;;
  sdk-sources) printf '%s\n' "${SDK_SOURCES[@]}"; exit 0;;
esac
mkdir -p "$DIST" "$STAGE"

tools() {
  bash "$ROOT/scripts/dist-tools.sh"
  export PATH="$TOOLS/bin:$PATH"
  # cargo-zigbuild runs `zig`: the one from the ziglang wheel.
  if [ ! -x "$TOOLS/bin/zig" ]; then
    ln -sf "$("$TOOLS/venv/bin/python" -c 'import ziglang, os; print(os.path.join(os.path.dirname(ziglang.__file__), "zig"))')" "$TOOLS/bin/zig"
  fi
  if ! command -v cargo >/dev/null 2>&1 && [ -x "$HOME/.cargo/bin/cargo" ]; then export PATH="$HOME/.cargo/bin:$PATH"; fi
}

# The native library and the static archive for TARGET, in $TARGET_DIR/<triple>/release/.
build_lib() {
  tools
  say "cargo zigbuild --release --lib --target $TARGET"
  rustup target list --installed 2>/dev/null | grep -qx "$CARGO_TRIPLE" \
    || die "the Rust standard library for $CARGO_TRIPLE is not installed (rustup target add $CARGO_TRIPLE); see docs/release.md"
  cargo-zigbuild zigbuild --quiet --release --lib --target "$TARGET" >&2
  OUT="$TARGET_DIR/$CARGO_TRIPLE/release"
  [ -f "$OUT/libeverifin_webhook.so" ] && [ -f "$OUT/libeverifin_webhook.a" ] || die "the build produced no library in $OUT"
}

# The command-line tool (docs/cli.md) for TARGET, linked like the library (glibc 2.17), in its own
# target folder (target/dist-cli of this checkout): with the `cli` feature cargo builds the library
# again, with other features, and the library the SDK ships must stay the one of build_lib.
build_cli() {
  tools
  say "cargo zigbuild --release --features cli --bin everifin-webhook --target $TARGET"
  CARGO_TARGET_DIR="$ROOT/target/dist-cli" cargo-zigbuild zigbuild --quiet --release --features cli \
    --bin everifin-webhook --target "$TARGET" >&2
  CLI="$ROOT/target/dist-cli/$CARGO_TRIPLE/release/everifin-webhook"
  [ -x "$CLI" ] || die "the build produced no everifin-webhook in ${CLI%/*}"
}

# The install tree: bin/, include/, lib/ (.so.<version>, .so.<abi>, .so, .a, pkgconfig/), share/doc/.
stage_sdk() {
  local dest="$1"
  rm -rf "$dest"
  mkdir -p "$dest/bin" "$dest/include" "$dest/lib/pkgconfig" "$dest/share/doc/everifin-webhook"
  install -m 0755 "$CLI" "$dest/bin/everifin-webhook"
  strip "$dest/bin/everifin-webhook"
  install -m 0644 include/everifin_webhook.h "$dest/include/"
  install -m 0755 "$OUT/libeverifin_webhook.so" "$dest/lib/libeverifin_webhook.so.$VERSION"
  strip --strip-unneeded "$dest/lib/libeverifin_webhook.so.$VERSION"
  ln -s "libeverifin_webhook.so.$VERSION" "$dest/lib/libeverifin_webhook.so.$ABI"
  ln -s "libeverifin_webhook.so.$ABI" "$dest/lib/libeverifin_webhook.so"
  install -m 0644 "$OUT/libeverifin_webhook.a" "$dest/lib/"
  strip --strip-debug "$dest/lib/libeverifin_webhook.a"
  # Libs.private: what rustc prints as native-static-libs for the *-linux-gnu standard library.
  sed -e "s/@VERSION@/$VERSION/" -e "s/@NATIVE_STATIC_LIBS@/-lgcc_s -lutil -lrt -lpthread -lm -ldl -lc/" \
    packaging/c/everifin_webhook.pc.in > "$dest/lib/pkgconfig/everifin_webhook.pc"
  install -m 0644 packaging/c/README.md "$dest/share/doc/everifin-webhook/README.md"
  install -m 0644 README.md "$dest/share/doc/everifin-webhook/README-project.md"
  local doc
  for doc in "${SDK_LINKED_DOCS[@]}" "${SDK_MORE_DOCS[@]}"; do
    install -D -m 0644 "$doc" "$dest/share/doc/everifin-webhook/$doc"
  done
  local lic found=0
  for lic in LICENSE LICENSE-MIT LICENSE-APACHE; do
    if [ -f "$lic" ]; then install -m 0644 "$lic" "$dest/share/doc/everifin-webhook/"; found=1; fi
  done
  [ "$found" = 1 ] || say "warning: no LICENSE-MIT/LICENSE-APACHE in the repository yet: the SDK ships without licence files"
}

sdk() {
  build_cli
  build_lib
  local name="$SDK_NAME"
  say "C SDK $name.tar.gz"
  stage_sdk "$STAGE/$name"
  # Reproducible: fixed owner, order and mtime (the commit's time when there is one).
  local mtime; mtime="$(git log -1 --format=%cI 2>/dev/null || echo 2024-01-01T00:00:00Z)"
  tar --sort=name --owner=0 --group=0 --numeric-owner --mtime="$mtime" \
    -C "$STAGE" -czf "$DIST/$name.tar.gz" "$name"
  echo "$DIST/$name.tar.gz"
}

# The PHP binding as a plugin bundles it: src/, include/, autoload.php, preload.php, bin/, lib/.
bundle_php_binding() {
  local dest="$1"
  mkdir -p "$dest/lib"
  cp -R bindings/php/src bindings/php/include bindings/php/bin "$dest/"
  install -m 0644 bindings/php/autoload.php bindings/php/preload.php bindings/php/composer.json bindings/php/README.md "$dest/"
  install -m 0755 "$OUT/libeverifin_webhook.so" "$dest/lib/libeverifin_webhook.so"
  strip --strip-unneeded "$dest/lib/libeverifin_webhook.so"
  local lic; for lic in LICENSE LICENSE-MIT LICENSE-APACHE; do [ -f "$lic" ] && install -m 0644 "$lic" "$dest/"; done
  return 0
}

zipdir() { # zip file, base dir, folder inside it
  local zipfile="$1" base="$2" folder="$3"
  rm -f "$zipfile"
  find "$base/$folder" -exec touch -h -d "$(git log -1 --format=%cI 2>/dev/null || echo 2024-01-01T00:00:00Z)" {} +
  (cd "$base" && find "$folder" -print | LC_ALL=C sort | zip -q -X -y -@ "$zipfile")
}

woocommerce() {
  build_lib
  local name="everifin-webhook-woocommerce-$VERSION.zip" dir="$STAGE/woocommerce/everifin-webhook"
  say "WooCommerce plugin $name"
  rm -rf "$STAGE/woocommerce"; mkdir -p "$dir"
  cp -R plugins/woocommerce/everifin-webhook/. "$dir/"
  bundle_php_binding "$dir/vendor/everifin-webhook"
  zipdir "$DIST/$name" "$STAGE/woocommerce" everifin-webhook
  echo "$DIST/$name"
}

prestashop() {
  build_lib
  local name="everifinwebhook-prestashop-$VERSION.zip" dir="$STAGE/prestashop/everifinwebhook"
  say "PrestaShop module $name"
  rm -rf "$STAGE/prestashop"; mkdir -p "$dir"
  cp -R plugins/prestashop/everifinwebhook/. "$dir/"
  bundle_php_binding "$dir/vendor/everifin-webhook"
  # PrestaShop's convention (and its module validator): an index.php in every folder, so that a
  # server with directory listing on does not list the module's files.
  find "$dir" -type d ! -exec test -e '{}/index.php' ';' -exec cp plugins/prestashop/everifinwebhook/index.php '{}/index.php' ';'
  zipdir "$DIST/$name" "$STAGE/prestashop" everifinwebhook
  echo "$DIST/$name"
}

wheel() {
  tools
  case "$TARGET" in
    x86_64-unknown-linux-gnu.2.17) plat=manylinux2014_x86_64;;
    aarch64-unknown-linux-gnu.2.17) plat=manylinux2014_aarch64;;
    *-linux-musl) plat="musllinux_1_2_${CARGO_TRIPLE%%-*}";;
    *) die "no wheel platform tag known for $TARGET (docs/release.md)";;
  esac
  say "Python wheel for $TARGET ($plat)"
  local tmp="$STAGE/wheel"; rm -rf "$tmp"; mkdir -p "$tmp"
  # setuptools-rust runs $CARGO with --target $CARGO_BUILD_TARGET: cargo-zigbuild through a wrapper,
  # into build_lib's folder (not setup.py's default bindings/python/build/cargo-target).
  CARGO="$ROOT/scripts/cargo-zigbuild-wrapper.sh" CARGO_BUILD_TARGET="$TARGET" \
    CARGO_TARGET_DIR="$TARGET_DIR" PIP_DISABLE_PIP_VERSION_CHECK=1 \
    "$TOOLS/venv/bin/python" -m pip wheel -q --no-deps -w "$tmp/raw" "$ROOT/bindings/python" >&2
  local raw; raw="$(ls "$tmp"/raw/everifin_webhook-*.whl)"
  say "auditwheel show $(basename "$raw")"
  "$TOOLS/venv/bin/auditwheel" show "$raw" >&2
  PATH="$TOOLS/venv/bin:$PATH" "$TOOLS/venv/bin/auditwheel" repair --plat "$plat" -w "$tmp/repaired" "$raw" >&2
  local whl; whl="$(ls "$tmp"/repaired/everifin_webhook-*.whl)"
  # auditwheel sorts the platform tags (manylinux2014_x86_64.manylinux_2_17_x86_64); name the file
  # with the PEP 600 tag first, as maturin does. Installers read the tags as a set.
  local base="${whl##*/}" stem plat
  stem="${base%-*}"; plat="${base##*-}"; plat="${plat%.whl}"
  plat="$(tr '.' '\n' <<<"$plat" | { grep '^manylinux_' || true; } | paste -sd.).$(tr '.' '\n' <<<"$plat" | { grep -v '^manylinux_' || true; } | paste -sd.)"; plat="${plat#.}"; plat="${plat%.}"
  rm -f "$DIST"/everifin_webhook-*.whl
  cp "$whl" "$DIST/$stem-$plat.whl"
  echo "$DIST/$stem-$plat.whl"
}

for w in "${what[@]}"; do
  case "$w" in
    all) sdk; wheel; woocommerce; prestashop;;
    lib) build_lib; echo "$OUT/libeverifin_webhook.so";;
    sdk|wheel|woocommerce|prestashop) "$w";;
    sdk-path|sdk-sources) die "$w is given alone";;
    *) die "unknown artifact '$w' (all, sdk, lib, wheel, woocommerce, prestashop, sdk-path, sdk-sources)";;
  esac
done
