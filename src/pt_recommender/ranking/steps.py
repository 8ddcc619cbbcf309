"""A batch of queries' scores over their candidates: legs, link sharing, task boosts, the cut.

The sheet holds (queries x candidate columns) NumPy arrays, so each step runs once per batch
instead of once per query: that is where batch export gets its speed over a loop of single
calls. Its columns are only the rows some leg, link, task or name found for the chunk (a few
hundred), so the cost of a query does not grow with the catalog. Steps take and return column
positions; `Sheet.cols` maps them back to catalog rows. A single query is a batch of one, so
both paths give identical results. Each step is a small function, so the pipeline only
orchestrates them and ablations switch them off one by one.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field

import numpy as np


@dataclass
class Sheet:
    cols: np.ndarray  # (columns,) the catalog row of each column, ascending
    allowed: np.ndarray  # (columns,) the requested types
    total: np.ndarray  # (queries, columns)
    candidate: np.ndarray  # (queries, columns)
    evidence: np.ndarray  # (queries, columns) a leg has a reason to show it (see `select`)
    legs: list[list[str]] = field(default_factory=list)  # per query: legs that ran
    picks: list[dict[int, str]] = field(default_factory=list)  # column -> task it is a pick for
    replaces: list[dict[int, int]] = field(default_factory=list)  # column -> the column it succeeds
    voted: list[dict[int, str]] = field(default_factory=list)  # column -> consensus task it is a pick of

    @classmethod
    def empty(cls, n_queries: int, cols: np.ndarray, allowed: np.ndarray) -> Sheet:
        n = len(cols)
        return cls(cols, allowed, np.zeros((n_queries, n), dtype=np.float64),
                   np.zeros((n_queries, n), dtype=bool), np.zeros((n_queries, n), dtype=bool),
                   [[] for _ in range(n_queries)], [{} for _ in range(n_queries)], [{} for _ in range(n_queries)],
                   [{} for _ in range(n_queries)])

    def local(self, rows: np.ndarray) -> np.ndarray:
        """Column of each catalog row (rows must be columns; anything else maps to 0)."""
        at = np.searchsorted(self.cols, rows)
        return np.where(at < len(self.cols), at, 0)

    def has(self, rows: np.ndarray) -> np.ndarray:
        """Which catalog rows are columns of this sheet."""
        at = np.minimum(np.searchsorted(self.cols, rows), max(len(self.cols) - 1, 0))
        return (self.cols[at] == rows) if len(self.cols) else np.zeros(len(rows), dtype=bool)


def add_leg(sh: Sheet, name: str, queries: np.ndarray, rows: np.ndarray, values: np.ndarray,
            keep: np.ndarray, weight: float, method: str = "score", rrf_k: int = 60,
            min_evidence: float = 0.0, floor: float = 0.0) -> None:
    """Add one leg's candidates (`rows` are columns). Row i of `rows`/`values`/`keep` belongs to query
    `queries[i]`, best first; `keep` marks its candidates. Scores are read relative to each
    query's best candidate ("top": `floor` times the best is 0, the best 1, lower clipped to 0),
    min-max normalised over its candidates ("score") or turned into reciprocal ranks. A candidate
    whose raw value is at least `min_evidence` counts as evidence for showing it."""
    for q in queries:
        sh.legs[q].append(name)
    if not keep.any():
        return
    if method in ("score", "top"):
        v = np.asarray(values, dtype=np.float64)
        hi = np.where(keep, v, -np.inf).max(axis=1, keepdims=True)
        lo = floor * hi if method == "top" else np.where(keep, v, np.inf).min(axis=1, keepdims=True)
        with np.errstate(invalid="ignore"):  # queries without candidates: inf - inf
            norm = np.where(hi > lo, (v - lo) / np.where(hi > lo, hi - lo, 1.0), 1.0)
        if method == "top":  # nothing scored above 0 (no similar row at all): nothing counts
            norm = np.where(hi > 0, np.maximum(norm, 0.0), 0.0)
    else:
        norm = rrf_array(rows.shape[1], rrf_k)[np.maximum(np.cumsum(keep, axis=1) - 1, 0)]
    qi = np.broadcast_to(np.asarray(queries)[:, None], rows.shape)[keep]
    ri = rows[keep]
    sh.total[qi, ri] += weight * norm[keep]  # (query, row) pairs are unique within a leg
    sh.candidate[qi, ri] = True
    sh.evidence[qi, ri] |= np.asarray(values, dtype=np.float64)[keep] >= min_evidence


def dense_leg(rows: np.ndarray, sims: np.ndarray, k0: int, allowed: Callable[[np.ndarray], np.ndarray]
              ) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """(rows, similarities, keep) cut to the columns holding each query's best k0 allowed
    rows of its dense ranking (catalog rows, -1 for none)."""
    ok = rows >= 0
    ok[ok] = allowed(rows[ok])
    keep = ok & (np.cumsum(ok, axis=1) <= k0)
    used = np.flatnonzero(keep.any(axis=0))
    width = int(used[-1]) + 1 if len(used) else 0
    return rows[:, :width], sims[:, :width], keep[:, :width]


def share_links(sh: Sheet, src: np.ndarray, dst: np.ndarray, weight: float) -> None:
    """A model shares its paper's match, and a paper its model's (`src`→`dst` column edges)."""
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


def hand_over(sh: Sheet, queries: np.ndarray, src: np.ndarray, dst: np.ndarray, weight: float) -> None:
    """For queries asking what replaces something: a successor takes its deprecated or
    archived predecessor's score plus a lead, and the predecessor loses it (`src`→`dst` column
    edges; only predecessors on the sheet hand over). The lead is `weight` for the query's best
    match, less for weaker ones."""
    if not len(src) or not len(queries):
        return
    relevance = sh.total.copy()
    live = sh.candidate[queries][:, src] & sh.allowed[dst][None, :]
    qi, e = np.nonzero(live)
    if not len(qi):
        return
    q = queries[qi]
    best = np.where(sh.candidate, relevance, -np.inf).max(axis=1)
    # the lead scales with how well the predecessor matched: a weak match hands over little
    lead = weight * np.clip(relevance[q, src[e]] / np.maximum(best[q], 1e-9), 0.0, 1.0)
    np.maximum.at(sh.total, (q, dst[e]), relevance[q, src[e]] + lead)
    sh.candidate[q, dst[e]] = True
    sh.evidence[q, dst[e]] = True  # named as what replaces a match
    sh.total[q, src[e]] = relevance[q, src[e]] - lead
    for qq, d, sr in sorted(zip(q.tolist(), dst[e].tolist(), src[e].tolist(), strict=True),
                            key=lambda t: -relevance[t[0], t[2]]):
        sh.replaces[qq].setdefault(d, sr)  # named after its best-matched predecessor


def successor_first(sh: Sheet, queries: np.ndarray, src: np.ndarray, dst: np.ndarray,
                    named: Callable[[int, int], bool] | None = None) -> None:
    """When a deprecated or archived resource and its successor (of the same kind, the caller
    checks) both made a query's list, the successor goes just above it (its own score otherwise
    unchanged): among equally relevant resources the maintained one comes first, and the reason
    says what it replaces. Not a successor the query names (`named(query, column)`): the user
    has it already ("make my PyTorch model faster on a Xeon" gains nothing from PyTorch, which
    Intel's extension was folded into)."""
    if not len(src) or not len(queries):
        return
    both = sh.candidate[queries][:, src] & sh.candidate[queries][:, dst] & sh.allowed[dst][None, :]
    qi, e = np.nonzero(both)
    if named is not None and len(qi):
        keep = np.array([not named(int(queries[a]), int(dst[b])) for a, b in zip(qi, e, strict=True)], dtype=bool)
        qi, e = qi[keep], e[keep]
    if not len(qi):
        return
    q = queries[qi]
    behind = sh.total[q, dst[e]] <= sh.total[q, src[e]]
    np.maximum.at(sh.total, (q[behind], dst[e][behind]), sh.total[q[behind], src[e][behind]] + 1e-6)
    for qq, d, sr in zip(q.tolist(), dst[e].tolist(), src[e].tolist(), strict=True):
        sh.replaces[qq].setdefault(d, sr)


def lower_left(sh: Sheet, q: int, columns: np.ndarray, weight: float) -> None:
    """A thing the user leaves behind or cannot use ("harder than MNIST") is named in the query,
    so every leg finds it first; it loses `weight` times the query's best score."""
    if not len(columns):
        return
    best = np.where(sh.candidate[q], sh.total[q], -np.inf).max(initial=0.0)
    sh.total[q, columns] -= weight * best


def add_task_lift(sh: Sheet, q: int, rows: np.ndarray, bonus: np.ndarray, weight: float) -> None:
    """Resources filed under a task the query names (or its subtasks) move up (`rows` are columns)."""
    ok = sh.allowed[rows]
    sh.total[q, rows[ok]] += weight * bonus[ok]
    sh.candidate[q, rows[ok]] = True
    sh.evidence[q, rows[ok]] = True  # filed under the task the query names


def drop(sh: Sheet, q: int, columns: np.ndarray) -> None:
    """The query's candidates in `columns` (a mask) are no answer to it (see `reversed_tasks`)."""
    sh.candidate[q, columns] = False
    sh.evidence[q, columns] = False


def add_featured(sh: Sheet, q: int, tasks: Mapping[str, float],
                 featured: Mapping[str, Sequence[int]], weight: float, step: float) -> None:
    """A named task's go-to picks (columns) move up, ranked among the picks of the allowed types."""
    picks = sh.picks[q]
    for task, strength in tasks.items():
        shown = [row for row in featured.get(task, ()) if sh.allowed[row]]
        for pos, row in enumerate(shown):
            if row not in picks:
                sh.total[q, row] += weight * strength * (1.0 - step * pos)
                sh.candidate[q, row] = True
                sh.evidence[q, row] = True
                picks[row] = task


def consensus_task(sh: Sheet, q: int, row_tasks: Callable[[int], Sequence[str]], top: int,
                   share: float, power: float = 1.0) -> str | None:
    """The task the query's `top` best candidates agree on (each votes with its score raised to
    `power`: its first task fully, its second half), when it holds at least `share` of the vote;
    ties go to the task that received a vote first. The power keeps a clear leader's task from
    being outvoted by a cluster of weak matches (CommDebugMode at 2.1 against four agent
    frameworks at 0.6-0.85 that matched "call" and "tracing")."""
    cand = sh.candidate[q] & sh.evidence[q] & sh.allowed
    idx = np.flatnonzero(cand)
    if not len(idx):
        return None
    best = idx[np.argsort(-sh.total[q, idx], kind="stable")[:top]]
    scores = np.maximum(sh.total[q, best], 0.0) ** power
    total = float(scores.sum())
    votes: dict[str, float] = {}
    for col, s in zip(best.tolist(), scores.tolist(), strict=True):
        for pos, task in enumerate(row_tasks(int(sh.cols[col]))[:2]):
            votes[task] = votes.get(task, 0.0) + s * (1.0 if pos == 0 else 0.5)
    if total <= 0 or not votes:
        return None
    task = max(votes, key=lambda t: votes[t])  # the first of equal votes
    return task if votes[task] >= share * total else None


def add_consensus(sh: Sheet, q: int, filed_first: np.ndarray, picks: Sequence[int], w_task: float,
                  w_pick: float, task: str = "") -> None:
    """Lift what a leg already found of the consensus `task`: resources filed under it first
    (`filed_first`, a mask over columns) and its go-to picks (columns), in units of the query's
    best score so the lift means the same for every query; a lifted pick is recorded so its
    reason can name the task."""
    cand = sh.candidate[q] & sh.allowed
    best = float(np.where(cand & sh.evidence[q], sh.total[q], -np.inf).max(initial=-np.inf))
    if best <= 0:
        return
    sh.total[q, filed_first & cand] += w_task * best
    for col in picks:
        if cand[col]:
            sh.total[q, col] += w_pick * best
            sh.voted[q].setdefault(col, task)


def add_neighbours(sh: Sheet, vectors: Callable[[np.ndarray], np.ndarray], top: int, weight: float,
                   require_evidence: bool = False) -> None:
    """Pseudo-relevance feedback: each query's candidates gain up to `weight` by their similarity
    to the mean vector of its `top` best results (min-max over its candidates). The best
    results are usually right; judged answers that no leg ranked high often resemble them."""
    cand = sh.candidate & sh.allowed
    ok = cand & sh.evidence if require_evidence else cand
    for q in range(len(sh.total)):
        idx = np.flatnonzero(ok[q])
        if len(idx) < 2:
            continue
        best = idx[np.argsort(-sh.total[q, idx], kind="stable")[:top]]
        on = np.flatnonzero(cand[q])
        v = vectors(sh.cols[np.concatenate([best, on])])
        # NumPy's own loop, not BLAS, as in the vector search: a score never depends on the BLAS build
        s = np.einsum("ij,j->i", v[len(best):], v[:len(best)].mean(axis=0))
        lo, hi = float(s.min()), float(s.max())
        if hi > lo:
            sh.total[q, on] += weight * (s - lo) / (hi - lo)


def add_need_match(sh: Sheet, q: int, columns: np.ndarray, sims: np.ndarray, weight: float,
                   floor: float) -> None:
    """Candidates (`columns`) gain `weight` per unit of their closest needs phrase's similarity
    above `floor`: a phrase saying what the query says is a reason the blended single vector
    of a broad resource misses; under the floor, a phrase says nothing."""
    sh.total[q, columns] += weight * np.clip(np.asarray(sims, dtype=np.float64) - floor, 0.0, None)


def best_scores(sh: Sheet, require_evidence: bool = False) -> np.ndarray:
    """Each query's best candidate score (-inf for none): the reference of `select`'s floor."""
    cand = sh.candidate & sh.evidence if require_evidence else sh.candidate
    return np.where(cand, sh.total, -np.inf).max(axis=1, initial=-np.inf)


def select(sh: Sheet, floor: float, exact: Sequence[Sequence[int]], w_exact: float, n: int,
           require_evidence: bool = False, reference: np.ndarray | None = None) -> list[list[tuple[int, float]]]:
    """Each query's best `n` candidate columns, dropping those under `floor` x its best (or x
    `reference`, the best taken before a step that only reorders); an exact name hit is added
    after the floor's reference is taken, so its neighbours keep their places. With
    `require_evidence`, candidates no leg vouches for (a dense similarity under the threshold
    and no word or task match) are dropped first: fewer results beat filler, and a query with
    no evidence at all gets none. Ties go to the lower row."""
    if not len(sh.cols):
        return [[] for _ in exact]
    cand = sh.candidate & sh.evidence if require_evidence else sh.candidate
    best = best_scores(sh, require_evidence) if reference is None else reference
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
