"""Validate and analyse a query: language, English rendering, tokens, tasks and type intent."""

from __future__ import annotations

import numbers
import re
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field
from functools import cached_property

from ..catalog.types import RESOURCE_TYPES, TYPES
from ..config import MAX_K, MAX_QUERY_CHARS
from ..text.lang import Glossary, cjk_tokens, clean, en_words, has_cjk, index_words, stem
from ..text.lazy_re import LazyPattern
from .spelling import Speller
from .taxonomy import TaskMatcher, reversed_tasks

_INTENT_STEMS = {stem(w): t for t, info in TYPES.items() for w in info.intent_words if " " not in w}
# "depth estimation models": the plural asks for model cards, while "a model" / "the model" is
# mostly the thing the user trains, so only the plural word counts (both share the stem "model")
_INTENT_WORDS = {"models": "model"}
# "a technical report", "the tech report": how labs publish a model's paper; "report" alone is
# the user's material ("report generation", "lab reports")
_REPORT_WORDS = frozenset(("report", "reports"))
_REPORT_CUES = frozenset(("technical", "tech"))


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
    typed: frozenset[str] = frozenset()  # a Chinese query's English words as typed (not the glossary's)
    sources: dict[str, str] = field(default_factory=dict)  # a glossary rendering's word -> its Chinese term
    replacing: bool = False  # asks what replaces something ("deprecated, what now", "alternative to")
    starting: bool = False  # a learner naming no topic: `tasks` is the learning area, not named by the user
    # a stated conversion ("speech to text"): the tasks converting the other way round, and the
    # tasks converting the stated way (see `taxonomy.reversed_tasks`)
    opposite: frozenset[str] = frozenset()
    stated: frozenset[str] = frozenset()
    inferred: frozenset[str] = frozenset()  # tasks read off the query's meaning (ranking.inferred), not named
    free: bool = False  # asks for what costs nothing ("a free course", 免费的教程)
    seminal: bool = False  # asks for the work that started something ("the paper that introduced X")
    # tasks named only in the situation before a stated goal ("serving costs too much, I want to
    # distill it": LLM serving is the situation, distillation the goal; see `_goal_clause`)
    situation: frozenset[str] = frozenset()
    adapts_model: bool = False  # "fine-tune a 7B chat model on one card": the model is the user's material
    native: bool = False  # names native code (C++, CUDA, a kernel, libtorch, another language)
    # name keys (see `context.name_key`) of what the user names as left behind or unusable
    # ("an alternative to wandb", "harder than MNIST", "bitsandbytes 要 CUDA 用不了"): see `left_names`
    left: tuple[str, ...] = ()
    # tasks named by their words that gave way to the task their combination names (translation
    # of voicemails is speech translation, not machine translation): see `Task.combines`
    gave_way: frozenset[str] = frozenset()

    @cached_property
    def token_set(self) -> frozenset[str]:
        """`tokens` as a set, built once: every result's explanation tests words against it."""
        return frozenset(self.tokens)


# "a free course", "read free online", "free of charge", 免费: not "free-text notes", "GIL-free",
# "hands-free", "a free tier", "free text"
_FREE = LazyPattern(r"(?<![\w-])free(?![\w-])(?!\s+(?:text|form|tier|trial)\b)|\bno[\s-]cost\b"
                   r"|\bwithout\s+paying\b|\bgratis\b|\bcosts?\s+nothing\b")
_FREE_ZH = LazyPattern("免费|不要钱|不花钱|不收费|白嫖|零成本")
# "the original paper", "the paper that first showed / introduced / proposed X", "the paper behind
# X", "the seminal / landmark paper", 原始论文, 开山之作, 最早提出 X 的论文: the work that started
# something, which the catalog's own links single out (ranking.prior's use within the catalog)
_SEMINAL = LazyPattern(r"\b(?:original|seminal|landmark|first)\s+(?:\w+\s+){0,2}papers?\b"
                       r"|\bpapers?\s+(?:that|which|who)\s+(?:first\s+)?(?:introduced|proposed|coined|invented"
                       r"|started|showed|demonstrated)\b|\bpapers?\s+(?:behind|introducing|that\s+started)\b")
_SEMINAL_ZH = LazyPattern("原始论文|原论文|开山之作|开山论文|奠基论文|最早提出|首次提出|最先提出")
_CHINESE_WORDS = frozenset(("chines", "mandarin"))  # stems: "a Chinese course", "in Mandarin"


def asks_for_chinese(q: Query) -> bool:
    """An English query naming the Chinese language ("a course in Mandarin")."""
    return not _CHINESE_WORDS.isdisjoint(q.tokens)


def check_query(query: object) -> str:
    """The query as text; TypeError for a non-string, ValueError saying what is allowed."""
    if not isinstance(query, str):
        raise TypeError(f"query must be a string, not {type(query).__name__}")
    if any("\ud800" <= c <= "\udfff" for c in query):
        raise ValueError("query holds bytes that are not valid UTF-8 text")
    if len(query) > MAX_QUERY_CHARS:
        raise ValueError(f"query is {len(query)} characters; at most {MAX_QUERY_CHARS} are allowed")
    if not clean(query).strip():
        raise ValueError("query is empty: describe a task, e.g. '3D medical segmentation'")
    return query


def check_k(k: object) -> int:
    """k as an int (NumPy integers welcome); TypeError for other kinds, ValueError out of range."""
    if isinstance(k, bool) or not isinstance(k, numbers.Integral):
        raise TypeError(f"k must be a whole number from 1 to {MAX_K}, got {type(k).__name__} {k!r}")
    if not 1 <= int(k) <= MAX_K:
        raise ValueError(f"k must be a whole number from 1 to {MAX_K}, got {k!r}")
    return int(k)


LANGS = ("en", "zh")


def check_lang(lang: object) -> str | None:
    """None (follow the query's language), "en" or "zh"."""
    if lang is None:
        return None
    if not isinstance(lang, str) or lang.lower() not in LANGS:
        raise ValueError(f"lang must be one of {', '.join(LANGS)} (or None to follow the query), got {lang!r}")
    return lang.lower()


def check_types(types: Iterable[str] | None) -> frozenset[str] | None:
    """The allowed types as a set; one type may be given as a plain string."""
    if types is None:
        return None
    if isinstance(types, str):
        types = [types]
    if not isinstance(types, Iterable):
        raise TypeError(f"types must be a list of type names, not {type(types).__name__}; "
                        f"allowed: {', '.join(RESOURCE_TYPES)}")
    types = list(types)
    if not all(isinstance(t, str) for t in types):
        raise TypeError(f"types must be names (strings); allowed: {', '.join(RESOURCE_TYPES)}")
    chosen = frozenset(types)
    unknown = sorted(t for t in chosen if t not in RESOURCE_TYPES)
    if unknown or not chosen:
        raise ValueError(f"unknown type(s) {', '.join(map(repr, unknown)) or '(none given)'}; "
                         f"allowed: {', '.join(RESOURCE_TYPES)}")
    return chosen


# "my model", "our old API", "this pretrained net": a type word about the user's own thing is
# context, not the kind of answer asked for ("the best framework" still asks for one)
_OWNED = frozenset(("my", "our", "your", "their", "his", "her", "its", "this", "these", "those"))
# "the dataset is 40TB", "our data has ...": a type word the sentence goes on to describe is the
# user's own thing too
_DESCRIBED = frozenset(("is", "are", "was", "were", "has", "have", "had", "contains", "got", "gets", "keeps",
                        "lives", "sits"))
# "behind an API", "a REST API": a web endpoint, not a library's function
_WEB = frozenset(("behind", "rest", "http", "https", "web", "json", "grpc", "remote", "cloud", "compatible", "openai",
                  "style", "external", "hosted", "proprietary", "commercial"))
# "citations between papers", "tables from papers", "search across datasets": a type word placed
# by one of these prepositions is the material the user works on, not what they ask for
_AMONG = frozenset(("between", "among", "amongst", "across", "from", "within", "inside", "into"))
# ... and what it runs on: "on standard benchmarks", "on a dataset" (see `_run_on`)
_DETERMINERS_ON = frozenset(("a", "an", "the", "standard", "public", "common", "several", "multiple", "many", "my",
                             "our"))


def asked_types(english: str) -> set[str]:
    """Resource types the query asks for: their intent words, unless the word is about the
    user's own thing (a possessive or demonstrative up to four words before: "my weights", "our
    old built-in function"; or described next: "the dataset is 40TB") or means a web endpoint
    ("behind an API"); nor a word in what the user would rather not do ("without rewriting it in
    another framework" asks for no framework)."""
    return _asked(en_words(_AVOIDED.sub(" , ", english.lower())))


# "pretrain a tiny GPT": the verb shares "pretrained"'s stem, but the user does the pretraining
_VERB_FORMS = frozenset(("pretrain", "pretrains"))
_SITE_CUES = frozenset(("web", "a", "any", "some", "which", "what", "good", "best", "free", "online", "useful",
                        "official", "recommended", "other", "similar"))


def _asked(seq: list[str]) -> set[str]:
    out = set()
    for i, w in enumerate(seq):
        # "checkpointing", "benchmarking", "packaging": the -ing form of a type word is something
        # the user does, not a kind of answer asked for (the stem alone would read it as one)
        t = _INTENT_WORDS.get(w) or (None if w.endswith("ing") or w in _VERB_FORMS else _INTENT_STEMS.get(stem(w)))
        if w in _REPORT_WORDS and i and seq[i - 1] in _REPORT_CUES:
            t = "paper"
        if t is None or _OWNED.intersection(seq[max(0, i - 4):i]):
            continue
        if i + 1 < len(seq) and seq[i + 1] in _DESCRIBED:
            continue
        # "each paper's reference code", "the model's forward pass": a type word owning the next
        # noun names what that noun belongs to; the noun is the topic, not the type
        if seq[i + 1:i + 2] == ["s"] and not w.endswith("s"):
            continue
        if i and seq[i - 1] in _AMONG:
            continue
        if _how_they_work(seq, i):
            continue
        if _run_on(seq, i):
            continue
        if _worked_on(seq, i) or (t == "model" and _run_models(seq, i)):
            continue
        # "a children's book", "the client's dataset": a type word an everyday owner holds is the
        # material of the need ("Google's paper", "a beginner's book" still ask for one)
        if i >= 2 and seq[i - 1] == "s" and seq[i - 2] in _EVERYDAY_OWNERS:
            continue
        if t == "api" and _WEB.intersection(seq[max(0, i - 2):i]):
            continue
        if _other_sense(seq, i, w):
            continue
        if w in _VERB_TYPE_WORDS and i and seq[i - 1] in _SUBJECTS:
            continue
        # "building site", "each site" (a hospital), "dig site": a place; "a site where", "any
        # good sites", "web site" ask for a website
        if t == "website" and w in ("site", "sites") and not (i and seq[i - 1] in _SITE_CUES):
            continue
        out.add(t)
        if t == "model" and (w in _ZOO_WORDS or _pretrained(seq, i)):
            out.add("library")
        if t == "library" and w in _HUB_WORDS:
            out.add("website")
    if is_learner(seq) and not out:  # "a beginner's course" asks for courses, "a beginner-friendly
        out |= LEARNING_TYPES  # library" for libraries: only a learner naming no kind wants to learn
    return out


# A kind's word in another sense: "of course", "over the course of" (no course); paper forms,
# invoices, receipts (the material); "order book", old or scanned books, book covers (objects);
# a public or school library, library cards (a building); a model's architecture or summary
_OTHER_SENSE: dict[str, tuple[frozenset[str], frozenset[str]]] = {  # word: (words before, words after)
    "course": (frozenset(("of",)), frozenset(("of",))),
    "paper": (frozenset(("toilet", "tissue", "wrapping")), frozenset((
        "form", "forms", "invoice", "invoices", "receipt", "receipts", "document", "documents", "record",
        "records", "scan", "scans", "map", "maps", "file", "files", "note", "notes", "ticket", "tickets", "bill",
        "bills", "check", "checks", "cheque", "cheques", "ballot", "ballots", "page", "pages", "sheet", "sheets",
        "letter", "letters", "archive", "archives", "copy", "copies", "mail", "towel", "towels", "cup", "cups"))),
    "book": (frozenset(("order", "old", "scanned", "printed", "historical", "ancient", "rare", "physical")),
             frozenset(("cover", "covers", "page", "pages", "spine", "spines", "scan", "scans", "shelf", "shelves"))),
    "library": (frozenset(("public", "school", "university", "city", "county", "local")),
                frozenset(("card", "cards", "catalog", "catalogue", "patrons", "shelves", "building"))),
    # "model architecture", "model summary": a part of the user's model, not a model asked for
    "model": (frozenset(), frozenset(("architecture", "architectures", "structure", "graph", "summary", "size",
                                      "parameters", "params", "layers", "internals", "diagram"))),
    # "neural architecture search": a method that designs networks, not a model asked for
    "architecture": (frozenset(("model", "network")), frozenset(("diagram", "graph", "search", "searches"))),
    # recorded lectures, lecture videos: the user's own recordings; an audio or museum guide: a device
    "lecture": (frozenset(("recorded",)), frozenset(("recording", "recordings", "video", "videos", "audio",
                                                     "notes", "slides", "hall", "halls", "transcripts"))),
    "guide": (frozenset(("audio", "museum", "tour", "tv", "program", "travel", "city")), frozenset()),
    # a compiled or exported model package is the artifact to build, not a library asked for; a
    # package manager installs them
    "package": (frozenset(("model", "compiled", "exported", "deployment", "deployable", "inference")),
                frozenset(("manager", "managers"))),
}
# "how do I package the model", "how to benchmark it": a type word that is also a verb, right after
# "to" or a subject, is something the user does, not a kind of answer asked for
_VERB_TYPE_WORDS = frozenset(("package", "benchmark", "guide", "book"))
_SUBJECTS = frozenset(("to", "i", "we", "you"))


# "backbones pretrained on a big action dataset": what a model learned from is its provenance
_LEARNED_ON = frozenset(("pretrained", "trained", "finetuned", "tuned", "distilled"))


def _run_on(seq: list[str], i: int) -> bool:
    """True for what the work runs on ("compare chat models on standard benchmarks", "fine-tune on a
    dataset") or what a model learned from ("pretrained on a big action dataset"): it is the
    material; a "hands-on course" still asks for a course."""
    if i >= 2 and seq[i - 1] in _DETERMINERS_ON and seq[i - 2] == "on":
        return True
    if any(seq[p] == "on" and seq[p - 1] in _LEARNED_ON for p in range(max(1, i - 5), i)):
        return True
    return i >= 1 and seq[i - 1] == "on" and not (i >= 2 and seq[i - 2] == "hands")


def _other_sense(seq: list[str], i: int, w: str) -> bool:
    """True when the type word at `i` is used in another sense (see `_OTHER_SENSE`)."""
    rule = _OTHER_SENSE.get(w[:-1] if w.endswith("s") and w[:-1] in _OTHER_SENSE else w)
    if rule is None:
        return False
    before, after = rule
    return (i > 0 and seq[i - 1] in before) or (i + 1 < len(seq) and seq[i + 1] in after)


# "load a dataset", "merge two models", "reproduce a paper": a type word right after a verb of
# working on something (past a determiner or a number) is the material, not the answer asked for;
# "find a dataset", "recommend a paper", "need a dataset" still ask
_WORK_VERBS = frozenset(stem(w) for w in (
    "load", "stream", "augment", "split", "shuffle", "merge", "combine", "compare", "implement", "reproduce",
    "replicate", "summarize", "summarise", "cite", "parse", "clean", "label", "annotate", "preprocess",
    "convert", "export", "quantize", "quantise", "compress", "prune", "deploy", "serve", "debug", "profile",
    "shard", "cache", "balance", "deduplicate", "translate", "upload", "pack", "version"))
_DETERMINERS = frozenset(("a", "an", "the", "two", "three", "several", "multiple", "some", "each", "every",
                          "all", "one", "both", "huge", "large", "big", "small", "whole", "entire", "new"))


def _worked_on(seq: list[str], i: int) -> bool:
    """True when the type word at `i` is the object of a verb of working on something."""
    j = i - 1
    while j >= 0 and (seq[j] in _DETERMINERS or seq[j].isdigit()) and i - j <= 3:
        j -= 1
    # a determiner in between ("prune a model"): without one the verb's noun is a compound's
    # head ("pruning toolkit", "translation models") that asks for that kind
    if 0 <= j < i - 1 and stem(seq[j]) in _WORK_VERBS:
        return True
    # modifiers between the determiner and the noun: "stream a multi-terabyte dataset"
    return any(stem(seq[p]) in _WORK_VERBS and seq[p + 1] in _DETERMINERS for p in range(max(0, i - 5), i - 1))


# "pretrained backbones": chosen from a model zoo (timm, torchvision) as much as one card
_ZOO_WORDS = frozenset(("backbone", "backbones"))


def _pretrained(seq: list[str], i: int) -> bool:
    """"pretrained (image classification) models", "pre-trained weights models": what a model zoo
    holds (timm, Segmentation Models PyTorch, Ultralytics) as much as one card (read sets: 10 up,
    5 down by >= 0.03)."""
    return any(seq[p] == "pretrained" or (seq[p] == "trained" and p and seq[p - 1] == "pre")
               for p in range(max(0, i - 4), i))
# "a platform to download weights from": a hub site (ModelScope, the Hugging Face Hub) as much as a library
_HUB_WORDS = frozenset(("platform", "platforms"))
_RUN_VERBS = frozenset(("run", "runs", "running", "host", "hosts", "hosting", "execute", "executes"))


def _run_models(seq: list[str], i: int) -> bool:
    """True for models someone runs ("what runs quantized models", "to run open models on a
    laptop"): the models are the material; what runs them is asked for (a verb of running at most
    two words before the type word)."""
    return any(seq[p] in _RUN_VERBS for p in range(max(0, i - 3), i))


def _how_they_work(seq: list[str], i: int) -> bool:
    """"understand how ChatGPT-style models work": the kind is the topic to understand, not the
    answer asked for (a type word right before a verb of working, with "how" shortly before)."""
    return seq[i + 1:i + 2] in (["work"], ["works"], ["worked"]) and "how" in seq[max(0, i - 5):i]


# Native code named: the C++ side of PyTorch answers these ("load the model from C++", "my own
# CUDA kernel", "a C# backend"); any other query is answered in Python first
_NATIVE = LazyPattern(r"c\+\+|\bcpp\b|libtorch|\bc#|\bjava\b|\brust\b|\bnative\b|\bcuda\b|\bkernels?\b")

# Verbs of adapting a model the user already has in mind ("fine-tune a 7B chat model", "teach an
# open model our tone"): the model is the material, how to adapt it is the ask
_ADAPT_VERBS = frozenset(("fine", "finetune", "finetuning", "finetuned", "teach", "adapt", "customize",
                          "customise", "specialize", "specialise"))
_MODEL_NOUNS = frozenset(("model", "models", "llm", "llms"))


def adapts_model(seq: Sequence[str]) -> bool:
    """True when a verb of adapting governs a model (or a size in billions) at most four words on:
    the go-to models of the task are then no answer unless models are asked for."""
    for i, w in enumerate(seq):
        if w in _ADAPT_VERBS and (w != "fine" or seq[i + 1:i + 2] == ["tune"]):
            ahead = seq[i + 1 + (w == "fine"):i + 6 + (w == "fine")]
            if any(a in _MODEL_NOUNS or _BILLIONS.fullmatch(a) for a in ahead):
                return True
    return False


# owners whose book, course, paper or dataset is what the user works on, never what they ask for
_EVERYDAY_OWNERS = frozenset((
    "children", "child", "kids", "kid", "customer", "customers", "client", "clients", "patient", "patients",
    "company", "companies", "team", "bank", "hospital", "hospitals", "school", "schools", "store", "shop",
    "museum", "city", "government", "firm", "agency"))


# A learner's need names no type but asks for learning material: "complete beginner, where do I
# start", "new to pytorch", "want to learn pytorch". Not "learning" (machine learning), nor "to
# learn" (a model learns too).
LEARNING_TYPES = frozenset(("tutorial", "course", "book"))
_LEARNER_WORDS = frozenset(("beginner", "beginners", "newbie", "newbies", "novice", "novices", "newcomer"))
_LEARNER_PHRASES = (("new", "to", "pytorch"), ("new", "to", "deep"), ("new", "to", "machine"),
                    ("where", "do", "i", "start"), ("where", "to", "start"), ("where", "should", "i", "start"),
                    ("get", "started"), ("getting", "started"), ("learn", "pytorch"), ("learning", "pytorch"),
                    ("learn", "deep"), ("learn", "the", "basics"), ("teach", "myself"))


# "understand ... works" / "... under the hood": the user wants to know how a thing works inside,
# not to explain a model's decision ("understand why my model flags this")
_HOW_IT_WORKS = frozenset(("work", "works", "working", "hood", "internals"))


_LEARNER_BY_FIRST: dict[str, tuple[tuple[str, ...], ...]] = {
    w: tuple(p for p in _LEARNER_PHRASES if p[0] == w) for w in {p[0] for p in _LEARNER_PHRASES}}


# a newcomer by what they lack: "I know Python but nothing about neural nets", "never touched deep
# learning", "no background in ML", or asking for material to learn from
_FIELD = r"(?:neural|deep|machine|ml|ai|pytorch)"
_NEWCOMER = LazyPattern(rf"\bnothing about (?:\w+ )?{_FIELD}|\bnever (?:touched|done|used|tried|learned|studied|"
                       rf"worked with) (?:any )?{_FIELD}|\bno (?:prior )?(?:experience|background) (?:in|with) {_FIELD}"
                       r"|\b(?:learning|study|teaching) materials?\b|\bmaterials? to (?:learn|study|get)\b")


def is_learner(seq: list[str]) -> bool:
    """True when the words say the user wants to learn rather than to get a task done (phrases
    are looked up by their first word: this runs on every query)."""
    if _LEARNER_WORDS.intersection(seq):
        return True
    if ("nothing" in seq or "never" in seq or "no" in seq or "material" in seq or "materials" in seq) \
            and _NEWCOMER.search(" ".join(seq)):
        return True
    if "understand" in seq and _HOW_IT_WORKS.intersection(seq[seq.index("understand") + 1:]):
        return True  # "understand how attention works", "understand what happens under the hood"
    return any(tuple(seq[i:i + len(p)]) == p
               for i, w in enumerate(seq) for p in _LEARNER_BY_FIRST.get(w, ()))


# Chinese characters that only hold a sentence together: a token made of them alone is dropped
ZH_FUNCTION_CHARS = frozenset("的了被是在和与及或我你他她它们这那哪什么怎如何为吗呢吧啊呀"
                              "有没就也都还用想要能会可以个把给让对从到上下里中些一很太再又才得地着过啦嘛咋")
# Sentence particles: a bigram holding one ("训练的", "好了", "行吗") straddles two words and
# matches only by accident
ZH_PARTICLES = frozenset("的了吗呢吧啊呀啦嘛")
# Words of a user leaving something behind: what replaced it is the answer
_REPLACING = frozenset(("instead", "alternative", "alternatives", "replacement", "replacements", "replace",
                        "replaced", "successor", "deprecated", "discontinued", "archived", "abandoned",
                        "unmaintained", "obsolete", "outdated", "migrate", "migrating", "migration", "sunset",
                        "legacy", "superseded", "retired", "dormant", "defunct"))
# "torchtext is dead", "VISSL got archived", "the repo was retired": the thing is gone, so what
# replaced it is the answer (a bare "dead" is not: dead neurons, dead pixels)
_GONE_WORDS = (r"(?:is|are|was|were|got|has been|have been|went|now|officially) "
               r"(?:dead|deprecated|archived|discontinued|retired|sunset|sunsetted|shut down|end of life)")
_GONE = LazyPattern(rf"\b{_GONE_WORDS}\b")


# A learner who names no topic ("complete beginner, where do I start?") is answered from the
# learning area, its go-to picks (the official beginner tutorials) first; the reason says "for
# getting started", as the user named no area
LEARNER_AREA_KEY = "area:learning"
_NAMES_LEARNING = LazyPattern(r"\blearn(?:ing)?\s+(?:to\s+use\s+)?pytorch\b|学习\s*pytorch")
_TASK_MODEL = LazyPattern(r"([a-z0-9]+) model[\s?!.]*$")  # the word right before a final "model"
# "speech recognition open source model", 图像分割 预训练 模型: words saying what kind of model,
# between the task's name and "model", still ask for models of that task
_MODEL_QUALIFIERS = frozenset(stem(w) for w in ("open", "source", "pretrained", "pretraining", "pre", "trained",
                                                  "weights", "free", "best", "good", "sota", "new", "latest"))


_PRETRAINED_STEMS = frozenset(stem(w) for w in ("pretrained", "pretraining", "pre", "trained"))


def _unqualified(words: list[str]) -> list[str]:
    """`words` without the model qualifiers at their end (at most three)."""
    end = len(words)
    while end and len(words) - end < 3 and words[end - 1] in _MODEL_QUALIFIERS:
        end -= 1
    return words[:end]


# "股票预测用什么模型好", "分类选哪个模型": 模型 after a question word asks which approach to take, not
# for model cards; the glossary drops the question word, and the rendering ("stock price
# prediction model") would read like a task name then "model"
_ZH_WHICH_MODEL = LazyPattern(r"(什么|啥|哪个|哪种|哪些|哪类|何种)(样的|样|的)?模型")
_BILLIONS = LazyPattern(r"\d{1,4}b")
# "recommend me a library for …", "any suggestions", 推荐一个 / 求推荐: the user asking for an
# answer, not about recommender systems, a task whose names hold the same word ("recommend movies
# to users", 做推荐 and 推荐系统 still name it)
_ASKING_EN = LazyPattern(r"\b(?:recommend|suggest)(?:\s+me)?(?=\s+(?:a|an|some|any|good|the\s+best|the\s+right"
                        r"|one|something|what|which|tools?|librar(?:y|ies)|frameworks?|packages?|models?"
                        r"|papers?|books?|courses?|tutorials?|datasets?)\b)|\bany\s+(?:recommendations?"
                        r"|suggestions?)\b", re.I)
_ASKING_ZH = LazyPattern(r"求推荐|(?:有什么|有没有|能不能|可以)推荐|推荐(?:一下|一个|一款|一些|几个|几款|个|些|下"
                        r"|一本|几本|本|一门|几门|门|一篇|几篇|篇|一套|一份|一种|几种|种|点)"
                        # 教程推荐, 书籍推荐: recommendations of a kind of answer (the kind word stays)
                        r"|(?:" + "|".join(f"(?<={w})" for w in (
                            "教程", "书", "书籍", "课", "课程", "库", "框架", "工具", "论文", "数据集", "资料", "网站",
                            "博客", "视频", "项目", "模型")) + ")推荐")
# Text in a named language other than English ("Indonesian and Vietnamese reviews", "French
# legal text"): a model that covers many languages answers it, as "multilingual" would say.
# Chinese has its own resources and is read as itself; "polish" is mostly the verb
_OTHER_LANGUAGE = LazyPattern(
    r"\b(?:french|german|spanish|portuguese|italian|dutch|russian|ukrainian|arabic|hindi|bengali|urdu|"
    r"indonesian|malay|vietnamese|thai|japanese|korean|turkish|persian|farsi|swahili|hebrew|greek|swedish|"
    r"finnish|norwegian|danish|czech|romanian|hungarian|tagalog|filipino|tamil|telugu|marathi|yoruba|hausa|"
    r"amharic|punjabi|gujarati|kannada|malayalam|nepali|sinhala|burmese|khmer|lao|mongolian|kazakh|uzbek)\b")
# "I have 8 A100s", "two nodes", "4x H100": several accelerators or machines at hand means the
# work is spread over them, though the user may not say "distributed"
_SEVERAL_DEVICES = LazyPattern(r"\b(?:[2-9]|[1-9]\d{1,3}|two|three|four|five|six|seven|eight|sixteen|multiple|several)"
                              r"\s*(?:x\s*)?(?:nvidia\s+)?(?:gpus|[ahv]100s?|h200s?|b200s?|[34]090s?|nodes|machines"
                              r"|servers|cards|accelerators|tpus)\b")

# "only 50 labelled images per class", "just twenty annotated photos": a small labelled set
# stated as a count says what "few labelled images" says (few-shot learning, transfer learning)
_FEW_LABELLED = LazyPattern(r"\b(?:only|just|merely|barely)\s+(?:about\s+|around\s+|roughly\s+|~\s*)?"
                           r"(?:\d{1,3}|a\s+(?:few|couple|handful)|two|three|four|five|ten|twelve|twenty|thirty|forty"
                           r"|fifty|a\s+hundred|a\s+few\s+hundred|(?:one|two|three)\s+hundred)"
                           r"\s+(?:(?:hand|manually|human|carefully|properly)[\s-]+|(?:images|photos|pictures|samples"
                           r"|examples|scans|clips|sentences|documents)\s+(?:are\s+|that\s+are\s+)?)?"
                           r"(?:label(?:l)?ed|annotated|tagged)\b")

# Class imbalance told by its symptom: a rare class given as a small share of the data ("fraud is
# 0.5% of my data", "only 1% of samples are positive") or a model that only ever predicts the
# common class ("predicts 'not fraud' for everything", "never predicts the rare class")
_IMBALANCED = LazyPattern(r"(?<![\d.])(?:0?\.\d+|[1-5](?:\.\d+)?)\s*%\s+(?:of\s+(?:(?:my|our|the|all)\s+)?(?:\w+\s+)?"
                         r"(?:data|dataset|samples|rows|examples|records|transactions|images|labels|cases)"
                         r"|(?:are|is)\s+(?:positive|fraud\w*|defect\w*|anomal\w*|the\s+rare))"
                         r"|\b(?:just|only|always|simply)\s+predicts?\s+(?:\S+\s+){0,4}?(?:for\s+everything|every\s+time"
                         r"|for\s+all\b|for\s+every\s+\w+)|\bnever\s+predicts?\s+(?:the\s+)?(?:rare|minority|positive)"
                         r"|\b(?:minority|majority)\s+class")

_IMBALANCED_ZH = LazyPattern(r"(?:只占|仅占|只有|仅有|不到|才|占比)\s*(?:0?\.\d+|[1-5](?:\.\d+)?)\s*[%％]|千分之"
                            r"|(?:全|都|全都|一律|总是|只会)(?:被)?预测(?:成|为)"
                            r"|(?:永远|总是|老是|一直)(?:都)?只(?:会)?预测")

# Labels the reader already has ("we have 300 annotated images", "a few thousand labelled
# frames", "自己已经标了几千张图") describe their data, not a wish for a labelling tool: the label
# words then match nothing in BM25 (annotation tools otherwise top a segmentation or detection need)
_HAVE_LABELLED = LazyPattern(
    r"(?<![\w-])(?:(?:hand|manually|human|expert|carefully)[\s-]+)?(?:annotated|labell?ed)\s+(?:\w+[\s-]+)?"
    r"(?:images|photos|pictures|frames|examples|samples|clips|scans|videos|recordings|sentences|documents"
    r"|pairs|rows|records|utterances|texts|reviews|tickets|emails|crops|slides|tiles|points|data|dataset)\b"
    r"|\b(?:we|i|we've|i've|we\s+have|i\s+have)\s+(?:already\s+)?(?:hand[\s-]+|manually\s+)?(?:annotated|labell?ed)\b")
_HAVE_LABELLED_ZH = LazyPattern(r"(?:已经|已)\S{0,2}?(?:标了|标注了|标好|标注好|标完)"
                               r"|(?:有|手上|手头|手里)[^，。,；;]{0,8}?(?:标好的|标注好的|已标注|标注过的|标过的)")
_LABEL_STEMS = frozenset(("annot", "label"))  # the stems of annotated/labelled/labeling

# A quantity said with a noun measures, it names no topic: "a chunk of my labels" is no text
# chunking, "a big pile of images" no stack ("chunks of 512 tokens", without an article, still is)
_QUANTITY_EN = LazyPattern(r"\b(?:a|an|one|the|this|that)\s+"
                          r"(?:(?:whole|big|huge|large|small|good|fair|massive|giant)\s+)?"
                          r"(?:chunk|bunch|ton|pile|heap|load|lot|couple|handful|slew|bucket|truckload|mountain)"
                          r"\s+of\b|\b(?:lots|tons|loads|heaps|piles|bunches)\s+of\b")

# A latency as measured ("200 ms per image", "under 20 ms"): a constraint, not a topic; its unit
# would match ms-swift, MS COCO and MS MARCO by name
_DURATION = LazyPattern(r"\b\d+(?:\.\d+)?\s*(?:ms|msec|milliseconds?)\b")

# What the user would rather not do ("I don't want to write a CUDA kernel", "without learning CUDA
# C++"), to the end of its clause: a task named there is what they avoid, not what they ask for
_AVOIDED = LazyPattern(r"\b(?:don'?t|do not|doesn'?t|won'?t|would rather not|rather not)\s+(?:really\s+)?"
                      r"(?:want|need|have|like)\s+to\s+[^,.;!?]*"
                      r"|\bwithout\s+(?:having\s+to\s+)?(?:writ|rewrit|learn|touch|implement|design)\w*[^,.;!?]*")

# ... and in Chinese (别 not inside 识别, 区别, 类别 ...)
_AVOIDED_ZH = LazyPattern(r"(?:不想|不愿意|不愿|不希望|不要|不用再?|(?<![识区类分特级性告辨鉴判差个])别再?)"
                         r"(?:自己)?(?:再)?(?:上|用|写|装|带|引入|依赖|搞|手写|打包|学|改|重写|调)[^，。,.;；!?！？]*")

# Zero-shot told by what it skips: "label them without training anything", "no fine-tuning", 不用训练
# (the words "without"/"no" are stopwords, so no task phrase can hold them)
_UNTRAINED = LazyPattern(r"\b(?:without|no|zero)\s+(?:any\s+|extra\s+|additional\s+)?(?:re-?)?"
                        r"(?:training|fine-?tuning)\b"
                        # ... or the data it skips: "without collecting and labelling a dataset first",
                        # "without collecting boxes and training a detector"
                        r"|\bwithout\s+(?:first\s+)?(?:collecting|gathering|labell?ing|annotating|drawing|marking)"
                        r"(?:\s+(?:and|or)\s+(?:labell?ing|annotating))?\s+(?:a\s+|any\s+|my\s+|our\s+)?"
                        r"(?:training\s+)?(?:bounding\s+)?(?:dataset|data|images|photos|examples|boxes|masks|labels)\b")
_UNTRAINED_ZH = LazyPattern(r"(?:不用|无需|不需要|不想|免|不)(?:再)?(?:训练|微调|重新训练)")

# A Chinese type word is the reader's own thing, not the kind of answer asked for, when a
# possessive comes right before it (我的模型) or the sentence goes on to describe it (数据集太小,
# 模型老是过拟合): the glossary's rendering keeps the word ("dataset") and drops what said so.
_ZH_OWNED = ("我的", "我们的", "自己的", "咱们的", "公司的", "手上的", "手头的")
# what the reader writes or publishes ("写进论文", "投论文", "发表论文"): their own, not asked for
_ZH_WRITING = ("写进", "写入", "写到", "写在", "写", "投", "发表")
_ZH_NOT_ASKED = _ZH_OWNED + _ZH_WRITING
# ... or placed: 数据集里/中 (in the dataset), 模型里 (inside the model) is the reader's own material
# ... unless a which-word asks for one (什么库, 哪个模型, 有啥数据集): then what follows compares
# the candidates (比较好, 好用) rather than describing the reader's own
_ZH_WHICH = LazyPattern(r"(什么|啥|哪个|哪种|哪些|哪类|何种|哪款)(样的|样|的)?$")
_ZH_DESCRIBED = LazyPattern("(太|很|有点|有些|不够|不足|比较|特别|非常|只有|才|挺|越来越|老是|总是|一直"
                           "|又|也|还|都|就|里|中|内)")


def _zh_own_types(text: str, terms: list[tuple[str, str]]) -> set[str]:
    """Types whose every Chinese word in `text` is owned or described (see _ZH_OWNED)."""
    own: set[str] = set()
    asked: set[str] = set()
    for zh, en in terms:
        kinds = _asked(en_words(en)) - LEARNING_TYPES if has_cjk(zh) else set()
        at = text.find(zh)
        while kinds and at >= 0:
            which = _ZH_WHICH.search(text[max(0, at - 4):at])  # 用什么库比较好: "which library is better"
            context = own if not which and (text[:at].endswith(_ZH_NOT_ASKED)
                                            or _ZH_DESCRIBED.match(text, at + len(zh))) else asked
            context |= kinds
            at = text.find(zh, at + 1)
    return own - asked


# where a query turns from its situation to what the reader wants done: "..., I want to", "..., we
# would like to", "..., 想把它", "希望" (not 理想, 思想, 想法: nouns holding the character)
_GOAL_EN = LazyPattern(r"\b(?:i|we)\s+(?:(?:would|'d)\s+(?:like|love)|want|wanna|need|plan|hope"
                      r"|(?:am|are|'m|'re)\s+(?:trying|hoping|looking))\s+to\b")
_GOAL_ZH = LazyPattern(r"(?<![理思感构猜回联设幻梦])想(?![法象到起念])|希望|打算")
_SITUATION_MIN = 3  # words (English) or characters (Chinese) before the turn: less is no situation


def _goal_clause(english: str, text: str, lang: str) -> str | None:
    """The clause after the turn to a goal (as typed for Chinese), when a situation precedes it.
    Not a reason after the ask ("export it so a C++ app can load it"): that one often narrows it
    (read sets: 2 up, 1 down by 0.39)."""
    if lang == "zh":
        m = _GOAL_ZH.search(text)
        if m is None or len(re.sub(r"\W", "", text[: m.start()])) < _SITUATION_MIN:
            return None
        return text[m.end():]
    m = _GOAL_EN.search(english)
    if m is None or len(en_words(english[: m.start()])) < _SITUATION_MIN:
        return None
    return english[m.end():]


def _lead_with_goal(tasks: dict[str, float], english: str, text: str, lang: str, glossary: Glossary,
                    matcher: TaskMatcher, stem_of: Callable[[str], str]) -> tuple[dict[str, float], frozenset[str]]:
    """(tasks, situation): a task the goal clause names is lifted to the query's strongest, and
    the tasks named only before the turn are the situation (weighed as the hardware at hand is)."""
    goal = _goal_clause(english, text, lang) if len(tasks) > 1 else None
    if goal is None:
        return tasks, frozenset()
    goal_en = " ".join(glossary.translate(goal)[0].split()).lower() if lang == "zh" else goal
    wanted = matcher.match([st for _, st in _word_stems(goal_en, stem_of)], goal, inner=glossary.inner)
    if not wanted or wanted.keys().isdisjoint(tasks):
        return tasks, frozenset()
    situation = frozenset(t for t in tasks if t not in wanted and not t.startswith("area:"))
    if not situation:
        return tasks, situation
    lead = max(tasks.values())  # the goal is named as strongly as the query names anything
    return {t: lead if t in wanted else v for t, v in tasks.items()}, situation


def _word_stems(text: str, stem_of: Callable[[str], str]) -> tuple[tuple[str, str], ...]:
    """(word, stem) of the index words of `text`; "deprecated" or "alternative" say what the user
    wants, not what the answer is about (they would match every deprecated resource's description)."""
    return tuple((w, stem_of(w)) for w in index_words(text) if w not in _REPLACING)


# What the user leaves behind or cannot use is the one answer they do not want. Cues before the
# thing ("an alternative to wandb", "harder than MNIST", "tired of lr schedules", a clause opening
# with "not": "..., not Megatron's giant one") and cues after it
# ("COCO's classes are too narrow", "bitsandbytes ... 用不了"), within one clause
_LEAVING_BEFORE = LazyPattern(
    r"^\s*(?:and |but )?not\b|"  # "... a small codebase, not Megatron's giant one"
    r"\b(?:instead of|rather than|other than|(?:harder|bigger|larger|better|faster) than|besides|tired of|"
    r"alternatives? (?:to|for)|replacements? (?:to|for)|replace|replacing|switch(?:ing)? (?:away )?from|"
    r"migrat(?:e|ing) (?:away )?from|move (?:away )?from)\b")
_LEAVING_AFTER = LazyPattern(
    r"\b(?:(?:is|are|was|were|seems?|feels?)? ?too (?:narrow|small|limited|old|basic|easy)|(?:is|are) not enough|"
    r"isn't enough|aren't enough|can't use|cannot use|can't be used|" + _GONE_WORDS + "|"
    r"no longer (?:works|maintained|supported|developed|updated)|"
    r"(?:went|gone|is|was|has gone) into maintenance mode|is in maintenance mode|(?:nobody|no one) maintains|"
    r"(?:is|was|got) abandoned|is unmaintained)\b"
    r"|用不了|不能用|没法用|用不上|被弃用|已弃用|停止维护|不维护")
# "..., which nobody maintains", "..., but that project stalled": a clause that opens by pointing
# back leaves the thing the clause before it ended with
_POINTS_BACK = LazyPattern(r"^\s*(?:(?:that|the|this) (?:project|library|repo|tool)|which|that|and it|it)\b")
# ... and cues that say it only so ("that project stalled"; "the training stalled" leaves nothing)
_LEAVING_BACK = LazyPattern(r"\b(?:has |have |had )?(?:stalled|gone quiet|went quiet|died)\b")
_LEAVING_ZH = LazyPattern(r"替代|替换|换掉|不想用")  # anywhere in the query: see `left_names`
_LEFT_WINDOW = 6  # words on the cue's side that may name the thing left
_CLAUSE = LazyPattern(r"[,;:!?，。；：！？\n]|\.(?=\s|$)|\bbut\b|但是?|可是?")  # not "torch.compile"'s dot
_NAME_WORD = LazyPattern(r"[0-9A-Za-z][0-9A-Za-z._+#&-]*|[\u3400-\u9fff]+")


def left_names(text: str) -> tuple[str, ...]:
    """Name keys of the words and word runs (up to four) the user says they leave behind or cannot
    use; the pipeline lowers the catalog rows so named. Only words in the cue's clause count: the
    ones after a cue like "instead of", the ones before one like "is too narrow"."""
    out: list[str] = []
    spans: list[list[str]] = []
    clauses = [c for c in _CLAUSE.split(text) if c.strip()]
    for i, clause in enumerate(clauses):
        spans += [_latin_words(clause[m.end():])[:_LEFT_WINDOW] for m in _LEAVING_BEFORE.finditer(clause)]
        cues = [(m, False) for m in _LEAVING_AFTER.finditer(clause)]
        for m, only_back in cues + [(m, True) for m in _LEAVING_BACK.finditer(clause)]:
            before = clause[:m.start()]
            back = i > 0 and bool(_POINTS_BACK.match(before)) and not _latin_words(_POINTS_BACK.sub("", before))
            if back:
                before = clauses[i - 1]
            elif only_back:
                continue
            spans.append(_latin_words(before)[-_LEFT_WINDOW:])
    if _LEAVING_ZH.search(text):  # 有没有 wandb 的国产替代, wandb 太慢了，有替代吗: the thing may sit in
        spans.append(_latin_words(text))  # another clause, and Chinese names it in Latin letters
    for words in spans:
        for n in range(1, 5):
            for i in range(len(words) - n + 1):
                key = "".join(c for c in "".join(words[i:i + n]) if c.isalnum())
                if len(key) >= 3:
                    out.append(key)
    return tuple(dict.fromkeys(out))


def _latin_words(span: str) -> list[str]:
    """The Latin-letter words of a span, lower-case, without a possessive 's ("COCO's")."""
    return [w.lower() for w in _NAME_WORD.findall(re.sub(r"'s\b", "", span)) if not has_cjk(w)]


def analyse(query: str, glossary: Glossary, matcher: TaskMatcher, speller: Speller | None = None) -> Query:
    """Everything the legs need, computed once per query; with a `speller`, typos in English
    words are read as the catalog words they are one or two edits from."""
    text = clean(query)
    lang = "zh" if has_cjk(text) else "en"
    if lang == "zh":
        text = _ASKING_ZH.sub(" ", text)
    english, terms = glossary.translate(text) if lang == "zh" else (text, [])
    # lower-case like a typed query: a rendering may be a task's display name ("Large Language
    # Models"), and the word pattern reads lower-case letters only ("arge", "anguage")
    english = " ".join(english.split()).lower()
    # the words that say what it is about: not the asking ("recommend me a"), nor a quantity
    asked_of = _DURATION.sub(" ", _QUANTITY_EN.sub(" ", _ASKING_EN.sub(" ", english)))
    stem_of = speller.stem if speller is not None else stem
    seq = en_words(english)
    replacing = bool(_REPLACING.intersection(seq)) or bool(_GONE.search(english))
    word_stems = _word_stems(asked_of, stem_of)  # en_tokens with typos read
    words = [st for _, st in word_stems]
    # "a 7B model", "70B in 4 bit": a size in billions of parameters is a large language model
    if "llm" not in words and any(_BILLIONS.fullmatch(w) for w in words):
        words.append("llm")
    if "distribut" not in words and _SEVERAL_DEVICES.search(english):  # `english` is lower-case
        words.append("distribut")
    if "multilingu" not in words and _OTHER_LANGUAGE.search(english):
        words.append("multilingu")
    few_labelled = bool(_FEW_LABELLED.search(english))
    if "few" not in words and few_labelled:
        words.append("few")
    if "imbalanc" not in words and (_IMBALANCED.search(english) or (lang == "zh" and _IMBALANCED_ZH.search(text))):
        words.append("imbalanc")
    if "zero" not in words and (_UNTRAINED.search(english) or (lang == "zh" and _UNTRAINED_ZH.search(text))):
        words += ["zero", "shot"]
    if replacing:  # the same for the Chinese words that said it ("弃用", "替代")
        for zh, en in terms:
            if _REPLACING.intersection(en.lower().split()):
                text = text.replace(zh, " ")
    # a Chinese token made only of function characters ("了", "什么", "用什") says nothing BM25
    # can match on, yet matches every Chinese description that uses them
    # (a few labelled examples still ask for few-shot learning, where the label words do match)
    had = not few_labelled and (
        _HAVE_LABELLED.search(english) or (lang == "zh" and _HAVE_LABELLED_ZH.search(text)))
    tokens = tuple([w for w in words if not (had and w in _LABEL_STEMS)]
                   + [t for t in cjk_tokens(text) if not ZH_FUNCTION_CHARS.issuperset(t)
                      and not ZH_PARTICLES.intersection(t) and not (had and "标" in t)])
    # a Chinese term rendered as a task's name ("transformer原理" as "Large Language Models") says
    # what it is about, not what kind of answer the reader wants: its words hold no type word
    # what a Chinese reader would rather not do (不想上复杂的框架, 不想装python环境) asks for no
    # kind of answer and names no task, as "without rewriting it in another framework" in English
    kept_zh = _AVOIDED_ZH.sub("，", text) if lang == "zh" else text
    if kept_zh != text:
        kept_en, kept_terms = glossary.translate(kept_zh)
        kept_seq = en_words(" ".join(kept_en.split()).lower())
    else:
        kept_terms, kept_seq = terms, seq
    intent = _asked(_without_task_names(kept_seq, kept_terms, matcher)) if lang == "zh" else asked_types(english)
    if lang == "zh" and intent:  # 数据集太小, 我的模型: the reader's own thing, as in English
        intent -= _zh_own_types(text, terms)
    if lang == "zh" and "tutorial" in intent:  # 教程 is any learning material (a course, a book),
        intent |= LEARNING_TYPES  # wider than the glossary's "tutorial"
    # "semantic segmentation model", 目标检测模型: a task's name then "model" at the end of the
    # query asks for models of that task (mid-sentence, "model" is mostly the user's own)
    head = _TASK_MODEL.search(english)
    if head and words[-2:] == [stem(head.group(1)), "model"] and not _OWNED.intersection(seq[-5:-1]) \
            and not (lang == "zh" and _ZH_WHICH_MODEL.search(text)) \
            and matcher.ends_with_task(_unqualified(words[:-1])):
        intent.add("model")
        if _PRETRAINED_STEMS.intersection(words[-4:-1]):
            intent.add("library")
    if "course" in intent or "book" in intent or "tutorial" in intent:
        intent.discard("api")  # "functions" in a course or book query are its syllabus, not an ask
    # what the user wants to avoid names no task: "..., and I don't want to write a CUDA kernel"
    avoided = _AVOIDED.sub(" , ", asked_of) if lang == "en" else \
        (asked_of if kept_zh == text else " ".join(kept_en.split()).lower())
    task_words = words if avoided == asked_of else \
        [st for _, st in _word_stems(avoided, stem_of)] + words[len(word_stems):]
    gave_way: set[str] = set()
    tasks = matcher.match(task_words, text if avoided == asked_of else
                          (kept_zh if lang == "zh" else _AVOIDED.sub(" , ", text)),
                          frozenset(words[len(word_stems):]), glossary.inner, gave_way)
    opposite, stated = reversed_tasks(english, lambda: matcher.conversions)
    if opposite:  # "语音合成" read as "speech synthesis text-to-speech" holds "speech ... text" in
        # order, yet names text-to-speech only: a task converting against the stated way is not named
        tasks = {t: v for t, v in tasks.items() if t not in opposite}
    # a learner naming no topic gets the learning area; so does one whose words only happen to hold
    # the area's name apart ("deep learning … PyTorch"), unlike one who names it ("learning PyTorch")
    scattered = set(tasks) == {LEARNER_AREA_KEY} and not _NAMES_LEARNING.search(english)
    starting = (not tasks or scattered) and is_learner(seq) and LEARNER_AREA_KEY in matcher.children
    if starting:
        tasks = {LEARNER_AREA_KEY: 1.0}
    tasks, situation = _lead_with_goal(tasks, english, text, lang, glossary, matcher, stem_of)
    return Query(
        raw=query, lang=lang, english=english, tokens=tokens, words=frozenset(words),
        glossary_terms=tuple(terms), tasks=tasks,
        intent=frozenset(intent),
        word_stems=word_stems, typed=frozenset(en_words(text)) if lang == "zh" else frozenset(),
        sources=_sources(terms),
        replacing=replacing, starting=starting, opposite=opposite, stated=stated,
        free=bool(_FREE.search(english) or (lang == "zh" and _FREE_ZH.search(text))),
        seminal=bool(_SEMINAL.search(english) or (lang == "zh" and _SEMINAL_ZH.search(text))),
        situation=situation, adapts_model=adapts_model(seq),
        native=bool(_NATIVE.search(english) or _NATIVE.search(query.lower())),
        left=left_names(clean(query)), gave_way=frozenset(gave_way),
    )


def _without_task_names(seq: list[str], terms: Sequence[tuple[str, str]], matcher: TaskMatcher) -> list[str]:
    """`seq` without one occurrence of each word of the terms rendered as a task's or area's name."""
    names = matcher.display_names
    drop = [w for _, en in terms if en.lower() in names for w in en_words(en)]
    if not drop:
        return seq
    out = list(seq)
    for w in drop:
        if w in out:
            out.remove(w)
    return out


def _sources(terms: Sequence[tuple[str, str]]) -> dict[str, str]:
    """Each English word of the glossary's renderings -> the Chinese term it renders (the first
    such term), so a Chinese reason can quote what the reader wrote."""
    out: dict[str, str] = {}
    for zh, en in terms:
        for w in en_words(en):
            out.setdefault(w, zh)
    return out


def check_queries(queries: object) -> list[str]:
    """A batch as a list of checked queries; an error names the position of the bad one."""
    if isinstance(queries, (str, bytes)):
        raise TypeError("queries must be a list of strings, not one string (use recommend() for one query)")
    if not isinstance(queries, Iterable):
        raise TypeError(f"queries must be a list of strings, not {type(queries).__name__}")
    out = []
    for i, q in enumerate(queries):
        try:
            out.append(check_query(q))
        except (TypeError, ValueError) as exc:
            raise type(exc)(f"queries[{i}]: {exc}") from None
    return out


def display_words(query: Query) -> Sequence[str]:
    """Original English words of the query, for explanations."""
    return en_words(query.english)


def weigh_constraints(tasks: dict[str, float], constraint: frozenset[str], share: float,
                      beside: frozenset[str] = frozenset()) -> dict[str, float]:
    """A task the query names as the hardware at hand ("多机多卡", "on 8 GPUs": distributed
    training) keeps `share` of its strength when the query also names the work it wants done
    ("GRPO", a reasoning model): the goal leads and the constraint narrows. Areas and the tasks
    in `beside` (large-model training, the constraint's own kin) are no such goal."""
    hit = constraint.intersection(tasks)
    goals = [v for t, v in tasks.items() if t not in constraint and t not in beside and not t.startswith("area:")]
    if not hit or not goals:
        return tasks
    lead = max(goals)  # the goal leads: a constraint never names the task more strongly than it
    return {t: min(v * share, lead) if t in hit else v for t, v in tasks.items()}
