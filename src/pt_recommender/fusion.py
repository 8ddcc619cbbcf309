"""Score fusion for one leg's candidates: min-max normalised scores or reciprocal ranks."""

from __future__ import annotations

import numpy as np

RRF_K = 60


def min_max_array(values: np.ndarray) -> np.ndarray:
    """Rescale one leg's candidate scores to [0, 1] (best 1, worst candidate 0), so legs on
    different scales (cosine, BM25) can be added with weights."""
    values = np.asarray(values, dtype=np.float64)
    if values.size == 0:
        return values
    lo, hi = values.min(), values.max()
    return (values - lo) / (hi - lo) if hi > lo else np.ones_like(values)


def rrf_array(n: int, k: int = RRF_K) -> np.ndarray:
    """Reciprocal-rank-fusion contributions of ranks 1..n, scaled so first place is 1."""
    return (k + 1) / (k + np.arange(1, n + 1, dtype=np.float64))
