"""The transformer exported to ONNX: the query-side encoder, with no torch import."""

from __future__ import annotations

import json
import os
import threading
from pathlib import Path

import numpy as np

from .base import normalise

GROUP = 32  # texts per thread task when encoding a list
OPT_FILE = "model-int8-opt.onnx"  # the int8 model's graph saved after graph optimisation
# ...and its weights in a file of their own, named per write (model-int8-opt.<token>.data, recorded
# in the sidecar): ONNX Runtime maps them in place instead of parsing them out of the graph and
# copying them (session start ~50 -> ~25 ms, ~10 MiB less at peak)
OPT_DATA_GLOB = "model-int8-opt.*.data"


class OnnxEncoder:
    """The same transformer exported to ONNX: 1.5 ms (int8) or 4.5 ms (float) a query, and
    no torch at query time.

    The int8 variant is quantised dynamically: each call scales activations by the largest
    value in the whole call, so a text's vector would depend on the other texts sent with
    it. It therefore gets one text per model call, which keeps batch results equal to
    single calls (at the cost of batching's speed-up)."""

    def __init__(self, export_dir: Path, name: str, threads: int | None = None,
                 variant: str = "float", optimised: bool = False):
        """`optimised` (int8 only): load the graph-optimised copy, which the caller has
        checked (see `export.optimised_int8`)."""
        import onnxruntime as ort
        from tokenizers import Tokenizer

        meta = json.loads((export_dir / "export.json").read_text())
        self.name = name
        self.dim = int(meta["dim"])
        self.pooling = meta.get("pooling", "mean")
        opts = ort.SessionOptions()
        # threads for embedding a list: one per core (a process engine sets 1 per worker)
        self.workers = int(os.environ.get("PT_RECOMMENDER_THREADS") or min(8, os.cpu_count() or 1))
        self.per_call = 1 if variant == "int8" else GROUP
        self._executor = None
        opts.intra_op_num_threads = threads or 1
        opts.inter_op_num_threads = 1
        path = export_dir / ("model-int8.onnx" if variant == "int8" else "model.onnx")
        if variant == "int8" and optimised:  # its graph is optimised already: skip that pass at start
            path = export_dir / OPT_FILE
            opts.graph_optimization_level = ort.GraphOptimizationLevel.ORT_DISABLE_ALL
        self.path = path
        self._lock = threading.Lock()
        self._parts: tuple | None = None
        self._error: BaseException | None = None
        # the session (~20 ms in C++, which lets go of the GIL) loads on a thread of its own while
        # the caller reads the index (~50 ms of Python): a one-shot answer overlaps the two. The
        # tokenizer loads here: its loader holds the GIL, so a thread would gain nothing.
        # `ready()` waits and re-raises a failure where it happened.
        self._loader = threading.Thread(target=self._load, name="encoder-load", args=(ort, path, opts))
        self._loader.start()
        self.tokenizer = Tokenizer.from_file(str(export_dir / "tokenizer.json"))
        self.tokenizer.enable_truncation(int(meta.get("max_seq_length", 256)))
        self.tokenizer.enable_padding(pad_id=int(meta.get("pad_id", 0)))

    def _load(self, ort, path: Path, opts) -> None:
        try:
            session = ort.InferenceSession(str(path), opts, providers=["CPUExecutionProvider"])
            self._parts = (session, {i.name for i in session.get_inputs()})
        except BaseException as exc:  # noqa: BLE001 - handed to the thread that uses the encoder
            self._error = exc

    def ready(self) -> None:
        """Wait for the session; raise what loading it raised."""
        if self._parts is None:
            self._loader.join()
            if self._parts is None:
                raise self._error if self._error is not None else RuntimeError("encoder did not load")

    @property
    def session(self):
        self.ready()
        return self._parts[0]

    @property
    def inputs(self) -> set[str]:
        self.ready()
        return self._parts[1]

    def encode(self, texts: list[str]) -> np.ndarray:
        """Vectors for `texts`; a long list is split into groups that run on two threads
        (the ONNX session releases the GIL). A group is one model call of up to 32 texts
        of similar length (float) or one call per text (int8, see the class note)."""
        texts = list(texts)
        if len(texts) <= self.per_call:
            return self._encode(texts)
        order = sorted(range(len(texts)), key=lambda i: len(texts[i]))  # less padding
        groups = [order[i : i + GROUP] for i in range(0, len(order), GROUP)]
        parts = list(self._pool().map(lambda g: self._encode_group([texts[i] for i in g]), groups))
        out = np.empty((len(texts), self.dim), dtype=np.float32)
        for group, vecs in zip(groups, parts, strict=True):
            out[group] = vecs
        return out

    def _encode_group(self, texts: list[str]) -> np.ndarray:
        if self.per_call >= len(texts):
            return self._encode(texts)
        return np.concatenate([self._encode(texts[i : i + self.per_call])
                               for i in range(0, len(texts), self.per_call)])

    def _pool(self):
        from concurrent.futures import ThreadPoolExecutor

        with self._lock:
            if self._executor is None:
                self._executor = ThreadPoolExecutor(max_workers=self.workers)
            return self._executor

    def _encode(self, texts: list[str]) -> np.ndarray:
        if not texts:
            return np.zeros((0, self.dim), dtype=np.float32)
        with self._lock:  # the tokenizer's padding state is shared
            encs = self.tokenizer.encode_batch(list(texts))
        ids = np.array([e.ids for e in encs], dtype=np.int64)
        mask = np.array([e.attention_mask for e in encs], dtype=np.int64)
        feed = {"input_ids": ids, "attention_mask": mask}
        if "token_type_ids" in self.inputs:
            feed["token_type_ids"] = np.zeros_like(ids)
        hidden = self.session.run(None, feed)[0]
        if self.pooling == "cls":
            pooled = hidden[:, 0]
        else:
            pooled = (hidden * mask[..., None]).sum(1) / np.maximum(mask.sum(1, keepdims=True), 1)
        return normalise(pooled)
