#!/usr/bin/env python3
"""Breaks down a callgrind count (scripts/instructions.sh): instructions per request outside
SHA-256, by part of the work and by function.

Usage: callgrind_parts.py FILE REQUESTS [MIN]  (functions below MIN per request are not listed)

Each function of the count either has a part of its own (PARTS, by name) or is a helper: the
standard library's generics, malloc/free/memcpy, the dependencies. A helper's cost, with all it
calls, goes to the part of the function that called it (so malloc goes to whoever allocated).
A few functions inline other steps (SPLIT): their lines, and the calls made from them, are split by
source file; in normalize_view the standard library's lines go with the last line of this crate
before them (callgrind lists a function's lines in address order, and inlined code sits in its
caller's).
"""

import re
import sys
from collections import defaultdict

SHA = "SHA-256 (sha2's compress, software under valgrind)"
JSON = "parse: UTF-8 check, strict JSON pass, keeping the members (parse.rs, scan.rs)"
NORMALIZE = "normalize: fallbacks, UUIDs, the event's timestamp, entity, outcome"
OWNED = "owned results: Event and SignatureInfo strings allocated, copied, freed; moves"
SIGNATURE = "Signature header, its timestamp, MAC compare (verify.rs)"
HMAC = "HMAC around SHA-256: keyed state copied, buffered, finalized, wiped"
ENTRY = "the entry point (verifier.rs), the loop"
RESULT = "the result JSON of the C ABI (write.rs, result.rs, ffi.rs)"

# First match wins: function name (as callgrind demangles it) -> part.
PARTS = [
    (r"^sha2::sha256::(compress|soft)", SHA),
    (r"^everifin_webhook::(scan|parse)::", JSON),
    (r"into_event|::to_info|drop_in_place<.*(Verified|normalize::Event>|SignatureInfo>)", OWNED),
    (r"^everifin_webhook::(normalize|outcome)::", NORMALIZE),
    (r"^everifin_webhook::verify::(mac_over|compute_mac)|^(hmac|digest|block_buffer)::", HMAC),
    (r"^everifin_webhook::verify::", SIGNATURE),
    (r"^everifin_webhook::(write|result|ffi)::|^evf_|ffi_requests", RESULT),
    (r"^everifin_webhook::verifier::Verifier::process$", OWNED),
    (r"^everifin_webhook::verifier::|process_requests", ENTRY),
]
# Functions whose lines (and the calls made from them) are split by source file: (function,
# [(file, part)], whether the standard library's lines go with the line of this crate before them
# rather than with the function's part). normalize_view inlines the JSON pass; Verifier::process
# builds the owned results.
SPLIT = [
    (r"^everifin_webhook::normalize::normalize_(view|body)", [
        (r"/src/(scan|parse)\.rs$", JSON),
        (r"/src/(normalize|outcome)\.rs$", NORMALIZE),
    ], True),
    (r"^everifin_webhook::verifier::Verifier::process$", [
        (r"/src/verifier\.rs$", ENTRY),
    ], False),
]


def split_of(fn):
    return next(((files, inherit) for pattern, files, inherit in SPLIT if re.search(pattern, fn)),
                (None, False))


def part_of(name, rules):
    return next((part for pattern, part in rules if re.search(pattern, name)), None)


def read(path):
    """Self cost per (function, source file, the last file of this crate before it), and
    inclusive cost per (caller, callee, source file and last file of the call)."""
    names = defaultdict(dict)
    self_cost = defaultdict(int)
    edges = defaultdict(int)
    fn = callee = None
    file = fn_file = own = None
    pending_call = False

    def name(kind, text):
        # Compressed names: "(id) name" the first time, "(id)" afterwards.
        m = re.match(r"\((\d+)\)(?: (.*))?$", text)
        if not m:
            return text
        if m.group(2) is not None:
            names[kind][m.group(1)] = m.group(2)
        return names[kind][m.group(1)]

    with open(path) as f:
        for line in f:
            line = line.rstrip("\n")
            if not line or line.startswith("#"):
                continue
            head, _, rest = line.partition("=")
            if head == "fl":
                fn_file = file = name("fl", rest)
            elif head in ("fi", "fe"):
                file = name("fl", rest)
            elif head == "fn":
                fn = name("fn", rest)
                file, own = fn_file, None
            elif head in ("cfi", "cfl"):
                name("fl", rest)
            elif head == "cfn":
                callee = name("fn", rest)
            elif head == "calls":
                pending_call = True
            elif line[0] in "0123456789+-*":
                fields = line.split()
                cost = int(fields[1]) if len(fields) > 1 else 0
                files, inherit = split_of(fn)
                if inherit and part_of(file or "", files):
                    own = file
                if pending_call:
                    edges[(fn, callee, file, own)] += cost
                    pending_call = False
                else:
                    self_cost[(fn, file, own)] += cost
    return self_cost, edges


def main():
    path, requests = sys.argv[1], int(sys.argv[2])
    least = float(sys.argv[3]) if len(sys.argv) > 3 else 20
    self_cost, edges = read(path)
    total = sum(self_cost.values())
    ran = {fn for (fn, _, _), c in self_cost.items() if c}

    by_part = defaultdict(int)
    by_function = defaultdict(int)
    def part_at(fn, file, own):
        part = part_of(fn, PARTS)
        files, _ = split_of(fn)
        if part and files:
            return part_of(file or "", files) or part_of(own or "", files) or part
        return part

    for (fn, file, own), cost in self_cost.items():
        part = part_at(fn, file, own)
        if part:
            by_part[part] += cost
            by_function[fn] += cost
    for (caller, callee, file, own), cost in edges.items():
        part = part_at(caller, file, own)
        # Calls into the counted loop from outside it are not part of a request.
        if caller in ran and part and not part_of(callee, PARTS):
            by_part[part] += cost
            by_function[caller] += cost
    accounted = sum(by_part.values())
    # Helpers called only from outside the parts (none expected) would be lost: say so.
    if abs(accounted - total) > total * 0.001:
        print(f"warning: the parts hold {accounted / requests:.0f} of {total / requests:.0f} "
              "instructions per request: a function needs a rule in PARTS")

    sha = by_part.pop(SHA, 0)
    print(f"instructions per request: {total / requests:,.0f}; SHA-256 {sha / requests:,.0f}")
    print(f"instructions per request outside SHA-256: {(total - sha) / requests:,.0f}")
    print("  by part:")
    for part, cost in sorted(by_part.items(), key=lambda x: -x[1]):
        print(f"  {cost / requests:7,.0f}  {part}")
    print(f"  by function (with the helpers it calls; at least {least:.0f}):")
    for fn, cost in sorted(by_function.items(), key=lambda x: -x[1]):
        if cost / requests >= least and part_of(fn, PARTS) != SHA:
            print(f"  {cost / requests:7,.0f}  {fn}")


main()
