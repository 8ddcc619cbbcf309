"""Batch export throughput vs a loop of recommend(), and peak memory (issue: batch export).

Run: .venv/bin/python scripts/bench_export.py [--n 10000] [--big 100000]
Queries are generated from taxonomy names and aliases (en and zh) with templates, all distinct.
"""

from __future__ import annotations

import argparse
import json
import random
import resource
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
    import csv

    with open(path, "w", newline="", encoding="utf-8") as fh:
        w = csv.writer(fh)
        w.writerow(["id", "query"])
        for i, q in enumerate(queries):
            w.writerow([f"q{i}", q])


MEASURE = ("import resource, subprocess, sys; subprocess.run(sys.argv[1:], check=True, capture_output=True); "
           "print(resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss)")


def run_export(src: Path, out: Path, workers: int | None) -> tuple[float, float]:
    """Seconds and peak RSS (MiB, largest single process of this run) of one CLI export."""
    cmd = [sys.executable, "-m", "pt_recommender.cli", "export", str(src), "-o", str(out), "-k", "10",
           "--quiet", "--force"] + (["--workers", str(workers)] if workers else [])
    t = time.perf_counter()
    peak_kib = subprocess.run([sys.executable, "-c", MEASURE, *cmd], check=True, capture_output=True,
                              text=True).stdout.strip()
    return time.perf_counter() - t, int(peak_kib) / 1024


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--n", type=int, default=10_000)
    ap.add_argument("--big", type=int, default=0, help="also export this many queries for peak memory")
    args = ap.parse_args()
    from pt_recommender.recommender import Recommender

    queries = make_queries(max(args.n, args.big))
    small = queries[: args.n]
    result: dict = {"queries": args.n, "k": 10}
    with tempfile.TemporaryDirectory() as tmp:
        src = Path(tmp) / "in.csv"
        write_input(small, src)
        for workers in (1, None):
            secs, _ = run_export(src, Path(tmp) / "out.csv", workers)
            result[f"export_qps_workers_{workers or 'auto'}"] = round(args.n / secs, 1)
        rows = sum(1 for _ in open(Path(tmp) / "out.csv", encoding="utf-8-sig")) - 1
        result["export_rows"] = rows
        rec = Recommender.load()
        rec.recommend(small[0])
        t = time.perf_counter()
        for q in small:
            rec.recommend(q, k=10)
        result["loop_qps"] = round(args.n / (time.perf_counter() - t), 1)
        t = time.perf_counter()
        for i in range(0, len(small), 512):
            rec.recommend_batch(small[i : i + 512], k=10)
        result["in_process_batch_qps"] = round(args.n / (time.perf_counter() - t), 1)
        best = max(v for k, v in result.items() if k.startswith("export_qps"))
        result["speedup_vs_loop"] = round(best / result["loop_qps"], 2)
        secs, peak_small = run_export(src, Path(tmp) / "one.csv", 1)
        result["peak_rss_mib_single_process_10k"] = round(peak_small, 1)
        if args.big:
            write_input(queries[: args.big], src)
            secs, peak = run_export(src, Path(tmp) / "big.csv", 1)
            result.update({"big_queries": args.big, "big_export_qps_1_process": round(args.big / secs, 1),
                           "big_peak_rss_mib_single_process": round(peak, 1)})
    result["bench_process_peak_rss_mib"] = round(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024, 1)
    print(json.dumps(result, indent=2))


if __name__ == "__main__":
    main()
