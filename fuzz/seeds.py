#!/usr/bin/env python3
"""Writes the seed corpora of the fuzz targets from the shared vectors (tests/vectors/*.json).

    python3 fuzz/seeds.py [OUT_DIR]      (default: fuzz/corpus; one folder per target)

Input layouts (fuzz/src/lib.rs `split`: parts joined by the byte 0xFF, which UTF-8 never uses):
  header    header 0xFF body                     (process cases)
  normalize selector body                        (process and normalize cases; 4 option sets)
  options   options JSON                         (every case with options / optionsRaw)
  decide    0x00 event 0xFF state                (decide cases; raw mode)
            odd byte, then 4-byte story steps     (a few stories: paid then late failures, ...)
  explain   header 0xFF body                     (process cases with bodies up to 4 KiB)
  process   flags options 0xFF header 0xFF body  (process cases, each with flags 0 and 1)
Files are named by the SHA-1 of their content, so rerunning only adds what is new.
"""

import hashlib
import json
import os
import sys

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
VECTORS = os.path.join(ROOT, "tests", "vectors")
SEP = b"\xff"
MAX_SEED = 64 * 1024


def body_of(case):
    if "body" in case:
        return case["body"].encode("utf-8")
    if "bodyHex" in case:
        return bytes.fromhex(case["bodyHex"])
    if "bodyParts" in case:
        out = []
        for p in case["bodyParts"]:
            out.append(p if isinstance(p, str) else p["repeat"] * p["times"])
        return "".join(out).encode("utf-8")
    return b""


def raw_or_json(case, key):
    if key + "Raw" in case:
        return case[key + "Raw"].encode("utf-8")
    if key in case:
        return json.dumps(case[key], ensure_ascii=False, separators=(",", ":")).encode("utf-8")
    return None


def stories():
    """Story-mode inputs of the decide target (see fuzz_targets/decide.rs `body`)."""
    # (kind, status index, signed seconds offset, redelivery byte): kinds 0-2 payment, 3 refund,
    # 4 order, 5 unknown type with paymentId, 6 unknown type without ids, 7 statusCheck.
    # Status indexes: 0 CREATED 2 PROCESSING 3 CONFIRMED 4 BOOKED 6 FAILED 8 EXPIRED 11 UNPAID.
    P1, P2 = 0, 8 + 1  # kind byte: payment index in the high bits
    told = [
        [(P1, 2, 1, 0), (P1, 4, 5, 0), (P2, 8, 9, 0)],                       # paid, then P2 expires
        [(P1, 4, 5, 0), (6, 14, 6, 0), (P2, 8, 9, 0)],                       # paid, unknown type, P2
        [(P1, 4, 5, 0), (4, 11, 7, 0)],                                      # paid, order UNPAID
        [(P1, 3, 1, 0), (P1, 6, 4, 0)],                                      # CONFIRMED, reversal
        [(P1, 4, 5, 0), (3, 4, 20, 0), (P1, 4, 5, 0x80)],                    # paid, refund, redelivery
        [(P1, 4, 5, 0), (P1, 2, 0xFE, 0), (P2, 0, 3, 0), (P2, 6, 6, 0x80)],  # late PROCESSING
    ]
    out = []
    for flags in (1, 3):
        for s in told:
            out.append(bytes([flags]) + b"".join(bytes([k, st, off & 0xFF, r]) for k, st, off, r in s))
    return out


def main():
    out_dir = sys.argv[1] if len(sys.argv) > 1 else os.path.join(ROOT, "fuzz", "corpus")
    seeds = {t: set() for t in ("header", "normalize", "options", "decide", "explain", "process")}
    for name in sorted(os.listdir(VECTORS)):
        if not name.endswith(".json") or name == "statuses.json":
            continue
        with open(os.path.join(VECTORS, name), encoding="utf-8") as f:
            cases = json.load(f)["cases"]
        for case in cases:
            fn = case["function"]
            options = raw_or_json(case, "options")
            if options is not None:
                seeds["options"].add(options)
            if fn in ("process", "normalize"):
                body = body_of(case)
                if len(body) > MAX_SEED:
                    continue
                for sel in range(4):
                    seeds["normalize"].add(bytes([sel]) + body)
            if fn == "process":
                header = case.get("header", "").encode("utf-8")
                seeds["header"].add(header + SEP + body)
                if len(body) <= 4096:
                    seeds["explain"].add(header + SEP + body)
                for flags in (0, 1):
                    seeds["process"].add(bytes([flags]) + (options or b"") + SEP + header + SEP + body)
            if fn == "decide":
                event = raw_or_json(case, "event") or b""
                state = raw_or_json(case, "state") or b""
                seeds["decide"].add(b"\x00" + event + SEP + state)
    seeds["decide"].update(stories())
    total = 0
    for target, items in seeds.items():
        d = os.path.join(out_dir, target)
        os.makedirs(d, exist_ok=True)
        for item in items:
            path = os.path.join(d, hashlib.sha1(item).hexdigest())
            if not os.path.exists(path):
                with open(path, "wb") as f:
                    f.write(item)
        total += len(items)
        print(f"seeds: {target}: {len(items)} inputs")
    print(f"seeds: {total} inputs in {out_dir}")


if __name__ == "__main__":
    main()
