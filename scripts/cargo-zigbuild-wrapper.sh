#!/usr/bin/env bash
# `cargo` for setuptools-rust (CARGO=this script): runs the same subcommand through cargo-zigbuild,
# which links with zig against the glibc version in the target (e.g. x86_64-unknown-linux-gnu.2.17).
# `cargo metadata`/`--version` go to plain cargo. cargo-zigbuild itself must find the real cargo.
unset CARGO
case "${1:-}" in
  rustc|build) exec cargo-zigbuild "$@";;
  *) exec cargo "$@";;
esac
