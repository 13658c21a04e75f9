#!/usr/bin/env bash
# Cargo's output folder, found the same way by every script of the repository (and the Makefile):
# $CARGO_TARGET_DIR when it is set and not empty, as cargo does (a relative one is relative to the
# repository root, where the scripts run cargo), else <repo>/target.
#
# Sourced (`source "$ROOT/scripts/target-dir.sh"`): sets TARGET_DIR to that folder, absolute, and
# when CARGO_TARGET_DIR is set exports it absolute too, so that cargo (and bindings/python/setup.py)
# build there whatever folder they run in; an empty CARGO_TARGET_DIR is unset. Run: prints the folder.
# Cargo output is then "$TARGET_DIR/release/libeverifin_webhook.so" and the like: no other script
# spells out target/release (scripts/check-target-dir.sh, in `make lint`, holds that).
# A cargo config's build.target-dir is not followed: set CARGO_TARGET_DIR instead.
_evf_root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
if [ -n "${CARGO_TARGET_DIR:-}" ]; then
  case "$CARGO_TARGET_DIR" in
    /*) ;;
    *) CARGO_TARGET_DIR="$_evf_root/$CARGO_TARGET_DIR" ;;
  esac
  # Lexically: a/../b becomes b, symbolic links are kept (as make's $(abspath)).
  CARGO_TARGET_DIR="$(realpath -m -s -- "$CARGO_TARGET_DIR")"
  export CARGO_TARGET_DIR
  TARGET_DIR="$CARGO_TARGET_DIR"
else
  unset CARGO_TARGET_DIR
  TARGET_DIR="$_evf_root/target"
fi
unset _evf_root
if [ "${BASH_SOURCE[0]}" = "$0" ]; then
  printf '%s\n' "$TARGET_DIR"
fi
