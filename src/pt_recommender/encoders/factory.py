"""Choose and build the configured encoder (int8 ONNX, float ONNX, sentence-transformers, fake)."""

from __future__ import annotations

import os
from pathlib import Path

from .base import Encoder, HashingEncoder, resolve_model

INT8_SUFFIX = "@int8"
BACKENDS = ("auto", "onnx", "int8", "torch", "fake")


def backend_name(backend: str | None = None) -> str:
    """The configured encoder backend (argument, else `PT_RECOMMENDER_ENCODER`, else auto)."""
    chosen = backend or os.environ.get("PT_RECOMMENDER_ENCODER") or "auto"
    if chosen not in BACKENDS:
        raise ValueError(f"PT_RECOMMENDER_ENCODER={chosen!r} is not one of {', '.join(BACKENDS)}")
    return chosen


def configured_name(model: str | None = None) -> str:
    """The name an index built by `make_encoder(model)` records, without loading a model."""
    backend = backend_name()
    if backend == "fake":
        return HashingEncoder().name
    return resolve_model(model) + (INT8_SUFFIX if backend in ("auto", "int8") else "")


def make_encoder(model: str | None = None, index_dir: Path | None = None,
                 backend: str | None = None) -> Encoder:
    """The configured encoder: ONNX export when possible, else sentence-transformers.

    `backend` (or `PT_RECOMMENDER_ENCODER`): `auto` (default) or `int8`: the int8-quantised
    ONNX export, ~3x faster than float with the same dev-set quality (`auto` falls back to
    sentence-transformers when no export can be made); `onnx`: the float export, equal to
    sentence-transformers; `torch`: sentence-transformers itself; `fake`: hashing, for tests.
    """
    model = resolve_model(model)
    if model.endswith(INT8_SUFFIX):
        model = model[: -len(INT8_SUFFIX)]
    backend = backend_name(backend)
    if backend == "fake":
        return HashingEncoder()
    if backend == "torch":
        from .sentence import SentenceTransformerEncoder

        return SentenceTransformerEncoder(model)
    from .export import ensure_export, has_int8, optimised_int8, write_optimised_int8
    from .onnx import OnnxEncoder

    variant = "float" if backend == "onnx" else "int8"
    export_dir = ensure_export(model, index_dir, variant=variant) if index_dir else None
    if export_dir is not None:
        if variant == "int8" and not has_int8(export_dir):
            _log().warning("no int8 model beside the ONNX export of %s (quantisation was skipped); "
                           "serving the float export", model)
            variant = "float"
        fast = None
        if variant == "int8":
            fast = optimised_int8(export_dir)
            if fast is None:  # once per export: save the graph-optimised copy for later starts
                write_optimised_int8(export_dir)
                fast = optimised_int8(export_dir)
        return OnnxEncoder(export_dir, model + (INT8_SUFFIX if variant == "int8" else ""), variant=variant,
                           optimised=fast is not None)
    if backend != "auto":
        raise RuntimeError(f"no ONNX export of {model} could be made (is torch installed?)")
    _log().warning("serving %s through sentence-transformers (slower start, imports torch)", model)
    from .sentence import SentenceTransformerEncoder

    return SentenceTransformerEncoder(model)


def _log():
    """The package logger, imported on first warning: choosing an encoder's name (the
    up-to-date check of `build --if-stale`) must not pay for importing logging."""
    import logging

    return logging.getLogger("pt_recommender")
