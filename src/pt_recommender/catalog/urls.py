"""The one URL rule: only http(s) links with a host ever reach a user or a spreadsheet."""

from __future__ import annotations

import re
from functools import lru_cache
from typing import Any
from urllib.parse import urlparse

MAX_URL = 2000
# whitespace (the same set as str.isspace: the re module's \s for str patterns) or a control
# character: one regex search instead of a Python loop over every character (a catalog build
# checks ~3,400 URLs)
_UNSAFE_CHAR = re.compile(r"[\s\x00-\x1f]")


def is_https_url(value: Any) -> bool:
    """True for a well-formed https URL with a host and no whitespace or control characters
    (what the catalog must hold)."""
    return isinstance(value, str) and value.startswith("https:") and safe_url(value) == value


def safe_url(url: object) -> str:
    """The URL if it is http(s) with a host, else an empty string (never javascript: etc.)."""
    return _safe_url(url) if isinstance(url, str) else ""


@lru_cache(maxsize=8192)  # exports repeat the catalog's few hundred URLs millions of times
def _safe_url(url: str) -> str:
    if len(url) > MAX_URL or _UNSAFE_CHAR.search(url):
        return ""
    parsed = urlparse(url)
    return url if parsed.scheme in ("http", "https") and parsed.netloc else ""
