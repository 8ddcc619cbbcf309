"""Ray Data engine for batch export: the same chunk function, run by actors that each load the
Recommender once, locally or on a cluster (`--ray-address`). Needs `pip install ".[distributed]"`."""

from __future__ import annotations

import json
from collections.abc import Iterable, Iterator, Sequence
from itertools import islice
from typing import Any

WINDOW_CHUNKS = 16  # chunks per Ray dataset: bounds driver memory on long inputs


class _ChunkWorker:
    """Ray actor UDF: one Recommender per worker, one chunk per call."""

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
    """`--engine ray`: chunks become rows of a Ray Dataset mapped by `_ChunkWorker` actors;
    results come back in input order, so the output equals the local engine's."""

    def __init__(self, load_kwargs: dict[str, Any], address: str | None = None, workers: int | None = None):
        try:
            import ray
        except ImportError:
            raise ValueError('--engine ray needs Ray: pip install ".[distributed]"') from None

        self.ray = ray
        if not ray.is_initialized():
            ray.init(address=address, include_dashboard=False, log_to_driver=False,
                     ignore_reinit_error=True, logging_level="ERROR")
        ctx = ray.data.DataContext.get_current()
        ctx.execution_options.preserve_order = True
        ctx.enable_progress_bars = False
        self.load_kwargs = load_kwargs
        self.concurrency = max(1, int(workers or 2))

    def run(self, chunks: Iterable[list], k: int, types: Sequence[str] | None) -> Iterator[tuple]:
        from dataclasses import asdict

        chunks = iter(chunks)
        while window := list(islice(chunks, WINDOW_CHUNKS)):
            items = [{"chunk": json.dumps([asdict(r) for r in c], ensure_ascii=False)} for c in window]
            ds = self.ray.data.from_items(items).map_batches(
                _ChunkWorker, batch_size=1, concurrency=self.concurrency,
                fn_constructor_kwargs={"load_kwargs": self.load_kwargs, "k": k,
                                       "types": list(types) if types else None})
            for row in ds.iter_rows():
                out, errors, consumed = json.loads(row["result"])
                yield out, errors, consumed

    def close(self) -> None:
        """Leave a cluster connection to its owner; shut down only a local Ray we started."""
