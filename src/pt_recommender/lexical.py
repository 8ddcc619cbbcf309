"""BM25 leg (bm25s) over English stems and CJK bigrams of each resource."""

from __future__ import annotations

import logging

import numpy as np


class LexicalIndex:
    """BM25 over pre-tokenised documents; unknown query tokens are simply ignored."""

    def __init__(self, docs: list[list[str]]):
        import bm25s

        logging.getLogger("bm25s").setLevel(logging.ERROR)  # it logs every index build
        self.bm25 = bm25s.BM25()
        self.bm25.index([d or ["<empty>"] for d in docs], show_progress=False)
        self.vocab = set(self.bm25.vocab_dict)
        self.size = len(docs)

    def scores(self, tokens: list[str]) -> np.ndarray:
        known = [t for t in tokens if t in self.vocab]
        if not known:
            return np.zeros(self.size, dtype=np.float32)
        return np.asarray(self.bm25.get_scores(known), dtype=np.float32)

    def search(self, tokens: list[str], k: int) -> list[tuple[int, float]]:
        s = self.scores(tokens)
        if not s.any():
            return []
        k = min(k, self.size)
        idx = np.argpartition(-s, k - 1)[:k]
        idx = idx[np.argsort(-s[idx], kind="stable")]
        return [(int(i), float(s[i])) for i in idx if s[i] > 0]
