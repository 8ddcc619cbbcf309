"""The catalog layer: records, safe YAML, loading and validation. Imports nothing else of ours.

Names load on first use (PEP 562), so a caller that needs only a path or the content hash
does not pay for the record types.
"""

from __future__ import annotations

import importlib
from typing import TYPE_CHECKING, Any

_WHERE = {
    "PROJECT_ROOT": "paths", "catalog_files": "paths", "content_hash": "paths", "default_data_dir": "paths",
    "default_eval_files": "paths", "in_checkout": "paths",
    "Catalog": "load", "CatalogError": "load", "load_catalog": "load", "load_catalog_bundle": "load",
    "read_raw": "load",
    "RESOURCE_TYPES": "schema", "Area": "schema", "Recommendation": "schema", "Resource": "schema",
    "Task": "schema",
}
__all__ = ["PROJECT_ROOT", "RESOURCE_TYPES", "Area", "Catalog", "CatalogError", "Recommendation", "Resource",
           "Task", "catalog_files", "content_hash", "default_data_dir", "default_eval_files", "in_checkout",
           "load_catalog", "load_catalog_bundle", "read_raw"]

if TYPE_CHECKING:
    from .load import Catalog, CatalogError, load_catalog, load_catalog_bundle, read_raw
    from .paths import PROJECT_ROOT, catalog_files, content_hash, default_data_dir, default_eval_files, in_checkout
    from .schema import RESOURCE_TYPES, Area, Recommendation, Resource, Task


def __getattr__(name: str) -> Any:
    if name not in _WHERE:
        raise AttributeError(name)
    value = getattr(importlib.import_module(f".{_WHERE[name]}", __name__), name)
    globals()[name] = value
    return value
