"""Type filtering, type diversity and the plain-words reason given with each result."""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence

from .lang import cjk_tokens, en_tokens, en_words
from .query import Query
from .schema import Area, Resource, Task

TYPE_LABELS = {
    "library": "Library", "model": "Model", "paper": "Paper", "dataset": "Dataset",
    "api": "API", "tutorial": "Tutorial", "book": "Book", "course": "Course",
    "website": "Website",
}
DIVERSITY_DECAY = 0.9
FREE_PER_TYPE = 2
CAP_SHARE = 0.5  # no type fills more than half the page unless the query asks for it
MIN_CAP = 3


def diversify(ranked: Sequence[tuple[int, float]], types: Sequence[str], k: int,
              favoured: frozenset[str] = frozenset()) -> list[tuple[int, float]]:
    """Greedy re-rank: past the first two of a type, each further one is discounted, and
    no type takes more than half of the page.

    Types the query asks for (`favoured`) are not discounted, so "courses to learn X"
    may fill the page with courses while "object detection" mixes kinds.
    """
    pool = list(ranked)
    chosen: list[tuple[int, float]] = []
    seen: dict[str, int] = {}
    cap = max(MIN_CAP, math.ceil(k * CAP_SHARE))
    while pool and len(chosen) < k:
        best_i, best_s = 0, float("-inf")
        for i, (row, s) in enumerate(pool):
            t = types[row]
            n = seen.get(t, 0)
            if t not in favoured and n >= cap and any(types[r] != t for r, _ in pool):
                continue
            extra = max(0, n - FREE_PER_TYPE + 1)
            adj = s if t in favoured else s * DIVERSITY_DECAY ** extra
            if adj > best_s:
                best_i, best_s = i, adj
        row, s = pool.pop(best_i)
        seen[types[row]] = seen.get(types[row], 0) + 1
        chosen.append((row, s))
    return chosen


def matched_terms(query: Query, resource: Resource, tasks: Mapping[str, Task]) -> list[str]:
    """Query words (or Chinese terms) that also occur in the resource's own text."""
    text = " ".join((resource.name, *resource.aliases, resource.description,
                     resource.description_zh, *resource.tags,
                     *(n for t in resource.tasks if t in tasks for n in tasks[t].all_names)))
    have = set(en_tokens(text))
    out: list[str] = []
    for w in en_words(query.english):
        toks = en_tokens(w)
        if toks and toks[0] in have and w not in out:
            out.append(w)
    if query.lang == "zh":
        grams = set(cjk_tokens(text))
        for zh, _ in query.glossary_terms:
            if any(g in grams for g in cjk_tokens(zh)) and zh not in out:
                out.append(zh)
    return out[:6]


def reason(query: Query, resource: Resource, tasks: Mapping[str, Task],
           via_task: str | None, legs: Sequence[str],
           areas: Mapping[str, Area] | None = None) -> str:
    """One line a user can check: kind, matched task, matched words, how it was found."""
    label = TYPE_LABELS.get(resource.type, resource.type)
    parts = []
    area = (areas or {}).get(via_task[5:]) if via_task and via_task.startswith("area:") else None
    if via_task and via_task in tasks:
        t = tasks[via_task]
        zh = f" / {t.name_zh}" if query.lang == "zh" and t.name_zh else ""
        parts.append(f"{label} filed under the task “{t.name}{zh}” you named")
    elif area is not None:
        zh = f" / {area.name_zh}" if query.lang == "zh" and area.name_zh else ""
        parts.append(f"{label} in the area “{area.name}{zh}” you named")
    else:
        parts.append(label)
    terms = matched_terms(query, resource, tasks)
    if terms:
        parts.append("matches " + ", ".join(f"“{w}”" for w in terms))
    elif "dense" in legs:
        parts.append("close in meaning to your description")
    if resource.status != "active":
        parts.append(f"note: {resource.status}")
    return "; ".join(parts)
