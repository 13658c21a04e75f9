#!/usr/bin/env bash
# Exits 0 when cargo is on PATH; otherwise says how to install Rust and exits 1. Rust comes from
# rustup: Debian's rustc is older than the crate's rust-version (1.85), so it is the one
# prerequisite that make and scripts/demo.sh do not install. Usage: need-cargo.sh [PREFIX]
command -v cargo >/dev/null 2>&1 && exit 0
printf '%s\n' "${1:+$1: }cargo is not installed. Install Rust (1.85 or newer) with rustup, as the user who runs make:" \
  "  curl --proto '=https' --tlsv1.2 -sSf https://sh.rustup.rs | sh -s -- -y" \
  "  . \"\$HOME/.cargo/env\"" \
  "(Debian's rustc package is too old for this crate.)" >&2
exit 1
