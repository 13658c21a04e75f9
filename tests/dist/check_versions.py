#!/usr/bin/env python3
"""One version source: Cargo.toml. Checks that every other place that states the version agrees:
the C header's EVF_VERSION (and MAJOR/MINOR/PATCH), composer.json, pyproject.toml, the Python package's __version__, the WooCommerce
plugin header and readme.txt, the PrestaShop module and config.xml, and -- given dist/ -- the
artifact names and the versions inside them (pkg-config file, wheel METADATA, plugin headers in
the ZIPs). Prints one line per check; exit status 1 when any disagrees.

Usage: check_versions.py [DIST_DIR]
"""

from __future__ import annotations

import io
import json
import re
import sys
import tarfile
import zipfile
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
failures = 0
checks = 0


def check(what: str, found: str | None, expected: str) -> None:
    global failures, checks
    checks += 1
    if found == expected:
        print(f"ok    {what}: {found}")
    else:
        failures += 1
        print(f"FAIL  {what}: {found!r}, expected {expected!r}")


def first(pattern: str, text: str, flags: int = re.M) -> str | None:
    m = re.search(pattern, text, flags)
    return m.group(1) if m else None


def read(rel: str) -> str:
    return (ROOT / rel).read_text(encoding="utf-8")


cargo = read("Cargo.toml")
package = cargo.split("[package]", 1)[1].split("\n[", 1)[0]
version = first(r'^version\s*=\s*"([^"]+)"', package)
if version is None:
    sys.exit("Cargo.toml has no [package] version")
print(f"Cargo.toml [package] version: {version}")
major, minor, patch = (version.split("-")[0].split(".") + ["", "", ""])[:3]

header = read("include/everifin_webhook.h")
check("include/everifin_webhook.h EVF_VERSION", first(r'^#define EVF_VERSION "([^"]+)"', header), version)
check(
    "include/everifin_webhook.h EVF_VERSION_MAJOR/MINOR/PATCH",
    ".".join(first(rf"^#define EVF_VERSION_{k} (\d+)", header) or "?" for k in ("MAJOR", "MINOR", "PATCH")),
    f"{major}.{minor}.{patch}",
)
check("bindings/php/composer.json version", json.loads(read("bindings/php/composer.json")).get("version"), version)
check("bindings/python/pyproject.toml version", first(r'^version\s*=\s*"([^"]+)"', read("bindings/python/pyproject.toml")), version)
check("bindings/python/everifin_webhook/__init__.py __version__", first(r'^__version__\s*=\s*"([^"]+)"', read("bindings/python/everifin_webhook/__init__.py")), version)
WOO = "plugins/woocommerce/everifin-webhook"
PS = "plugins/prestashop/everifinwebhook"
check(f"{WOO}/everifin-webhook.php Version:", first(r"^\s*\*\s*Version:\s*(\S+)", read(f"{WOO}/everifin-webhook.php")), version)
check(f"{WOO}/readme.txt Stable tag", first(r"^Stable tag:\s*(\S+)", read(f"{WOO}/readme.txt")), version)
check(f"{PS}/everifinwebhook.php $this->version", first(r"\$this->version = '([^']+)'", read(f"{PS}/everifinwebhook.php")), version)
check(f"{PS}/config.xml <version>", first(r"<version><!\[CDATA\[([^\]]+)\]\]></version>", read(f"{PS}/config.xml")), version)

if len(sys.argv) > 1:
    dist = Path(sys.argv[1])
    sdk = sorted(dist.glob("everifin-webhook-*-linux-*.tar.gz"))
    wheel = sorted(dist.glob("everifin_webhook-*.whl"))
    woo = sorted(dist.glob("everifin-webhook-woocommerce-*.zip"))
    ps = sorted(dist.glob("everifinwebhook-prestashop-*.zip"))
    check("dist: C SDK tarball", sdk[0].name if sdk else None, f"everifin-webhook-{version}-x86_64-linux-gnu.tar.gz")
    check("dist: wheel", wheel[0].name if wheel else None,
          f"everifin_webhook-{version}-py3-none-manylinux_2_17_x86_64.manylinux2014_x86_64.whl")
    check("dist: WooCommerce plugin", woo[0].name if woo else None, f"everifin-webhook-woocommerce-{version}.zip")
    check("dist: PrestaShop module", ps[0].name if ps else None, f"everifinwebhook-prestashop-{version}.zip")
    if sdk:
        with tarfile.open(sdk[0]) as t:
            pc = next((m for m in t.getmembers() if m.name.endswith("lib/pkgconfig/everifin_webhook.pc")), None)
            text = t.extractfile(pc).read().decode() if pc else ""
            check("SDK everifin_webhook.pc Version", first(r"^Version:\s*(\S+)", text), version)
            libs = [m.name.rsplit("/", 1)[-1] for m in t.getmembers() if m.isfile() and ".so." in m.name]
            check("SDK shared library file name", libs[0] if len(libs) == 1 else str(libs), f"libeverifin_webhook.so.{version}")
    if wheel:
        with zipfile.ZipFile(wheel[0]) as z:
            meta = next((n for n in z.namelist() if n.endswith(".dist-info/METADATA")), "")
            check("wheel METADATA Version", first(r"^Version:\s*(\S+)", z.read(meta).decode() if meta else ""), version)
    for zips, inner, pattern in (
        (woo, "everifin-webhook/everifin-webhook.php", r"^\s*\*\s*Version:\s*(\S+)"),
        (ps, "everifinwebhook/everifinwebhook.php", r"\$this->version = '([^']+)'"),
    ):
        if zips:
            with zipfile.ZipFile(zips[0]) as z:
                text = z.read(inner).decode() if inner in z.namelist() else ""
                check(f"{zips[0].name}: {inner}", first(pattern, text), version)
                bundled = "everifin-webhook/vendor/everifin-webhook/composer.json".replace("everifin-webhook/", inner.split("/")[0] + "/", 1)
                text = z.read(bundled).decode() if bundled in z.namelist() else "{}"
                check(f"{zips[0].name}: bundled binding composer.json", json.loads(text).get("version"), version)

print(f"versions: {checks - failures} of {checks} agree with Cargo.toml {version}")
sys.exit(1 if failures else 0)
