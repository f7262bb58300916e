#!/usr/bin/env python3
"""Result rows and the summary table of scripts/bench.sh (standard library only).

Every measurement becomes one JSON object in RESULTS (results.jsonl in the --out dir):

  json RESULTS RAW LABEL=VALUE...           the last JSON line of RAW (clients.py output)
  producer-perf RESULTS RAW LABEL=VALUE...  kafka-producer-perf-test's final "records sent" line
  consumer-perf RESULTS RAW LABEL=VALUE...  kafka-consumer-perf-test's result line
  iperf RESULTS RAW                         iperf3 -J output
  timed RESULTS SIZE COUNT SECONDS LABEL=VALUE...   a run measured by wall clock (kcat)
  rss RESULTS PID LABEL                     VmRSS/VmHWM of PID now
  rss-samples RESULTS SAMPLES               per-phase peak VmRSS from the sampler's file
  summary RESULTS                           the tables, on stdout
"""

import json
import os
import re
import sys

MB = 1024.0 * 1024.0


def labels(pairs):
    out = {}
    for pair in pairs:
        key, _, value = pair.partition("=")
        out[key] = int(value) if value.isdigit() else value
    return out


def append(results, row):
    with open(results, "a", encoding="utf-8") as out:
        out.write(json.dumps(row) + "\n")


def read_text(path):
    try:
        with open(path, encoding="utf-8", errors="replace") as raw:
            return raw.read()
    except OSError:
        return ""


def last_json(path):
    for line in reversed(read_text(path).splitlines()):
        line = line.strip()
        if line.startswith("{"):
            try:
                return json.loads(line)
            except ValueError:
                continue
    return {"failed": f"no result line in {path}"}


PRODUCER_LINE = re.compile(
    r"(\d+) records sent, ([\d.]+) records/sec \(([\d.]+) MB/sec\), ([\d.]+) ms avg latency, "
    r"([\d.]+) ms max latency, (\d+) ms 50th, (\d+) ms 95th, (\d+) ms 99th, (\d+) ms 99.9th"
)


def producer_perf(path):
    matches = PRODUCER_LINE.findall(read_text(path))
    if not matches:
        return {"failed": f"no final line in {path}"}
    sent, rate, mb, avg, worst, p50, p95, p99, p999 = matches[-1]
    return {
        "records": int(sent),
        "records_per_s": float(rate),
        "mb_per_s": float(mb),
        "avg_ms": float(avg),
        "p50_ms": float(p50),
        "p95_ms": float(p95),
        "p99_ms": float(p99),
        "p999_ms": float(p999),
        "max_ms": float(worst),
    }


def consumer_perf(path):
    # Header "start.time, end.time, data.consumed.in.MB, MB.sec, data.consumed.in.nMsg,
    # nMsg.sec, ..." then one line of values.
    lines = [line for line in read_text(path).splitlines() if line.strip()]
    for index, line in enumerate(lines):
        if line.startswith("start.time") and index + 1 < len(lines):
            names = [n.strip() for n in line.split(",")]
            values = [v.strip() for v in lines[index + 1].split(",")]
            fields = dict(zip(names, values))
            try:
                return {
                    "records": int(fields["data.consumed.in.nMsg"]),
                    "records_per_s": float(fields["nMsg.sec"]),
                    "mb_per_s": float(fields["MB.sec"]),
                    "elapsed_s": None,
                }
            except (KeyError, ValueError):
                break
    return {"failed": f"no result line in {path}"}


def iperf(path):
    try:
        data = json.loads(read_text(path))
        bits = data["end"]["sum_received"]["bits_per_second"]
    except (ValueError, KeyError, TypeError):
        return {"failed": f"unreadable iperf3 output {path}"}
    return {"gbit_per_s": round(bits / 1e9, 2), "mb_per_s": round(bits / 8 / MB, 1)}


def proc_status(pid):
    fields = {}
    for line in read_text(f"/proc/{pid}/status").splitlines():
        key, _, value = line.partition(":")
        if key in ("VmRSS", "VmHWM", "RssAnon", "RssFile", "Threads"):
            fields[key] = int(value.split()[0])
    return fields


def rss_samples(path):
    """Per phase: peak VmRSS (KiB), broker CPU and wall seconds, samples with a broker thread
    blocked on the disk, peak dirty page cache (KiB)."""
    ticks_per_s = os.sysconf("SC_CLK_TCK")
    phases = {}
    previous = None
    for line in read_text(path).splitlines():
        parts = line.split()
        if len(parts) != 6 or not all(p.isdigit() for p in parts[2:]):
            continue
        when, phase = float(parts[0]), parts[1]
        kb, ticks, blocked, dirty_kb = (int(p) for p in parts[2:])
        entry = phases.setdefault(
            phase,
            {"peak_kb": 0, "cpu_s": 0.0, "wall_s": 0.0, "samples": 0, "blocked_samples": 0, "dirty_peak_kb": 0},
        )
        entry["peak_kb"] = max(entry["peak_kb"], kb)
        entry["samples"] += 1
        entry["blocked_samples"] += 1 if blocked else 0
        entry["dirty_peak_kb"] = max(entry["dirty_peak_kb"], dirty_kb)
        # The interval since the previous sample counts for the phase now running.
        if previous is not None:
            entry["cpu_s"] += (ticks - previous[1]) / ticks_per_s
            entry["wall_s"] += when - previous[0]
        previous = (when, ticks)
    return phases


def fmt(value, digits=1):
    if value is None:
        return "-"
    if isinstance(value, float):
        return f"{value:.{digits}f}"
    return str(value)


def table(title, headers, rows):
    print(f"\n{title}")
    widths = [max(len(h), *(len(r[i]) for r in rows)) if rows else len(h) for i, h in enumerate(headers)]
    print("  ".join(h.ljust(w) for h, w in zip(headers, widths)))
    print("  ".join("-" * w for w in widths))
    for row in rows:
        print("  ".join(c.ljust(w) for c, w in zip(row, widths)))


def summary(results):
    rows = [json.loads(line) for line in read_text(results).splitlines() if line.strip()]
    for row in rows:
        if row.get("section") == "meta":
            print(" ".join(f"{k}={v}" for k, v in row.items() if k != "section"))
    for row in rows:
        if row.get("section") == "iperf":
            print(
                f"\nloopback ceiling (iperf3, 10 s): {fmt(row.get('gbit_per_s'), 2)} Gbit/s"
                f" = {fmt(row.get('mb_per_s'))} MB/s {row.get('failed', '')}"
            )
    produce = [r for r in rows if r.get("section") == "produce"]
    table(
        "producers (acks=1; latency in ms; MB = 2^20 bytes)",
        ["tool", "topic", "size", "records", "rec/s", "MB/s", "avg", "p50", "p95", "p99", "p99.9", "max", "note"],
        [
            [
                r.get("tool", "?"), r.get("topic", "?"), fmt(r.get("size")), fmt(r.get("records")),
                fmt(r.get("records_per_s"), 0), fmt(r.get("mb_per_s"), 2), fmt(r.get("avg_ms"), 2),
                fmt(r.get("p50_ms"), 2), fmt(r.get("p95_ms"), 2), fmt(r.get("p99_ms"), 2),
                fmt(r.get("p999_ms"), 2), fmt(r.get("max_ms"), 2), note(r),
            ]
            for r in produce
        ],
    )
    consume = [r for r in rows if r.get("section") == "consume"]
    table(
        "consumers (from the beginning, everything produced above)",
        ["tool", "topic", "records", "rec/s", "MB/s", "note"],
        [
            [
                r.get("tool", "?"), r.get("topic", "?"), fmt(r.get("records")),
                fmt(r.get("records_per_s"), 0), fmt(r.get("mb_per_s"), 2), note(r),
            ]
            for r in consume
        ],
    )
    rss = [r for r in rows if r.get("section") == "rss"]
    table(
        "broker memory (KiB)",
        ["when", "VmRSS", "VmHWM", "RssAnon (heap)", "RssFile (mmapped indexes, binary)", "threads"],
        [
            [
                r.get("label", "?"), fmt(r.get("VmRSS")), fmt(r.get("VmHWM")), fmt(r.get("RssAnon")),
                fmt(r.get("RssFile")), fmt(r.get("Threads")),
            ]
            for r in rss
        ],
    )
    peaks = [r for r in rows if r.get("section") == "rss-peak"]
    table(
        "broker per phase (sampled every 0.5 s): peak VmRSS, CPU used (1.0 = one core busy)",
        ["phase", "peak VmRSS KiB", "wall s", "broker CPU s", "cores", "samples in D", "peak dirty KiB"],
        [
            [
                r.get("phase", "?"), fmt(r.get("peak_kb")), fmt(r.get("wall_s")), fmt(r.get("cpu_s"), 2),
                fmt(r["cpu_s"] / r["wall_s"], 2) if r.get("wall_s") else "-",
                f"{r.get('blocked_samples', '-')}/{r.get('samples', '-')}", fmt(r.get("dirty_peak_kb")),
            ]
            for r in peaks
        ],
    )
    loads = [r for r in rows if r.get("section") == "load"]
    if loads:
        print("\nload average (1/5/15 min) at: " + "; ".join(f"{r['label']} {r['loadavg']}" for r in loads))


def note(row):
    parts = []
    if row.get("failed"):
        parts.append(str(row["failed"]))
    if row.get("errors"):
        parts.append(f"{row['errors']} errors: {row.get('first_errors', [])[:2]}")
    if row.get("expected") is not None and row.get("records") != row.get("expected"):
        parts.append(f"expected {row['expected']}")
    if row.get("undelivered_after_flush"):
        parts.append(f"{row['undelivered_after_flush']} undelivered")
    if row.get("exit_code"):
        parts.append(f"exit {row['exit_code']}")
    return "; ".join(parts)


def main(argv):
    if len(argv) < 3:
        raise SystemExit(__doc__)
    command, results, args = argv[1], argv[2], argv[3:]
    if command == "json" and args:
        append(results, {**labels(args[1:]), **last_json(args[0])})
    elif command == "producer-perf" and args:
        append(results, {**labels(args[1:]), **producer_perf(args[0])})
    elif command == "consumer-perf" and args:
        append(results, {**labels(args[1:]), **consumer_perf(args[0])})
    elif command == "iperf" and len(args) == 1:
        append(results, {"section": "iperf", **iperf(args[0])})
    elif command == "timed" and len(args) >= 3:
        size, count, seconds = int(args[0]), int(args[1]), float(args[2])
        row = {
            "size": size,
            "records": count,
            "elapsed_s": seconds,
            "records_per_s": round(count / seconds, 1) if seconds > 0 else None,
            "mb_per_s": round(count * size / MB / seconds, 2) if seconds > 0 else None,
        }
        append(results, {**labels(args[3:]), **row})
    elif command == "rss" and len(args) == 2:
        append(results, {"section": "rss", "label": args[1], **proc_status(args[0])})
    elif command == "rss-samples" and len(args) == 1:
        for phase, entry in rss_samples(args[0]).items():
            append(results, {"section": "rss-peak", "phase": phase, **entry})
    elif command == "summary":
        summary(results)
    else:
        raise SystemExit(__doc__)


if __name__ == "__main__":
    main(sys.argv)
