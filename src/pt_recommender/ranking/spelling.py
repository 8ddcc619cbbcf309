"""Typos in a user's own words ("seperate", "concurent", "pretrianed") read as the words meant.

A query word is corrected only when all of these hold: it is five letters or longer, plain
letters, the catalog does not know its stem, and it is not an English word at all (not a whole
word of the encoder's vocabulary: "soccer" or "auction" stay as typed even though the catalog
never uses them). It then becomes the closest word, one edit away (two for words of eight
letters or more), whose stem the catalog uses: an English word, or one of the catalog's own
technical words ("pretrained", "segmentation", which a general vocabulary lacks); among
equally close ones the commonest. Lookup goes through a table of those words with one letter
deleted (the symmetric-delete method), built the first time a correction is needed (~0.25 s
once per process), so queries without typos never pay for it. Without a vocabulary (the fake
encoder) nothing is corrected.
"""

from __future__ import annotations

import threading
from collections.abc import Callable, Mapping, Sequence

from ..catalog.schema import Resource
from ..text.lang import en_words

MIN_LENGTH = 5  # shorter words are too often acronyms or names ("lstm", "ncnn")


def _deletes(word: str) -> set[str]:
    return {word[:i] + word[i + 1:] for i in range(len(word))}


def edit_distance(a: str, b: str) -> int:
    """Optimal string alignment distance: insertions, deletions, substitutions and swaps of
    two neighbouring letters ("trian" -> "train") each count one."""
    prev2: list[int] = []
    prev = list(range(len(b) + 1))
    for i in range(1, len(a) + 1):
        cur = [i] + [0] * len(b)
        for j in range(1, len(b) + 1):
            cost = 0 if a[i - 1] == b[j - 1] else 1
            cur[j] = min(prev[j] + 1, cur[j - 1] + 1, prev[j - 1] + cost)
            if i > 1 and j > 1 and a[i - 1] == b[j - 2] and a[i - 2] == b[j - 1]:
                cur[j] = min(cur[j], prev2[j - 2] + 1)
        prev2, prev = prev, cur
    return prev[-1]


def catalog_words(resources: Sequence[Resource]) -> list[str]:
    """The English words the catalog itself uses (names, descriptions, needs), commonest first:
    the technical words a general vocabulary lacks ("pretrained", "segmentation")."""
    counts: dict[str, int] = {}
    for r in resources:
        for w in set(en_words(" ".join((r.name, r.description, *r.needs)))):
            if len(w) >= MIN_LENGTH - 1 and w.isalpha():
                counts[w] = counts.get(w, 0) + 1
    return sorted(counts, key=lambda w: (-counts[w], w))


class Speller:
    """`known`: the catalog's stems; `words`: gives English words, commonest first (the
    encoder's whole-word vocabulary; asked for on the first unknown word); `stem`: the stemmer
    the catalog was indexed with."""

    def __init__(self, known: Mapping[str, int], words: Callable[[], Sequence[str]], stem: Callable[[str], str],
                 extra: Callable[[], Sequence[str]] | None = None):
        self._known, self._stem, self._source, self._extra = known, stem, words, extra
        self._vocab: dict[str, int] | None = None
        self._corrections: dict[str, int] | None = None
        self._table: dict[str, list[str]] | None = None
        self._lock = threading.Lock()
        self._memo: dict[str, str] = {}

    @property
    def _words(self) -> dict[str, int]:
        """English words (the guard: a word here is left as typed)."""
        if self._vocab is None:
            with self._lock:
                if self._vocab is None:
                    words = self._source()
                    self._vocab = {w: rank for rank, w in enumerate(words) if w.isascii() and w.isalpha()}
        return self._vocab

    def _index(self) -> dict[str, list[str]]:
        words = self._words
        with self._lock:
            if self._table is None:
                # what a typo may become: English words, then the catalog's own words
                ranked = dict(words)
                for w in self._extra() if self._extra else ():
                    ranked.setdefault(w, len(ranked))
                self._corrections = ranked
                table: dict[str, list[str]] = {}
                for word in ranked:  # only words that would help: the catalog uses their stem
                    if len(word) >= MIN_LENGTH - 1 and self._stem(word) in self._known:
                        for key in {word} | _deletes(word):
                            table.setdefault(key, []).append(word)
                self._table = table
            return self._table

    def stem(self, word: str) -> str:
        """The stem to search for `word` (lower-case, as typed): its own, or its correction's."""
        own = self._stem(word)
        if own in self._known or len(word) < MIN_LENGTH or not (word.isascii() and word.isalpha()):
            return own
        if word in self._words or not self._words:
            return own
        got = self._memo.get(word)
        if got is None:
            limit = 1 if len(word) < 8 else 2
            table = self._index()
            found = {c for key in {word} | _deletes(word) for c in table.get(key, ())}
            ranks = self._corrections or {}
            close = [(edit_distance(word, c), ranks[c], c) for c in found]
            close = [x for x in close if x[0] <= limit]
            got = self._stem(min(close)[2]) if close else own
            if len(self._memo) < 65536:
                self._memo[word] = got
        return got
