"""BM25 leg over English stems and CJK bigrams of each resource: postings built with NumPy,
read per query token."""

from __future__ import annotations

import math
from collections.abc import Callable, Iterator, Mapping, Sequence

import numpy as np

from ..arrays import spans, unique_inverse
from ..config import MAX_POSTINGS

BM25_K1, BM25_B = 1.5, 0.75  # Lucene's defaults (and bm25s'), as every index so far was built
SORT_BELOW = 32  # sort the postings when fewer than 1/32 of the scratch cells (else bincount)
SCRATCH_CELLS = 1 << 22  # (queries x documents) cells scored at once: 32 MiB of float64


class LexicalIndex:
    """BM25 over pre-tokenised documents; unknown query tokens are simply ignored."""

    def __init__(self, docs: list[list[str]] | None = None, arrays: dict | None = None,
                 max_postings: int = MAX_POSTINGS):
        """Index `docs`, or take the arrays a build saved."""
        self.max_postings = max_postings
        if arrays is None:
            arrays = self.index_arrays(docs or [])
        self.size = int(arrays["size"])
        self._indptr = np.asarray(arrays["indptr"], dtype=np.int64)
        # kept in the dtype they come in (int32 / float32 when loaded, possibly memory-mapped): a
        # query gathers only its tokens' postings, and numpy widens those (the sums are float64 in
        # `np.bincount` either way, so scores are unchanged); widening all of them cost 5 MiB
        self._docs = np.asarray(arrays["docs"])
        self._weights = np.asarray(arrays["weights"])
        self._ids = Vocabulary(arrays["vocab"])

    @property
    def vocabulary(self) -> Vocabulary:
        """Each indexed token -> its id."""
        return self._ids

    @staticmethod
    def index_arrays(docs: list[list[str]]) -> dict:
        """BM25 postings as plain arrays: per token id its documents and their weights.

        Lucene's BM25 (k1 = 1.5, b = 0.75) computed the way bm25s computes it, float for
        float (a test checks every weight against bm25s), in a few array passes: bm25s
        imports SciPy and builds in Python loops, which was most of a one-edit rebuild."""
        ids: dict[str, int] = {}
        vocab: list[str] = []
        return LexicalIndex.index_arrays_from_ids([token_ids(d or [EMPTY], ids, vocab) for d in docs], vocab)

    @staticmethod
    def index_arrays_from_ids(docs: list[np.ndarray], vocab: list[str]) -> dict:
        """`index_arrays` of documents given as ids into `vocab` (any order; unused entries are
        dropped), so a rebuild maps only new documents' tokens (see `index.doc_cache`). Each
        document must be non-empty (an empty one is ["<empty>"], as `index_arrays` reads it)."""
        lens = np.array([len(d) for d in docs], dtype=np.int64)
        flat = np.concatenate(docs).astype(np.int64) if docs else np.zeros(0, dtype=np.int64)
        used = np.flatnonzero(np.bincount(flat, minlength=len(vocab)))  # ascending, as np.unique
        names = [vocab[i] for i in used.tolist()]
        order = sorted(range(len(names)), key=names.__getitem__)  # the order of sorted(set(tokens))
        rank = np.zeros(len(vocab), dtype=np.int64)
        rank[used[order]] = np.arange(len(order))
        return _postings(rank[flat], lens, [names[i] for i in order])

    def score_batch(self, queries: list[list[str]]) -> np.ndarray:
        """(queries x documents) BM25 scores with one scatter-add for the whole batch; a
        token repeated in a query counts again, as in `scores`."""
        n = len(queries)
        hits = self._ids.hits(queries)
        if not len(hits[0]):
            return np.zeros((n, self.size), dtype=np.float32)
        owner, tok_a = hits
        starts, ends = self._indptr[tok_a], self._indptr[tok_a + 1]
        lens = ends - starts
        pos = spans(starts, lens)  # every posting of every query token
        cell = np.repeat(owner * self.size, lens) + self._docs[pos]
        scores = np.bincount(cell, weights=self._weights[pos], minlength=n * self.size)
        return scores.reshape(n, self.size).astype(np.float32)

    def top_batch(self, queries: list[list[str]], k: int,
                  allowed: Callable[[np.ndarray], np.ndarray] | None = None
                  ) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
        """Each query's best `k` documents with a positive score, as (rows, scores, keep) of
        shape (queries x k), best first, ties to the lower row. Only the postings of the
        query's tokens are touched, so the cost follows the matches, not the catalog size.
        `allowed` (rows -> a bool each) drops the others before the cut. Postings are stored
        best first and at most `max_postings` of a token are read: a word in tens of thousands
        of documents adds little to any one of them, and reading all of it is what made BM25
        cost grow with the catalog. Below that length scores equal `score_batch` exactly
        (the same float64 sums in the same order, then float32)."""
        n = len(queries)
        rows = np.zeros((n, k), dtype=np.int64)
        vals = np.zeros((n, k), dtype=np.float32)
        hits = self._ids.hits(queries)
        if not len(hits[0]) or not k:
            return rows, vals, vals > 0
        owner, tok_a = hits
        starts, ends = self._indptr[tok_a], self._indptr[tok_a + 1]
        lens = np.minimum(ends - starts, self.max_postings)  # a token's best postings only
        pos = spans(starts, lens)
        who, doc, weight = np.repeat(owner, lens), self._docs[pos], self._weights[pos]
        # a few queries at a time; each (query, document) sum adds its postings in query-token
        # order on either path, so both give the same float64 sums
        group = max(1, SCRATCH_CELLS // max(self.size, 1))
        for g0 in range(0, n, group):
            g1 = min(n, g0 + group)
            lo, hi = np.searchsorted(who, [g0, g1])
            cell = (who[lo:hi] - g0) * self.size + doc[lo:hi]
            if (hi - lo) * SORT_BELOW < (g1 - g0) * self.size:  # few postings: sort them
                cells, inverse = unique_inverse(cell)
                sums = np.bincount(inverse, weights=weight[lo:hi], minlength=len(cells))
            else:  # many: one dense scratch of bounded size (SCRATCH_CELLS)
                dense = np.bincount(cell, weights=weight[lo:hi], minlength=(g1 - g0) * self.size)
                touched = np.zeros(len(dense), dtype=bool)
                touched[cell] = True
                cells = np.flatnonzero(touched)
                sums = dense[cells]
            self._keep_top(cells // self.size + g0, cells % self.size, sums.astype(np.float32), k, allowed,
                           rows, vals)
        return rows, vals, vals > 0

    @staticmethod
    def _keep_top(q: np.ndarray, doc: np.ndarray, sums: np.ndarray, k: int,
                  allowed: Callable[[np.ndarray], np.ndarray] | None, rows: np.ndarray, vals: np.ndarray) -> None:
        """Write each query's best k (positive, allowed) documents into rows/vals, best first,
        ties to the lower document."""
        ok = sums > 0
        if allowed is not None:
            ok &= allowed(doc)
        q, doc, sums = q[ok], doc[ok], sums[ok]  # grouped by query (cells are sorted)
        bounds = np.searchsorted(q, np.arange(q[0], q[-1] + 2)) if len(q) else []
        for a, b in zip(bounds[:-1], bounds[1:], strict=False):
            d, v = doc[a:b], sums[a:b]
            if len(v) > k:  # only the k best and whatever ties the k-th can be in the top k
                kth = np.partition(v, len(v) - k)[len(v) - k]
                d, v = d[v >= kth], v[v >= kth]
            order = np.lexsort((d, -v))[:k]
            rows[q[a], : len(order)] = d[order]
            vals[q[a], : len(order)] = v[order]

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


class Vocabulary(Mapping[str, int]):
    """The sorted token list of an index as one NumPy array of UTF-8 bytes, looked up by binary
    search: a token's id is its place. A dict and a list of 46,000 Python strings held 6.6 MB of a
    one-shot answer's 130 MiB; these bytes are 1.7 MB, and a query's tokens are found in one
    `searchsorted` call. UTF-8 bytes sort as the strings' code points do, so the order is the
    list's. The empty token is never found (as no document holds it)."""

    def __init__(self, tokens: Sequence[str] | np.ndarray):
        is_saved = isinstance(tokens, np.ndarray) and tokens.dtype.kind == "S"
        self._arr = tokens if is_saved else self.saved(tokens)
        # a memory-mapped one is a live generation's file, written sorted and checksummed at load:
        # comparing all of it would page in the whole file that the map is there to avoid
        if (not isinstance(self._arr, np.memmap) and len(self._arr) > 1
                and not bool(np.all(self._arr[1:] > self._arr[:-1]))):
            raise ValueError("a vocabulary must be sorted and free of repeats")

    @staticmethod
    def saved(tokens: Sequence[str]) -> np.ndarray:
        """`tokens` as the array an index generation saves (bm25_vocab.npy)."""
        return np.array([t.encode("utf-8") for t in tokens], dtype=bytes)

    def ids(self, tokens: Sequence[str]) -> np.ndarray:
        """Each token's id, -1 for a token the index does not hold."""
        if not len(self._arr) or not tokens:
            return np.full(len(tokens), -1, dtype=np.int64)
        keys = self.saved(tokens)
        at = np.minimum(np.searchsorted(self._arr, keys), len(self._arr) - 1)
        found = (self._arr[at] == keys) & (keys != b"")
        return np.where(found, at, -1).astype(np.int64)

    def hits(self, queries: list[list[str]]) -> tuple[np.ndarray, np.ndarray]:
        """(query position, token id) of every known token of `queries`, in query then token
        order (a repeated token counts again)."""
        owner = np.repeat(np.arange(len(queries), dtype=np.int64), [len(q) for q in queries])
        tok = self.ids([t for q in queries for t in q])
        keep = tok >= 0
        return owner[keep], tok[keep]

    def __getitem__(self, token: str) -> int:
        i = int(self.ids([token])[0])
        if i < 0:
            raise KeyError(token)
        return i

    def __contains__(self, token: object) -> bool:
        return isinstance(token, str) and int(self.ids([token])[0]) >= 0

    def __iter__(self) -> Iterator[str]:
        return (t.decode("utf-8") for t in self._arr.tolist() if t)

    def __len__(self) -> int:
        return int(len(self._arr)) - int(len(self._arr) > 0 and self._arr[0] == b"")


EMPTY = "<empty>"  # the token of a document with none (as bm25s reads an empty document)


def token_ids(tokens: list[str], ids: dict[str, int], vocab: list[str]) -> np.ndarray:
    """`tokens` as ids into `vocab`, appending tokens it does not hold yet (`ids` is its
    token -> id map, kept in step)."""
    for t in tokens:
        if t not in ids:
            ids[t] = len(vocab)
            vocab.append(t)
    return np.array([ids[t] for t in tokens], dtype=np.int32)


def _postings(flat: np.ndarray, lens: np.ndarray, vocab: list[str]) -> dict:
    """The BM25 arrays from every document's token ids (`flat`, documents one after another,
    `lens` tokens each) into the sorted `vocab`."""
    n = len(lens)
    pairs, tf = np.unique(flat * max(n, 1) + np.repeat(np.arange(n), lens), return_counts=True)
    token, doc = pairs // max(n, 1), pairs % max(n, 1)
    df = np.bincount(token, minlength=len(vocab))
    values, at = np.unique(df, return_inverse=True)  # a few hundred distinct counts, not one per token
    idf = np.array([math.log(1 + (n - x + 0.5) / (x + 0.5)) for x in values.tolist()], dtype=np.float32)[at]
    norm = BM25_K1 * ((1 - BM25_B) + BM25_B * lens / lens.mean()) if n else lens.astype(np.float64)
    tf64 = tf.astype(np.float32).astype(np.float64)
    weights = (idf[token] * (tf64 / (norm[doc] + tf64))).astype(np.float32)
    indptr = np.searchsorted(token, np.arange(len(vocab) + 1)).astype(np.int64)
    # impact order: each token's postings by weight, best first (ties: lower document),
    # so a query can stop reading a very common token's list early (see MAX_POSTINGS). One
    # stable sort of (token, weight falling) packed in an int64: a positive float32's bits order
    # as the float does, and the pairs already run by document within a token
    falling = np.int64(0xFFFFFFFF) - weights.view(np.uint32).astype(np.int64)
    order = np.argsort((token.astype(np.int64) << 32) | falling, kind="stable")
    return {"size": n, "indptr": indptr, "docs": doc[order].astype(np.int32),  # saved as built: half the
            "weights": weights[order], "vocab": vocab}  # bytes to checksum; widened exactly at load
