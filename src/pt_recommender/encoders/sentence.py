"""Reference encoder through sentence-transformers: used to build and check, never on the query side."""

from __future__ import annotations

import numpy as np

from .base import model_path, normalise, offline


class SentenceTransformerEncoder:
    """Reference encoder through sentence-transformers (imports torch: slow to start)."""

    def __init__(self, model: str):
        offline()
        from sentence_transformers import SentenceTransformer

        self.name = model
        self.model = SentenceTransformer(model_path(model), device="cpu")
        self.dim = dimension(self.model)

    def encode(self, texts: list[str]) -> np.ndarray:
        vecs = self.model.encode(list(texts), batch_size=64, show_progress_bar=False,
                                 convert_to_numpy=True, normalize_embeddings=True)
        return normalise(vecs)




def dimension(st: object) -> int:
    """Embedding size across sentence-transformers versions (the getter was renamed)."""
    getter = getattr(st, "get_embedding_dimension", None) or st.get_sentence_embedding_dimension
    return int(getter())
