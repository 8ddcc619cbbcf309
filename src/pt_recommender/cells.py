"""Spreadsheet-safe output: cells that cannot run as formulas, URLs that are only http(s)."""

from __future__ import annotations

from functools import lru_cache
from urllib.parse import urlparse

FORMULA_START = ("=", "+", "-", "@", "\t", "\r")


def safe_cell(value: object) -> str:
    """Text for a CSV cell; a leading = + - @ TAB or CR gets a ' so Excel shows it as text."""
    text = "" if value is None else str(value)
    return "'" + text if text.startswith(FORMULA_START) else text


def unsafe_cell(text: str) -> str:
    """Inverse of `safe_cell` for round-trip checks."""
    if text.startswith("'") and text[1:].startswith(FORMULA_START):
        return text[1:]
    return text


def safe_url(url: object) -> str:
    """The URL if it is http(s) with a host, else an empty string (never javascript: etc.)."""
    return _safe_url(url) if isinstance(url, str) else ""


@lru_cache(maxsize=8192)  # exports repeat the catalog's few hundred URLs millions of times
def _safe_url(url: str) -> str:
    if any(ord(c) < 32 for c in url):
        return ""
    parsed = urlparse(url.strip())
    return url.strip() if parsed.scheme in ("http", "https") and parsed.netloc else ""
