"""Exact inner-product vector search behind one interface: FAISS, or plain NumPy."""

from __future__ import annotations

from pathlib import Path
from typing import Protocol

import numpy as np


class VectorIndex(Protocol):
    dim: int

    def add(self, vectors: np.ndarray) -> None: ...
    def search(self, queries: np.ndarray, k: int) -> tuple[np.ndarray, np.ndarray]: ...
    def save(self, path: Path) -> None: ...
    def __len__(self) -> int: ...


class NumpyIndex:
    """Brute-force inner product; the reference the FAISS backend is tested against."""

    file_name = "vectors.npy"

    def __init__(self, dim: int):
        self.dim = dim
        self.matrix = np.zeros((0, dim), dtype=np.float32)

    def add(self, vectors: np.ndarray) -> None:
        self.matrix = np.vstack([self.matrix, np.asarray(vectors, dtype=np.float32)])

    def search(self, queries: np.ndarray, k: int) -> tuple[np.ndarray, np.ndarray]:
        k = min(k, len(self))
        scores = np.asarray(queries, dtype=np.float32) @ self.matrix.T
        idx = np.argsort(-scores, axis=1, kind="stable")[:, :k]
        return np.take_along_axis(scores, idx, axis=1), idx

    def save(self, path: Path) -> None:
        with open(path, "wb") as fh:
            np.save(fh, self.matrix, allow_pickle=False)

    @classmethod
    def load(cls, path: Path) -> NumpyIndex:
        matrix = np.load(path, allow_pickle=False)
        index = cls(int(matrix.shape[1]))
        index.matrix = matrix.astype(np.float32)
        return index

    def __len__(self) -> int:
        return int(self.matrix.shape[0])


class FaissIndex:
    """`IndexFlatIP`: exact cosine search on normalised rows, fast on a few thousand items."""

    file_name = "vectors.faiss"

    def __init__(self, dim: int, index: object | None = None):
        import faiss

        self.dim = dim
        self.index = index if index is not None else faiss.IndexFlatIP(dim)

    def add(self, vectors: np.ndarray) -> None:
        self.index.add(np.ascontiguousarray(vectors, dtype=np.float32))

    def search(self, queries: np.ndarray, k: int) -> tuple[np.ndarray, np.ndarray]:
        k = min(k, len(self))
        return self.index.search(np.ascontiguousarray(queries, dtype=np.float32), k)

    def save(self, path: Path) -> None:
        import faiss

        faiss.write_index(self.index, str(path))

    @classmethod
    def load(cls, path: Path) -> FaissIndex:
        import faiss

        index = faiss.read_index(str(path))
        return cls(index.d, index)

    def __len__(self) -> int:
        return int(self.index.ntotal)


BACKENDS: dict[str, type] = {"faiss": FaissIndex, "numpy": NumpyIndex}


def make_index(backend: str, dim: int) -> VectorIndex:
    if backend not in BACKENDS:
        raise ValueError(f"unknown vector backend {backend!r}; allowed: {', '.join(BACKENDS)}")
    return BACKENDS[backend](dim)
