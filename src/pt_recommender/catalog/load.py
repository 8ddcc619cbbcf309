"""Load the YAML catalog (resources, taxonomy, glossary) into plain records."""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from .paths import catalog_files, content_hash, default_data_dir
from .schema import GLOSSARY_FILE, RESOURCE_FIELDS, TAXONOMY_FILE, Area, Resource, Task

# YAML parsing and validation are imported where the YAML is read: a query against a built
# index never reads it, and those imports were a tenth of a one-shot answer's own start-up.

_TUPLE_FIELDS = ("tasks", "aliases", "tags", "authors", "needs", "needs_zh", "successor")


class CatalogError(Exception):
    """The catalog cannot be loaded; `problems` lists every `file:entry:field: message`."""

    def __init__(self, problems: list[str]):
        self.problems = problems
        super().__init__("\n".join(problems))


@dataclass
class Catalog:
    resources: list[Resource]
    tasks: dict[str, Task] = field(default_factory=dict)
    areas: dict[str, Area] = field(default_factory=dict)
    glossary: list[tuple[str, str]] = field(default_factory=list)
    content_hash: str = ""
    warnings: list[str] = field(default_factory=list)  # e.g. evidence checked long ago
    data_dir: Path | None = None  # where it was read from (the build looks for adapters there)

    def by_id(self) -> dict[str, Resource]:
        return {r.id: r for r in self.resources}


def read_raw(data_dir: Path, cache: Path | None = None) -> tuple[dict[str, Any], list[str]]:
    """Parse every YAML file; returns {file name: document} and the parse problems. With a
    `cache` folder, files unchanged since an earlier read come from their checksummed parse
    (see `parse_cache`), so a rebuild after one edit parses one file."""
    from .parse_cache import ParseCache
    from .safe_yaml import YamlError, load_bytes, read_source

    docs: dict[str, Any] = {}
    problems: list[str] = []
    if not data_dir.is_dir():
        return docs, [f"{data_dir}:-:-: catalog folder not found"]
    parsed = ParseCache(cache) if cache is not None else None
    for path in catalog_files(data_dir):
        try:
            raw = read_source(path)
            docs[path.name] = parsed.load(raw, load_bytes) if parsed is not None else load_bytes(raw)
        except (YamlError, OSError) as exc:
            problems.append(f"{path.name}:-:-: {exc}")
    if parsed is not None and not problems:
        parsed.prune()
    return docs, problems


def _tuple(value: Any) -> tuple:
    if value is None:
        return ()
    if isinstance(value, (list, tuple)):
        return tuple(str(v) for v in value)
    return (str(value),)


def to_resource(entry: dict[str, Any]) -> Resource:
    """Build a Resource from a validated YAML mapping."""
    data = {k: v for k, v in entry.items() if k in RESOURCE_FIELDS}
    for name in _TUPLE_FIELDS:
        data[name] = _tuple(data.get(name))
    for name in ("description", "description_zh", "name", "url"):
        data[name] = str(data.get(name, "")).strip()
    data["links"] = dict(data.get("links") or {})
    data["metrics"] = dict(data.get("metrics") or {})
    data["evidence"] = tuple(dict(e) for e in data.get("evidence") or ())
    data["weights"] = tuple(dict(w) for w in data.get("weights") or ())
    for name in ("maintenance", "checked_on", "landscape", "access", "access_evidence"):
        data[name] = str(data.get(name) or "")
    return Resource(**data)


def to_task(entry: dict[str, Any]) -> Task:
    data = {k: v for k, v in entry.items() if k in Task.__dataclass_fields__}
    for name in ("aliases", "aliases_zh", "featured", "asked_as", "asked_as_zh", "combines"):
        data[name] = _tuple(data.get(name))
    return Task(**{k: (v if v is not None else "") for k, v in data.items()})


def to_area(entry: dict[str, Any]) -> Area:
    data = {k: v for k, v in entry.items() if k in Area.__dataclass_fields__}
    for name in ("aliases", "aliases_zh", "featured"):
        data[name] = _tuple(data.get(name))
    return Area(**data)


def load_catalog_bundle(data_dir: Path | None = None, parse_cache: Path | None = None) -> Catalog:
    """Validate and load the whole catalog; raises CatalogError listing every problem. The
    index builder passes a `parse_cache` folder (see `read_raw`)."""
    data_dir = Path(data_dir) if data_dir else default_data_dir()
    docs, problems = read_raw(data_dir, parse_cache)
    from .validate import check_docs

    found, warnings = check_docs(docs, complete=not problems)
    problems += found
    if problems:
        raise CatalogError(problems)
    resources: list[Resource] = []
    for name, doc in docs.items():
        if name in (TAXONOMY_FILE, GLOSSARY_FILE):
            continue
        resources.extend(to_resource(e) for e in doc.get("resources") or [])
    tax = docs.get(TAXONOMY_FILE) or {}
    gloss = docs.get(GLOSSARY_FILE) or {}
    return Catalog(
        resources=resources,
        tasks={t["id"]: to_task(t) for t in tax.get("tasks") or []},
        areas={a["id"]: to_area(a) for a in tax.get("areas") or []},
        glossary=[(str(t["zh"]), str(t["en"])) for t in gloss.get("terms") or []],
        content_hash=content_hash(data_dir),
        warnings=warnings,
        data_dir=data_dir,
    )


def load_catalog(data_dir: str | Path | None = None) -> list[Resource]:
    """Public API: the catalog's resources as records (validated)."""
    return load_catalog_bundle(Path(data_dir) if data_dir else None).resources
