"""Find catalog descriptions that reuse a run of 8+ words from a fact source (they must be our own).

Run: .venv/bin/python scripts/check_copying.py
"""

from __future__ import annotations

import re
from pathlib import Path

from pt_recommender.catalog import load_catalog

SHARED = Path(__file__).resolve().parents[2] / "shared"
RUN = 8


def words(text: str) -> list[str]:
    return re.findall(r"[a-z0-9]+", text.lower())


def shingles(text: str, n: int = RUN) -> set[tuple[str, ...]]:
    w = words(text)
    return {tuple(w[i : i + n]) for i in range(len(w) - n + 1)}


def source_shingles() -> set[tuple[str, ...]]:
    out: set[tuple[str, ...]] = set()
    for path in (SHARED / "sources").rglob("*"):
        if path.is_file() and path.suffix in (".yml", ".md", ".csv") and "LICENSE" not in path.name:
            out |= shingles(path.read_text(encoding="utf-8", errors="replace"))
    return out


ZH_RUN = 10


def zh_grams(text: str, n: int = ZH_RUN) -> set[str]:
    out: set[str] = set()
    for run in re.findall(r"[\u3400-\u9fff]+", text):
        out |= {run[i : i + n] for i in range(len(run) - n + 1)}
    return out


def copied(resources=None) -> list[tuple[str, str]]:
    """(resource id, the copied run) for each description sharing a run with a source:
    8 English words with the fact tables, or 10 Chinese characters with the book chapter."""
    src = source_shingles()
    seed = set().union(*(zh_grams(p.read_text(encoding="utf-8")) for p in (SHARED / "seed").glob("*.md")))
    hits = []
    for r in resources or load_catalog():
        common = shingles(r.description) & src
        if common:
            hits.append((r.id, " ".join(sorted(common)[0])))
        common_zh = zh_grams(r.description_zh) & seed
        if common_zh:
            hits.append((r.id, sorted(common_zh)[0]))
    return hits


if __name__ == "__main__":
    found = copied()
    for rid, run in found:
        print(f"{rid}: “{run}”")
    print(f"{len(found)} description(s) share a run of {RUN} words or {ZH_RUN} Chinese characters with a source")
