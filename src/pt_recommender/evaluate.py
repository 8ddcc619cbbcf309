"""Judged-query evaluation (shared/eval/README.md): nDCG@10, Recall@10, MRR, S@3 per slice."""

from __future__ import annotations

import math
import re
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path

from .catalog.safe_yaml import load_file

_NON_KEY = re.compile(r"[^0-9a-z\u3400-\u9fff]")
METRICS = ("nDCG@10", "Recall@10", "MRR", "S@3")
SLICES = ("en", "zh", "typed")


@dataclass(frozen=True)
class Judged:
    id: str
    query: str
    lang: str
    types: tuple[str, ...] | None
    relevant: tuple[tuple[tuple[str, ...], int], ...]  # (aliases, grade)

    @property
    def slices(self) -> tuple[str, ...]:
        return ("typed",) if self.types else (self.lang,)


def norm(text: str) -> str:
    return _NON_KEY.sub("", text.lower())


def alias_matches(result: str, alias: str) -> bool:
    """Equal after normalising, or the shorter (>= 12 chars, >= 80% of the longer) inside."""
    a, b = norm(result), norm(alias)
    if not a or not b:
        return False
    if a == b:
        return True
    short, long_ = sorted((a, b), key=len)
    return len(short) >= 12 and short in long_ and len(short) >= 0.8 * len(long_)


def load_qrels(path: str | Path) -> list[Judged]:
    doc = load_file(Path(path))
    if not isinstance(doc, dict) or not isinstance(doc.get("queries"), list):
        raise ValueError(f"{path}: expected a mapping with a `queries:` list")
    out = []
    for q in doc["queries"]:
        rel = tuple((tuple(k.split("|")), int(v)) for k, v in q["relevant"].items())
        types = tuple(q["types"]) if q.get("types") else None
        out.append(Judged(str(q["id"]), str(q["query"]), str(q.get("lang", "en")), types, rel))
    return out


def score_query(names: Sequence[str], judged: Judged) -> dict[str, float]:
    """Metrics for one ranked list of result names."""
    gains: list[int] = []
    used: set[int] = set()
    first = 0
    for rank, name in enumerate(names[:10], start=1):
        grade = 0
        for j, (aliases, g) in enumerate(judged.relevant):
            if j not in used and any(alias_matches(name, a) for a in aliases):
                used.add(j)
                grade = g
                break
        gains.append(grade)
        if grade and not first:
            first = rank
    dcg = sum((2**g - 1) / math.log2(r + 1) for r, g in enumerate(gains, start=1))
    ideal = sorted((g for _, g in judged.relevant), reverse=True)[:10]
    idcg = sum((2**g - 1) / math.log2(r + 1) for r, g in enumerate(ideal, start=1))
    return {
        "nDCG@10": dcg / idcg if idcg else 0.0,
        "Recall@10": len(used) / min(10, len(judged.relevant)) if judged.relevant else 0.0,
        "MRR": 1.0 / first if first else 0.0,
        "S@3": 1.0 if any(g == 2 for g in gains[:3]) else 0.0,
    }


def evaluate(search: Callable[[str, tuple[str, ...] | None], Sequence[str]],
             qrels: Sequence[Judged]) -> tuple[dict[str, dict[str, float]], dict[str, dict]]:
    """Averages per slice, and per-query metrics; a query whose call raises scores 0."""
    per_query: dict[str, dict] = {}
    for j in qrels:
        try:
            names = list(search(j.query, j.types))
        except Exception:  # noqa: BLE001 - the README says a raising call scores 0
            names = []
        per_query[j.id] = {"metrics": score_query(names, j), "names": names, "judged": j}
    table: dict[str, dict[str, float]] = {}
    for s in SLICES:
        rows = [v["metrics"] for v in per_query.values() if s in v["judged"].slices]
        table[s] = {m: (sum(r[m] for r in rows) / len(rows) if rows else float("nan"))
                    for m in METRICS} | {"n": len(rows)}
    return table, per_query


def format_table(results: Mapping[str, Mapping[str, Mapping[str, float]]]) -> str:
    """Systems side by side, one row per (slice, metric)."""
    systems = list(results)
    width = max(12, *(len(s) for s in systems))
    lines = ["slice  metric     " + "".join(f"{s:>{width + 2}}" for s in systems)]
    for sl in SLICES:
        n = next(iter(results.values()))[sl]["n"]
        if not n:  # a file without, say, Chinese queries has no zh slice to show
            continue
        for m in METRICS:
            vals = "".join(f"{results[s][sl][m]:>{width + 2}.3f}" for s in systems)
            lines.append(f"{sl:<6} {m:<10} {vals}")
        lines.append(f"{'':6} {'(n=' + str(int(n)) + ')':<10}")
    return "\n".join(lines)
