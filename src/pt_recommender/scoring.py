"""One query's scores over all catalog rows: legs, link sharing, task boosts, priors, the cut.

Each step is a small function over a `Scores` sheet (NumPy arrays indexed by row), so the
Recommender only orchestrates them and ablations switch them off one by one.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field

import numpy as np

from . import fusion
from .taxonomy import TaskMatcher, lift


@dataclass
class Scores:
    allowed: np.ndarray  # rows of the requested types
    total: np.ndarray
    candidate: np.ndarray
    legs: list[str] = field(default_factory=list)
    via: dict[int, str] = field(default_factory=dict)  # row -> task whose lift it got
    picks: dict[int, str] = field(default_factory=dict)  # row -> task it is a go-to pick for

    @classmethod
    def empty(cls, allowed: np.ndarray) -> Scores:
        n = len(allowed)
        return cls(allowed, np.zeros(n, dtype=np.float64), np.zeros(n, dtype=bool))


def add_leg(sc: Scores, name: str, rows: np.ndarray, values: np.ndarray, weight: float,
            method: str = "score") -> None:
    """Add one leg's candidates: min-max normalised scores, or reciprocal ranks."""
    sc.legs.append(name)
    if len(rows):
        sc.total[rows] += weight * (fusion.min_max_array(values) if method == "score"
                                    else fusion.rrf_array(len(rows)))
        sc.candidate[rows] = True


def dense_leg(sc: Scores, hits: np.ndarray, k0: int) -> tuple[np.ndarray, np.ndarray]:
    """The best k0 allowed rows of a full dense ranking ([rows, similarities])."""
    rows = hits[0].astype(np.int64)
    keep = rows >= 0
    keep[keep] = sc.allowed[rows[keep]]
    return rows[keep][:k0], hits[1][keep][:k0]


def lexical_leg(sc: Scores, scores: np.ndarray, k0: int) -> tuple[np.ndarray, np.ndarray]:
    """The best k0 allowed rows with a positive BM25 score."""
    s = np.where(sc.allowed & (scores > 0), scores, 0.0)
    top = np.argsort(-s, kind="stable")[:k0]
    top = top[s[top] > 0]
    return top, s[top]


def share_links(sc: Scores, neighbours: Mapping[int, Sequence[int]], weight: float) -> None:
    """A model shares its paper's match, and a paper its model's."""
    relevance = sc.total.copy()
    for row in np.flatnonzero(sc.candidate):
        for other in neighbours.get(int(row), ()):
            if sc.allowed[other]:
                sc.total[other] = max(sc.total[other], weight * relevance[row] + relevance[other])
                sc.candidate[other] = True


def add_task_lift(sc: Scores, tasks: Mapping[str, float], task_rows: Mapping, matcher: TaskMatcher,
                  weight: float) -> None:
    """Resources filed under a task the query names (or its subtasks) move up."""
    for row, (bonus, task) in lift(tasks, task_rows, matcher).items():
        if sc.allowed[row]:
            sc.total[row] += weight * bonus
            sc.candidate[row] = True
            sc.via[row] = task


def add_featured(sc: Scores, tasks: Mapping[str, float], featured: Mapping[str, Sequence[int]],
                 weight: float) -> None:
    """A named task's go-to picks move up, ranked among the picks of the allowed types."""
    for task, strength in tasks.items():
        shown = [row for row in featured.get(task, ()) if sc.allowed[row]]
        for pos, row in enumerate(shown):
            if row not in sc.picks:
                sc.total[row] += weight * strength * (1.0 - 0.15 * pos)
                sc.candidate[row] = True
                sc.picks[row] = task


def select(sc: Scores, floor: float, exact: Sequence[int], w_exact: float, n: int
           ) -> list[tuple[int, float]]:
    """Best `n` candidates, dropping those under `floor` x the best; an exact name hit is
    added after the floor's reference is taken, so its neighbours keep their places."""
    rows = np.flatnonzero(sc.candidate)
    cut = floor * float(sc.total[rows].max()) if len(rows) and floor else float("-inf")
    if w_exact and exact:
        sc.total[list(exact)] += w_exact
        rows = np.union1d(rows, exact)
    keep = rows[(sc.total[rows] >= cut) | np.isin(rows, list(exact))]
    order = keep[np.lexsort((keep, -sc.total[keep]))][:n]
    return [(int(r), float(sc.total[r])) for r in order]
