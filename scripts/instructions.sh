#!/usr/bin/env bash
# Instructions per request of the typical event, outside SHA-256, broken down by part: the
# figures of docs/performance.md ("Where the time goes"). Instruction counts do not move with the
# machine as times do, so this is what to steer by.
#
# Builds benches/instructions.rs (the bench profile, with line tables), runs it under
# `valgrind --tool=callgrind` once for each loop it has (`Verifier::process`, then the C ABI as the
# bindings call it), counting that loop alone, and hands each count to callgrind_parts.py. Under
# valgrind, sha2 runs in software (compress256): that is subtracted, the rest is what this crate
# adds to the hash.
#
# Usage: scripts/instructions.sh [REQUESTS]   (default 2000; needs valgrind and python3)
# EVERIFIN_CALLGRIND_KEEP=DIR keeps the callgrind files in DIR (for callgrind_annotate).
set -euo pipefail
ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
cd "$ROOT"
source "$ROOT/scripts/target-dir.sh"
bash "$ROOT/scripts/need-cargo.sh" instructions.sh
command -v valgrind >/dev/null || { echo "instructions.sh: valgrind is not installed (apt-get install valgrind)" >&2; exit 1; }
requests="${1:-2000}"

# Line tables name the source file of inlined code; they do not change the code generated.
binary="$(CARGO_PROFILE_BENCH_DEBUG=line-tables-only cargo bench --bench instructions --no-run \
  --message-format=json 2>/dev/null | python3 -c '
import json, sys
for line in sys.stdin:
    m = json.loads(line)
    if m.get("reason") == "compiler-artifact" and m["target"]["name"] == "instructions" and m.get("executable"):
        print(m["executable"])')"
[ -x "$binary" ] || { echo "instructions.sh: the build failed (cargo bench --bench instructions --no-run)" >&2; exit 1; }

out="${EVERIFIN_CALLGRIND_KEEP:-$(mktemp -d)}"
mkdir -p "$out"
[ -n "${EVERIFIN_CALLGRIND_KEEP:-}" ] || trap 'rm -rf "$out"' EXIT
for loop in process_requests ffi_requests; do
  valgrind --tool=callgrind --callgrind-out-file="$out/$loop.callgrind" \
    --toggle-collect="instructions::$loop" -q "$binary" "$requests"
done
echo "The typical event (tests/support/typical.rs), $requests requests under callgrind."
echo
echo "Verifier::process:"
python3 "$ROOT/scripts/callgrind_parts.py" "$out/process_requests.callgrind" "$requests"
echo
echo "evf_verifier_process with compactResult (the bindings' call):"
python3 "$ROOT/scripts/callgrind_parts.py" "$out/ffi_requests.callgrind" "$requests"
