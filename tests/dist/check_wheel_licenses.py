#!/usr/bin/env python3
"""The repository's LICENSE-MIT and LICENSE-APACHE are in a wheel's .dist-info/licenses/, byte for
byte, and its METADATA names each in a License-File line.

    python3 tests/dist/check_wheel_licenses.py WHEEL

Run by tests/dist/run.sh on the shipped wheel and by bindings/python/tests/run.sh on the one it
builds. Prints one line per licence; exit status 1 on any fault.
"""

import re
import sys
import zipfile
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]


def main() -> int:
    wheel = zipfile.ZipFile(sys.argv[1])
    names = wheel.namelist()
    info = next((n.split("/")[0] for n in names if n.endswith(".dist-info/METADATA")), None)
    if info is None:
        print("no .dist-info/METADATA in the wheel")
        return 1
    meta = wheel.read(info + "/METADATA").decode()
    bad = 0
    for lic in ("LICENSE-MIT", "LICENSE-APACHE"):
        inside = f"{info}/licenses/{lic}"
        faults = []
        if inside not in names:
            faults.append(f"{inside} is not in the wheel")
        elif wheel.read(inside) != (ROOT / lic).read_bytes():
            faults.append(f"{inside} differs from the repository's {lic}")
        if not re.search(rf"^License-File: {lic}$", meta, re.M):
            faults.append(f"METADATA has no License-File: {lic}")
        print("; ".join(faults) if faults else f"{inside}: the repository's {lic}; METADATA License-File: {lic}")
        bad |= bool(faults)
    return 1 if bad else 0


if __name__ == "__main__":
    sys.exit(main())
