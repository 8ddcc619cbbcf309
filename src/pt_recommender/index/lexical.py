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
        self.size = len(docs)
        sc = self.bm25.scores  # per token id: its documents and their BM25 weights
        self._indptr = np.asarray(sc["indptr"], dtype=np.int64)
        self._docs = np.asarray(sc["indices"], dtype=np.int64)
        self._weights = np.asarray(sc["data"], dtype=np.float64)
        self._ids = dict(self.bm25.vocab_dict)

    def score_batch(self, queries: list[list[str]]) -> np.ndarray:
        """(queries x documents) BM25 scores with one scatter-add for the whole batch; a
        token repeated in a query counts again, as in `scores`."""
        n = len(queries)
        ids = self._ids
        hits = [(i, ids[t]) for i, q in enumerate(queries) for t in q if t in ids]
        if not hits:
            return np.zeros((n, self.size), dtype=np.float32)
        owner, tok_a = np.asarray(hits, dtype=np.int64).T
        starts, ends = self._indptr[tok_a], self._indptr[tok_a + 1]
        lens = ends - starts
        total = int(lens.sum())
        # positions of every posting of every query token, without a Python loop
        pos = np.repeat(starts - (np.cumsum(lens) - lens), lens) + np.arange(total)
        cell = np.repeat(owner * self.size, lens) + self._docs[pos]
        scores = np.bincount(cell, weights=self._weights[pos], minlength=n * self.size)
        return scores.reshape(n, self.size).astype(np.float32)

    def scores(self, tokens: list[str]) -> np.ndarray:
        """BM25 score of every document for one query; unknown tokens are ignored."""
        return self.score_batch([tokens])[0]

    def search(self, tokens: list[str], k: int) -> list[tuple[int, float]]:
        s = self.scores(tokens)
        if not s.any():
            return []
        k = min(k, self.size)
        idx = np.argpartition(-s, k - 1)[:k]
        idx = idx[np.argsort(-s[idx], kind="stable")]
        return [(int(i), float(s[i])) for i in idx if s[i] > 0]
