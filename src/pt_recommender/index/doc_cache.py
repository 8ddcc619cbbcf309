"""BM25 documents of resources kept between builds, so a rebuild after one edit tokenises one.

Tokenising every resource's names, descriptions and needs is the largest part of deriving the
ranking data (0.6 of 1.2 s). A document is keyed by the sha256 of everything it is built from:
the resource record, the names of its tasks, the field weights and the index format (which
changes with the tokeniser; tests pin the tokeniser per format). The file starts with the sha256
of its JSON; a damaged file is ignored (every document is tokenised again), never trusted.
"""

from __future__ import annotations

import hashlib
import logging
from collections.abc import Callable, Mapping
from pathlib import Path

from ..catalog.schema import Resource, Task
from ..files import read_checked_json, write_checked_json
from .manifest import FORMAT_VERSION

FILE = "lexical-docs.json"
log = logging.getLogger("pt_recommender")


def doc_key(resource: Resource, tasks: Mapping[str, Task], weights: tuple[int, ...]) -> str:
    names = [tasks[t].all_names if t in tasks else None for t in resource.tasks]
    text = f"{FORMAT_VERSION}\x1f{weights!r}\x1f{resource!r}\x1f{names!r}"
    return hashlib.sha256(text.encode()).hexdigest()


class DocCache:
    """Token lists by `doc_key`, read from and saved to `folder / FILE`."""

    def __init__(self, folder: Path):
        self.path = Path(folder) / FILE
        self.docs: dict[str, list[str]] = {}
        self.used: dict[str, list[str]] = {}
        self.missed = 0
        self.storable = True  # every document can be stored space-joined
        try:
            docs = read_checked_json(self.path)  # each document's tokens joined by spaces: 3x faster than lists
            if not isinstance(docs, dict) or not all(isinstance(v, str) for v in docs.values()):
                raise ValueError("not a table of documents")
            self.docs = {k: v.split(" ") if v else [] for k, v in docs.items()}
        except FileNotFoundError:
            pass
        except (OSError, ValueError) as exc:
            log.warning("ignoring a damaged BM25 document cache (%s): every document is tokenised again", exc)

    def get(self, key: str, build: Callable[[], list[str]]) -> list[str]:
        doc = self.docs.get(key)
        if doc is None:
            doc = build()
            self.missed += 1
            self.storable = self.storable and not any(" " in t for t in doc)  # never false for BM25 tokens
        self.used[key] = doc
        return doc

    def save(self) -> None:
        """Keep the documents used by this build (only if some were new or some went)."""
        if not self.storable or (not self.missed and len(self.used) == len(self.docs)):
            return
        try:
            write_checked_json(self.path, {k: " ".join(v) for k, v in self.used.items()})
        except OSError as exc:
            log.warning("could not save the BM25 document cache: %s", exc)
