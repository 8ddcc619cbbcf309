"""Type filtering, type diversity and the plain-words reason given with each result."""

from __future__ import annotations

import math
from collections import deque
from collections.abc import Mapping, Sequence

from .lang import cjk_tokens, en_tokens
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
MIN_RELATIVE = 0.5


def diversify(ranked: Sequence[tuple[int, float]], types: Sequence[str], k: int,
              favoured: frozenset[str] = frozenset()) -> list[tuple[int, float]]:
    """Greedy re-rank: past the first two of a type, each further one is discounted, and
    no type takes more than half of the page.

    Types the query asks for (`favoured`) are not discounted, so "courses to learn X"
    may fill the page with courses while "object detection" mixes kinds. `ranked` is best
    first, so only the head of each type's queue can be the next pick.
    """
    queues: dict[str, deque[tuple[int, float]]] = {}
    for item in ranked:
        queues.setdefault(types[item[0]], deque()).append(item)
    chosen: list[tuple[int, float]] = []
    seen: dict[str, int] = {}
    cap = max(MIN_CAP, math.ceil(k * CAP_SHARE))
    order = {t: i for i, t in enumerate(queues)}  # tie-break: the type that ranked first
    while queues and len(chosen) < k:
        open_types = [t for t in queues if t in favoured or seen.get(t, 0) < cap]
        best_capped = max((q[0][1] for t, q in queues.items() if t not in open_types), default=0.0)
        # the cap never promotes a much weaker result of another type
        open_types = [t for t in open_types if queues[t][0][1] >= MIN_RELATIVE * best_capped]
        open_types = open_types or list(queues)
        best_t, best_s = "", float("-inf")
        for t in open_types:
            n = seen.get(t, 0)
            s = queues[t][0][1]
            adj = s if t in favoured else s * DIVERSITY_DECAY ** max(0, n - FREE_PER_TYPE + 1)
            if adj > best_s or (adj == best_s and order[t] < order[best_t]):
                best_t, best_s = t, adj
        chosen.append(queues[best_t].popleft())
        seen[best_t] = seen.get(best_t, 0) + 1
        if not queues[best_t]:
            del queues[best_t]
    return chosen


def resource_terms(resource: Resource, tasks: Mapping[str, Task]) -> frozenset[str]:
    """English stems and CJK bigrams of everything a resource says about itself (cached per
    resource by the recommender, so explaining a result costs a few set look-ups)."""
    text = " ".join((resource.name, *resource.aliases, resource.description,
                     resource.description_zh, *resource.tags,
                     *(n for t in resource.tasks if t in tasks for n in tasks[t].all_names)))
    return frozenset(en_tokens(text)) | frozenset(cjk_tokens(text))


def matched_terms(query: Query, have: frozenset[str]) -> list[str]:
    """Query words (or Chinese terms) that also occur in the resource's own text."""
    out: list[str] = []
    for w, st in query.word_stems:
        if st in have and w not in out:
            out.append(w)
    if query.lang == "zh":
        for zh, _ in query.glossary_terms:
            grams = cjk_tokens(zh)
            if grams and sum(g in have for g in grams) >= 0.8 * len(grams) and zh not in out:
                out.append(zh)
    return out[:6]


def reason(query: Query, resource: Resource, tasks: Mapping[str, Task],
           via_task: str | None, legs: Sequence[str],
           areas: Mapping[str, Area] | None = None, terms: frozenset[str] | None = None,
           pick_for: str | None = None) -> str:
    """One line a user can check: kind, matched task, matched words, how it was found."""
    label = TYPE_LABELS.get(resource.type, resource.type)
    parts = []
    area = (areas or {}).get(via_task[5:]) if via_task and via_task.startswith("area:") else None
    if pick_for and pick_for in tasks:
        t = tasks[pick_for]
        zh = f" / {t.name_zh}" if query.lang == "zh" and t.name_zh else ""
        parts.append(f"{label}; a go-to choice for “{t.name}{zh}”, the task you named")
    elif via_task and via_task in tasks:
        t = tasks[via_task]
        zh = f" / {t.name_zh}" if query.lang == "zh" and t.name_zh else ""
        parts.append(f"{label} filed under the task “{t.name}{zh}” you named")
    elif area is not None:
        zh = f" / {area.name_zh}" if query.lang == "zh" and area.name_zh else ""
        parts.append(f"{label} in the area “{area.name}{zh}” you named")
    else:
        parts.append(label)
    matched = matched_terms(query, terms if terms is not None else resource_terms(resource, tasks))
    if matched:
        parts.append("matches " + ", ".join(f"“{w}”" for w in matched))
    elif "dense" in legs:
        parts.append("close in meaning to your description")
    if resource.status != "active":
        parts.append(f"note: {resource.status}")
    return "; ".join(parts)
