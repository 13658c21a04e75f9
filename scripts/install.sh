#!/usr/bin/env bash
# make install PREFIX=/usr/local [DESTDIR=/staging]: installs the C SDK, the same tree as the
# tarball of `make sdk` / `make dist` (bin/everifin-webhook, the command of docs/cli.md; include/,
# lib/ with .so.<version>, .so.<abi>, .so, .a and lib/pkgconfig/everifin_webhook.pc,
# share/doc/everifin-webhook/).
#
# Two steps, as usual: `make sdk` as yourself builds dist/everifin-webhook-<version>-<triple>.tar.gz,
# then `sudo make install` only unpacks it into the prefix, without any Rust toolchain. When dist/
# has no tarball of this version, or one older than a file it is built from (scripts/dist.sh
# sdk-sources: src/, include/, build.rs, Cargo.toml, Cargo.lock, packaging/c/, the shipped docs),
# the tarball is built first (scripts/dist.sh sdk, said on stderr), as whoever runs this.
# Env: PREFIX (default /usr/local), DESTDIR (default empty), EVF_TARGET (see scripts/dist.sh).
set -euo pipefail
ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
PREFIX="${PREFIX:-/usr/local}"
DESTDIR="${DESTDIR:-}"
case "$PREFIX" in /*) ;; *) echo "install: PREFIX must be an absolute path (got '$PREFIX')" >&2; exit 1;; esac

tarball="$(bash "$ROOT/scripts/dist.sh" sdk-path)"
why=""
if [ ! -f "$tarball" ]; then
  why="dist/ has no $(basename "$tarball")"
else
  mapfile -t sources < <(bash "$ROOT/scripts/dist.sh" sdk-sources)
  existing=()
  for s in "${sources[@]}"; do [ -e "$ROOT/$s" ] && existing+=("$s"); done
  newer="$(cd "$ROOT" && find "${existing[@]}" -newer "$tarball" -print -quit)"
  [ -z "$newer" ] || why="$newer is newer than dist/$(basename "$tarball")"
  # A tarball made before the command was shipped (or by hand) is not this SDK either.
  # (The listing is read whole: grep -q ending a pipe early would fail tar under pipefail.)
  if [ -z "$why" ] && ! grep -q '/bin/everifin-webhook$' <<<"$(tar -tzf "$tarball")"; then
    why="dist/$(basename "$tarball") has no bin/everifin-webhook"
  fi
fi
if [ -n "$why" ]; then
  echo "install: $why: building the C SDK first (scripts/dist.sh sdk; run \`make sdk\` as yourself before \`sudo make install\` to only copy)" >&2
  tarball="$(bash "$ROOT/scripts/dist.sh" sdk | tail -n 1)"
fi

dest="$DESTDIR$PREFIX"
mkdir -p "$dest"
# The tarball's single top folder is dropped: its content is the prefix layout.
tar -xzf "$tarball" -C "$dest" --strip-components=1 --no-same-owner
echo "installed $(basename "$tarball") into $dest"
if [ -z "$DESTDIR" ] && [ "$(id -u)" = 0 ] && command -v ldconfig >/dev/null; then ldconfig || true; fi
echo "use: cc app.c \$(PKG_CONFIG_PATH=$PREFIX/lib/pkgconfig pkg-config --cflags --libs everifin_webhook)"
[ -x "$dest/bin/everifin-webhook" ] || { echo "install: $(basename "$tarball") installed no bin/everifin-webhook" >&2; exit 1; }
echo "the command: $PREFIX/bin/everifin-webhook --help (docs/cli.md)"
