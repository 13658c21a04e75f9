#!/usr/bin/env bash
# Builds and runs the C test harness against the release cdylib, through the committed header
# include/everifin_webhook.h only, under AddressSanitizer, UndefinedBehaviorSanitizer and
# LeakSanitizer. The last line of output is "N passed, M failed"; the exit status is non-zero on
# any failure.
#
# Usage: tests/c/run.sh [VECTOR_FILE_OR_DIR ...]     (default: tests/vectors)
# Environment: EVF_NO_BUILD=1 skips `cargo build`; CC (default gcc);
#              EVF_THREAD_ITERATIONS (default 2000 process calls per thread).
set -euo pipefail

here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
repo="$(cd "$here/../.." && pwd)"
cc="${CC:-gcc}"

say() { printf '%s\n' "$*" >&2; }

# Fails the run with a final summary line, so that the last line always has the same form.
die() {
    say "run.sh: $*"
    echo "0 passed, 1 failed"
    exit 1
}

# A Debian package, installed when missing (apt-get needs root or sudo).
apt_install() { # package
    say "run.sh: installing $1"
    local sudo=""
    if [ "$(id -u)" != 0 ] && command -v sudo >/dev/null 2>&1; then sudo="sudo"; fi
    export DEBIAN_FRONTEND=noninteractive
    $sudo apt-get install -y "$1" >&2 ||
        { $sudo apt-get update >&2 && $sudo apt-get install -y "$1" >&2; } ||
        die "cannot install $1"
}

# 1. cJSON (only when its header is missing).
[ -f /usr/include/cjson/cJSON.h ] || apt_install libcjson-dev
command -v "$cc" >/dev/null 2>&1 || die "no C compiler ($cc)"
# A C++ compiler for the header's C++ check (g++ on Debian, installed when missing).
cxx="${CXX:-g++}"
if ! command -v "$cxx" >/dev/null 2>&1 && [ -z "${CXX:-}" ]; then apt_install g++; fi
command -v "$cxx" >/dev/null 2>&1 || die "no C++ compiler ($cxx)"

# 2. The library (cargo rebuilds only what changed), in cargo's output folder (CARGO_TARGET_DIR
# or target/).
source "$repo/scripts/target-dir.sh"
lib="$TARGET_DIR/release/libeverifin_webhook.so"
if [ "${EVF_NO_BUILD:-0}" != 1 ]; then
    (cd "$repo" && cargo build --release --lib >&2) || die "cargo build --release --lib failed"
fi
[ -f "$lib" ] || die "$lib is missing"
say "run.sh: library $lib"
[ -f "$repo/include/everifin_webhook.h" ] || die "include/everifin_webhook.h is missing"

# 3. The committed header alone, included twice (the guard), in every language level users
# compile with: C89 (no `//` comments, no declarations after statements), C99, C11 and C++.
tu='#include <everifin_webhook.h>
#include <everifin_webhook.h>
int main(void) { return evf_abi_version() == EVF_ABI_VERSION ? 0 : 1; }'
for std in c89 c99 c11; do
    printf '%s\n' "$tu" | "$cc" -std="$std" -pedantic-errors -Wall -Wextra -Werror -fsyntax-only \
        -I"$repo/include" -x c - || die "include/everifin_webhook.h is not valid $std ($cc -std=$std -pedantic-errors)"
    say "run.sh: include/everifin_webhook.h compiles as $std (-pedantic-errors)"
done
for std in c++98 c++11 c++17; do
    printf '%s\n' "$tu" | "$cxx" -std="$std" -pedantic-errors -Wall -Wextra -Werror -fsyntax-only \
        -I"$repo/include" -x c++ - || die "include/everifin_webhook.h is not valid $std ($cxx -std=$std -pedantic-errors)"
    say "run.sh: include/everifin_webhook.h compiles as $std (-pedantic-errors)"
done

# 4. A build dir whose names match the SONAME (libeverifin_webhook.so.1).
build="$TARGET_DIR/c-harness"
mkdir -p "$build"
ln -sfn "$lib" "$build/libeverifin_webhook.so"
ln -sfn "$lib" "$build/libeverifin_webhook.so.1"

# 5. Compile: strict C99, everything a warning is an error, sanitizers on.
"$cc" -std=c99 -Wall -Wextra -Werror -pedantic \
    -fsanitize=address,undefined -fno-sanitize-recover=undefined -fno-omit-frame-pointer -g -O1 \
    -D_POSIX_C_SOURCE=200809L \
    -I"$repo/include" \
    "$here"/harness.c "$here"/json_span.c "$here"/vectors.c "$here"/api_checks.c \
    "$here"/threads.c \
    -o "$build/harness" \
    -L"$build" -leverifin_webhook -lcjson -lpthread -Wl,-rpath,"$build" ||
    die "compiling the harness failed"

# The harness must load the library through its SONAME from the build dir.
if command -v readelf >/dev/null 2>&1; then
    readelf -d "$build/harness" | grep -q 'libeverifin_webhook.so.1' ||
        die "the harness does not link libeverifin_webhook.so.1"
fi

# 6. Run. LeakSanitizer works here (it needs ptrace-like access to the process, which a root
# container has); the harness runs the leak check itself before its summary line, so the at-exit
# check is off to keep that line last. Leaks inside the Rust library are found too: it allocates
# through the same (intercepted) malloc.
if [ "$#" -eq 0 ]; then
    set -- "$repo/tests/vectors"
fi
export ASAN_OPTIONS="detect_leaks=1:leak_check_at_exit=0:halt_on_error=1:abort_on_error=0:${ASAN_OPTIONS:-}"
export UBSAN_OPTIONS="print_stacktrace=1:halt_on_error=1:${UBSAN_OPTIONS:-}"
log="$build/harness.log"
set +e
"$build/harness" "$@" 2>&1 | tee "$log"
status=${PIPESTATUS[0]}
set -e
last="$(tail -n 1 "$log")"
if ! printf '%s\n' "$last" | grep -Eq '^[0-9]+ passed, [0-9]+ failed$'; then
    # The harness crashed (a sanitizer report, a signal) before its summary.
    echo "run.sh: the harness stopped without its summary (exit status $status)"
    echo "0 passed, 1 failed"
    exit 1
fi
if [ "$status" -ne 0 ] && printf '%s\n' "$last" | grep -q ', 0 failed$'; then
    echo "run.sh: the harness exited with status $status"
    echo "0 passed, 1 failed"
    exit 1
fi
exit "$status"
