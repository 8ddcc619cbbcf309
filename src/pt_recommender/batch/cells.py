"""Spreadsheet-safe output: cells that cannot run as formulas (URLs: `catalog.urls.safe_url`)."""

from __future__ import annotations

from ..catalog.urls import safe_url

FORMULA_START = ("=", "+", "-", "@", "\t", "\r")


def safe_cell(value: object) -> str:
    """Text for a CSV cell; a leading = + - @ TAB or CR gets a ' so Excel shows it as text.

    A leading ' is escaped the same way (Excel would otherwise swallow it as its own
    text marker), which also makes the escaping reversible: `unsafe_cell` undoes it."""
    text = "" if value is None else str(value)
    return "'" + text if text.startswith((*FORMULA_START, "'")) else text


def unsafe_cell(text: str) -> str:
    """Inverse of `safe_cell`: every escaped cell starts with the one added '."""
    return text[1:] if text.startswith("'") else text


__all__ = ["FORMULA_START", "safe_cell", "safe_url", "unsafe_cell"]
