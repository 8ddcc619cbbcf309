"""Field rules added as the catalog grew: needs phrases, Chinese text, maintenance evidence, weights.

Each check reports through `add(field, message)`, so `validate` keeps one report format.
"""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Callable
from typing import Any

from .schema import EVIDENCE_KINDS, LANDSCAPE, MAINTENANCE
from .urls import is_https_url

Add = Callable[[str, str], None]
MAX_NEED_CHARS = 120
NEEDS_RANGE = (3, 12)  # per resource and language
CJK = re.compile(r"[\u3400-\u9fff]")
DATE = re.compile(r"^\d{4}-\d{2}-\d{2}$")
METRIC_KEY = re.compile(r"^[A-Za-z0-9][A-Za-z0-9 ._-]*/[A-Za-z0-9@_.-]+$")  # dataset/metric
STALE_CHECK_DAYS = 183
# Every resource has its needs and every library its maintenance record: a gap is an error
# (set to False only while a large import is being filled in).
REQUIRE_COMPLETE = True


def check_needs(e: dict[str, Any], add: Add, warn: Add) -> None:
    """3–12 short needs a resource answers, in English and in Chinese, none repeated."""
    for fld, zh in (("needs", False), ("needs_zh", True)):
        val = e.get(fld)
        if val is None:
            (add if REQUIRE_COMPLETE else warn)(fld, "missing: say what a practitioner needs when this is the answer")
            continue
        if not isinstance(val, list) or not all(isinstance(v, str) and v.strip() for v in val):
            add(fld, "must be a list of non-empty strings")
            continue
        lo, hi = NEEDS_RANGE
        if not lo <= len(val) <= hi:
            add(fld, f"has {len(val)} phrases; give {lo} to {hi}")
        _check_phrases(fld, val, zh, MAX_NEED_CHARS, add)


def _check_phrases(fld: str, val: list[str], zh: bool, max_chars: int, add: Add) -> None:
    """Phrases users' words are matched against: none repeated, short, Chinese where they say so."""
    if len({v.strip().lower() for v in val}) != len(val):
        add(fld, "repeats a phrase")
    for v in val:
        if len(v) > max_chars:
            add(fld, f"{v[:30]!r} is longer than {max_chars} characters")
        if zh and not CJK.search(v):
            add(fld, f"{v[:30]!r} has no Chinese in it")


def check_asked_as(t: dict[str, Any], add: Add) -> None:
    """A task's plain-words phrases: short, none repeated, the Chinese ones in Chinese (each one
    fires the task when a query holds all its words, so a long or duplicated one is a mistake)."""
    for fld, zh in (("asked_as", False), ("asked_as_zh", True)):
        val = t.get(fld)
        if isinstance(val, list) and all(isinstance(v, str) and v.strip() for v in val):
            _check_phrases(fld, val, zh, MAX_ASKED_CHARS, add)  # else reported with the other lists


MAX_ASKED_CHARS = 40


def check_zh(e: dict[str, Any], add: Add) -> None:
    """Every resource speaks to Chinese readers too: a Chinese description, not a copy."""
    zh = e.get("description_zh")
    if not isinstance(zh, str) or not zh.strip():
        add("description_zh", "missing: every resource needs a Chinese description")
    elif not mostly_chinese(zh):
        add("description_zh", "is mostly not Chinese")
    elif zh.strip() == str(e.get("description", "")).strip():
        add("description_zh", "copies the English description")


def mostly_chinese(text: str) -> bool:
    """Chinese as practitioners write it: English names and terms are fine, but the sentence
    is Chinese (at least 6 Chinese characters and a quarter of all letters)."""
    cjk = len(CJK.findall(text))
    latin = sum(c.isascii() and c.isalpha() for c in text)
    return cjk >= 6 and cjk >= 0.25 * (cjk + latin)


def check_maintenance(e: dict[str, Any], add: Add, warn: Add, today: dt.date) -> None:
    """Upstream status with evidence for libraries (optional elsewhere)."""
    m = e.get("maintenance")
    if m is None:
        if e.get("type") == "library":
            (add if REQUIRE_COMPLETE else warn)("maintenance", "a library needs its upstream maintenance status "
                                                               "with evidence")
        return
    if m not in MAINTENANCE:
        add("maintenance", f"must be one of {', '.join(MAINTENANCE)}")
    ev = e.get("evidence")
    if not isinstance(ev, list) or not ev:
        add("evidence", "maintenance needs at least one piece of evidence")
    else:
        for item in ev:
            if not isinstance(item, dict) or item.get("kind") not in EVIDENCE_KINDS:
                add("evidence", f"each item needs a kind from {', '.join(EVIDENCE_KINDS)}")
            elif not is_https_url(item.get("url")):
                add("evidence", "each item needs an https url")
            elif "date" in item and not DATE.match(str(item["date"])):
                add("evidence", "dates are YYYY-MM-DD")
    checked = str(e.get("checked_on") or "")
    if not DATE.match(checked):
        add("checked_on", "maintenance needs checked_on: YYYY-MM-DD")
    elif (today - dt.date.fromisoformat(checked)).days > STALE_CHECK_DAYS:
        warn("checked_on", f"{checked} is older than 6 months: check the upstream status again")
    if e.get("landscape") is not None and e.get("landscape") not in LANDSCAPE:
        add("landscape", f"must be one of {', '.join(LANDSCAPE)}")


def check_weights(e: dict[str, Any], add: Add) -> None:
    """Per-weight facts of a model: an id and metrics keyed `dataset/metric` with numbers."""
    ws = e.get("weights")
    if ws is None:
        return
    if not isinstance(ws, list):
        add("weights", "must be a list of weights")
        return
    for w in ws:
        if not isinstance(w, dict) or not isinstance(w.get("id"), str):
            add("weights", "each weight needs an id")
            continue
        metrics = w.get("metrics", {})
        if not isinstance(metrics, dict) or not all(
                isinstance(k, str) and METRIC_KEY.match(k) and isinstance(v, (int, float))
                and not isinstance(v, bool) for k, v in metrics.items()):
            add("weights", f"{w['id']}: metrics map 'Dataset/metric' to numbers")
        if "task" in w and not isinstance(w["task"], str):
            add("weights", f"{w['id']}: task must be a task id")
        for fld in ("params", "gflops", "size_mb"):
            v = w.get(fld)
            if v is not None and (isinstance(v, bool) or not isinstance(v, (int, float)) or v < 0):
                add("weights", f"{w['id']}: {fld} must be a non-negative number")
        if "url" in w and not is_https_url(w["url"]):
            add("weights", f"{w['id']}: url must be https")
