"""The plain-words reason given with each result: kind, named task or go-to pick, matched words."""

from __future__ import annotations

from collections.abc import Mapping, Sequence

from ..catalog.schema import Area, Resource, Task
from ..catalog.types import TYPE_LABELS
from ..text.lang import cjk_tokens, en_tokens
from .query import Query


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
    if resource.maintenance in ("deprecated", "archived", "stale"):
        parts.append(f"note: {resource.maintenance}")
    return "; ".join(parts)
