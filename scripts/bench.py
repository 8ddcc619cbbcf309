"""One benchmark command: every speed figure of the README measured in one run, each next to
its floor, written to artifacts/bench.json and as a markdown table.

    .venv/bin/python scripts/bench.py [--queries 2000]

Rows: one-shot CLI (fresh process) vs the bare import of its dependencies; warm recommend()
p50/p99 vs the bare encoder on the same queries; recommend_batch throughput vs two threads
encoding the same queries one per call; rebuild after no change and after touching 1% of the
catalog. With `--scale`, also the scale rows of `scripts/bench_scale.py` (synthetic catalogs of
10k and 100k resources, a 1M-vector index; about 30 minutes on 2 cores), merged into the same
JSON under "scale".
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
FLOOR_IMPORTS = "import numpy, onnxruntime, tokenizers, faiss, yaml"
SLICE = 1000  # queries per interleaved batch measurement (four of the recommender's chunks)


def wall(cmd: list[str], runs: int = 5) -> tuple[float, float]:
    """Median wall seconds and peak RSS (MiB) of a fresh process; a failing run is an error, not
    a (fast) measurement."""
    times, rss = [], []
    for _ in range(runs):
        start = time.perf_counter()
        p = subprocess.run(["/usr/bin/time", "-f", "%M", *cmd], capture_output=True, text=True,
                           env={**os.environ, "HF_HUB_OFFLINE": "1"})
        times.append(time.perf_counter() - start)
        if p.returncode:
            raise SystemExit(f"benchmark command failed ({p.returncode}): {' '.join(cmd)}\n{p.stderr[-2000:]}")
        rss.append(int(p.stderr.strip().splitlines()[-1]) / 1024)
    return statistics.median(times), max(rss)


def queries(n: int) -> list[str]:
    import yaml

    base = [q["query"] for f in sorted((ROOT / "eval").glob("dev*_qrels.yaml"))
            for q in yaml.safe_load(f.read_text(encoding="utf-8"))["queries"]]
    return [f"{base[i % len(base)]} {i}" for i in range(n)]


def main() -> int:
    ap = argparse.ArgumentParser()
    ap.add_argument("--queries", type=int, default=2000)
    ap.add_argument("--scale", action="store_true", help="add the 10k/100k/1M scale rows (slow)")
    args = ap.parse_args()
    os.environ["HF_HUB_OFFLINE"] = "1"
    from pt_recommender.recommender import Recommender

    rec = Recommender.load()
    qs = queries(args.queries)
    out: dict = {"catalog": len(rec.resources), "queries": len(qs)}
    py = str(ROOT / ".venv" / "bin" / "python")
    out["one_shot_s"], out["one_shot_mib"] = wall([str(ROOT / ".venv/bin/pt-recommender"), "recommend",
                                                   "3D medical segmentation", "-k", "5", "--no-rebuild"])
    out["import_floor_s"], out["import_floor_mib"] = wall([py, "-c", FLOOR_IMPORTS])
    for q in qs[:50]:
        rec.recommend(q)
    single, enc = [], []
    for q in qs[:1000]:
        t = time.perf_counter()
        rec.encoder.encode([q])
        enc.append(time.perf_counter() - t)
        t = time.perf_counter()
        rec.recommend(q)
        single.append(time.perf_counter() - t)
    single.sort()
    enc.sort()
    out["warm_p50_ms"], out["warm_p99_ms"] = single[len(single) // 2] * 1e3, single[int(len(single) * .99)] * 1e3
    out["encoder_p50_ms"], out["encoder_p99_ms"] = enc[len(enc) // 2] * 1e3, enc[int(len(enc) * .99)] * 1e3
    # batch and its floor interleaved chunk by chunk, in alternating order, so a drift of this
    # machine's speed during the run (often +-30% within minutes) hits both sides alike
    batch_s = floor_s = 0.0
    with ThreadPoolExecutor(2) as pool:
        for i in range(0, len(qs), SLICE):  # a slice holds several chunks, so the batch pipeline runs
            chunk = qs[i : i + SLICE]
            for side in ((0, 1) if (i // SLICE) % 2 == 0 else (1, 0)):
                t = time.perf_counter()
                if side == 0:
                    rec.recommend_batch(chunk)
                    batch_s += time.perf_counter() - t
                else:
                    list(pool.map(lambda q: rec.encoder.encode([q]), chunk))
                    floor_s += time.perf_counter() - t
    out["batch_qps"] = len(qs) / batch_s
    out["two_encoder_threads_qps"] = len(qs) / floor_s
    out |= rebuilds(py)
    ratios = {"one_shot_vs_floor": out["one_shot_s"] / out["import_floor_s"],
              "warm_p50_vs_encoder": out["warm_p50_ms"] / out["encoder_p50_ms"],
              "warm_p99_vs_encoder": out["warm_p99_ms"] / out["encoder_p99_ms"],
              "batch_vs_two_encoders": out["batch_qps"] / out["two_encoder_threads_qps"]}
    out["ratios"] = {k: round(v, 2) for k, v in ratios.items()}
    out = {k: (round(v, 3) if isinstance(v, float) else v) for k, v in out.items()}
    if args.scale:
        subprocess.run([py, str(ROOT / "scripts" / "bench_scale.py"), "--index-only", "1000000"], check=True)
        out["scale"] = json.loads((ROOT / "artifacts" / "bench_scale.json").read_text())
    (ROOT / "artifacts").mkdir(exist_ok=True)
    (ROOT / "artifacts" / "bench.json").write_text(json.dumps(out, indent=1))
    print("| measure | value | floor | ratio |\n|---|---|---|---|")
    print(f"| one-shot CLI | {out['one_shot_s']} s, {out['one_shot_mib']:.0f} MiB | {out['import_floor_s']} s imports "
          f"| {out['ratios']['one_shot_vs_floor']} |")
    print(f"| warm p50 / p99 | {out['warm_p50_ms']} / {out['warm_p99_ms']} ms | encoder {out['encoder_p50_ms']} / "
          f"{out['encoder_p99_ms']} ms | {out['ratios']['warm_p50_vs_encoder']} / {out['ratios']['warm_p99_vs_encoder']} |")
    print(f"| recommend_batch | {out['batch_qps']:.0f} q/s | two encoder threads {out['two_encoder_threads_qps']:.0f} q/s "
          f"| {out['ratios']['batch_vs_two_encoders']} |")
    print(f"| rebuild, no change / one resource edited | {out['rebuild_nochange_s']} / {out['rebuild_one_s']} s | | |")
    return 0


def rebuilds(py: str) -> dict:
    """`build` on a copy of the catalog and index: unchanged, then with one description edited."""
    import yaml

    with tempfile.TemporaryDirectory() as tmp:
        data, index = Path(tmp) / "data", Path(tmp) / "index"
        shutil.copytree(ROOT / "data", data)
        shutil.copytree(ROOT / "index", index, ignore=shutil.ignore_patterns(".lock"))
        cmd = [py, "-m", "pt_recommender", "build", "--if-stale", "--data-dir", str(data), "--index-dir", str(index)]
        nochange, _ = wall(cmd, runs=3)
        path = data / "libraries.yaml"  # one resource's description edited, the file rewritten as kept
        doc = yaml.safe_load(path.read_text(encoding="utf-8"))
        doc["resources"][0]["description"] += " (edited)"
        path.write_text(yaml.safe_dump(doc, sort_keys=False, allow_unicode=True, width=100), encoding="utf-8")
        one, _ = wall([*cmd[:4], *cmd[5:]], runs=1)  # a real build: only the edited text is embedded
    return {"rebuild_nochange_s": nochange, "rebuild_one_s": one}


if __name__ == "__main__":
    sys.exit(main())
