"""Show each leg's ranking for a query (development aid)."""

from __future__ import annotations

import sys

from pt_recommender.ranking.query import analyse
from pt_recommender.recommender import Recommender

rec = Recommender.load()
d = rec.data
for query in sys.argv[1:]:
    q = analyse(query, d.glossary, d.matcher)
    print(f"\n== {query!r} lang={q.lang} english={q.english!r} tasks={q.tasks} intent={set(q.intent)}")
    print("   tokens:", q.tokens)
    vec = rec.encoder.encode([q.english])
    sims, hits = rec.vectors.search(vec, 10)
    print("   dense:  ", [f"{d.resources[rec.owners[h]].name}:{s:.2f}" for h, s in zip(hits[0], sims[0], strict=True)])
    rows, vals, keep = d.lexical.top_batch([list(q.tokens)], 10)
    print("   bm25:   ", [f"{d.resources[r].name}:{v:.1f}" for r, v, ok in zip(rows[0], vals[0], keep[0], strict=True)
                         if ok])
    for i, r in enumerate(rec.recommend(query, k=10), 1):
        print(f"   {i:>2}. {r.name} [{r.type}] {r.score:.3f} — {r.reason}")
