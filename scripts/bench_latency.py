"""Latency of `recommend()` on the shipped catalog: cold start to first answer, warm p50/p99.

Run: .venv/bin/python scripts/bench_latency.py [--n 2000]
Queries are every taxonomy task name and alias, English and Chinese (not the eval set).
"""

from __future__ import annotations

import argparse
import json
import statistics
import subprocess
import sys
import time

COLD = """
import time; t = time.perf_counter()
from pt_recommender import recommend
recommend("3D medical segmentation", k=10)
print(time.perf_counter() - t)
"""


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--n", type=int, default=2000)
    ap.add_argument("--cold-runs", type=int, default=3)
    args = ap.parse_args()
    from pt_recommender.recommender import Recommender

    Recommender.load()  # make sure the index exists before timing a cold start
    colds = [float(subprocess.run([sys.executable, "-c", COLD], capture_output=True, text=True,
                                  check=True).stdout.strip().splitlines()[-1]) for _ in range(args.cold_runs)]
    rec = Recommender.load()
    queries = sorted({n for t in rec.tasks.values() for n in (t.name, t.name_zh, *t.aliases, *t.aliases_zh) if n})
    for q in queries[:50]:
        rec.recommend(q, k=10)  # warm-up
    times = []
    for i in range(args.n):
        q = queries[i % len(queries)]
        t = time.perf_counter()
        rec.recommend(q, k=10)
        times.append((time.perf_counter() - t) * 1000)
    times.sort()
    result = {
        "queries": args.n, "distinct": len(queries), "catalog": len(rec.resources),
        "encoder": type(rec.encoder).__name__,
        "warm_p50_ms": round(statistics.median(times), 2),
        "warm_p99_ms": round(times[int(0.99 * len(times)) - 1], 2),
        "warm_mean_ms": round(statistics.fmean(times), 2),
        "cold_first_answer_s": round(statistics.median(colds), 2),
    }
    print(json.dumps(result, indent=2))


if __name__ == "__main__":
    main()
