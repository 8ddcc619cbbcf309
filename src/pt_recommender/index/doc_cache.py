"""BM25 documents of resources kept between builds, as token ids, so a rebuild after one edit
tokenises one resource and maps no token of the others to an id again.

Tokenising every resource's names, descriptions and needs, then turning 700k tokens into ids,
was most of deriving the ranking data. A document is keyed by the sha256 of everything it is
built from: the resource record, the names of its tasks, the field weights and the index format
(which changes with the tokeniser; tests pin the tokeniser per format). The file holds the
vocabulary, each key's document length and every document's ids (int32, base64) after the sha256
of its JSON; a damaged file is ignored (every document is tokenised again), never trusted.
"""

from __future__ import annotations

import base64
import hashlib
import logging
from collections.abc import Callable, Mapping
from pathlib import Path

import numpy as np

from ..catalog.schema import Resource, Task
from ..files import read_checked_json, write_checked_json
from .lexical import EMPTY, token_ids
from .manifest import FORMAT_VERSION

FILE = "lexical-ids.json"
OLD_FILE = "lexical-docs.json"  # the token lists earlier versions kept: removed at the next save
SAVE_SHARE = 0.02  # see DocCache.save
log = logging.getLogger("pt_recommender")


def doc_key(resource: Resource, tasks: Mapping[str, Task], weights: tuple[int, ...]) -> str:
    names = [tasks[t].all_names if t in tasks else None for t in resource.tasks]
    text = f"{FORMAT_VERSION}\x1f{weights!r}\x1f{resource!r}\x1f{names!r}"
    return hashlib.sha256(text.encode()).hexdigest()


class DocCache:
    """Token-id documents by `doc_key`, read from and saved to `folder / FILE`; `vocab` holds
    every id's token (a new document's new tokens are appended)."""

    def __init__(self, folder: Path):
        self.path = Path(folder) / FILE
        self.vocab: list[str] = []
        self.docs: dict[str, np.ndarray] = {}
        self.used: dict[str, np.ndarray] = {}
        self.missed = 0
        self._ids: dict[str, int] | None = None  # token -> id, built at the first miss
        try:
            self._read(read_checked_json(self.path))
        except FileNotFoundError:
            pass
        except (OSError, ValueError, TypeError, KeyError) as exc:
            self.vocab, self.docs = [], {}
            log.warning("ignoring a damaged BM25 document cache (%s): every document is tokenised again", exc)

    def _read(self, value: object) -> None:
        if not isinstance(value, dict):
            raise ValueError("not a table of documents")
        vocab, keys, lens = value["vocab"], value["keys"], value["lens"]
        flat = np.frombuffer(base64.b64decode(value["ids"], validate=True), dtype="<i4")
        if not (isinstance(vocab, list) and all(isinstance(t, str) for t in vocab) and isinstance(keys, list)
                and isinstance(lens, list) and len(keys) == len(lens)
                and all(isinstance(n, int) and n > 0 for n in lens) and sum(lens) == len(flat)):
            raise ValueError("inconsistent table of documents")
        if len(flat) and (int(flat.min()) < 0 or int(flat.max()) >= len(vocab)):
            raise ValueError("a token id outside the vocabulary")
        ends = np.cumsum(lens).tolist()
        self.vocab = vocab
        self.docs = {k: flat[e - n:e] for k, n, e in zip(keys, lens, ends, strict=True)}

    def get(self, key: str, build: Callable[[], list[str]]) -> np.ndarray:
        """The document's token ids, built (and its new tokens added to `vocab`) on a miss."""
        doc = self.docs.get(key)
        if doc is None:
            if self._ids is None:
                self._ids = {t: i for i, t in enumerate(self.vocab)}
            doc = token_ids(build() or [EMPTY], self._ids, self.vocab)
            self.missed += 1
        self.used[key] = doc
        return doc

    def save(self) -> None:
        """Keep the documents used by this build, with only their tokens, once new or dropped
        documents reach SAVE_SHARE of them: rewriting the 4 MB file for one edited resource
        cost more than tokenising that resource again at the next build."""
        stale = len(self.docs) - (len(self.used) - self.missed)  # cached documents this build did not use
        if max(self.missed, stale) < max(1, SAVE_SHARE * len(self.used)):
            return
        keys = list(self.used)
        flat = np.concatenate([self.used[k] for k in keys]) if keys else np.zeros(0, dtype=np.int32)
        kept = np.bincount(flat, minlength=len(self.vocab)) > 0  # the tokens still used, renumbered
        flat = (np.cumsum(kept) - 1)[flat]
        try:
            (self.path.parent / OLD_FILE).unlink(missing_ok=True)
            write_checked_json(self.path, {
                "vocab": [t for t, k in zip(self.vocab, kept.tolist(), strict=True) if k], "keys": keys,
                "lens": [len(self.used[k]) for k in keys],
                "ids": base64.b64encode(flat.astype("<i4").tobytes()).decode("ascii")})
        except OSError as exc:
            log.warning("could not save the BM25 document cache: %s", exc)
