"""pt-recommender: PyTorch ecosystem recommendations for a task description (en / zh).

Public API: `recommend`, `recommend_batch`, `Recommender`, `Recommendation`, `load_catalog`.
Heavy parts (FAISS, the encoder) load on first use, so importing this package is cheap.
"""

from __future__ import annotations

import threading
from collections.abc import Iterable, Sequence
from typing import TYPE_CHECKING

__all__ = ["Recommendation", "Recommender", "leaderboard", "load_catalog", "recommend", "recommend_batch",
           "__version__"]

from ._version import __version__

if TYPE_CHECKING:
    from .catalog import load_catalog
    from .catalog.schema import Recommendation
    from .recommender import Recommender

_default = None
_lock = threading.Lock()


def __getattr__(name: str) -> object:
    """The public names load on first use: `import pt_recommender` stays cheap."""
    if name == "load_catalog":
        from .catalog import load_catalog

        return load_catalog
    if name == "Recommendation":
        from .catalog.schema import Recommendation

        return Recommendation
    if name == "Recommender":
        from .recommender import Recommender

        return Recommender
    if name == "leaderboard":
        from .leaderboard import leaderboard

        return leaderboard
    raise AttributeError(name)


def get_recommender():  # returns Recommender (lazy import)
    """The process-wide default recommender, loaded (and if needed built) once."""
    global _default
    with _lock:
        if _default is None:
            from .recommender import Recommender

            _default = Recommender.load()
        return _default


def recommend(query: str, k: int = 10, types: Iterable[str] | None = None, lang: str | None = None
              ) -> list[Recommendation]:
    """Top-k ecosystem resources for a task description, e.g. "3D medical segmentation";
    `lang="zh"` gives Chinese descriptions and reasons (default: the query's language)."""
    return get_recommender().recommend(query, k=k, types=types, lang=lang)


def recommend_batch(queries: Sequence[str], k: int = 10, types: Iterable[str] | None = None,
                    lang: str | None = None) -> list[list[Recommendation]]:
    """`recommend` for many queries at once (one model call per batch)."""
    return get_recommender().recommend_batch(queries, k=k, types=types, lang=lang)
