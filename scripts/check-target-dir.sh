#!/usr/bin/env bash
# `make lint`: no tracked file but scripts/target-dir.sh spells out where cargo's output is
# (<repo>/target/..., target/release, target/debug). Cargo builds into $CARGO_TARGET_DIR when it is
# set, so a script that reads target/release/ tests a stale library, or none; scripts find the
# folder through scripts/target-dir.sh (TARGET_DIR), Python through _lib._cargo_target_dir (pathlib
# joins such as repo / "target" are not matched here).
# Allowed: dist.sh's own folders, which stay in the checkout (target/dist-tools, dist-stage,
# dist-cli; docs/release.md). Markdown is not checked (its commands show the default layout).
# Usage: scripts/check-target-dir.sh [REVISION]   (default: the working tree, tracked and new files)
# Exit status: 1, listing the lines, when a file does.
set -euo pipefail
ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"

# A path joined to target (…/target/…, "…/target", ${X:-…/target}), or target/release, target/debug.
pattern="/target([/\"'}[:space:]]|\$)|(^|[^A-Za-z0-9_.-])target/(release|debug)([^A-Za-z0-9_-]|\$)"
allowed="/target/dist-(tools|stage|cli)([^A-Za-z0-9_-]|\$)"
# Without a revision: the working tree, new files too (not those .gitignore ignores).
opts=(--untracked); revs=()
[ -n "${1:-}" ] && { opts=(); revs=("$1"); }
status=0
lines="$(git -C "$ROOT" grep -nIE "${opts[@]}" "$pattern" "${revs[@]}" -- . ':!*.md' ':!.gitignore' \
  ':!scripts/target-dir.sh' ':!scripts/check-target-dir.sh')" || status=$?
[ "$status" -le 1 ] || { echo "check-target-dir: git grep failed (exit $status)" >&2; exit 2; }
found=""
while IFS= read -r line; do
  [ -n "$line" ] || continue
  if grep -qE "$pattern" <<<"$(sed -E "s#$allowed##g" <<<"$line")"; then found+="$line"$'\n'; fi
done <<<"$lines"
if [ -n "$found" ]; then
  printf '%s' "$found"
  echo "check-target-dir: the lines above name cargo's output folder themselves; it is \$CARGO_TARGET_DIR when set: use scripts/target-dir.sh (TARGET_DIR)" >&2
  exit 1
fi
echo "check-target-dir: no file names cargo's output folder but scripts/target-dir.sh"
