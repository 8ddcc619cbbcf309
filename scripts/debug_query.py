"""Show each leg's ranking for a query (development aid)."""

from __future__ import annotations

import sys

from pt_recommender.ranking.query import analyse
from pt_recommender.recommender import Recommender

rec = Recommender.load()
for query in sys.argv[1:]:
    q = analyse(query, rec.glossary, rec.matcher)
    print(f"\n== {query!r} lang={q.lang} english={q.english!r} tasks={q.tasks} intent={set(q.intent)}")
    print("   tokens:", q.tokens)
    vec = rec.encoder.encode([q.english])
    scores, rows = rec.vectors.search(vec, 10)
    print("   dense:  ", [f"{rec.resources[r].name}:{s:.2f}" for r, s in zip(rows[0], scores[0], strict=True)])
    hits = rec.lexical.search(list(q.tokens), 10)
    print("   bm25:   ", [f"{rec.resources[r].name}:{s:.1f}" for r, s in hits])
    for i, r in enumerate(rec.recommend(query, k=10), 1):
        print(f"   {i:>2}. {r.name} [{r.type}] {r.score:.3f} — {r.reason}")
