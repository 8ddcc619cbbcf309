"""Where the catalog and the judged sets live, and the catalog's content hash.

Plain functions with no record types, so checking an index against the catalog needs
nothing heavier than hashlib.
"""

from __future__ import annotations

import hashlib
import os
from pathlib import Path

PROJECT_ROOT = Path(__file__).resolve().parents[3]
ADAPTER_DIR = "adapters"  # data/adapters/<model>.npy: the query adapter of each model (encoders.adapter)


def in_checkout() -> bool:
    """True when running from the project's source tree (editable install or tests)."""
    return (PROJECT_ROOT / "pyproject.toml").is_file() and (PROJECT_ROOT / "data").is_dir()


def default_data_dir() -> Path:
    """`PT_RECOMMENDER_DATA_DIR`, else a checkout's own `data/`, else the catalog shipped
    inside the installed package."""
    env = os.environ.get("PT_RECOMMENDER_DATA_DIR")
    if env:
        return Path(env)
    return PROJECT_ROOT / "data" if in_checkout() else packaged("catalog_data")


def default_eval_files() -> list[Path]:
    """The judged dev sets: a checkout's `eval/`, else the copies shipped in the package."""
    folder = PROJECT_ROOT / "eval" if in_checkout() else packaged("eval_data")
    return sorted(folder.glob("dev*_qrels.yaml"))


def packaged(name: str) -> Path:
    """A folder shipped inside the installed package (added to the wheel at build time)."""
    from importlib.resources import files

    return Path(str(files("pt_recommender") / name))


def catalog_files(data_dir: Path) -> list[Path]:
    """Every YAML file of the catalog, sorted, so hashing and loading are stable."""
    return sorted(p for p in data_dir.glob("*.yaml") if p.is_file())


def adapter_files(data_dir: Path) -> list[Path]:
    """The query adapters kept with the catalog (see `encoders.adapter`), sorted."""
    folder = data_dir / ADAPTER_DIR
    return sorted(p for p in folder.glob("*") if p.suffix in (".npy", ".json") and p.is_file())


def content_hash(data_dir: Path) -> str:
    """sha256 over file names and bytes: changes whenever the catalog (or an adapter) does."""
    digest = hashlib.sha256()
    for path in catalog_files(data_dir):
        digest.update(path.name.encode() + b"\0")
        digest.update(hashlib.sha256(path.read_bytes()).digest())
    for path in adapter_files(data_dir):
        digest.update(f"{ADAPTER_DIR}/{path.name}".encode() + b"\0")
        digest.update(hashlib.sha256(path.read_bytes()).digest())
    return digest.hexdigest()
