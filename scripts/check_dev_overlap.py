"""Find catalog text that reuses a dev query's wording: a run of 5 English words or 8 Chinese
characters shared with any query of the shipped judged sets. Needs phrases must come from what
a resource is for, never from the queries it is measured on.

Run: .venv/bin/python scripts/check_dev_overlap.py [DATA_DIR]
"""

from __future__ import annotations

import re
import sys
from pathlib import Path

from pt_recommender.catalog import default_eval_files, load_catalog
from pt_recommender.evaluate import load_qrels

EN_RUN, ZH_RUN = 5, 8


def en_runs(text: str, n: int = EN_RUN) -> set[tuple[str, ...]]:
    w = re.findall(r"[a-z0-9]+", text.lower())
    return {tuple(w[i : i + n]) for i in range(len(w) - n + 1)}


def zh_runs(text: str, n: int = ZH_RUN) -> set[str]:
    out: set[str] = set()
    for run in re.findall(r"[\u3400-\u9fff]+", text):
        out |= {run[i : i + n] for i in range(len(run) - n + 1)}
    return out


def overlaps(resources=None, qrel_files=None) -> list[tuple[str, str]]:
    """(resource id, the shared run) for every catalog text sharing a run with a dev query."""
    queries = [j.query for f in (qrel_files or default_eval_files()) for j in load_qrels(f)]
    en = set().union(*(en_runs(q) for q in queries))
    zh = set().union(*(zh_runs(q) for q in queries))
    hits = []
    for r in resources or load_catalog():
        texts = [r.name, r.description, r.description_zh, *r.aliases, *r.needs, *r.needs_zh, *r.tags]
        for t in texts:
            common = sorted(en_runs(t) & en) + sorted(zh_runs(t) & zh)
            if common:
                hits.append((r.id, " ".join(common[0]) if isinstance(common[0], tuple) else common[0]))
                break
    return hits


if __name__ == "__main__":
    found = overlaps(load_catalog(Path(sys.argv[1])) if len(sys.argv) > 1 else None)
    for rid, run in found:
        print(f"{rid}: {run!r}")
    print(f"{len(found)} resource(s) share wording with a dev query")
    sys.exit(1 if found else 0)
