#!/usr/bin/env python3
# SPDX-License-Identifier: GPL-2.0
#
# make bench, on the host: take the "BENCH {...}" lines zcring-bench
# printed in the VM out of the run's output, and write, in OUTDIR,
# results.json (a list of the objects), results.md (a Markdown table) and
# records_per_s.png (gnuplot: records/s by payload, one line per
# transport, one plot per producer count).
#
#   report.py VM_OUTPUT OUTDIR
import json
import os
import shutil
import subprocess
import sys

ORDER = ["zcring-mmap-spin", "zcring-mmap-spin-single", "zcring-mmap-epoll",
         "zcring-read",
         "bpf-ringbuf", "bpf-perfbuf", "pipe", "unix"]


def load(path):
    results = []
    with open(path, errors="replace") as f:
        for line in f:
            line = line.rstrip("\r\n")
            if line.startswith("BENCH "):
                results.append(json.loads(line[len("BENCH "):]))
    return results


def si(v, unit=""):
    if v is None:
        return "–"
    for div, prefix in ((1e9, "G"), (1e6, "M"), (1e3, "k")):
        if abs(v) >= div:
            return "%.3g %s%s" % (v / div, prefix, unit)
    return "%.3g %s" % (v, unit) if unit else "%.3g" % v


def ns(v):
    if v is None:
        return "–"
    return "%.0f µs" % (v / 1e3) if v >= 1e4 else "%.0f ns" % v


def pct(v):
    return "–" if v is None else "%.0f%%" % (v * 100)


def table(results):
    rows = ["| transport | producers | payload (B) | records/s (min–max) "
            "| bytes/s | p50 | p99 | drops | producer busy | empty polls |",
            "| --- | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: "
            "| ---: |"]
    for r in results:
        if r["transport"] == "membw":
            continue
        rate = si(r["records_per_s"])
        if r["records_per_s"] is not None and r.get("reps", 1) > 1:
            rate += " (%s–%s)" % (si(r["records_per_s_min"]),
                                  si(r["records_per_s_max"]))
        elif r["records_per_s"] is None:
            rate = "unsupported"
        rows.append("| %s | %d | %d | %s | %s | %s | %s | %s | %s | %s |" % (
            r["transport"], r["producers"], r["payload"], rate,
            si(r["bytes_per_s"], "B/s"), ns(r["p50_ns"]), ns(r["p99_ns"]),
            "–" if r["drops"] is None else r["drops"],
            pct(r.get("producer_busy")), pct(r.get("consumer_empty_polls"))))
    for r in results:
        if r["transport"] == "membw":
            rows.append("")
            rows.append("membw (one core, sum over 256 MiB): %s (min %s, "
                        "max %s)" % (si(r["bytes_per_s"], "B/s"),
                                     si(r["bytes_per_s_min"], "B/s"),
                                     si(r["bytes_per_s_max"], "B/s")))
            if r.get("work_bytes_per_s"):
                rows.append("")
                rows.append("the consumer's work alone (its checksum over "
                            "the same buffer, 64 KiB at a time): %s" %
                            si(r["work_bytes_per_s"], "B/s"))
    return "\n".join(rows) + "\n"


def plot(results, outdir):
    if not shutil.which("gnuplot"):
        print("report: gnuplot is missing (make deps): no plot",
              file=sys.stderr)
        return
    producers = sorted({r["producers"] for r in results
                        if r["transport"] != "membw"})
    names = [t for t in ORDER if any(r["transport"] == t for r in results)]
    script = ["set terminal pngcairo size 1000,%d" % (450 * len(producers)),
              "set output '%s'" % os.path.join(outdir, "records_per_s.png"),
              "set logscale xy", "set grid",
              "set xlabel 'payload (bytes)'", "set ylabel 'records/s'",
              "set key outside right",
              "set multiplot layout %d,1" % len(producers)]
    for p in producers:
        plots = []
        for t in names:
            pts = [(r["payload"], r["records_per_s"]) for r in results
                   if r["transport"] == t and r["producers"] == p and
                   r["records_per_s"]]
            if not pts:
                continue
            data = os.path.join(outdir, "plot-%s-%d.dat" % (t, p))
            with open(data, "w") as f:
                for x, y in sorted(pts):
                    f.write("%d %g\n" % (x, y))
            plots.append("'%s' using 1:2 with linespoints title '%s'" %
                         (data, t))
        script.append("set title 'records/s by payload, %d producer%s'" %
                      (p, "" if p == 1 else "s"))
        if plots:
            script.append("plot " + ", ".join(plots))
    script.append("unset multiplot")
    subprocess.run(["gnuplot"], input="\n".join(script) + "\n", text=True,
                   check=True)


def main():
    if len(sys.argv) != 3:
        sys.exit("usage: report.py VM_OUTPUT OUTDIR")
    results = load(sys.argv[1])
    if not results:
        sys.exit("report: no BENCH lines in %s" % sys.argv[1])
    outdir = sys.argv[2]
    os.makedirs(outdir, exist_ok=True)
    with open(os.path.join(outdir, "results.json"), "w") as f:
        json.dump(results, f, indent=1)
        f.write("\n")
    md = table(results)
    with open(os.path.join(outdir, "results.md"), "w") as f:
        f.write(md)
    plot(results, outdir)
    sys.stdout.write(md)
    print("report: %s/results.{json,md}, records_per_s.png" % outdir)


main()
