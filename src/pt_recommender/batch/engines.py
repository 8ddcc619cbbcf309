"""Local engines for batch export: threads over one Recommender, or one Recommender per
worker process. Both keep results in input order with a bounded window of chunks in flight."""

from __future__ import annotations

import multiprocessing as mp
import os
from collections import deque
from collections.abc import Callable, Iterable, Iterator, Sequence
from concurrent.futures import Executor, Future, ProcessPoolExecutor
from functools import partial
from typing import Any

_REC = None


def in_order(pool: Executor, work: Callable[..., tuple], chunks: Iterable[list], k: int,
             types: Sequence[str] | None, ahead: int) -> Iterator[tuple]:
    """Results of `work(chunk, k, types)` in input order, with at most `ahead` chunks
    submitted and not yet yielded, so memory stays flat however long the input."""
    window: deque[Future] = deque()
    for chunk in chunks:
        window.append(pool.submit(work, chunk, k, types))
        if len(window) >= ahead:
            yield window.popleft().result()
    while window:
        yield window.popleft().result()


def _init(load_kwargs: dict[str, Any]) -> None:
    global _REC
    os.environ["PT_RECOMMENDER_THREADS"] = "1"  # the processes are the parallelism
    from ..recommender import Recommender

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
        return in_order(self.pool, _work, chunks, k, types, ahead=2 * self.workers)

    def close(self) -> None:
        self.pool.shutdown(cancel_futures=True)


class ThreadEngine:
    """Runs chunks on threads over one shared Recommender (it is thread-safe). The model
    call releases the GIL, so while one chunk is being embedded another is scored and a
    third written out: both cores stay busy in one process, with no worker start-up."""

    def __init__(self, recommend_batch: Any, threads: int = 2):
        from concurrent.futures import ThreadPoolExecutor

        from .export import run_chunk

        self.threads = threads
        self._run_chunk = run_chunk
        self._batch = recommend_batch
        self.pool = ThreadPoolExecutor(threads, thread_name_prefix="pt-export")

    def run(self, chunks: Iterable[list], k: int, types: Sequence[str] | None) -> Iterator[tuple]:
        return in_order(self.pool, partial(self._run_chunk, self._batch), chunks, k, types,
                        ahead=self.threads + 1)

    def close(self) -> None:
        self.pool.shutdown(cancel_futures=True)
