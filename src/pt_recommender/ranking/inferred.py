"""Read a task off a query that names none, from the needs phrase closest to it in meaning.

People describe the application ("which shelves are empty in these aisle photos") more often
than they name the task (object detection). The catalog's needs phrases say, in users' words,
what each resource is for; the phrase closest to the query carries its resource's first task,
which then lifts that task's resources and go-to picks as a named task does, only less.
One vector per phrase keeps each use sharp, where a resource's single vector blends them all.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np


@dataclass(frozen=True)
class NeedTasks:
    """The needs phrases' vectors and the task (id) each one stands for."""

    vectors: np.ndarray  # (phrases, dim) float32, unit length
    task_of: tuple[str, ...]  # the task id of each phrase (its resource's first task)

    @classmethod
    def build(cls, vectors: np.ndarray | None, rows: np.ndarray | None,
              primary: list[str | None]) -> NeedTasks | None:
        """From the stored phrase vectors, their resource rows and each row's first task; None
        when the index holds no phrases."""
        if vectors is None or rows is None or not len(rows):
            return None
        keep = [i for i, r in enumerate(rows.tolist()) if primary[r]]
        return cls(np.ascontiguousarray(vectors[keep], dtype=np.float32),
                   tuple(primary[r] for r in rows[keep].tolist()))  # type: ignore[misc]

    def infer(self, vector: np.ndarray, threshold: float) -> tuple[str, float] | None:
        """The task of the phrase most similar to `vector` and that similarity, when it reaches
        `threshold`. NumPy's own loop, not BLAS, as in the vector search: the answer never
        depends on the BLAS build; ties go to the first phrase."""
        sims = np.einsum("ij,j->i", self.vectors, np.asarray(vector, dtype=np.float32))
        best = int(np.argmax(sims))
        sim = float(sims[best])
        return (self.task_of[best], sim) if sim >= threshold else None
