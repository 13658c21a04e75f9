#!/usr/bin/env bash
# `make fuzz`: builds the cargo-fuzz targets (fuzz/fuzz_targets), seeds them from tests/vectors
# (fuzz/seeds.py), runs each for FUZZ_SECONDS (default 60) on one core, then the differential fuzz
# of the PHP binding's pure-PHP backend against the core (fuzz/php/run.sh, FUZZ_PHP_CASES inputs).
# Last line: `fuzz: T targets, E executions, C crashes`; exit status non-zero on any crash.
#
# Toolchain: cargo-fuzz needs nightly flags (-Zsanitizer). A nightly toolchain is used when rustup
# has one (FUZZ_TOOLCHAIN=stable ignores it); otherwise the stable one with RUSTC_BOOTSTRAP=1. cargo-fuzz is installed from crates.io
# when missing. Env: FUZZ_SECONDS, FUZZ_TARGETS (space-separated subset), FUZZ_SANITIZER (address,
# or none for speed), FUZZ_TARGET_DIR (a separate build directory, e.g. for a long campaign running
# beside other runs), FUZZ_PHP=0 to skip the PHP differential, FUZZ_PHP_CASES (default 5000).
# Each target runs as one libFuzzer process on one core (no -jobs/-workers).
set -uo pipefail

ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
# Before cd fuzz/: a relative CARGO_TARGET_DIR or FUZZ_TARGET_DIR is relative to the repository
# root, where make runs, not to fuzz/ (target-dir.sh exports CARGO_TARGET_DIR absolute).
source "$ROOT/scripts/target-dir.sh"
case "${FUZZ_TARGET_DIR:-}" in
  "" | /*) ;;
  *) FUZZ_TARGET_DIR="$ROOT/$FUZZ_TARGET_DIR" ;;
esac
cd "$ROOT/fuzz"
SECONDS_EACH="${FUZZ_SECONDS:-60}"
SANITIZER="${FUZZ_SANITIZER:-address}"
ALL_TARGETS="header normalize options decide explain process"
TARGETS="${FUZZ_TARGETS:-$ALL_TARGETS}"
TD=()
[ -n "${FUZZ_TARGET_DIR:-}" ] && TD=(--target-dir "$FUZZ_TARGET_DIR")

command -v cargo >/dev/null || { echo "fuzz: cargo is not installed (install Rust with rustup)" >&2; exit 1; }
if ! cargo fuzz --version >/dev/null 2>&1; then
  echo "== cargo install --locked cargo-fuzz"
  cargo install --locked cargo-fuzz || { echo "fuzz: cargo install cargo-fuzz failed" >&2; exit 1; }
fi
if [ "${FUZZ_TOOLCHAIN:-}" != "stable" ] && command -v rustup >/dev/null && rustup toolchain list | grep -q '^nightly'; then
  FUZZ=(cargo +nightly fuzz)
  echo "== toolchain: nightly"
else
  export RUSTC_BOOTSTRAP=1
  FUZZ=(cargo fuzz)
  echo "== toolchain: $(rustc --version) with RUSTC_BOOTSTRAP=1"
fi
# libFuzzer's C++ runtime is compiled by the cc crate.
command -v c++ >/dev/null || { echo "fuzz: a C++ compiler is needed (apt-get install g++)" >&2; exit 1; }

python3 "$ROOT/fuzz/seeds.py" "$ROOT/fuzz/corpus" | tail -n 1
echo "== ${FUZZ[*]} build -O --debug-assertions --sanitizer $SANITIZER"
"${FUZZ[@]}" build "${TD[@]}" -O --debug-assertions --sanitizer "$SANITIZER" || { echo "fuzz: build failed" >&2; exit 1; }

RUN_DIR="$ROOT/fuzz/artifacts/run-$(date +%Y%m%d-%H%M%S)-$$"
mkdir -p "$RUN_DIR"
targets=0; execs=0; crashes=0
for t in $TARGETS; do
  targets=$((targets + 1))
  mkdir -p "$RUN_DIR/$t"
  log="$RUN_DIR/$t.log"
  echo "== $t: ${SECONDS_EACH}s"
  "${FUZZ[@]}" run "${TD[@]}" -O --debug-assertions --sanitizer "$SANITIZER" "$t" "$ROOT/fuzz/corpus/$t" -- \
    -max_total_time="$SECONDS_EACH" -max_len=16384 -timeout=20 -rss_limit_mb=2048 \
    -print_final_stats=1 -artifact_prefix="$RUN_DIR/$t/" >"$log" 2>&1
  rc=$?
  # Executions: the final stats, or (when a crash cut the run) the last status line "#N ...".
  n=$(sed -n 's/^stat::number_of_executed_units: *\([0-9]*\).*/\1/p' "$log" | tail -n 1)
  [ -n "$n" ] || n=$(grep -oE '^#[0-9]+' "$log" | tail -n 1 | tr -d '#')
  [ -n "$n" ] || n=0
  found=$(find "$RUN_DIR/$t" -type f \( -name 'crash-*' -o -name 'timeout-*' -o -name 'oom-*' -o -name 'leak-*' \) | wc -l)
  if [ "$rc" -ne 0 ] && [ "$found" -eq 0 ]; then found=1; fi
  execs=$((execs + n)); crashes=$((crashes + found))
  echo "   $t: $n executions, $found crashes (exit $rc)"
  if [ "$found" -ne 0 ]; then
    grep -E 'panicked at|ERROR: libFuzzer|ERROR: AddressSanitizer|SUMMARY' "$log" | head -n 8 | sed 's/^/   /'
    echo "   log: $log; reproduce: ${FUZZ[*]} run -O --debug-assertions $t <artifact in $RUN_DIR/$t>"
  fi
done

if [ "${FUZZ_PHP:-1}" != "0" ]; then
  targets=$((targets + 1))
  echo "== php-differential: ${FUZZ_PHP_CASES:-5000} inputs, pure-PHP backend against the core"
  plog="$RUN_DIR/php-differential.log"
  bash "$ROOT/fuzz/php/run.sh" 2>&1 | tee "$plog"
  prc=${PIPESTATUS[0]}
  line=$(grep -E '^php-differential: [0-9]+ inputs' "$plog" | tail -n 1)
  pn=$(sed -n 's/^php-differential: \([0-9]*\) inputs.*/\1/p' <<<"$line"); pn=${pn:-0}
  pd=$(sed -n 's/.*, \([0-9]*\) differences.*/\1/p' <<<"$line"); pd=${pd:-0}
  if [ "$prc" -ne 0 ] && [ "$pd" -eq 0 ]; then pd=1; fi
  execs=$((execs + pn)); crashes=$((crashes + pd))
fi

echo "fuzz: $targets targets, $execs executions, $crashes crashes"
[ "$crashes" -eq 0 ]
