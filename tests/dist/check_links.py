#!/usr/bin/env python3
"""Every relative link of every Markdown file under DIR resolves to a file or folder inside DIR.

Usage: check_links.py DIR   (make test-dist: the unpacked SDK's share/doc/everifin-webhook/)

Links are inline Markdown links `[text](target)` and reference definitions `[label]: target`,
outside fenced code blocks and code spans. Absolute URLs (`scheme:`) and in-page anchors (`#...`)
are skipped; `path#anchor` is checked as `path`. Prints each broken link and a summary line;
exit status 1 when a link is broken or DIR holds no Markdown file.
"""

import os
import re
import sys

INLINE = re.compile(r"\[[^\]]*\]\(\s*<?([^)\s>]+)>?(?:\s+\"[^\"]*\")?\s*\)")
REFERENCE = re.compile(r"^\s{0,3}\[[^\]]+\]:\s*<?(\S+?)>?(?:\s+.*)?$")
SCHEME = re.compile(r"^[A-Za-z][A-Za-z0-9+.-]*:")


def links(text):
    """The link targets of a Markdown text, outside code."""
    fenced = False
    for line in text.splitlines():
        if re.match(r"^\s*(```|~~~)", line):
            fenced = not fenced
            continue
        if fenced:
            continue
        line = re.sub(r"`[^`]*`", "", line)
        for m in INLINE.finditer(line):
            yield m.group(1)
        m = REFERENCE.match(line)
        if m:
            yield m.group(1)


def main():
    if len(sys.argv) != 2:
        sys.exit(__doc__)
    root = os.path.realpath(sys.argv[1])
    files = checked = 0
    broken = []
    for folder, _, names in os.walk(root):
        for name in sorted(names):
            if not name.endswith(".md"):
                continue
            files += 1
            path = os.path.join(folder, name)
            with open(path, encoding="utf-8") as f:
                text = f.read()
            for target in links(text):
                if SCHEME.match(target) or target.startswith("#"):
                    continue
                checked += 1
                rel = target.split("#", 1)[0]
                resolved = os.path.realpath(os.path.join(folder, rel))
                inside = resolved == root or resolved.startswith(root + os.sep)
                if not inside or not os.path.exists(resolved):
                    broken.append("%s: %s" % (os.path.relpath(path, root), target))
    for b in broken:
        print("broken link: " + b)
    print("links: %d Markdown files, %d relative links, %d broken" % (files, checked, len(broken)))
    sys.exit(1 if broken or files == 0 else 0)


if __name__ == "__main__":
    main()
