"""Read a task off a query that names none, from the needs phrase closest to it in meaning.

People describe the application ("which shelves are empty in these aisle photos") more often
than they name the task (object detection). The catalog's needs phrases say, in users' words,
what each resource is for; the phrase closest to the query carries its resource's first task,
which then lifts that task's resources and go-to picks as a named task does, only less.
One vector per phrase keeps each use sharp, where a resource's single vector blends them all.
Only the phrases of the resources the dense leg found are compared: the closest phrase of all
belongs to one of them for 93% of the judged queries naming no task, every judged set scores
the same, and the cost stays that of a few hundred phrases whatever the catalog's size.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from ..arrays import spans


@dataclass(frozen=True)
class NeedTasks:
    """The needs phrases' vectors, grouped by resource row, and the task each one stands for."""

    vectors: np.ndarray  # (phrases, dim) as stored (float16), unit length, in row order; a query
    # converts only the rows it reads, so a process never holds a float32 copy of them all
    task_of: tuple[str, ...]  # the task id of each phrase (its resource's first task)
    starts: np.ndarray  # (rows + 1,) the phrases of row r are vectors[starts[r]:starts[r + 1]]

    @classmethod
    def build(cls, vectors: np.ndarray | None, rows: np.ndarray | None,
              primary: list[str | None]) -> NeedTasks | None:
        """From the stored phrase vectors, their resource rows (ascending) and each row's first
        task; None when the index holds no phrases."""
        if vectors is None or rows is None or not len(rows):
            return None
        keep = np.array([i for i, r in enumerate(rows.tolist()) if primary[r]], dtype=np.int64)
        kept = np.asarray(rows)[keep]
        if len(kept) > 1 and (np.diff(kept) < 0).any():
            raise ValueError("needs phrases must come in row order")
        starts = np.searchsorted(kept, np.arange(len(primary) + 1))
        vectors = np.asarray(vectors)
        if len(keep) < len(vectors):
            vectors = vectors[keep]
        return cls(vectors, tuple(primary[r] for r in kept.tolist()), starts)  # type: ignore[misc]

    def infer(self, vector: np.ndarray, rows: np.ndarray, threshold: float) -> tuple[str, float] | None:
        """The task of the phrase of `rows` most similar to `vector` and that similarity, when
        it reaches `threshold`; ties go to the phrase stored first."""
        rows = np.unique(np.asarray(rows, dtype=np.int64))
        idx, _, sims = self._similarities(vector, rows[(rows >= 0) & (rows < len(self.starts) - 1)])
        if not len(idx):
            return None
        best = int(np.argmax(sims))
        sim = float(sims[best])
        return (self.task_of[int(idx[best])], sim) if sim >= threshold else None

    def as_float32(self) -> NeedTasks:
        """The same readers with float32 vectors: a long-lived process stops converting rows."""
        if self.vectors.dtype == np.float32:
            return self
        return NeedTasks(np.ascontiguousarray(self.vectors, dtype=np.float32), self.task_of, self.starts)

    def _similarities(self, vector: np.ndarray, rows: np.ndarray) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
        """The phrases of `rows` (their indexes, each row's count) and their cosines to `vector`.
        NumPy's own loop, not BLAS, as in the vector search: a score never depends on the BLAS
        build. Float16 rows are converted as read (see `as_float32`)."""
        counts = self.starts[rows + 1] - self.starts[rows]
        idx = spans(self.starts[rows], counts)
        vecs = self.vectors[idx]
        if vecs.dtype != np.float32:
            vecs = vecs.astype(np.float32)
        return idx, counts, np.einsum("ij,j->i", vecs, np.asarray(vector, dtype=np.float32))

    def closest(self, vector: np.ndarray, rows: np.ndarray) -> np.ndarray:
        """Each row's best needs-phrase similarity to `vector` (-1 for a row with no phrase):
        how well the use a resource is best known for fits the query, where its single vector
        blends every use into one (see the `w_need_match` option)."""
        rows = np.asarray(rows, dtype=np.int64)
        idx, counts, sims = self._similarities(vector, rows)
        out = np.full(len(rows), -1.0, dtype=np.float32)
        if not len(idx):
            return out
        has = counts > 0
        out[has] = np.maximum.reduceat(sims, (np.cumsum(counts) - counts)[has])
        return out
