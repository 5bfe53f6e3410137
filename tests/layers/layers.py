#!/usr/bin/env python3
"""The include graph of wglab's sources, by layer, and a check that every
include points down (or sideways within a part).

Each part is a folder; a part may include only the parts listed for it
below. Printing the graph is the point as much as checking it: the output
is the picture of the layering that CONTRIBUTING.md describes.
Usage: layers.py SRCDIR   (exit 1 on an include that is not allowed)
"""
import os
import re
import sys

# Bottom up. Each part lists the parts it may include (besides itself).
LAYERS = [
    ("0 base", {"base": set()}),
    ("1 leaves", {
        "proto": set(),
        "netns": {"base"},
        "reports": {"base"},
    }),
    ("2 leaves on leaves", {
        "pcap": {"base", "proto", "netns"},
    }),
    ("3 engine", {
        "harness/backends": {"base", "netns"},
        "harness/traffic": {"base", "netns", "harness/backends"},
        "harness": {"base", "proto", "netns", "pcap", "harness/backends",
                    "harness/traffic"},
        "harness/lua": {"base", "proto", "netns", "pcap", "harness",
                        "harness/backends", "harness/traffic"},
        "vm": {"base"},
    }),
    ("4 top", {
        "cli": {"base", "proto", "netns", "reports", "pcap", "harness",
                "harness/backends", "harness/traffic", "harness/lua", "vm"},
    }),
]
ALLOWED = {part: deps for _, parts in LAYERS for part, deps in parts.items()}
INCLUDE = re.compile(r'^\s*#\s*include\s+"([^"]+)"')


def part_of(path):
    """The part a source or header belongs to: its folder."""
    folder = os.path.dirname(path)
    return folder if folder in ALLOWED else None


def scan(srcdir):
    """(from part, to part) -> list of 'file:line' for every cross-part include."""
    edges, unknown = {}, []
    for part in ALLOWED:
        d = os.path.join(srcdir, part)
        for name in sorted(os.listdir(d)):
            if not name.endswith((".c", ".h")):
                continue
            rel = f"{part}/{name}"
            with open(os.path.join(d, name), encoding="utf-8") as f:
                for lineno, line in enumerate(f, 1):
                    m = INCLUDE.match(line)
                    if not m:
                        continue
                    target = m.group(1)
                    if "/" not in target:
                        continue  # a local header of the same folder
                    to = part_of(target)
                    if to is None:
                        unknown.append(f"{rel}:{lineno}: {target}")
                    elif to != part:
                        edges.setdefault((part, to), []).append(f"{rel}:{lineno}")
    return edges, unknown


def main():
    srcdir = sys.argv[1] if len(sys.argv) > 1 else "."
    edges, unknown = scan(srcdir)
    bad = []
    for title, parts in LAYERS:
        print(f"layer {title}")
        for part in parts:
            outs = sorted(to for (frm, to) in edges if frm == part)
            print(f"  {part:18} -> {', '.join(outs) if outs else '(nothing)'}")
            for to in outs:
                if to not in ALLOWED[part]:
                    bad += [f"{where}: {part} includes {to} (not allowed)"
                            for where in edges[(part, to)]]
    for u in unknown:
        bad.append(f"{u}: include of a folder that is not a known part")
    for b in bad:
        print("UPWARD " + b)
    print(f"{len(edges)} cross-part edges, {len(bad)} not allowed")
    return 1 if bad else 0


if __name__ == "__main__":
    sys.exit(main())
