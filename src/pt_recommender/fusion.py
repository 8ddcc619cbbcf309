"""Score fusion as small pure functions over {id: score} mappings."""

from __future__ import annotations

from collections.abc import Mapping, Sequence

import numpy as np

RRF_K = 60


def rrf(rankings: Sequence[Sequence[str]], weights: Sequence[float] | None = None,
        k: int = RRF_K) -> dict[str, float]:
    """Reciprocal rank fusion, scaled so a first place in one leg scores `weight`."""
    weights = weights or [1.0] * len(rankings)
    out: dict[str, float] = {}
    for ranking, w in zip(rankings, weights, strict=True):
        for rank, item in enumerate(ranking, start=1):
            out[item] = out.get(item, 0.0) + w * (k + 1) / (k + rank)
    return out


def max_normalise(scores: Mapping[str, float]) -> dict[str, float]:
    """Divide by the best score so legs on different scales can be added."""
    top = max(scores.values(), default=0.0)
    return {i: s / top for i, s in scores.items()} if top > 0 else {i: 0.0 for i in scores}


def min_max(scores: Mapping[str, float]) -> dict[str, float]:
    """Rescale one leg's candidate scores to [0, 1] (best 1, worst candidate 0)."""
    if not scores:
        return {}
    lo, hi = min(scores.values()), max(scores.values())
    span = hi - lo
    return {i: ((s - lo) / span if span > 0 else 1.0) for i, s in scores.items()}


def weighted(legs: Sequence[Mapping[str, float]], weights: Sequence[float]) -> dict[str, float]:
    """Weighted sum of max-normalised leg scores."""
    out: dict[str, float] = {}
    for leg, w in zip(legs, weights, strict=True):
        for item, s in max_normalise(leg).items():
            out[item] = out.get(item, 0.0) + w * s
    return out


def add(base: Mapping[str, float], bonus: Mapping[str, float], weight: float) -> dict[str, float]:
    out = dict(base)
    for item, b in bonus.items():
        out[item] = out.get(item, 0.0) + weight * b
    return out


def min_max_array(values: np.ndarray) -> np.ndarray:
    """`min_max` for one leg's candidate scores held in an array."""
    values = np.asarray(values, dtype=np.float64)
    if values.size == 0:
        return values
    lo, hi = values.min(), values.max()
    return (values - lo) / (hi - lo) if hi > lo else np.ones_like(values)


def rrf_array(n: int, k: int = RRF_K) -> np.ndarray:
    """RRF contributions of ranks 1..n, scaled so first place is 1."""
    return (k + 1) / (k + np.arange(1, n + 1, dtype=np.float64))


def top(scores: Mapping[str, float], n: int) -> list[tuple[str, float]]:
    """Best `n` items, ties broken by id so results are deterministic."""
    return sorted(scores.items(), key=lambda kv: (-kv[1], kv[0]))[:n]
