"""YAML reading that cannot execute code, expand alias bombs or recurse without bound.

libyaml (PyYAML's C parser) composes the node graph when it is available: 10x faster than the
pure-Python parser on the catalog. Objects are then built by one walk over that graph that
refuses aliases, deep nesting and duplicate keys itself, so both parsers apply the same rules.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import yaml
from yaml.nodes import ScalarNode, SequenceNode

MAX_FILE_BYTES = 8 * 1024 * 1024
MAX_DEPTH = 40
_STR, _SEQ, _MAP = "tag:yaml.org,2002:str", "tag:yaml.org,2002:seq", "tag:yaml.org,2002:map"
_Loader = getattr(yaml, "CSafeLoader", yaml.SafeLoader)


class YamlError(ValueError):
    """A YAML file could not be read safely; the message says where and why."""


def _line(node: Any) -> int:
    return node.start_mark.line + 1


def _build(node: Any, depth: int, seen: set[int], loader: Any, where: Any) -> Any:
    """Python objects for a node; an alias shows up as a node met twice (refused at the first
    reuse, before any expansion, so an alias bomb costs nothing). `where` is the node whose
    line an error names: the key of a mapping value, else the enclosing sequence."""
    if isinstance(node, ScalarNode):
        return node.value if node.tag == _STR else loader.construct_object(node)
    if id(node) in seen:
        raise YamlError(f"line {_line(where)}: anchors and aliases are not allowed")
    if depth > MAX_DEPTH:
        raise YamlError(f"line {_line(node)}: nesting deeper than {MAX_DEPTH} levels")
    seen.add(id(node))
    if node.tag not in (_SEQ, _MAP):  # !!set, !!omap, !!python/...: nothing the catalog needs
        raise YamlError(f"line {_line(node)}: the tag {node.tag!r} is not allowed")
    if isinstance(node, SequenceNode):
        return [_build(item, depth + 1, seen, loader, node) for item in node.value]
    out: dict[Any, Any] = {}
    lines: dict[Any, int] = {}
    for key_node, value_node in node.value:
        key = _build(key_node, depth + 1, seen, loader, node)
        try:
            first = lines.get(key)
        except TypeError:  # an unhashable key (a list or mapping used as a key)
            raise YamlError(f"line {_line(key_node)}: a key must be a plain value") from None
        if first is not None:  # a key given twice would silently drop the first value
            raise YamlError(f"line {_line(key_node)}: duplicate key {str(key)[:40]!r} (first on line {first})")
        lines[key] = _line(key_node)
        out[key] = _build(value_node, depth + 1, seen, loader, key_node)
    return out


def load_text(text: str) -> Any:
    """Parse YAML text safely (no tags beyond the safe ones, no aliases, bounded depth)."""
    loader = _Loader(text)
    try:
        node = loader.get_single_node()
        return None if node is None else _build(node, 1, set(), loader, node)
    except YamlError:
        raise
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None)
        where = f"line {mark.line + 1}: " if mark is not None else ""
        problem = getattr(exc, "problem", None) or str(exc).splitlines()[0]
        raise YamlError(f"{where}YAML error: {problem}") from None
    except RecursionError:
        raise YamlError("nesting too deep") from None
    finally:
        loader.dispose()


def load_file(path: Path) -> Any:
    """Read and parse one YAML file, refusing oversized or non-UTF-8 files."""
    return load_bytes(read_source(path))


def read_source(path: Path) -> bytes:
    """A YAML file's bytes, refusing an oversized one before reading it."""
    size = path.stat().st_size
    if size > MAX_FILE_BYTES:
        raise YamlError(f"file is {size} bytes; the limit is {MAX_FILE_BYTES}")
    return path.read_bytes()


def load_bytes(raw: bytes) -> Any:
    """Parse a YAML file's bytes, refusing text that is not UTF-8."""
    try:
        text = raw.decode("utf-8")
    except UnicodeDecodeError as exc:
        raise YamlError(f"not UTF-8 (byte {exc.start})") from None
    return load_text(text)
