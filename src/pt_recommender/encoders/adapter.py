"""The query adapter: a square matrix applied to each query vector before the dense search.

It is learned from the catalog alone (`scripts/train_adapter.py`: the resources' own needs
phrases against their index vectors), so the dense leg reads a practitioner's phrasing of a need
closer to the resource that answers it. It belongs to one model: `data/adapters/<model>.npy`
with a `.json` beside it holding its sha256, which is checked before the matrix is used.
"""

from __future__ import annotations

import hashlib
import io
import json
from collections.abc import Sequence
from pathlib import Path
from typing import TYPE_CHECKING

from ..catalog.paths import ADAPTER_DIR
from .base import model_slug

if TYPE_CHECKING:
    import numpy as np


def adapter_paths(data_dir: Path, model: str) -> tuple[Path, Path]:
    """The matrix and its description for `model` in a catalog folder."""
    folder = Path(data_dir) / ADAPTER_DIR
    return folder / f"{model_slug(model)}.npy", folder / f"{model_slug(model)}.json"


class AdapterProblem(Exception):
    """The adapter file exists but must not be used (damaged, or made for another model)."""


def read_adapter(data_dir: Path, model: str, dim: int) -> tuple[np.ndarray, dict] | None:
    """The model's adapter and its description, None when the catalog has none for it; raises
    AdapterProblem for a damaged one: answers must never change silently because of a bad file."""
    import numpy as np

    npy, meta_path = adapter_paths(data_dir, model)
    if not npy.exists() and not meta_path.exists():
        return None
    name = f"{ADAPTER_DIR}/{npy.name}"
    try:
        meta = json.loads(meta_path.read_text(encoding="utf-8"))
        data = npy.read_bytes()
    except (OSError, ValueError) as exc:
        raise AdapterProblem(f"{name}: unreadable ({type(exc).__name__})") from None
    if not isinstance(meta, dict) or hashlib.sha256(data).hexdigest() != meta.get("sha256"):
        raise AdapterProblem(f"{name} fails the checksum in {meta_path.name} (damaged or edited)")
    if meta.get("model") != model:
        raise AdapterProblem(f"{name} was trained for {meta.get('model')!r}, not {model!r}")
    try:
        matrix = np.load(io.BytesIO(data), allow_pickle=False)
    except ValueError:
        raise AdapterProblem(f"{name} is not a NumPy array file") from None
    if matrix.shape != (dim, dim) or not np.isfinite(matrix).all():
        raise AdapterProblem(f"{name} is not a finite {dim}x{dim} matrix")
    return matrix.astype(np.float32), meta


def write_adapter(data_dir: Path, model: str, matrix: np.ndarray, about: dict | None = None) -> Path:
    """Save `model`'s adapter and its description, each file atomically: the matrix first, then
    the .json naming its sha256, so a crash between the two leaves a mismatch, which is refused."""
    import numpy as np

    from ..files import atomic_write_bytes, atomic_write_text

    buf = io.BytesIO()
    np.save(buf, np.asarray(matrix, dtype=np.float32), allow_pickle=False)
    npy, meta = adapter_paths(data_dir, model)
    npy.parent.mkdir(parents=True, exist_ok=True)
    atomic_write_bytes(npy, buf.getvalue())
    atomic_write_text(meta, json.dumps({"model": model, "dim": int(matrix.shape[0]),
                                        "sha256": hashlib.sha256(buf.getvalue()).hexdigest(), **(about or {})},
                                       indent=1) + "\n")
    return npy


# The needs phrases the adapter was trained on have 3 words or more (7,482 phrases, 3-20 words).
# A query of one or two words ("LLM serving", 目标检测 rendered "object detection") is a name,
# not a described need: it lies outside what the map learned and keeps MiniLM's own vector.
# Measured after the fact, not tuned: keyword-style English on the six helper-written check sets
# +0.001 to +0.012 nDCG@10 (blind check7 +0.003), the dev files and every paraphrase slice unchanged.
MIN_WORDS = 3


def adapted_rows(texts: Sequence[str]) -> np.ndarray:
    """Which query texts the adapter maps: those of at least MIN_WORDS words."""
    import numpy as np

    return np.array([len(t.split()) >= MIN_WORDS for t in texts], dtype=bool)


def adapt(vectors: np.ndarray, matrix: np.ndarray) -> np.ndarray:
    """Each query vector mapped and normalised again, one product per row (by NumPy's own loop,
    not BLAS) so a query's vector never depends on the batch it came in."""
    import numpy as np

    out = np.empty((len(vectors), matrix.shape[0]), dtype=np.float32)
    for i, v in enumerate(np.asarray(vectors, dtype=np.float32)):
        np.einsum("ij,j->i", matrix, v, out=out[i])
        out[i] /= max(float(np.linalg.norm(out[i])), 1e-12)
    return out
