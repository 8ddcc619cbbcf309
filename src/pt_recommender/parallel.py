"""Local multi-process engine for batch export: one Recommender per worker process."""

from __future__ import annotations

import multiprocessing as mp
import os
from collections import deque
from collections.abc import Iterable, Iterator, Sequence
from concurrent.futures import Future, ProcessPoolExecutor
from typing import Any

_REC = None


def _init(load_kwargs: dict[str, Any]) -> None:
    global _REC
    os.environ["PT_RECOMMENDER_THREADS"] = "1"  # the processes are the parallelism
    from .recommender import Recommender

    _REC = Recommender.load(rebuild=False, **load_kwargs)


def _work(chunk: list, k: int, types: Sequence[str] | None) -> tuple:
    from .export import run_chunk

    return run_chunk(_REC.recommend_batch, chunk, k, types)


class ProcessEngine:
    """Runs chunks in worker processes; results come back in input order with at most
    two chunks per worker in flight, so memory stays flat however long the input."""

    def __init__(self, workers: int, load_kwargs: dict[str, Any]):
        self.workers = workers
        self.pool = ProcessPoolExecutor(workers, mp_context=mp.get_context("spawn"),
                                        initializer=_init, initargs=(load_kwargs,))

    def run(self, chunks: Iterable[list], k: int, types: Sequence[str] | None) -> Iterator[tuple]:
        window: deque[Future] = deque()
        for chunk in chunks:
            window.append(self.pool.submit(_work, chunk, k, types))
            if len(window) >= 2 * self.workers:
                yield window.popleft().result()
        while window:
            yield window.popleft().result()

    def close(self) -> None:
        self.pool.shutdown(cancel_futures=True)
