"""Checks that a readme gives a block of lines word for word (indentation aside).

    readme_block.py README BLOCK_FILE [--replace OLD NEW]... [--what TEXT]
        BLOCK_FILE's lines, after each --replace, must appear in README as consecutive lines from
        the first line whose stripped text is the block's first line; prints the block, or a diff
        and exits 1.
    readme_block.py --doc-block DOC MARKER
        prints the ```sh block between <!-- MARKER ... --> and <!-- /MARKER --> in DOC.
"""

import argparse
import difflib
import re
import sys
import textwrap


def doc_block(doc: str, marker: str) -> str:
    m = re.search(r"<!-- %s[^>]*-->\n```sh\n(.*?)```\n<!-- /%s -->" % (re.escape(marker), re.escape(marker)),
                  open(doc).read(), re.S)
    if not m:
        sys.exit("%s: no %s block" % (doc, marker))
    return m.group(1)


def main() -> int:
    if sys.argv[1:2] == ["--doc-block"]:
        print(doc_block(sys.argv[2], sys.argv[3]), end="")
        return 0
    p = argparse.ArgumentParser()
    p.add_argument("readme")
    p.add_argument("block_file")
    p.add_argument("--replace", nargs=2, action="append", default=[], metavar=("OLD", "NEW"))
    p.add_argument("--what", default="the block")
    a = p.parse_args()
    block = open(a.block_file).read()
    for old, new in a.replace:
        block = block.replace(old, new)
    want = block.splitlines(True)
    lines = open(a.readme).read().splitlines()
    i = next((n for n, line in enumerate(lines) if want and line.strip() == want[0].strip()), None)
    got = [] if i is None else (textwrap.dedent("\n".join(lines[i:i + len(want)])) + "\n").splitlines(True)
    if got != want:
        print("%s does not give %s word for word:" % (a.readme, a.what))
        sys.stdout.writelines(difflib.unified_diff(got, want, a.readme, a.what))
        return 1
    sys.stdout.write(block)
    return 0


if __name__ == "__main__":
    sys.exit(main())
