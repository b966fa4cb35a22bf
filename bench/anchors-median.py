#!/usr/bin/env python3
"""Medians of several anchors.sh tables (issue #5 asks for 3 runs).

    bench/anchors-median.py TABLE...

Each TABLE is a file anchors.sh saved (RESULTS_DIR/anchors-*.txt). Rows are matched on
(target, payload, conns); every numeric column is replaced by its median over the runs,
and the rows are printed in the order of the first table, with the run count.
"""
import statistics
import sys

HEADER = "target"


def rows(path):
    columns, out = None, []
    for line in open(path, encoding="utf-8"):
        fields = line.split()
        if not fields:
            continue
        if fields[0] == HEADER:
            # "p50 ms" and "p99 ms" are one column each
            columns = [c for c in fields if c != "ms"]
            continue
        if columns and len(fields) == len(columns) and fields[2].isdigit():
            out.append(fields)
    if not columns:
        sys.exit(f"{path}: no table header")
    return columns, out


def main(paths):
    if not paths:
        sys.exit(__doc__)
    columns, order, values = None, [], {}
    for path in paths:
        cols, table = rows(path)
        columns = columns or cols
        if cols != columns:
            sys.exit(f"{path}: columns differ from {paths[0]}")
        for fields in table:
            key = tuple(fields[:3])
            if key not in values:
                order.append(key)
                values[key] = []
            values[key].append(fields[3:])
    print(f"medians of {len(paths)} runs: " + " ".join(paths))
    print(f"{columns[0]:<12} {columns[1]:<7} {columns[2]:>5} " + " ".join(f"{c:>9}" for c in columns[3:]) + "  runs")
    for key in order:
        runs = values[key]
        medians = [statistics.median(float(r[i]) for r in runs) for i in range(len(columns) - 3)]
        cells = " ".join(f"{m:>9.0f}" if m >= 1000 else f"{m:>9.3f}".rstrip("0").rstrip(".").rjust(9) for m in medians)
        print(f"{key[0]:<12} {key[1]:<7} {key[2]:>5} {cells}  {len(runs):>4}")

if __name__ == "__main__":
    main(sys.argv[1:])
