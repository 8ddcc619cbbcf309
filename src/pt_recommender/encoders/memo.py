"""An encoder that remembers: for runs that ask the same queries many times over."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:  # NumPy loads on first encode, as in `base`
    import numpy as np


class MemoEncoder:
    """Wraps an encoder and embeds each distinct text once. The eval command runs the full
    system and every ablation over the same judged queries, and the tuning scripts run a whole
    grid: without a memo the model call, not the ranking, is most of their time. A text's vector
    does not depend on the texts embedded with it (the int8 encoder runs one text per call), so a
    remembered vector is the one a fresh call would give. Unbounded: use it for a known set of
    queries, not for a server."""

    def __init__(self, inner: Any):
        self.inner, self.name, self.dim = inner, inner.name, inner.dim
        self.memo: dict[str, np.ndarray] = {}

    @property
    def tokenizer(self) -> Any:
        """The wrapped encoder's tokenizer: its vocabulary reads typos (`vocabulary_words`)."""
        inner = self.inner
        return getattr(inner, "tokenizer", None) or getattr(getattr(inner, "model", None), "tokenizer", None)

    def encode(self, texts: list[str]) -> np.ndarray:
        import numpy as np

        missing = list(dict.fromkeys(t for t in texts if t not in self.memo))
        if missing:
            for t, v in zip(missing, self.inner.encode(missing), strict=True):
                self.memo[t] = v
        if not texts:
            return np.zeros((0, self.dim), dtype=np.float32)
        return np.stack([self.memo[t] for t in texts])
