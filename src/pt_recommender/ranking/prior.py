"""A prior over resources made only of things a user cares about: is it maintained upstream,
and how widely is it used within the catalog (how often other entries mention or link it,
like a citation count, without outside data). Being named in the reference book is not
a user reason and plays no part. The pipeline adds it with a small weight, and only to rows
a leg found, so it breaks near-ties and never brings in an unrelated resource.
"""

from __future__ import annotations

import math
import re
from collections import Counter
from collections.abc import Sequence

from ..catalog.schema import Resource

MIN_NAME_CHARS = 4


ENTITY_TYPES = frozenset(("library", "dataset", "model", "paper", "api"))
# how much a user can rely on it, by upstream maintenance ("" = not tracked, e.g. a paper)
MAINTENANCE_VALUE = {"active": 1.0, "maintenance": 0.8, "": 0.8, "stale": 0.4, "deprecated": 0.1,
                     "archived": 0.0}


def _names(r: Resource) -> list[str]:
    """Case-kept names: "Text" the tutorial topic must not match every "text" in a sentence."""
    if r.type not in ENTITY_TYPES:
        return []
    names = {n.strip() for n in (r.name, *r.aliases) if n.isascii()}
    # a lower-case plain word ("crop", "higher") is too common to count; identifiers are fine
    return [n for n in names if len(n) >= MIN_NAME_CHARS
            and (not n.islower() or "_" in n or any(c.isdigit() for c in n))]


def mention_counts(resources: Sequence[Resource]) -> list[int]:
    """For each resource, how many *other* resources name it or link to it."""
    owner: dict[str, set[int]] = {}
    for i, r in enumerate(resources):
        for n in _names(r):
            owner.setdefault(n, set()).add(i)
    # names shared by several resources say nothing about any one of them
    unique = {n: next(iter(ids)) for n, ids in owner.items() if len(ids) == 1}
    counts = [0] * len(resources)
    if not unique:
        return counts
    # One regex over every name is O(texts x names): each text is matched only against the
    # names whose every alphanumeric run is a word of that text (a necessary condition for a
    # bounded match), which gives the same matches, longest name first.
    runs = {name: frozenset(_RUN.findall(name)) for name in unique}
    shared = Counter(r for rs in runs.values() for r in rs)
    by_run: dict[str, list[str]] = {}  # each name under its rarest word, so few names are tried
    for name, rs in runs.items():
        by_run.setdefault(min(rs, key=lambda r: (shared[r], r)) if rs else "", []).append(name)
    row_of = {r.id: i for i, r in enumerate(resources)}
    for i, r in enumerate(resources):
        text = " ".join((r.description, *r.tags, *r.metrics))
        words = set(_RUN.findall(text))
        names = [n for w in (*words, "") for n in by_run.get(w, ()) if runs[n] <= words]
        cited = {unique[m] for m in _mentions(text, sorted(names, key=lambda n: (-len(n), n)))}
        for targets in r.links.values():
            if isinstance(targets, list):
                cited.update(row_of[t] for t in targets if t in row_of)
        for j in cited - {i}:
            counts[j] += 1
    return counts


_RUN = re.compile(r"[0-9A-Za-z]+")


def _is_word_char(c: str) -> bool:
    return c.isascii() and c.isalnum()


def _mentions(text: str, names: list[str]) -> list[str]:
    """The names mentioned in `text` as whole words, left to right without overlaps, the
    earlier name in `names` winning at one position: what one regex alternation of the names
    would find, without compiling a regex for every text (that was most of the prior's cost)."""
    found: list[tuple[int, int, int]] = []  # (start, preference, end)
    for pref, name in enumerate(names):
        at = text.find(name)
        while at >= 0:
            end = at + len(name)
            if (at == 0 or not _is_word_char(text[at - 1])) and (end == len(text) or not _is_word_char(text[end])):
                found.append((at, pref, end))
            at = text.find(name, at + 1)
    out, cursor = [], 0
    for start, pref, end in sorted(found):
        if start >= cursor:
            out.append(names[pref])
            cursor = end
    return out


def popularity(resources: Sequence[Resource]) -> list[float]:
    """Mentions squashed to [0, 1] on a log scale."""
    counts = mention_counts(resources)
    top = max(counts, default=0)
    return [math.log1p(c) / math.log1p(top) if top else 0.0 for c in counts]


def maintained(resources: Sequence[Resource]) -> list[float]:
    """1 for actively maintained, lower for stale, near 0 for deprecated or archived."""
    return [MAINTENANCE_VALUE.get(r.maintenance, 0.8) for r in resources]


def prior(resources: Sequence[Resource]) -> list[float]:
    """Half maintenance, half use within the catalog, in [0, 1]."""
    return [0.5 * m + 0.5 * p for m, p in zip(maintained(resources), popularity(resources), strict=True)]
