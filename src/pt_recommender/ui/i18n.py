"""The app's message catalogue (`messages.yaml` beside this file): every label, button, heading,
empty state and error, in English and Chinese. No machine translation at run time; a missing
key is a test failure, not a blank."""

from __future__ import annotations

from functools import lru_cache
from importlib.resources import files

from ..catalog.safe_yaml import load_text


@lru_cache(maxsize=1)
def messages() -> dict[str, tuple[str, str]]:
    doc = load_text(files("pt_recommender.ui").joinpath("messages.yaml").read_text(encoding="utf-8"))
    return {key: (str(v["en"]), str(v["zh"])) for key, v in doc.items()}


def t(key: str, lang: str = "en", **values: object) -> str:
    """The message for `key` in `lang` ("en" or "zh"), with {placeholders} filled."""
    en, zh = messages()[key]
    text = zh if lang == "zh" else en
    return text.format(**values) if values else text
