"""Choose query-time weights by 5-fold cross-validation over every judged file that is no longer
blind: both dev files and the analysis sets of eval/ (check2 onwards), about 1,000 queries instead
of the dev files' 143, so a weight must help needs from many corners, not one small set.

    .venv/bin/python scripts/tune_wide.py [--grid FILE.json] [--margin 0.001] [--out artifacts/tune_wide.json]

Each fold starts from the shipped Options and moves one weight at a time to the grid value with the
best training objective (the mean over file x slice groups of nDCG@10, so 20 Chinese queries count
as much as 60 English ones), only when it gains more than `margin`; two passes. The fold's own
queries are then scored with its choice (out of fold). Every configuration is scored once over all
queries and reused by every fold. A set written blind for the current stop must not be in eval/
while this runs (it is measured, never tuned on).
"""

from __future__ import annotations

import argparse
import glob
import json
import sys
from collections import defaultdict
from pathlib import Path

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parent))
from tune import FOLDS, fold_of

from pt_recommender.encoders import MemoEncoder
from pt_recommender.evaluate import load_qrels, score_query
from pt_recommender.recommender import Recommender

ROOT = Path(__file__).resolve().parents[1]
GRID = {
    "w_link": [0.0, 0.1, 0.25, 0.5], "w_dense": [0.6, 0.8, 1.0, 1.2],
    "w_neighbour": [0.5, 1.0, 1.5, 2.0, 2.5, 3.0], "cap_share": [0.5, 0.6, 0.7, 0.8],
    "w_task": [0.1, 0.2, 0.3, 0.4], "w_featured": [0.3, 0.45, 0.6, 0.75], "w_vote_pick": [0.1, 0.2, 0.3],
    "vote_share": [0.3, 0.4, 0.5], "vote_power": [1.0, 2.0, 4.0, 6.0], "w_prior": [0.15, 0.3, 0.45], "w_library": [0.2, 0.3, 0.4],
    "w_lexical": [0.8, 1.0, 1.2], "w_intent": [0.35, 0.5, 0.65], "w_learning": [-0.45, -0.3, -0.15],
    "w_inferred": [0.3, 0.5, 0.7],
}


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--grid", help="JSON file {option: [values]} (default: the grid above)")
    ap.add_argument("--margin", type=float, default=0.001, help="least training gain that moves a weight")
    ap.add_argument("--out", default=str(ROOT / "artifacts" / "tune_wide.json"))
    args = ap.parse_args()
    grid = json.loads(Path(args.grid).read_text()) if args.grid else GRID
    files = [ROOT / "eval" / "dev_qrels.yaml", ROOT / "eval" / "dev_paraphrase_qrels.yaml",
             *sorted(Path(p) for p in glob.glob(str(ROOT / "eval" / "check*_qrels.yaml")))]
    judged = [(f.name.removesuffix("_qrels.yaml"), j) for f in files for j in load_qrels(f)]
    fold = np.array([fold_of(f"{f}/{j.id}") for f, j in judged])
    groups: dict[str, list[int]] = defaultdict(list)
    for i, (f, j) in enumerate(judged):
        groups[f"{f}|{j.slices[0]}"].append(i)
    rec = Recommender.load()
    rec.encoder = MemoEncoder(rec.encoder)
    seen: dict[str, np.ndarray] = {}

    def scores(opts: dict) -> np.ndarray:
        key = json.dumps(opts, sort_keys=True)
        if key not in seen:
            r = rec.with_options(**opts)
            seen[key] = np.array([score_query([x.name for x in r.recommend(j.query, k=10, types=j.types)], j)["nDCG@10"]
                                  for _, j in judged])
            print(f"  {key} {seen[key].mean():.4f}", file=sys.stderr, flush=True)
        return seen[key]

    def objective(s: np.ndarray, mask: np.ndarray) -> float:
        return float(np.mean([s[[i for i in idx if mask[i]]].mean() for idx in groups.values()
                              if any(mask[i] for i in idx)]))

    report: dict = {"queries": len(judged), "files": [f.name for f in files], "folds": {}}
    oof = np.zeros(len(judged))
    for f in range(FOLDS):
        train, test = fold != f, fold == f
        chosen: dict = {}
        best = objective(scores(chosen), train)
        for _ in range(2):
            moved = False
            for name, values in grid.items():
                gain, value = max((objective(scores({**chosen, name: v}), train), v) for v in values)
                if gain > best + args.margin:
                    chosen[name], best, moved = value, gain, True
            if not moved:
                break
        oof[test] = scores(chosen)[test]
        report["folds"][f] = {"chosen": chosen, "train": round(best, 4),
                              "out_of_fold": round(objective(scores(chosen), test), 4),
                              "shipped_out_of_fold": round(objective(scores({}), test), 4)}
        print(f"fold {f}: {report['folds'][f]}", flush=True)
    everything = np.ones(len(judged), dtype=bool)
    report["out_of_fold"] = round(objective(oof, everything), 4)
    report["shipped"] = round(objective(scores({}), everything), 4)
    report["groups"] = {g: {"out_of_fold": round(float(oof[idx].mean()), 3),
                            "shipped": round(float(scores({})[idx].mean()), 3)} for g, idx in sorted(groups.items())}
    print(f"out of fold {report['out_of_fold']} against the shipped weights' {report['shipped']}")
    Path(args.out).parent.mkdir(parents=True, exist_ok=True)
    Path(args.out).write_text(json.dumps(report, indent=1))
    return 0


if __name__ == "__main__":
    sys.exit(main())
