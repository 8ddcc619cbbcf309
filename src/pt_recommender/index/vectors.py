"""Inner-product vector search behind one interface: FAISS (exact, or HNSW for large
catalogs), or plain NumPy (exact)."""

from __future__ import annotations

from pathlib import Path
from typing import Protocol

import numpy as np

from ..config import ANN_MIN_RECALL, ANN_TARGET_RECALL, EXACT_MAX_VECTORS, HNSW_HALF_ABOVE
from .manifest import VECTOR_FILES

# graph links per node and build effort. Flat vectors (up to HNSW_HALF_ABOVE): 48 links and
# efConstruction 300 reach recall@10 0.985 at efSearch 64 on the 100k synthetic catalog, where
# 32/200 needed efSearch 256-512 (4x the search time); the half-precision graph for a million
# keeps 32/200 (memory and build time). Half precision, not 8-bit: on 300k synthetic vectors the
# 8-bit codes capped recall@10 at 0.979 however far the search went (efSearch 2048), while
# float16 reached 0.997 at efSearch 1024 in the same search time and build time (stop 36).
HNSW_M, HNSW_EF_CONSTRUCTION = 48, 300
HNSW_HALF_M, HNSW_HALF_EF_CONSTRUCTION = 32, 200
EF_SAFETY = 2  # efSearch served = the sample's choice x this (see `tune_recall`)
SAMPLE_NOISE = 1.5  # recall-sample noise, relative (see `_recall_sample`)
EF_STEPS = (32, 48, 64, 96, 128, 192, 256, 384, 512, 768, 1024, 1536, 2048)  # the smallest that meets the target


class VectorIndex(Protocol):
    dim: int

    def add(self, vectors: np.ndarray) -> None: ...
    def search(self, queries: np.ndarray, k: int) -> tuple[np.ndarray, np.ndarray]: ...
    def stored(self, ids: np.ndarray) -> np.ndarray: ...
    def save(self, path: Path) -> None: ...
    def __len__(self) -> int: ...


class NumpyIndex:
    """Brute-force inner product; the reference the FAISS backend is tested against."""

    file_name = VECTOR_FILES["numpy"]

    def __init__(self, dim: int):
        self.dim = dim
        self.matrix = np.zeros((0, dim), dtype=np.float32)

    def add(self, vectors: np.ndarray) -> None:
        self.matrix = np.vstack([self.matrix, np.asarray(vectors, dtype=np.float32)])

    def search(self, queries: np.ndarray, k: int) -> tuple[np.ndarray, np.ndarray]:
        k = min(k, len(self))
        queries = np.asarray(queries, dtype=np.float32)
        # one product per query, never one for the batch (a query's scores must not depend on its
        # batch), by NumPy's own loop rather than BLAS, so a score never depends on the BLAS
        # build or its thread count. Speed: the same as np.dot in a real warm query (interleaved
        # A/B, 1,500 queries: p50 10.26 vs 10.28 ms); np.dot only lost in a loop without the
        # encoder, where OpenBLAS woke its sleeping threads for every call.
        scores = np.empty((len(queries), len(self)), dtype=np.float32)
        for i, q in enumerate(queries):
            np.einsum("ij,j->i", self.matrix, q, out=scores[i])
        idx = np.stack([_top(s, k) for s in scores]) if len(scores) else np.zeros((0, k), dtype=np.int64)
        return np.take_along_axis(scores, idx, axis=1), idx

    def stored(self, ids: np.ndarray) -> np.ndarray:
        """The vectors at `ids` as stored (float32, one row each)."""
        return self.matrix[np.asarray(ids, dtype=np.int64)]

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


def _top(scores: np.ndarray, k: int) -> np.ndarray:
    """The k best positions, best first, ties by position: what a stable full sort gives, from a
    partition (the full sort was most of a shipped-catalog search)."""
    if k < len(scores):
        threshold = scores[np.argpartition(-scores, k - 1)[:k]].min()
        cand = np.flatnonzero(scores >= threshold)  # ascending, every tie at the threshold kept
    else:
        cand = np.arange(len(scores))
    return cand[np.argsort(-scores[cand], kind="stable")[:k]]


class FaissIndex:
    """A FAISS index read and written as one file: `IndexFlatIP` (exact cosine on normalised
    rows) for catalogs up to tens of thousands, HNSW above (see `build_vectors`)."""

    file_name = VECTOR_FILES["faiss"]

    def __init__(self, dim: int, index: object | None = None):
        import faiss

        self.dim = dim
        self.index = index if index is not None else faiss.IndexFlatIP(dim)

    def add(self, vectors: np.ndarray) -> None:
        self.index.add(np.ascontiguousarray(vectors, dtype=np.float32))

    def search(self, queries: np.ndarray, k: int) -> tuple[np.ndarray, np.ndarray]:
        k = min(k, len(self))
        return self.index.search(np.ascontiguousarray(queries, dtype=np.float32), k)

    def stored(self, ids: np.ndarray) -> np.ndarray:
        """The vectors at `ids` as stored (an 8-bit graph's decoded approximations)."""
        return self.index.reconstruct_batch(np.ascontiguousarray(ids, dtype=np.int64))

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
BY_FILE: dict[str, type] = {cls.file_name: cls for cls in BACKENDS.values()}


def build_vectors(backend: str, matrix: np.ndarray, exact_max: int = EXACT_MAX_VECTORS,
                  half_above: int = HNSW_HALF_ABOVE, min_recall: float = ANN_MIN_RECALL,
                  target_recall: float = ANN_TARGET_RECALL) -> tuple[VectorIndex, dict]:
    """The vector index for `matrix` and what it is (for the manifest). Exact search is
    O(catalog) per query, so above `exact_max` vectors FAISS builds an HNSW graph instead; its
    recall@10 against exact search is measured here on a fixed sample of near-duplicate
    queries, efSearch grows until `target_recall`, and an index under `min_recall` is refused
    (ValueError) rather than served."""
    matrix = np.ascontiguousarray(matrix, dtype=np.float32)
    n, dim = matrix.shape
    if backend not in BACKENDS:
        raise ValueError(f"unknown vector backend {backend!r}; allowed: {', '.join(BACKENDS)}")
    if backend != "faiss" or n <= exact_max:
        # exact search is a matrix product: NumPy does it, and a query never imports FAISS
        # (~14 MiB and ~30 ms of a one-shot answer); the manifest names the file
        index = NumpyIndex(dim)
        index.add(matrix)
        return index, {"kind": "exact", "file": NumpyIndex.file_name}
    graph, kind = empty_graph(dim, n, half_above)
    graph.add(matrix)
    queries, truth = _recall_sample(matrix)
    return FaissIndex(dim, graph), {"kind": kind, "file": FaissIndex.file_name,
                                    **tune_recall(graph, queries, truth, min_recall, target_recall)}


def empty_graph(dim: int, n: int, half_above: int = HNSW_HALF_ABOVE) -> tuple[object, str]:
    """An empty HNSW index for n vectors (stored in float16 past `half_above`: half the memory,
    and a quantiser that needs no training)."""
    import faiss

    if n > half_above:
        graph = faiss.IndexHNSWSQ(dim, faiss.ScalarQuantizer.QT_fp16, HNSW_HALF_M, faiss.METRIC_INNER_PRODUCT)
        graph.hnsw.efConstruction = HNSW_HALF_EF_CONSTRUCTION
        kind = "hnsw-fp16"
    else:
        graph = faiss.IndexHNSWFlat(dim, HNSW_M, faiss.METRIC_INNER_PRODUCT)
        graph.hnsw.efConstruction = HNSW_EF_CONSTRUCTION
        kind = "hnsw"
    return graph, kind


def tune_recall(graph, queries: np.ndarray, truth: np.ndarray, min_recall: float = ANN_MIN_RECALL,
                target_recall: float = ANN_TARGET_RECALL) -> dict:
    """Raise efSearch until recall@10 against `truth` (exact top 10) reaches the target;
    refuse (ValueError) an index that stays under `min_recall`."""
    recall, ef = 0.0, EF_STEPS[0]
    for ef in EF_STEPS:
        graph.hnsw.efSearch = ef
        _, got = graph.search(queries, 10)
        recall = recall_at_10(got, truth)
        if recall >= target_recall:
            break
    if recall < min_recall:
        raise ValueError(f"approximate vector index reaches recall@10 {recall:.3f} < {min_recall} "
                         f"(efSearch {ef}); raise EXACT_MAX_VECTORS or the graph size")
    # the sample is easier than real queries in a dense cluster (100k synthetic: 0.995 on the
    # sample, 0.954 on the dev queries at the same efSearch): serve with twice the efSearch
    ef = min(ef * EF_SAFETY, EF_STEPS[-1])
    graph.hnsw.efSearch = ef
    recall = recall_at_10(graph.search(queries, 10)[1], truth)  # as served
    return {"m": int(graph.hnsw.nb_neighbors(1)), "ef_search": ef, "recall_at_10": round(recall, 4),
            "recall_sample": len(queries)}


def recall_at_10(got: np.ndarray, truth: np.ndarray) -> float:
    return float(np.mean([len(set(a) & set(b)) / 10 for a, b in zip(got.tolist(), truth.tolist(), strict=True)]))


def _recall_sample(matrix: np.ndarray, size: int = 200) -> tuple[np.ndarray, np.ndarray]:
    """Fixed-seed queries and their exact top 10. A real query sits between stored vectors, not
    on one: each sample query blends two stored vectors with noise 1.5x their norm, which puts
    its best match at cosine ~0.58, as for the dev queries on the shipped catalog (0.59); with
    less noise (0.71) the sample was easy enough to pick an efSearch whose recall on real
    queries fell to 0.94."""
    rng = np.random.default_rng(0)
    n, dim = matrix.shape
    m = min(size, n)
    picked = matrix[rng.choice(n, m, replace=False)] + 0.5 * matrix[rng.choice(n, m, replace=True)]
    queries = picked + rng.normal(0, SAMPLE_NOISE / np.sqrt(dim), picked.shape).astype(np.float32)
    queries = (queries / (np.linalg.norm(queries, axis=1, keepdims=True) + 1e-12)).astype(np.float32)
    top = ExactTop10(queries)
    for start in range(0, n, 65_536):
        top.add(matrix[start:start + 65_536], start)
    return queries, top.rows


class ExactTop10:
    """The exact top 10 of fixed queries over vectors seen block by block (memory stays flat)."""

    def __init__(self, queries: np.ndarray):
        self.queries = queries
        self.scores = np.full((len(queries), 10), -np.inf, dtype=np.float32)
        self.rows = np.zeros((len(queries), 10), dtype=np.int64)

    def add(self, block: np.ndarray, start: int) -> None:
        s = self.queries @ block.T
        top = np.argpartition(-s, min(9, s.shape[1] - 1), axis=1)[:, :10]
        cand_s = np.concatenate([self.scores, np.take_along_axis(s, top, axis=1)], axis=1)
        cand_i = np.concatenate([self.rows, top + start], axis=1)
        keep = np.argsort(-cand_s, axis=1, kind="stable")[:, :10]
        self.scores, self.rows = np.take_along_axis(cand_s, keep, axis=1), np.take_along_axis(cand_i, keep, axis=1)
