#!/usr/bin/env python3
"""Per-file table of two JUnit XML reports of PgBouncer's test suite: against PgBouncer and against pgmux.

  table.py pgbouncer-junit.xml pgmux-junit.xml [more pgmux reports...] [--failures]

A test counts when it ran in either report (skipped in both: left out). --failures lists every test
that did not pass against pgmux, with the first line of its message, for classification.
"""
import sys
import xml.etree.ElementTree as ET
from collections import defaultdict


def outcomes(path):
    result = {}
    for case in ET.parse(path).getroot().iter("testcase"):
        test_file = case.get("classname", "").split(".")[-1]
        name = f"{test_file}::{case.get('name')}"
        children = {child.tag: child for child in case}
        if "skipped" in children:
            state, message = "skipped", children["skipped"].get("message", "")
        elif "failure" in children or "error" in children:
            bad = children.get("failure", children.get("error"))
            state, message = "failed", (bad.get("message") or "").strip().splitlines()[:1]
            message = message[0] if message else ""
        else:
            state, message = "passed", ""
        result[name] = (state, message)
    return result


def main():
    reports = [a for a in sys.argv[1:] if not a.startswith("--")]
    base, mux = outcomes(reports[0]), {}
    for report in reports[1:]:  # the pgmux run may be split over several pytest processes
        mux.update(outcomes(report))
    rows = defaultdict(lambda: [0, 0, 0])
    for name in sorted(set(base) | set(mux)):
        if not name.startswith("test_"):  # pytest's own "internal error" entries
            continue
        b, m = base.get(name, ("absent", ""))[0], mux.get(name, ("absent", ""))[0]
        if b == "skipped" and m in ("skipped", "absent"):
            continue
        row = rows[name.split("::")[0]]
        row[0] += 1
        row[1] += b == "passed"
        row[2] += m == "passed"
    print("| file | tests | pass vs PgBouncer | pass vs pgmux |")
    print("|---|---:|---:|---:|")
    total = [0, 0, 0]
    for test_file, row in sorted(rows.items()):
        print(f"| {test_file} | {row[0]} | {row[1]} | {row[2]} |")
        total = [t + r for t, r in zip(total, row)]
    print(f"| **all** | **{total[0]}** | **{total[1]}** | **{total[2]}** |")
    if "--failures" in sys.argv:
        print()
        for name in sorted(n for n, (state, _) in base.items() if state == "passed" and n not in mux):
            print(f"{name}\tpassed\tnot run against pgmux (its pytest process ended early)")
        for name in sorted(mux):
            state, message = mux[name]
            if name.startswith("test_") and state == "failed":
                print(f"{name}\t{base.get(name, ('absent',))[0]}\t{message[:220]}")


if __name__ == "__main__":
    main()
