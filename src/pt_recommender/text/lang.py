"""Language handling: English tokens with stemming, CJK bigrams, Chinese→English glossary."""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Iterable, Iterator
from functools import cached_property, lru_cache

from .lazy_re import LazyPattern

_CJK = "\u3400-\u9fff\uf900-\ufaff"  # CJK unified and compatibility ideographs
CJK_RE = re.compile(f"[{_CJK}]+")
WORD_RE = re.compile(r"[a-z0-9]+(?:\+\+|#)?")
STOPWORDS = frozenset(
    """a an and are as at be by for from has have how i in into is it its my of on or our so
    that the their this to use using used what when where which while who why with without
    want need do does can could should would me we you your any some all via vs than then
    there these those them they way ways get make best good""".split()
)


def has_cjk(text: str) -> bool:
    return bool(CJK_RE.search(text))


def clean(text: str) -> str:
    """NFKC-fold and lower-case. Invisible format characters (zero-width space, soft hyphen,
    a BOM inside text) are removed, so "seg\u200bmentation" stays one word; other control
    and separator characters become spaces, so they never reach a model."""
    text = unicodedata.normalize("NFKC", text)
    if not text.isprintable():  # slow path only when something unprintable is there
        text = "".join(_visible(c) for c in text)
    return text.lower()


def _visible(c: str) -> str:
    if c == " ":
        return c
    cat = unicodedata.category(c)
    if cat == "Cf":
        return ""
    return " " if cat.startswith(("C", "Z")) else c


@lru_cache(maxsize=1)
def _stemmer():
    try:
        import Stemmer  # PyStemmer: Snowball English, C speed

        return Stemmer.Stemmer("english")
    except ImportError:  # pragma: no cover - optional speed-up
        return None


# Words whose stem would join an unrelated word's: "distribution" (statistics) is not
# "distributed" (training), a "transformer" (the architecture) is not a "transform" (augmentation),
# and "visualization" (plots, dashboards) is not "visual" ("visually impaired", "visual question
# answering"); its British spelling, which Snowball stems apart, joins it; an "interpreter" (a
# program that runs Python) is not "interpret" (explaining a model); an "optimizer" (Adam, SGD) is
# not "optimize"/"optimization" (make it faster, Bayesian optimization, optimize a mesh)
_OWN_STEM = {"optimizer": "optimizer", "optimizers": "optimizer", "optimiser": "optimizer", "optimisers": "optimizer",
             "distribution": "distribution", "distributions": "distribution", "distributional": "distribution",
             "transformer": "transformer", "transformers": "transformer",
             "interpreter": "interpreter", "interpreters": "interpreter",
             **{f"visuali{z}{end}": "visualiz" for z in "zs" for end in (
                 "e", "es", "ed", "ing", "ation", "ations", "er", "ers")}}


# One word, two spellings that Snowball stems apart: British -ise/-our/-tre forms ("quantise",
# "tokeniser", "colour", "centre", "licence") against the American ones, and "imbalance" beside
# "imbalanced". A query in either form then matches a description in the other (documents and
# queries are stemmed alike). Joining "classification" with "classifier" and "recognition" with
# "recognize" was measured and dropped (read sets 8 up, 11 down).
# the -ise verbs by root: a blanket rule would split "supervised" from "supervision", "precise"
# from "precision"
_ISE_ROOTS = ("optim", "quant", "token", "normal", "organ", "recogn", "summar", "custom", "minim", "maxim",
              "final", "serial", "deserial", "initial", "regular", "parallel", "vector", "categor", "synthes",
              "general", "special", "standard", "util", "real", "memor", "author", "central", "decentral",
              "local", "global", "digit", "character", "prior", "emphas", "stabil", "random", "capital",
              "modern", "person", "binar", "discret", "neutral", "lemmat", "anonym", "parametr", "parameter",
              "virtual", "mobil", "sanit", "visual", "tensor", "colon", "hospital", "container", "fertil")
_BRITISH_ISE = LazyPattern("^(" + "|".join(_ISE_ROOTS) + ")is(e|ed|es|ing|ation|ations|er|ers|able)$")
_OUR_ROOTS = ("colour", "behaviour", "neighbour", "tumour", "favour", "flavour", "labour", "humour",
              "harbour", "honour", "rumour", "vapour", "armour", "parlour", "odour")
_SPELLING = {"centre": "center", "centres": "centers", "centred": "centered", "theatre": "theater",
             "metre": "meter", "metres": "meters", "litre": "liter", "litres": "liters", "fibre": "fiber",
             "licence": "license", "licences": "licenses", "programme": "program", "programmes": "programs",
             "catalogue": "catalog", "catalogues": "catalogs", "dialogue": "dialog", "dialogues": "dialogs",
             "analyse": "analyze", "analysed": "analyzed", "analysing": "analyzing", "grey": "gray",
             "defence": "defense", "imbalance": "imbalanced",
             "imbalances": "imbalanced"}


def _american(word: str) -> str:
    spelled = _SPELLING.get(word)
    if spelled is not None:
        return spelled
    if "is" in word and len(word) >= 7:
        word = _BRITISH_ISE.sub(r"\1iz\2", word)
    if "our" in word and word.startswith(_OUR_ROOTS):
        word = word.replace("our", "or", 1)
    return word


@lru_cache(maxsize=65536)
def stem(word: str) -> str:
    word = _american(word)
    own = _OWN_STEM.get(word)
    if own is not None:
        return own
    s = _stemmer()
    if s is not None:
        return s.stemWord(word)
    for suffix in ("ations", "ation", "ings", "ing", "ies", "es", "s"):
        if word.endswith(suffix) and len(word) - len(suffix) >= 3:
            return word[: -len(suffix)]
    return word


def en_words(text: str) -> list[str]:
    """Lower-case English/ASCII words of a text, stopwords kept (for phrase matching)."""
    return WORD_RE.findall(clean(text))


def en_tokens(text: str) -> list[str]:
    """Stemmed English tokens without stopwords: what BM25 indexes."""
    return _en_tokens(clean(text))


# "x-ray", "t-sne", "u-net": a one-letter part joins its neighbour ("xray", not the "ray" that
# matched the Ray library); a digit stays apart ("4-bit" reads as "bit", like "4 bit")
_JOIN = LazyPattern(r"(?<![a-z0-9])([a-z])-(?=[a-z0-9])|(?<=[a-z0-9])-([a-z])(?![a-z0-9])")


# "8-bit", "8 bit", "4bit" name the integer precisions the catalog calls int8 and int4
_BITS = LazyPattern(r"(?<![a-z0-9.])([2348])[- ]?bits?(?![a-z0-9])")


def index_words(cleaned: str) -> list[str]:
    """The words BM25 indexes and searches, before stemming (the same for documents and
    queries): no stopwords, and no lone character, which names nothing a resource is about: a
    digit ("batch size 1", "8 GPUs", the "8" of "85.8%") or a letter split off a word ("doesn't"
    -> "t"). A precision in bits reads as the integer type ("8-bit" as "int8")."""
    if "bit" in cleaned:
        cleaned = _BITS.sub(r"int\1", cleaned)
    if "-" in cleaned:
        cleaned = _JOIN.sub(lambda m: m.group(1) or m.group(2), cleaned)
    return [w for w in WORD_RE.findall(cleaned) if len(w) > 1 and w not in STOPWORDS]


def _en_tokens(cleaned: str) -> list[str]:
    return [stem(w) for w in index_words(cleaned)]


def cjk_tokens(text: str) -> list[str]:
    """Character bigrams of every CJK run (a single character stays a unigram)."""
    return _cjk_tokens(clean(text))


def _cjk_tokens(cleaned: str) -> list[str]:
    out: list[str] = []
    for run in CJK_RE.findall(cleaned):
        if len(run) == 1:
            out.append(run)
        else:
            out.extend(run[i : i + 2] for i in range(len(run) - 1))
    return out


def lexical_tokens(text: str) -> list[str]:
    """`en_tokens(text) + cjk_tokens(text)`, cleaning the text once."""
    cleaned = clean(text)
    return _en_tokens(cleaned) + _cjk_tokens(cleaned)


_LATIN_WORD = LazyPattern(r"[A-Za-z0-9]+")


class Glossary:
    """Longest-match Chinese→English term table used to read Chinese queries."""

    def __init__(self, pairs: Iterable[tuple[str, str]]):
        # the table is built on first use: only a Chinese query reads it, and building it from the
        # ~3,500 pairs takes ~20 ms that a one-shot English answer would otherwise pay
        self._pairs = list(pairs)

    @cached_property
    def table(self) -> dict[str, str]:
        """Cleaned Chinese term -> English rendering."""
        table: dict[str, str] = {}
        for zh, en in self._pairs:
            key = clean(zh).strip()
            if key and has_cjk(key) and key not in table:
                table[key] = en
        # "X数据集" is a dataset of X data: read greedily, 标注数据 would take 数据 from 数据集 and leave
        # 集 unread, so "人脸检测 标注数据集" lost the word that asks for a dataset
        for key, en in list(table.items()):
            if key.endswith("数据") and f"{key}集" not in table:
                table[f"{key}集"] = f"{en.removesuffix(' data')} dataset"
        return table

    @cached_property
    def max_len(self) -> int:
        return max((len(k) for k in self.table), default=1)

    @cached_property
    def _mixed_terms(self) -> list[str]:
        # terms mixing Latin and Chinese ("c++部署", "python环境", "loss不降") span a CJK run's edge,
        # so the run-by-run segmentation below never sees them: they are found first, by a pattern
        # that allows a space at each script change and stops at Latin word edges
        return sorted((k for k in self.table if _LATIN.search(k)), key=lambda k: (-len(k), k))

    @cached_property
    def _mixed_key(self) -> dict[str, str]:
        return {re.sub(r"\s+", "", k): k for k in self._mixed_terms}

    @cached_property
    def mixed(self) -> re.Pattern[str] | None:
        """The mixed-script terms as one pattern, compiled on first use: compiling it takes
        ~50 ms, which a one-shot English query (or a Chinese one with no Latin letter) never
        needs to pay."""
        terms = self._mixed_terms
        return re.compile("|".join(_mixed_pattern(k) for k in terms)) if terms else None

    def translate(self, text: str) -> tuple[str, list[tuple[str, str]]]:
        """English rendering of `text` and the (zh, en) terms that matched.

        CJK runs are segmented greedily by the longest known term; characters with no
        entry are dropped; non-CJK parts (e.g. "CT", "PyTorch") pass through unchanged.
        """
        text = clean(text)
        parts: list[str] = []
        matched: list[tuple[str, str]] = []
        pos = 0
        mixed = self.mixed if self._mixed_terms and _LATIN.search(text) else None
        for m in mixed.finditer(text) if mixed is not None else ():
            self._segment(text[pos : m.start()], parts, matched)
            key = self._mixed_key[re.sub(r"\s+", "", m.group())]
            parts.append(f" {self._keeping_latin(m.group(), self.table[key])} ")
            matched.append((key, self.table[key]))
            pos = m.end()
        self._segment(text[pos:], parts, matched)
        return " ".join("".join(parts).split()), matched

    def inner(self, text: str) -> frozenset[int]:
        """Offsets of `text` (cleaned) that fall strictly inside a Chinese term the glossary reads
        as one word: a task's Chinese name starting or ending there is part of another word
        (翻译 inside 中文翻译版, a Chinese edition; 分割 inside 分割成, split into)."""
        return frozenset(m.start() + at + k for m in CJK_RE.finditer(text)
                         for at, piece in self._longest(m.group()) for k in range(1, len(piece)))

    def _longest(self, run: str) -> Iterator[tuple[int, str]]:
        """(offset, term) of each glossary term in a CJK run, read greedily by the longest term
        at each place; characters no term starts with are skipped (the glossary drops them)."""
        i = 0
        while i < len(run):
            for size in range(min(self.max_len, len(run) - i), 0, -1):
                if run[i : i + size] in self.table:
                    yield i, run[i : i + size]
                    i += size
                    break
            else:
                i += 1

    @staticmethod
    def _keeping_latin(typed: str, en: str) -> str:
        """A mixed term's rendering with the Latin words the reader typed that it leaves out
        ("LoRA微调" is LLM fine-tuning, "Jetson部署" mobile deployment): a tool's or method's name
        is the query's sharpest word, for BM25 and the name match alike."""
        have = set(_LATIN_WORD.findall(en.lower()))
        missing = [w for w in _LATIN_WORD.findall(typed) if len(w) > 1 and w.lower() not in have]
        return " ".join([*missing, en])

    def _segment(self, text: str, parts: list[str], matched: list[tuple[str, str]]) -> None:
        """Longest-match segmentation of the CJK runs of `text` (other characters kept)."""
        pos = 0
        for m in CJK_RE.finditer(text):
            # a space on each side of the run: Latin words around Chinese ones the glossary drops
            # ("loss变成nan") stay two words, not "lossnan"
            parts.append(text[pos : m.start()] + " ")
            for _, piece in self._longest(m.group()):
                parts.append(f" {self.table[piece]} ")
                matched.append((piece, self.table[piece]))
            parts.append(" ")
            pos = m.end()
        parts.append(text[pos:])


_LATIN = LazyPattern(r"[0-9a-z]")
_SCRIPT_RUNS = LazyPattern(rf"\s+|[{_CJK}]+|[^\s{_CJK}]+")  # spaces, Chinese, everything else


def _mixed_pattern(key: str) -> str:
    """A regex for a mixed-script term: optional spaces where the script changes or the key has
    a space, and no Latin letter or digit glued on at either end."""
    pieces = _SCRIPT_RUNS.findall(key)
    body = r"\s*".join(re.escape(p) for p in pieces if not p.isspace())
    head = r"(?<![0-9a-z])" if _LATIN.match(key) else ""
    tail = r"(?![0-9a-z])" if _LATIN.match(key[-1]) else ""
    return head + body + tail
