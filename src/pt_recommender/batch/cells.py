"""Spreadsheet-safe output: cells that cannot run as formulas (URLs: `catalog.urls.safe_url`)."""

from __future__ import annotations

from ..catalog.urls import safe_url

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


__all__ = ["FORMULA_START", "safe_cell", "safe_url", "unsafe_cell"]
