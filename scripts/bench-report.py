#!/usr/bin/python3
# SPDX-License-Identifier: GPL-2.0
"""Summarise the guest's benchmark lines (scripts/vm/bench) of one or more
kernels: medians and spread per workload, the ratio rxring / io_uring, the
allocation counts; writes results.csv, results.json and results.md into
--out, and with --plot a PNG drawn by gnuplot.

Usage: scripts/bench-report.py --out DIR [--plot FILE.png] RAW...
RAW files are build/bench/raw-KVER.CLOCK.txt, written by scripts/bench.sh;
the files of one kernel (an icount and a real-clock boot) make one table.
"""
import argparse
import csv
import json
import os
import shutil
import statistics
import subprocess
import sys
import tempfile

DEVS = {"nullb0": "null_blk", "nvme0n1": "NVMe", "nop": "NOP",
        "ext4": "ext4", "xfs": "xfs"}
# Files on a file system on the NVMe namespace (scripts/vm/bench-file).
FILE_DEVS = ("ext4", "xfs")
FILE_VARIANTS = ("odirect", "cold", "warm", "write", "fsync")
VARIANTS = ("plain", "fixed", "polled", "sqpoll") + FILE_VARIANTS
VNAMES = {"plain": "plain", "fixed": "registered",
          "polled": "registered, IOPOLL", "sqpoll": "registered, SQPOLL",
          "odirect": "O_DIRECT", "cold": "buffered, cold cache",
          "warm": "buffered, warm cache", "write": "O_DIRECT (fio)",
          "fsync": "buffered, fsync every 32 (fio)"}
# Issue 14's targets for rxring / io_uring on files.
FILE_TARGETS = {"warm": 1.1}
FILE_TARGET = 1.0
ORDER = [("nullb0", 1), ("nullb0", 32), ("nullb0", 128),
         ("nvme0n1", 1), ("nvme0n1", 32), ("nvme0n1", 128), ("nop", 128)]


def parse_kv(line):
    out = {}
    for word in line.split()[1:]:
        if "=" in word:
            k, v = word.split("=", 1)
            out[k] = v
    return out


def load(path):
    info, runs, allocs, skips = {}, [], [], []
    with open(path) as f:
        for line in f:
            line = line.strip()
            if line.startswith("RXRING-BENCH-INFO "):
                info = parse_kv(line)
            elif line.startswith("RXRING-BENCH-SKIP "):
                # dev=D reason=free text
                kv = parse_kv(line)
                skips.append({"dev": kv.get("dev", "?"),
                              "reason": line.split("reason=", 1)[-1]})
            elif line.startswith("RXRING-BENCH "):
                runs.append(parse_kv(line))
            elif line.startswith("RXRING-ALLOC "):
                allocs.append(parse_kv(line))
    return info, runs, allocs, skips


def workload_name(w):
    """The table's name of a workload row."""
    if w["dev"] in FILE_DEVS:
        op = "write" if w["variant"] in ("write", "fsync") else "read"
        return "%s file 4k random %s QD%d" % (DEVS[w["dev"]], op, w["qd"])
    name = "%s 4k QD%d" % (DEVS[w["dev"]], w["qd"])
    if w["dev"] == "nop":
        name = "NOP, QD%d" % w["qd"]
    if w["qd"] > 1 or w["batch"] != 32:
        name += ", batch %d" % min(w["batch"], w["qd"])
    return name


def summary(values):
    if not values:
        return None
    med = statistics.median(values)
    return {
        "median": med, "min": min(values), "max": max(values),
        "runs": len(values),
        "spread_pct": 100.0 * (max(values) - min(values)) / med if med else 0,
        "values": values,
    }


def kfmt(v):
    if v is None:
        return "-"
    if v >= 1e6:
        return "%.2fM" % (v / 1e6)
    if v >= 1e3:
        return "%.1fK" % (v / 1e3)
    return "%.0f" % v


def cell(s):
    if not s:
        return "fail"
    return "%s (%s-%s)" % (kfmt(s["median"]), kfmt(s["min"]), kfmt(s["max"]))


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--out", required=True)
    ap.add_argument("--plot")
    ap.add_argument("raw", nargs="+")
    a = ap.parse_args()
    os.makedirs(a.out, exist_ok=True)

    kernels = []
    rows = []
    result = {"kernels": {}}
    per_kernel = {}
    for path in a.raw:
        info, runs, allocs, skips = load(path)
        kver = info.get("kernel") or os.path.basename(path)[4:].split(".")[0]
        for r in runs:
            r.setdefault("batch", "32")
            r.setdefault("clock", info.get("clock", "real"))
        if kver not in per_kernel:
            kernels.append(kver)
            per_kernel[kver] = {"infos": [], "runs": [], "allocs": [],
                                "skips": []}
        per_kernel[kver]["infos"].append(info)
        per_kernel[kver]["skips"] += skips
        per_kernel[kver]["runs"] += runs
        per_kernel[kver]["allocs"] += allocs
    for kver in kernels:
        runs = per_kernel[kver]["runs"]
        for r in runs:
            rows.append([kver, r["dev"], r["qd"], r["batch"], r["variant"],
                         r["engine"], r["run"], r["iops"],
                         r.get("calls", ""), r.get("idle", ""), r["clock"]])
        k = {"info": per_kernel[kver]["infos"][0],
             "infos": per_kernel[kver]["infos"], "workloads": [],
             "allocs": per_kernel[kver]["allocs"],
             "skips": per_kernel[kver]["skips"]}
        keys = sorted({(r["dev"], int(r["qd"]), int(r["batch"]), r["clock"])
                       for r in runs},
                      key=lambda x: (x[3] != "icount",
                                     ORDER.index(x[:2]) if x[:2] in ORDER
                                     else len(ORDER), x))
        for dev, qd, batch, clock in keys:
            for variant in VARIANTS:
                vals = {}
                idle = {}
                clocks = set()
                for engine in ("io_uring", "rxring"):
                    sel = [r for r in runs
                           if r["dev"] == dev and int(r["qd"]) == qd and
                           int(r["batch"]) == batch and
                           r["variant"] == variant and
                           r["clock"] == clock and
                           r["engine"] == engine and
                           r["iops"] not in ("fail", "")]
                    clocks |= {r["clock"] for r in sel}
                    vals[engine] = summary([float(r["iops"]) for r in sel])
                    iv = [float(r["idle"]) for r in sel
                          if r.get("idle", "-") not in ("-", "")]
                    idle[engine] = statistics.median(iv) if iv else None
                if not vals["io_uring"] and not vals["rxring"]:
                    continue
                w = {"dev": dev, "qd": qd, "batch": batch, "variant": variant,
                     "io_uring": vals["io_uring"], "rxring": vals["rxring"],
                     "idle_pct": idle, "clock": "/".join(sorted(clocks))}
                if vals["io_uring"] and vals["rxring"]:
                    w["ratio"] = (vals["rxring"]["median"] /
                                  vals["io_uring"]["median"])
                    # The extremes of the runs' ratios.
                    w["ratio_min"] = (vals["rxring"]["min"] /
                                      vals["io_uring"]["max"])
                    w["ratio_max"] = (vals["rxring"]["max"] /
                                      vals["io_uring"]["min"])
                k["workloads"].append(w)
        result["kernels"][kver] = k

    with open(os.path.join(a.out, "results.csv"), "w", newline="") as f:
        wr = csv.writer(f)
        wr.writerow(["kernel", "dev", "qd", "batch", "variant", "engine",
                     "run", "iops", "ios_per_call", "idle_pct", "clock"])
        wr.writerows(rows)
    with open(os.path.join(a.out, "results.json"), "w") as f:
        json.dump(result, f, indent=1)

    md = []
    for kver in kernels:
        k = result["kernels"][kver]
        info = k["info"]
        md.append("### %s" % kver)
        md.append("")
        for inf in k["infos"]:
            md.append("- %sclock %s: %s vCPU%s, %s run%s of each, %s s "
                      "(first second dropped)" % (
                          "files (%s MiB, cold reads %s MiB): " % (
                              inf.get("file_mb", "?"), inf.get("cold_mb", "?"))
                          if inf.get("set") == "files" else "",
                          inf.get("clock", "real"), inf.get("cpus", "?"),
                          "" if inf.get("cpus") == "1" else "s",
                          inf.get("runs", "?"),
                          "" if inf.get("runs") == "1" else "s",
                          inf.get("secs", "?")))
        md.append("")
        md.append("IOPS median (min-max) over the runs; ratio of the medians "
                  "(in brackets: the lowest and highest ratio the runs "
                  "allow). CPU per op: on the icount clock, guest "
                  "instructions per operation (10^9 / IOPS) where the CPU "
                  "never idled; on the real clock, microseconds of busy "
                  "guest CPU per operation (the median run's busy share of "
                  "all vCPUs / IOPS), for a device that leaves the CPUs "
                  "idle.")
        md.append("")
        md.append("| workload | buffers, files | clock | io_uring | rxring | "
                  "rxring / io_uring | CPU per op (io_uring / rxring) |")
        md.append("|---|---|---|---|---|---|---|")
        cpus = {inf.get("clock", "real"): int(inf.get("cpus", "1") or 1)
                for inf in k["infos"]}
        for w in k["workloads"]:
            name = workload_name(w)
            variant = VNAMES[w["variant"]]
            if w["dev"] == "nop":
                variant = "SQPOLL" if w["variant"] == "sqpoll" else "-"
            ratio = ("**%.2f** (%.2f-%.2f)" % (w["ratio"], w["ratio_min"],
                                               w["ratio_max"])
                     if "ratio" in w else "-")
            busy = w["clock"] == "icount" and all(
                w["idle_pct"].get(e) == 0.0 and w[e]
                for e in ("io_uring", "rxring"))
            instr = ("%.0f / %.0f instr" % (1e9 / w["io_uring"]["median"],
                                            1e9 / w["rxring"]["median"])
                     if busy else "-")
            if w["clock"] == "real" and all(
                    w[e] and w["idle_pct"].get(e) is not None
                    for e in ("io_uring", "rxring")):
                n = cpus.get("real", 2)
                us = [(100 - w["idle_pct"][e]) / 100 * n * 1e6 /
                      w[e]["median"] for e in ("io_uring", "rxring")]
                w["cpu_us"] = us
                instr = "%.1f / %.1f us" % (us[0], us[1])
            md.append("| %s | %s | %s | %s | %s | %s | %s |" % (
                name, variant, w["clock"], cell(w["io_uring"]),
                cell(w["rxring"]), ratio, instr))
        lat = [w for w in k["workloads"] if w["qd"] == 1 and "ratio" in w]
        if lat:
            md.append("")
            md.append("QD1 mean latency (1 / IOPS): " + "; ".join(
                "%s %s: io_uring %.1f us, rxring %.1f us" % (
                    DEVS[w["dev"]], VNAMES[w["variant"]],
                    1e6 / w["io_uring"]["median"],
                    1e6 / w["rxring"]["median"]) for w in lat))
        if k["allocs"]:
            md.append("")
            md.append("Allocations in a 2 s window of null_blk QD128 (kmem "
                      "tracepoints): by the whole guest, and by the "
                      "benchmark's own threads (with irqmode=0 these make "
                      "the whole I/O path, completions included).")
            md.append("")
            md.append("| engine, buffers | IOPS | whole guest | per I/O | "
                      "benchmark threads | per I/O | top call sites "
                      "(benchmark threads) |")
            md.append("|---|---|---|---|---|---|---|")
            for al in k["allocs"]:
                md.append("| %s %s | %s | %s | %s | %s | %s | %s |" % (
                    al["engine"], VNAMES[al["variant"]],
                    kfmt(float(al["iops"])), al["allocs"], al["per_io"],
                    al.get("task_allocs", "-"), al.get("task_per_io", "-"),
                    al.get("task_top", "-").replace(",", ", ")))
        for sk in k["skips"]:
            md.append("")
            md.append("%s: skipped: %s" % (sk["dev"], sk["reason"]))
        md.append("")
    md += file_summary(result, kernels)
    text = "\n".join(md)
    with open(os.path.join(a.out, "results.md"), "w") as f:
        f.write(text + "\n")
    print(text)

    if a.plot:
        plot(a, result, kernels)


def file_summary(result, kernels):
    """The file workloads of all kernels in one table: the ratio of the
    medians against issue 14's target (1.0, 1.1 for warm reads)."""
    keys = []
    for kver in kernels:
        for w in result["kernels"][kver]["workloads"]:
            key = (w["dev"], w["variant"], w["qd"], w["clock"])
            if w["dev"] in FILE_DEVS and key not in keys:
                keys.append(key)
    skipped = {(kver, sk["dev"]): sk["reason"] for kver in kernels
               for sk in result["kernels"][kver]["skips"]}
    if not keys and not skipped:
        return []
    keys.sort(key=lambda x: (FILE_DEVS.index(x[0]),
                             FILE_VARIANTS.index(x[1]), x[2], x[3]))
    md = ["### Files: rxring / io_uring", ""]
    if not keys:
        md += ["%s on %s: skipped: %s" % (dev, kver, reason)
               for (kver, dev), reason in sorted(skipped.items())]
        return md + [""]
    md += ["Ratio of the median IOPS (in brackets: the lowest and highest "
           "ratio the runs allow); target %.1f, %.1f for warm buffered "
           "reads (issue 14). Reads: t/io_uring and rxring-iobench; "
           "writes: fio's io_uring engine and fio's rxring engine." % (
               FILE_TARGET, FILE_TARGETS["warm"]), "",
           "| workload | clock | target | " + " | ".join(kernels) + " |",
           "|---|---|---|" + "---|" * len(kernels)]
    for dev, variant, qd, clock in keys:
        target = FILE_TARGETS.get(variant, FILE_TARGET)
        cells = []
        for kver in kernels:
            c = "-"
            for w in result["kernels"][kver]["workloads"]:
                if (w["dev"], w["variant"], w["qd"], w["clock"]) != (
                        dev, variant, qd, clock):
                    continue
                if "ratio" not in w:
                    c = "fail"
                    continue
                met = w["ratio"] >= target
                # A ratio just below the target shows its third digit.
                r = "%.2f" % w["ratio"]
                if not met and float(r) >= target:
                    r = "%.3f" % w["ratio"]
                c = "%s (%.2f-%.2f) %s" % (
                    "**%s**" % r if met else r, w["ratio_min"],
                    w["ratio_max"], "met" if met else "below")
            if c == "-" and (kver, dev) in skipped:
                c = "skipped"
            cells.append(c)
        name = workload_name({"dev": dev, "variant": variant, "qd": qd,
                              "batch": qd})
        md.append("| %s, %s | %s | >= %.1f | %s |" % (
            name, VNAMES[variant], clock, target, " | ".join(cells)))
    for (kver, dev), reason in sorted(skipped.items()):
        md.append("")
        md.append("%s on %s: skipped: %s" % (dev, kver, reason))
    md.append("")
    return md


def plot(a, result, kernels):
    if not shutil.which("gnuplot"):
        print("bench-report: gnuplot missing, no plot", file=sys.stderr)
        return
    # One bar group per workload row (of any kernel), in table order; the
    # clock is named where a workload ran on both.
    rows_ = []
    for kver in kernels:
        for w in result["kernels"][kver]["workloads"]:
            key = (w["dev"], w["qd"], w["batch"], w["variant"], w["clock"])
            if key not in rows_ and "ratio" in w:
                rows_.append(key)
    both = {}
    for dev, qd, batch, variant, clk in rows_:
        both.setdefault((dev, qd, batch, variant), set()).add(clk)
    byclock = {}
    for kver in kernels:
        for w in result["kernels"][kver]["workloads"]:
            byclock.setdefault(w["clock"], set()).add(DEVS[w["dev"]])
    clock = "; ".join("%s clock: %s" % (c, ", ".join(sorted(d)))
                      for c, d in sorted(byclock.items()))
    short = {"plain": "", "fixed": " reg", "polled": " poll",
             "sqpoll": " sqpoll", "odirect": " direct", "cold": " cold",
             "warm": " warm", "write": " write", "fsync": " fsync"}
    with tempfile.TemporaryDirectory() as tmp:
        data = os.path.join(tmp, "ratios.dat")
        with open(data, "w") as f:
            f.write("label " + " ".join('"%s"' % k for k in kernels) + "\n")
            for dev, qd, batch, variant, clk in rows_:
                name = "%s QD%d%s" % (DEVS[dev], qd, short[variant])
                if len(both[(dev, qd, batch, variant)]) > 1:
                    name += " (%s)" % clk
                vals = []
                for kver in kernels:
                    r = "NaN"
                    for w in result["kernels"][kver]["workloads"]:
                        if (w["dev"], w["qd"], w["batch"], w["variant"],
                                w["clock"]) == (dev, qd, batch, variant,
                                                clk) and "ratio" in w:
                            r = "%.4f" % w["ratio"]
                    vals.append(r)
                f.write('"%s" %s\n' % (name, " ".join(vals)))
        script = os.path.join(tmp, "plot.gp")
        with open(script, "w") as f:
            f.write("""
set terminal pngcairo size 1200,560 font ",10" noenhanced
set bmargin 8
set rmargin 8
set output "%s"
set title "rxring / io_uring, same kernel and boot, median IOPS ratio (>1: rxring faster)\\n%s"
set style data histograms
set style histogram clustered gap 1
set style fill solid 0.8 border -1
set boxwidth 0.9
set yrange [0:*]
set grid ytics
set xtics rotate by -35
set key top left
set arrow from graph 0, first 1 to graph 1, first 1 nohead lw 2 dt 2 lc rgb "black"
plot for [i=2:%d] "%s" using i:xtic(1) title columnheader(i)
""" % (a.plot, clock, len(kernels) + 1, data))
        try:
            subprocess.run(["gnuplot", script], check=True)
        except (OSError, subprocess.CalledProcessError) as e:
            print("bench-report: gnuplot: %s" % e, file=sys.stderr)


if __name__ == "__main__":
    main()
