"""Which text should the dense leg embed for each resource? Build one index per representation
(config.REPRESENTATIONS) in a temporary folder and report nDCG@10 of the dense leg alone and of
the full system on both dev files. The engine-wide choice is config.EMBED_REPRESENTATION.

    .venv/bin/python scripts/representation_ablation.py [--out artifacts/representations.json]
"""

from __future__ import annotations

import argparse
import json
import sys
import tempfile
from pathlib import Path

from pt_recommender.catalog import default_eval_files
from pt_recommender.config import ABLATIONS, REPRESENTATIONS
from pt_recommender.evaluate import evaluate, load_qrels
from pt_recommender.recommender import Recommender


def main() -> int:
    ap = argparse.ArgumentParser()
    ap.add_argument("--out", type=Path, default=Path("artifacts/representations.json"))
    args = ap.parse_args()
    sets = {f.name: load_qrels(f) for f in default_eval_files()}
    base = Recommender.load()  # for its encoder and its ONNX export
    report: dict = {}
    with tempfile.TemporaryDirectory() as tmp:
        for rep in REPRESENTATIONS:
            rec = Recommender.load(index_dir=Path(tmp) / rep, encoder=base.encoder, representation=rep)
            for name, system in (("dense-only", rec.with_options(**ABLATIONS["dense-only"])), ("full", rec)):
                for file, qrels in sets.items():
                    table, _ = evaluate(lambda q, t, s=system: [r.name for r in s.recommend(q, k=10, types=t)],
                                        qrels)
                    for sl in ("en", "zh", "typed"):
                        report.setdefault(rep, {})[f"{file} {sl} {name}"] = round(table[sl]["nDCG@10"], 3)
            print(rep, json.dumps(report[rep]), file=sys.stderr, flush=True)
    args.out.parent.mkdir(parents=True, exist_ok=True)
    args.out.write_text(json.dumps(report, indent=1))
    cols = list(next(iter(report.values())))
    print("| representation | " + " | ".join(c.replace("_qrels.yaml", "") for c in cols) + " |")
    print("|---" * (len(cols) + 1) + "|")
    for rep, row in report.items():
        print(f"| {rep} | " + " | ".join(f"{row[c]:.3f}" for c in cols) + " |")
    return 0


if __name__ == "__main__":
    sys.exit(main())
