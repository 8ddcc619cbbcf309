"""The catalog layer: records, safe YAML, loading and validation. Imports nothing else of ours."""

from .load import (
    PROJECT_ROOT,
    Catalog,
    CatalogError,
    catalog_files,
    content_hash,
    default_data_dir,
    default_eval_files,
    in_checkout,
    load_catalog,
    load_catalog_bundle,
    read_raw,
)
from .schema import RESOURCE_TYPES, Area, Recommendation, Resource, Task

__all__ = ["PROJECT_ROOT", "RESOURCE_TYPES", "Area", "Catalog", "CatalogError", "Recommendation", "Resource",
           "Task", "catalog_files", "content_hash", "default_data_dir", "default_eval_files", "in_checkout",
           "load_catalog", "load_catalog_bundle", "read_raw"]
