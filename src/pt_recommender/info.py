"""What a bug report needs first: version, catalog, index and model state, installed extras."""

from __future__ import annotations

import importlib.util
import json
import platform
import sys
from pathlib import Path
from typing import Any

from ._version import __version__
from .catalog import content_hash, default_data_dir, in_checkout
from .encoders import configured_name
from .encoders.factory import backend_name
from .index.manifest import IndexProblem, check_index, default_index_dir

EXTRAS = {"app": ("streamlit",), "distributed": ("ray",), "dev": ("pytest", "hypothesis", "ruff")}


def collect(data_dir: Path | None = None, index_dir: Path | None = None, model: str | None = None
            ) -> dict[str, Any]:
    """Facts only; reading them builds nothing and loads no model."""
    data_dir = Path(data_dir) if data_dir else default_data_dir()
    index_dir = Path(index_dir) if index_dir else default_index_dir(data_dir)
    facts: dict[str, Any] = {
        "version": __version__,
        "python": sys.version.split()[0],
        "platform": platform.platform(),
        "source": "checkout" if in_checkout() else "installed package",
        "catalog": {"folder": str(data_dir), "exists": data_dir.is_dir()},
        "index": {"folder": str(index_dir)},
        "model": configured_name(model),
        "encoder_backend": backend_name(),
        "extras": {name: all(importlib.util.find_spec(m) is not None for m in mods)
                   for name, mods in EXTRAS.items()},
    }
    catalog_hash = content_hash(data_dir) if data_dir.is_dir() else None
    facts["catalog"]["hash"] = catalog_hash
    try:
        gen, manifest = check_index(index_dir, configured_name(model), catalog_hash)
        adapter = manifest.get("adapter") or {}
        facts["index"] |= {"state": "ready", "generation": gen.name, "count": manifest.get("count"),
                           "built_at": manifest.get("built_at"), "backend": manifest.get("backend"),
                           "query_adapter": (f"trained {adapter.get('trained_at')} on "
                                             f"{(adapter.get('trained_on') or {}).get('phrases')} needs phrases"
                                             if adapter else "none")}
    except IndexProblem as problem:
        facts["index"] |= {"state": problem.kind, "why": str(problem)}
    return facts


def render(facts: dict[str, Any]) -> str:
    """Readable lines, one fact each, nested values flattened."""
    lines = []
    for key, value in facts.items():
        if isinstance(value, dict):
            lines.append(f"{key}:")
            lines += [f"  {k}: {json.dumps(v, ensure_ascii=False) if isinstance(v, bool) else v}"
                      for k, v in value.items()]
        else:
            lines.append(f"{key}: {value}")
    return "\n".join(lines)
