"""BM25 leg (bm25s) over English stems and CJK bigrams of each resource."""

from __future__ import annotations

import logging

import numpy as np


class LexicalIndex:
    """BM25 over pre-tokenised documents; unknown query tokens are simply ignored."""

    def __init__(self, docs: list[list[str]] | None = None, arrays: dict | None = None):
        """Index `docs` with bm25s, or take the arrays a build saved (no bm25s import then)."""
        if arrays is None:
            arrays = self.index_arrays(docs or [])
        self.size = int(arrays["size"])
        self._indptr = np.asarray(arrays["indptr"], dtype=np.int64)
        self._docs = np.asarray(arrays["docs"], dtype=np.int64)
        self._weights = np.asarray(arrays["weights"], dtype=np.float64)
        self._ids = {t: i for i, t in enumerate(arrays["vocab"]) if t}

    @staticmethod
    def index_arrays(docs: list[list[str]]) -> dict:
        """BM25 postings as plain arrays: per token id its documents and their weights."""
        import bm25s

        logging.getLogger("bm25s").setLevel(logging.ERROR)  # it logs every index build
        bm25 = bm25s.BM25()
        bm25.index([d or ["<empty>"] for d in docs], show_progress=False)
        sc = bm25.scores
        n_tokens = len(sc["indptr"]) - 1  # bm25s also lists "" with no postings of its own
        vocab = [""] * n_tokens
        for token, i in bm25.vocab_dict.items():
            if i < n_tokens:
                vocab[i] = token
        return {"size": len(docs), "indptr": np.asarray(sc["indptr"], dtype=np.int64),
                "docs": np.asarray(sc["indices"], dtype=np.int64),
                "weights": np.asarray(sc["data"], dtype=np.float64), "vocab": vocab}

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
