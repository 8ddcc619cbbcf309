"""Ray engine for batch export: the same chunk function, run by a fixed pool of actors that each
load the Recommender once, locally or on a cluster (`--ray-address`). Needs `pip install ".[distributed]"`."""

from __future__ import annotations

import json
from collections.abc import Iterable, Iterator, Sequence
from itertools import islice
from typing import Any

WINDOW_CHUNKS = 16  # chunks in flight at once: bounds driver memory on long inputs


class _ChunkWorker:
    """One Recommender per worker, one chunk per call."""

    def __init__(self, load_kwargs: dict[str, Any], k: int, types: list[str] | None):
        from ..recommender import Recommender

        self.rec = Recommender.load(rebuild=False, **load_kwargs)
        self.k, self.types = k, types

    def __call__(self, batch: dict) -> dict:
        from .export import run_chunk
        from .inputs import InputRow

        out = []
        for payload in batch["chunk"]:
            rows = [InputRow(**r) for r in json.loads(payload)]
            out.append(json.dumps(run_chunk(self.rec.recommend_batch, rows, self.k, self.types),
                                  ensure_ascii=False))
        return {"result": out}


class RayEngine:
    """`--engine ray`: chunks go to a fixed pool of Ray actors, each of which loads the
    Recommender once for the whole run (locally or on a cluster, `--ray-address`); results
    come back in input order, so the output equals the local engine's."""

    def __init__(self, load_kwargs: dict[str, Any], address: str | None = None, workers: int | None = None):
        try:
            import ray
            from ray.util import ActorPool
        except ImportError:
            raise ValueError('--engine ray needs Ray: pip install ".[distributed]"') from None
        self.ray = ray
        self.started = not ray.is_initialized()
        if self.started:
            ray.init(address=address, include_dashboard=False, log_to_driver=False,
                     ignore_reinit_error=True, logging_level="ERROR")
        self.load_kwargs = load_kwargs
        self.concurrency = max(1, int(workers or 2))
        self._actor_class = ray.remote(_Actor)
        self._pool_class = ActorPool
        self.actors: list = []
        self._args: tuple | None = None

    def run(self, chunks: Iterable[list], k: int, types: Sequence[str] | None) -> Iterator[tuple]:
        from dataclasses import asdict

        if not self.actors or self._args != (k, types):
            self._kill()
            self.actors = [self._actor_class.remote(self.load_kwargs, k, list(types) if types else None)
                           for _ in range(self.concurrency)]
            self._args = (k, types)
        pool = self._pool_class(self.actors)
        chunks = iter(chunks)
        while window := list(islice(chunks, WINDOW_CHUNKS)):  # bounds what is in flight
            payloads = [json.dumps([asdict(r) for r in c], ensure_ascii=False) for c in window]
            for result in pool.map(lambda actor, p: actor.run.remote(p), payloads):
                out, errors, consumed = json.loads(result)
                yield out, errors, consumed

    def _kill(self) -> None:
        for actor in self.actors:
            self.ray.kill(actor)
        self.actors = []

    def close(self) -> None:
        """Stop the actors; shut Ray down only if this engine started it."""
        self._kill()
        if self.started and self.ray.is_initialized():
            self.ray.shutdown()


class _Actor:
    """The actor body: one `_ChunkWorker` (one loaded Recommender) for every chunk it gets."""

    def __init__(self, load_kwargs: dict[str, Any], k: int, types: list[str] | None):
        self.worker = _ChunkWorker(load_kwargs, k, types)

    def run(self, payload: str) -> str:
        return self.worker({"chunk": [payload]})["result"][0]
