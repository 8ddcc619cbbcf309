"""Validate and analyse a query: language, English rendering, tokens, tasks and type intent."""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field

from ..catalog.types import RESOURCE_TYPES, TYPES
from ..config import MAX_K, MAX_QUERY_CHARS
from ..text.lang import STOPWORDS, Glossary, cjk_tokens, clean, en_tokens, en_words, has_cjk, stem
from .taxonomy import TaskMatcher

_INTENT_STEMS = {stem(w): t for t, info in TYPES.items() for w in info.intent_words if " " not in w}


@dataclass(frozen=True)
class Query:
    raw: str
    lang: str
    english: str
    tokens: tuple[str, ...]
    words: frozenset[str]
    glossary_terms: tuple[tuple[str, str], ...] = ()
    tasks: dict[str, float] = field(default_factory=dict)
    intent: frozenset[str] = frozenset()
    word_stems: tuple[tuple[str, str], ...] = ()  # (word as typed, its stem) for explanations


def check_query(query: object) -> str:
    """The query as text, or ValueError saying what is allowed."""
    if not isinstance(query, str):
        raise ValueError(f"query must be a string, not {type(query).__name__}")
    if len(query) > MAX_QUERY_CHARS:
        raise ValueError(f"query is {len(query)} characters; at most {MAX_QUERY_CHARS} are allowed")
    if not clean(query).strip():
        raise ValueError("query is empty: describe a task, e.g. '3D medical segmentation'")
    return query


def check_k(k: object) -> int:
    if isinstance(k, bool) or not isinstance(k, int) or not 1 <= k <= MAX_K:
        raise ValueError(f"k must be a whole number from 1 to {MAX_K}, got {k!r}")
    return k


def check_types(types: Iterable[str] | None) -> frozenset[str] | None:
    if types is None:
        return None
    if isinstance(types, str):
        types = [types]
    chosen = frozenset(types)
    unknown = sorted(t for t in chosen if t not in RESOURCE_TYPES)
    if unknown or not chosen:
        raise ValueError(f"unknown type(s) {', '.join(map(repr, unknown)) or '(none given)'}; "
                         f"allowed: {', '.join(RESOURCE_TYPES)}")
    return chosen


def analyse(query: str, glossary: Glossary, matcher: TaskMatcher) -> Query:
    """Everything the legs need, computed once per query."""
    text = clean(query)
    lang = "zh" if has_cjk(text) else "en"
    english, terms = glossary.translate(text) if lang == "zh" else (text, [])
    english = " ".join(english.split())
    words = en_tokens(english)
    tokens = tuple(words + cjk_tokens(text))
    intent = {_INTENT_STEMS[w] for w in words if w in _INTENT_STEMS}
    if "course" in intent or "book" in intent or "tutorial" in intent:
        intent.discard("api")  # "class" in a course query is not an API
    return Query(
        raw=query, lang=lang, english=english, tokens=tokens, words=frozenset(words),
        glossary_terms=tuple(terms), tasks=matcher.match(words, text),
        intent=frozenset(intent),
        word_stems=tuple((w, stem(w)) for w in en_words(english) if w not in STOPWORDS),
    )


def display_words(query: Query) -> Sequence[str]:
    """Original English words of the query, for explanations."""
    return en_words(query.english)
