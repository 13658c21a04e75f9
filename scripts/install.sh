#!/usr/bin/env bash
# make install PREFIX=/usr/local [DESTDIR=/staging]: installs the C SDK, the same tree as the
# tarball of `make dist` (include/, lib/ with .so.<version>, .so.<abi>, .so, .a and
# lib/pkgconfig/everifin_webhook.pc, share/doc/everifin-webhook/).
# Env: PREFIX (default /usr/local), DESTDIR (default empty), EVF_TARGET (see scripts/dist.sh).
set -euo pipefail
ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
PREFIX="${PREFIX:-/usr/local}"
DESTDIR="${DESTDIR:-}"
case "$PREFIX" in /*) ;; *) echo "install: PREFIX must be an absolute path (got '$PREFIX')" >&2; exit 1;; esac
tarball="$(bash "$ROOT/scripts/dist.sh" sdk | tail -n 1)"
dest="$DESTDIR$PREFIX"
mkdir -p "$dest"
# The tarball's single top folder is dropped: its content is the prefix layout.
tar -xzf "$tarball" -C "$dest" --strip-components=1 --no-same-owner
echo "installed $(basename "$tarball") into $dest"
if [ -z "$DESTDIR" ] && [ "$(id -u)" = 0 ] && command -v ldconfig >/dev/null; then ldconfig || true; fi
echo "use: cc app.c \$(PKG_CONFIG_PATH=$PREFIX/lib/pkgconfig pkg-config --cflags --libs everifin_webhook)"
