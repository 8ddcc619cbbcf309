"""Plain records shared by every layer: catalog resources, taxonomy tasks, recommendations."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from .types import RESOURCE_TYPES

TAXONOMY_FILE = "taxonomy.yaml"
GLOSSARY_FILE = "glossary.yaml"
# what the upstream project does (never how a listing shows it); ⚠ only for the last two
MAINTENANCE: tuple[str, ...] = ("active", "maintenance", "stale", "deprecated", "archived")
INACTIVE: frozenset[str] = frozenset(("deprecated", "archived"))
EVIDENCE_KINDS: tuple[str, ...] = ("release", "commit", "readme-notice", "docs-notice", "archived-repo",
                                   "maintainer-issue")
LANDSCAPE: tuple[str, ...] = ("listed", "archived")
# books and courses: can a reader get the whole of it at no cost (free_audit: a course platform's
# free audit track), or must they pay; absent where no evidence was found
ACCESS: tuple[str, ...] = ("free", "free_audit", "paid")
STATUSES = MAINTENANCE
LINK_KINDS: tuple[str, ...] = ("paper", "model", "library", "dataset", "tutorial", "repo", "docs_zh")
URL_LINKS = frozenset(("repo", "docs_zh"))  # https URLs, not resource ids (docs_zh: upstream's Chinese docs)


NATIVE_TYPES = frozenset(("book", "course", "tutorial", "website"))  # kinds read or watched
_CHINESE_TAGS = frozenset(("chinese", "chinese-nlp", "mandarin"))


@dataclass(frozen=True)
class Resource:
    """One catalog entry; optional facts stay empty rather than guessed."""

    id: str
    name: str
    type: str
    description: str
    url: str
    tasks: tuple[str, ...]
    aliases: tuple[str, ...] = ()
    description_zh: str = ""
    tags: tuple[str, ...] = ()
    authors: tuple[str, ...] = ()
    year: int | None = None
    publisher: str = ""
    platform: str = ""
    instructor: str = ""
    links: dict[str, Any] = field(default_factory=dict)
    needs: tuple[str, ...] = ()  # what a practitioner wants when this is the answer, in their words
    needs_zh: tuple[str, ...] = ()
    maintenance: str = ""  # upstream status (MAINTENANCE); empty where it is not tracked
    evidence: tuple[dict[str, Any], ...] = ()  # {kind, url, date, note}
    checked_on: str = ""
    landscape: str = ""  # how the PyTorch Landscape lists it (a neutral fact)
    successor: tuple[str, ...] = ()  # resource ids that replace it
    metrics: dict[str, float] = field(default_factory=dict)
    weights: tuple[dict[str, Any], ...] = ()  # models: one entry per pretrained weight, with metrics
    params: int | None = None
    license: str = ""
    source: str = ""
    access: str = ""  # ACCESS, with `access_evidence` (the page that shows it)
    access_evidence: str = ""

    @property
    def status(self) -> str:
        """The maintenance value, or "" when not tracked (kept for the record's `status`)."""
        return self.maintenance

    @property
    def inactive(self) -> bool:
        return self.maintenance in INACTIVE

    @property
    def in_chinese(self) -> bool:
        """Learning material taught in Chinese (tagged `chinese`): a Chinese reader asking to learn
        is served first by what they can read or watch in their own language. A library, model or
        dataset tagged `chinese` is *about* Chinese text or speech, which a query has to ask for."""
        return self.type in NATIVE_TYPES and "chinese" in self.tags

    @property
    def for_chinese(self) -> bool:
        """A tool, model or dataset made for Chinese text or speech (tagged `chinese`,
        `chinese-nlp` or `mandarin`): what a reader who asks in Chinese usually works on."""
        return self.type not in NATIVE_TYPES and not _CHINESE_TAGS.isdisjoint(self.tags)

    @property
    def for_english(self) -> bool:
        """A model or dataset of English text or speech only (tagged `english`: IMDB, SQuAD,
        LibriSpeech): no answer for a reader who asks in Chinese about their own text."""
        return self.type not in NATIVE_TYPES and "english" in self.tags

    def __hash__(self) -> int:  # dict fields make the default hash fail
        return hash(self.id)


@dataclass(frozen=True)
class Area:
    id: str
    name: str
    name_zh: str = ""
    aliases: tuple[str, ...] = ()
    aliases_zh: tuple[str, ...] = ()
    featured: tuple[str, ...] = ()  # editor's go-to resource ids for the whole area, best first


@dataclass(frozen=True)
class Task:
    """A Papers-with-Code style task; `parent` builds the task tree."""

    id: str
    name: str
    area: str
    parent: str = ""
    aliases: tuple[str, ...] = ()
    name_zh: str = ""
    aliases_zh: tuple[str, ...] = ()
    pwc: str = ""
    hf: str = ""
    description: str = ""
    featured: tuple[str, ...] = ()  # editor's go-to resource ids for this task, best first
    # how people ask for the task without naming it ("who spoke when", "人像抠图"): not names, so
    # never "also called", but the task matcher reads them like aliases
    asked_as: tuple[str, ...] = ()
    asked_as_zh: tuple[str, ...] = ()
    # tasks (or "area:<id>") that, named together in one query, name this task instead: a
    # translation asked of recordings is speech translation, whatever words said either part
    combines: tuple[str, ...] = ()

    @property
    def all_names(self) -> tuple[str, ...]:
        """Every English and Chinese way to say this task."""
        names = (self.name, *self.aliases, self.name_zh, *self.aliases_zh, self.pwc)
        return tuple(n for n in names if n)


@dataclass(frozen=True)
class Recommendation:
    """One ranked answer; goes to JSON with `asdict` and to a DataFrame row unchanged."""

    id: str
    name: str
    type: str
    score: float
    url: str
    reason: str
    description: str
    tasks: tuple[str, ...]
    status: str = ""  # upstream maintenance: active, maintenance, stale, deprecated, archived or ""
    lang: str = "en"  # the language of `description` and `reason`; both languages stay below
    description_en: str = ""
    description_zh: str = ""
    reason_en: str = ""
    reason_zh: str = ""
    access: str = ""  # books and courses: free, free_audit, paid, or "" where not established


__all__ = ["ACCESS", "EVIDENCE_KINDS", "GLOSSARY_FILE", "INACTIVE", "LANDSCAPE", "LINK_KINDS", "MAINTENANCE",
           "RESOURCE_FIELDS", "RESOURCE_TYPES", "STATUSES", "TAXONOMY_FILE", "URL_LINKS", "Area", "Recommendation",
           "Resource", "Task"]
RESOURCE_FIELDS = frozenset(Resource.__dataclass_fields__)
