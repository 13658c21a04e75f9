#!/usr/bin/env bash
# Every shipped shared library and program references no glibc symbol version above a maximum
# (default 2.17): the .so and bin/everifin-webhook in the C SDK tarball, the .so in the wheel and in
# both plugin ZIPs. Reads the dynamic symbol
# table (objdump -T) and the version needs (readelf -V). Prints, per library, its highest GLIBC_
# version; exit status 1 when one is above the maximum, or when a library has no GLIBC_ reference
# at all (the check would then be checking nothing).
# Usage: check_glibc.sh DIST_DIR [MAX_VERSION]
set -uo pipefail
DIST="${1:?usage: check_glibc.sh DIST_DIR [MAX]}"
MAX="${2:-2.17}"
TMP="$(mktemp -d)"; trap 'rm -rf "$TMP"' EXIT
fail=0; n=0

ver_le() { [ "$(printf '%s\n%s\n' "$1" "$2" | sort -V | head -n1)" = "$1" ]; }

check_so() { # file, label
  local so="$1" label="$2" vers max
  vers="$( { objdump -T "$so"; readelf -V --wide "$so"; } 2>/dev/null | grep -o 'GLIBC_[0-9][0-9.]*' | sed 's/^GLIBC_//; s/\.$//' | sort -uV)"
  n=$((n + 1))
  if [ -z "$vers" ]; then echo "FAIL  $label: no GLIBC_ symbol version found (not a glibc library?)"; fail=1; return; fi
  max="$(tail -n1 <<<"$vers")"
  if ver_le "$max" "$MAX"; then
    echo "ok    $label: highest glibc symbol version GLIBC_$max (<= $MAX)"
  else
    echo "FAIL  $label: needs GLIBC_$max (> $MAX); symbols above it:"
    local v
    for v in $vers; do
      ver_le "$v" "$MAX" || objdump -T "$so" | grep -F "(GLIBC_$v)" | awk '{print "      " $NF " GLIBC_'"$v"'"}'
    done
    fail=1
  fi
}

shopt -s nullglob
for tgz in "$DIST"/everifin-webhook-*-linux-*.tar.gz; do
  mkdir -p "$TMP/sdk"; tar -xzf "$tgz" -C "$TMP/sdk"
  for so in "$TMP"/sdk/*/lib/libeverifin_webhook.so.*.*; do check_so "$so" "$(basename "$tgz"): ${so##*/}"; done
  for exe in "$TMP"/sdk/*/bin/everifin-webhook; do check_so "$exe" "$(basename "$tgz"): bin/${exe##*/}"; done
done
for z in "$DIST"/*.zip "$DIST"/*.whl; do
  d="$TMP/$(basename "$z")"; mkdir -p "$d"; unzip -q -o "$z" -d "$d"
  while IFS= read -r so; do check_so "$so" "$(basename "$z"): ${so#$d/}"; done < <(find "$d" -name '*.so' -type f | sort)
done
if [ "$n" -lt 5 ]; then echo "FAIL  expected 5 shipped binaries (SDK library and command, wheel, WooCommerce, PrestaShop), found $n"; fail=1; fi
echo "glibc: $n shipped binaries checked against GLIBC_$MAX"
exit $fail
