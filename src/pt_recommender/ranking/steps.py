"""A batch of queries' scores over all catalog rows: legs, link sharing, task boosts, the cut.

The sheet holds (queries x rows) NumPy arrays, so each step runs once per batch instead of
once per query: that is where batch export gets its speed over a loop of single calls. A
single query is a batch of one, so both paths give identical results. Each step is a small
function, so the Recommender only orchestrates them and ablations switch them off one by one.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field

import numpy as np


@dataclass
class Sheet:
    allowed: np.ndarray  # (rows,) the requested types
    total: np.ndarray  # (queries, rows)
    candidate: np.ndarray  # (queries, rows)
    evidence: np.ndarray  # (queries, rows) a leg has a reason to show it (see `select`)
    legs: list[list[str]] = field(default_factory=list)  # per query: legs that ran
    picks: list[dict[int, str]] = field(default_factory=list)  # row -> task it is a pick for

    @classmethod
    def empty(cls, n_queries: int, allowed: np.ndarray) -> Sheet:
        n = len(allowed)
        return cls(allowed, np.zeros((n_queries, n), dtype=np.float64),
                   np.zeros((n_queries, n), dtype=bool), np.zeros((n_queries, n), dtype=bool),
                   [[] for _ in range(n_queries)], [{} for _ in range(n_queries)])


def add_leg(sh: Sheet, name: str, queries: np.ndarray, rows: np.ndarray, values: np.ndarray,
            keep: np.ndarray, weight: float, method: str = "score", rrf_k: int = 60,
            min_evidence: float = 0.0) -> None:
    """Add one leg's candidates. Row i of `rows`/`values`/`keep` belongs to query
    `queries[i]`, best first; `keep` marks its candidates. Scores are min-max normalised
    over each query's candidates (or turned into reciprocal ranks). A candidate whose raw
    value is at least `min_evidence` counts as evidence for showing it."""
    for q in queries:
        sh.legs[q].append(name)
    if not keep.any():
        return
    if method == "score":
        v = np.asarray(values, dtype=np.float64)
        lo = np.where(keep, v, np.inf).min(axis=1, keepdims=True)
        hi = np.where(keep, v, -np.inf).max(axis=1, keepdims=True)
        with np.errstate(invalid="ignore"):  # queries without candidates: inf - inf
            norm = np.where(hi > lo, (v - lo) / np.where(hi > lo, hi - lo, 1.0), 1.0)
    else:
        norm = rrf_array(rows.shape[1], rrf_k)[np.maximum(np.cumsum(keep, axis=1) - 1, 0)]
    qi = np.broadcast_to(np.asarray(queries)[:, None], rows.shape)[keep]
    ri = rows[keep]
    sh.total[qi, ri] += weight * norm[keep]  # (query, row) pairs are unique within a leg
    sh.candidate[qi, ri] = True
    sh.evidence[qi, ri] |= np.asarray(values, dtype=np.float64)[keep] >= min_evidence


def dense_leg(sh: Sheet, rows: np.ndarray, sims: np.ndarray, k0: int
              ) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """(rows, similarities, keep) cut to the columns holding each query's best k0 allowed
    rows of its full dense ranking."""
    ok = rows >= 0
    ok[ok] = sh.allowed[rows[ok]]
    keep = ok & (np.cumsum(ok, axis=1) <= k0)
    used = np.flatnonzero(keep.any(axis=0))
    width = int(used[-1]) + 1 if len(used) else 0
    return rows[:, :width], sims[:, :width], keep[:, :width]


def lexical_leg(sh: Sheet, scores: np.ndarray, k0: int
                ) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """(rows, scores, keep): the best k0 allowed rows with a positive BM25 score."""
    s = np.where(sh.allowed[None, :] & (scores > 0), scores, 0.0)
    top = np.argsort(-s, axis=1, kind="stable")[:, :k0]
    vals = np.take_along_axis(s, top, axis=1)
    return top, vals, vals > 0


def share_links(sh: Sheet, src: np.ndarray, dst: np.ndarray, weight: float) -> None:
    """A model shares its paper's match, and a paper its model's (`src`→`dst` edges)."""
    if not len(src):
        return
    relevance = sh.total.copy()
    live = sh.candidate[:, src] & sh.allowed[dst][None, :]
    q, e = np.nonzero(live)
    if not len(q):
        return
    np.maximum.at(sh.total, (q, dst[e]), weight * relevance[q, src[e]] + relevance[q, dst[e]])
    sh.candidate[q, dst[e]] = True
    sh.evidence[q, dst[e]] |= sh.evidence[q, src[e]]  # a model is as relevant as its paper


def add_task_lift(sh: Sheet, q: int, rows: np.ndarray, bonus: np.ndarray, weight: float) -> None:
    """Resources filed under a task the query names (or its subtasks) move up."""
    ok = sh.allowed[rows]
    sh.total[q, rows[ok]] += weight * bonus[ok]
    sh.candidate[q, rows[ok]] = True
    sh.evidence[q, rows[ok]] = True  # filed under the task the query names


def add_featured(sh: Sheet, q: int, tasks: Mapping[str, float],
                 featured: Mapping[str, Sequence[int]], weight: float, step: float) -> None:
    """A named task's go-to picks move up, ranked among the picks of the allowed types."""
    picks = sh.picks[q]
    for task, strength in tasks.items():
        shown = [row for row in featured.get(task, ()) if sh.allowed[row]]
        for pos, row in enumerate(shown):
            if row not in picks:
                sh.total[q, row] += weight * strength * (1.0 - step * pos)
                sh.candidate[q, row] = True
                sh.evidence[q, row] = True
                picks[row] = task


def select(sh: Sheet, floor: float, exact: Sequence[Sequence[int]], w_exact: float, n: int,
           require_evidence: bool = False) -> list[list[tuple[int, float]]]:
    """Each query's best `n` candidates, dropping those under `floor` x its best; an exact
    name hit is added after the floor's reference is taken, so its neighbours keep their
    places. With `require_evidence`, candidates no leg vouches for (a dense similarity under
    the threshold and no word or task match) are dropped first: fewer results beat filler,
    and a query with no evidence at all gets none. Ties go to the lower row."""
    cand = sh.candidate & sh.evidence if require_evidence else sh.candidate
    best = np.where(cand, sh.total, -np.inf).max(axis=1)
    has = cand.any(axis=1)
    cut = np.where(has, floor * best, -np.inf) if floor else np.full(len(best), -np.inf)
    named = np.zeros_like(cand)
    for q, rows in enumerate(exact):
        named[q, list(rows)] = True
        if w_exact and rows:
            sh.total[q, list(rows)] += w_exact
    # an exact hit always stays; with no bonus it must at least be a candidate
    keep = (cand & (sh.total >= cut[:, None])) | (named & (cand | bool(w_exact)))
    # a stable sort of -score orders ties by row, so every run and every batch agree
    order = np.argsort(np.where(keep, -sh.total, np.inf), axis=1, kind="stable")[:, :n]
    out: list[list[tuple[int, float]]] = []
    for q, rows in enumerate(order):
        rows = rows[keep[q, rows]]
        out.append(list(zip(rows.tolist(), sh.total[q, rows].tolist(), strict=True)))
    return out


def rrf_array(n: int, k: int) -> np.ndarray:
    """Reciprocal-rank-fusion contributions of ranks 1..n, scaled so first place is 1."""
    return (k + 1) / (k + np.arange(1, n + 1, dtype=np.float64))
