"""Small array helpers for the query path.

`np.unique` imports `numpy.ma` on first use (30 ms of a cold start on this machine), so the
query path sorts and compares instead; results equal `np.unique`'s."""

from __future__ import annotations

import numpy as np


def unique(values: np.ndarray) -> np.ndarray:
    """Sorted distinct values."""
    v = np.sort(np.asarray(values))  # any sort gives the same distinct values
    if len(v) < 2:
        return v
    return v[np.concatenate(([True], v[1:] != v[:-1]))]


def unique_inverse(values: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Sorted distinct values and, for each input, the index of its value among them."""
    values = np.asarray(values)
    order = np.argsort(values)  # the inverse does not depend on how ties are ordered
    v = values[order]
    new = np.concatenate(([True], v[1:] != v[:-1])) if len(v) else np.zeros(0, dtype=bool)
    inverse = np.empty(len(values), dtype=np.int64)
    inverse[order] = np.cumsum(new) - 1
    return v[new], inverse


def spans(starts: np.ndarray, lens: np.ndarray) -> np.ndarray:
    """Every index of the spans [start, start + len), concatenated, without a Python loop
    (the postings of some tokens, the links of some rows)."""
    return np.repeat(starts - (np.cumsum(lens) - lens), lens) + np.arange(int(lens.sum()))
