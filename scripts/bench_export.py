"""Batch export throughput vs a loop of recommend(), and peak memory (issue: batch export).

Run: .venv/bin/python scripts/bench_export.py [--n 10000] [--big 100000] [--json FILE]

Side by side in this one process, with one loaded recommender and the same N queries:
  loop    `recommend(q, k=10)` for each query;
  export  the `pt-recommender export` command's own code (`run_export_cli`, local engine,
          one process), writing a CSV file.
The export's rows are checked against the loop's answers (same ids in the same order).
Then end to end in child processes (start-up included): the CLI with 1 and 2 worker
processes, and its peak RSS for N and (with --big) for a much longer input.
Queries are generated from taxonomy names and aliases (en and zh) with templates, all distinct.
"""

from __future__ import annotations

import argparse
import csv
import json
import random
import resource
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

TEMPLATES = ["{a}", "{a} library", "{a} dataset", "{a} and {b}", "how to do {a} in PyTorch",
             "pretrained models for {a}", "{a} tutorial", "{a} with {b}", "{a} 模型", "{a} 教程"]


def make_queries(n: int, seed: int = 0) -> list[str]:
    from pt_recommender.recommender import Recommender

    rec = Recommender.load()
    names = sorted({x for t in rec.tasks.values() for x in (t.name, *t.aliases, t.name_zh, *t.aliases_zh) if x})
    rng = random.Random(seed)
    out: set[str] = set()
    while len(out) < n:
        out.add(rng.choice(TEMPLATES).format(a=rng.choice(names), b=rng.choice(names)).lower())
    return sorted(out, key=lambda _: rng.random())


def write_input(queries: list[str], path: Path) -> None:
    with open(path, "w", newline="", encoding="utf-8") as fh:
        w = csv.writer(fh)
        w.writerow(["id", "query"])
        for i, q in enumerate(queries):
            w.writerow([f"q{i}", q])


MEASURE = ("import resource, subprocess, sys; subprocess.run(sys.argv[1:], check=True, capture_output=True); "
           "print(resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss)")


def run_cli_export(src: Path, out: Path, workers: int) -> tuple[float, float]:
    """Seconds and peak RSS (MiB, largest single process of this run) of one CLI export."""
    cmd = [sys.executable, "-m", "pt_recommender.cli", "export", str(src), "-o", str(out), "-k", "10",
           "--quiet", "--force", "--workers", str(workers)]
    t = time.perf_counter()
    peak_kib = subprocess.run([sys.executable, "-c", MEASURE, *cmd], check=True, capture_output=True,
                              text=True).stdout.strip()
    return time.perf_counter() - t, int(peak_kib) / 1024


def export_in_process(rec: object, src: Path, out: Path) -> float:
    """Seconds for the export command's code on an already loaded recommender."""
    from pt_recommender.batch.command import run_export_cli
    from pt_recommender.cli import build_parser

    args = build_parser().parse_args(["export", str(src), "-o", str(out), "-k", "10", "--quiet",
                                      "--force", "--workers", "1"])
    t = time.perf_counter()
    code = run_export_cli(args, lambda _args: rec)
    secs = time.perf_counter() - t
    if code != 0:
        raise SystemExit(f"export failed with exit code {code}")
    return secs


def exported_ids(path: Path) -> dict[str, list[str]]:
    got: dict[str, list[str]] = {}
    with open(path, encoding="utf-8-sig", newline="") as fh:
        for row in csv.DictReader(fh):
            got.setdefault(row["query_id"], []).append(row["id"])
    return got


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--n", type=int, default=10_000)
    ap.add_argument("--big", type=int, default=0, help="also export this many queries for peak memory")
    ap.add_argument("--json", type=Path, help="also write the figures to this file")
    ap.add_argument("--repeat", type=int, default=3,
                    help="alternate loop and export this many times; report medians (this VM is noisy)")
    args = ap.parse_args()
    from pt_recommender.recommender import Recommender

    queries = make_queries(max(args.n, args.big))
    small = queries[: args.n]
    result: dict = {"queries": args.n, "k": 10}
    rec = Recommender.load()
    result["encoder"] = rec.encoder.name
    with tempfile.TemporaryDirectory() as tmp:
        src = Path(tmp) / "in.csv"
        write_input(small, src)
        rec.recommend_batch(small[:600], k=10)  # warm both paths alike
        loop_qps, export_qps = [], []
        for _ in range(max(1, args.repeat)):
            t = time.perf_counter()
            loop = [[r.id for r in rec.recommend(q, k=10)] for q in small]
            loop_qps.append(args.n / (time.perf_counter() - t))
            export_qps.append(args.n / export_in_process(rec, src, Path(tmp) / "out.csv"))
        result["loop_qps"] = round(statistics.median(loop_qps), 1)
        result["export_qps"] = round(statistics.median(export_qps), 1)
        result["loop_qps_runs"] = [round(x) for x in loop_qps]
        result["export_qps_runs"] = [round(x) for x in export_qps]
        result["speedup_vs_loop"] = round(result["export_qps"] / result["loop_qps"], 2)
        got = exported_ids(Path(tmp) / "out.csv")
        result["export_equals_loop"] = all(got.get(f"q{i}", []) == ids for i, ids in enumerate(loop))
        result["export_rows"] = sum(len(v) for v in got.values())
        result["bench_process_peak_rss_mib"] = round(
            resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024, 1)
        for workers in (1, 2):
            secs, peak = run_cli_export(src, Path(tmp) / "cli.csv", workers)
            result[f"cli_end_to_end_qps_{workers}_process"] = round(args.n / secs, 1)
            result[f"cli_peak_rss_mib_{workers}_process"] = round(peak, 1)
        if args.big:
            write_input(queries[: args.big], src)
            secs, peak = run_cli_export(src, Path(tmp) / "big.csv", 1)
            result.update({"big_queries": args.big, "big_cli_qps_1_process": round(args.big / secs, 1),
                           "big_cli_peak_rss_mib_1_process": round(peak, 1)})
    text = json.dumps(result, indent=2)
    print(text)
    if args.json:
        args.json.write_text(text + "\n")


if __name__ == "__main__":
    main()
