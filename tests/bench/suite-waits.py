#!/usr/bin/env python3
# SPDX-License-Identifier: GPL-2.0-or-later
"""Where a run's wall time went, per case: sleeping (wglab.sleep: protocol
timers, settling), timeouts waited out (a ping or recv that saw nothing,
mostly silence that a check expects), and the rest (setup, traffic, work).

    suite-waits.py RESULT.json [BEFORE.json]

With a second file, its case wall times are shown alongside (same case ids).
"""
import json
import sys


def cases(path):
    with open(path) as f:
        run = json.load(f)
    out = {}
    for c in run["cases"]:
        m = {x["name"]: x["median"] for x in c.get("metrics", [])}
        out[c["name"]] = (c["verdict"], c.get("duration_s") or 0.0,
                          m.get("time_sleeping"), m.get("time_timeouts"))
    return out


def fmt(v):
    return "%8s" % "-" if v is None else "%8.2f" % v


def main():
    after = cases(sys.argv[1])
    before = cases(sys.argv[2]) if len(sys.argv) > 2 else {}
    print("%-48s %-5s %8s %8s %8s %8s %8s" % ("case", "verd.", "before", "wall", "sleep",
                                              "timeouts", "rest"))
    tot = [0.0, 0.0, 0.0, 0.0]
    for name, (verdict, wall, sl, to) in after.items():
        b = before.get(name, (None, None))[1]
        rest = wall - (sl or 0) - (to or 0)
        print("%-48s %-5s %s %s %s %s %s" % (name[:48], verdict, fmt(b), fmt(wall), fmt(sl),
                                             fmt(to), fmt(rest)))
        for i, v in enumerate((b, wall, sl, to)):
            tot[i] += v or 0
    print("%-48s %-5s %s %s %s %s %s" % ("total", "", fmt(tot[0] if before else None),
                                         fmt(tot[1]), fmt(tot[2]), fmt(tot[3]),
                                         fmt(tot[1] - tot[2] - tot[3])))


if __name__ == "__main__":
    main()
