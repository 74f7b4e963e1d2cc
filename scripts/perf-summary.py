#!/usr/bin/python3
# SPDX-License-Identifier: GPL-2.0
"""Group the flat profiles of "BENCH_SET=perf scripts/bench.sh" by part of
the I/O path and print a markdown table per workload: each part's share of
the samples and, on the icount clock (where a sample is a fixed number of
guest instructions), its instructions per operation.

Usage: scripts/perf-summary.py build/bench/perf-KVER.txt...
Symbols below the profile's cut (PERF_LIMIT) fall under "below the cut".
"""
import re
import sys

PARTS = [
    ("user space (the benchmark tool, libc)", None),
    ("ring: io_uring / rxring", re.compile(r"^(__)?(io_|io_uring|rxring)")),
    ("allocator (slab, mempool)",
     re.compile(r"^(__)?(kmem_cache|kmalloc|kfree|slab|mempool|cache_from_obj"
                r"|__slab|___slab|memcg_slab)")),
    ("block layer, null_blk, NVMe driver",
     re.compile(r"^(__)?(blk|bio|submit_bio|sbitmap|null_|nvme|rq_qos|wbt"
                r"|blkdev|bdev|dd_|elv|part_|update_io_ticks|bio_|_blk)")),
    ("time stamps (ktime_get, read_tsc)",
     re.compile(r"^(ktime_get|read_tsc|native_sched_clock|sched_clock)")),
]


def classify(dso, sym):
    if dso != "[kernel.kallsyms]":
        return PARTS[0][0]
    for name, rx in PARTS[1:]:
        if rx.match(sym):
            return name
    return "other kernel (system call entry, RCU, security hooks, ...)"


def main():
    for path in sys.argv[1:]:
        kver = None
        cur = None
        for line in open(path):
            w = line.split()
            if not w:
                continue
            if w[0] == "RXRING-BENCH-INFO":
                kver = dict(x.split("=", 1) for x in w[1:] if "=" in x)
                kver = kver.get("kernel")
            elif w[0] == "RXRING-PERF-BEGIN":
                cur = dict(x.split("=", 1) for x in w[1:] if "=" in x)
                cur["parts"] = {}
            elif w[0] == "RXRING-PERF" and cur is not None:
                pct = float(w[1].rstrip("%"))
                part = classify(w[2], " ".join(w[3:]))
                cur["parts"][part] = cur["parts"].get(part, 0.0) + pct
            elif w[0] == "RXRING-PERF-END" and cur is not None:
                show(kver, cur)
                cur = None


def show(kver, c):
    iops = float(c["iops"])
    per_op = 1e9 / iops if iops else 0
    shown = sum(c["parts"].values())
    print("#### %s: %s, %s %s, QD%s: %.0f IOPS, %.0f instructions per "
          "operation, idle %s%%" % (kver, c["engine"], c["dev"], c["variant"],
                                    c["qd"], iops, per_op, c["idle"]))
    print("")
    print("| part | share of samples | instructions per op |")
    print("|---|---:|---:|")
    names = [p[0] for p in PARTS] + [
        "other kernel (system call entry, RCU, security hooks, ...)"]
    for name in names:
        v = c["parts"].get(name, 0.0)
        print("| %s | %.1f%% | %.0f |" % (name, v, v * per_op / 100))
    print("| below the cut | %.1f%% | %.0f |" % (
        100 - shown, (100 - shown) * per_op / 100))
    print("")


if __name__ == "__main__":
    main()
