"""Compare option settings on a qrels file side by side (development aid, not CI)."""

from __future__ import annotations

import ast
import itertools
import sys

from pt_recommender.evaluate import evaluate, load_qrels
from pt_recommender.recommender import Recommender

qrels = load_qrels(sys.argv[1])
base = Recommender.load()
grid = {k: ast.literal_eval(v) for k, v in (a.split("=", 1) for a in sys.argv[2:])}
keys = list(grid)
for values in itertools.product(*grid.values()):
    opts = dict(zip(keys, values, strict=True))
    rec = base.with_options(**opts)
    table, _ = evaluate(lambda q, t, rec=rec: [r.name for r in rec.recommend(q, k=10, types=t)], qrels)
    cells = " ".join(f"{s}:{table[s]['nDCG@10']:.3f}/{table[s]['S@3']:.2f}" for s in ("en", "zh", "typed"))
    print(opts, cells, flush=True)
