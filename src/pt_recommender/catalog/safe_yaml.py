"""YAML reading that cannot execute code, expand alias bombs or recurse without bound."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import yaml

MAX_FILE_BYTES = 8 * 1024 * 1024
MAX_DEPTH = 40


class YamlError(ValueError):
    """A YAML file could not be read safely; the message says where and why."""


class _StrictLoader(yaml.SafeLoader):
    """SafeLoader that also refuses anchors/aliases (billion-laughs) and deep nesting."""

    _depth = 0

    def compose_node(self, parent: Any, index: Any) -> Any:  # type: ignore[override]
        if self.check_event(yaml.AliasEvent):
            mark = self.peek_event().start_mark
            raise YamlError(f"line {mark.line + 1}: anchors and aliases are not allowed")
        self._depth += 1
        try:
            if self._depth > MAX_DEPTH:
                mark = self.peek_event().start_mark
                raise YamlError(f"line {mark.line + 1}: nesting deeper than {MAX_DEPTH} levels")
            return super().compose_node(parent, index)
        finally:
            self._depth -= 1

    def construct_mapping(self, node: Any, deep: bool = False) -> Any:
        """A key given twice would silently drop the first value: refuse it instead."""
        seen: dict[Any, int] = {}
        for key_node, _ in node.value:
            key = key_node.value if isinstance(key_node, yaml.ScalarNode) else None
            if key is not None and key in seen:
                raise YamlError(f"line {key_node.start_mark.line + 1}: duplicate key {str(key)[:40]!r} "
                                f"(first on line {seen[key]})")
            seen[key] = key_node.start_mark.line + 1
        return super().construct_mapping(node, deep=deep)


def load_text(text: str) -> Any:
    """Parse YAML text with the strict safe loader."""
    try:
        return yaml.load(text, Loader=_StrictLoader)  # strict SafeLoader subclass
    except YamlError:
        raise
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None)
        where = f"line {mark.line + 1}: " if mark is not None else ""
        problem = getattr(exc, "problem", None) or str(exc).splitlines()[0]
        raise YamlError(f"{where}YAML error: {problem}") from None
    except RecursionError:
        raise YamlError("nesting too deep") from None


def load_file(path: Path) -> Any:
    """Read and parse one YAML file, refusing oversized or non-UTF-8 files."""
    size = path.stat().st_size
    if size > MAX_FILE_BYTES:
        raise YamlError(f"file is {size} bytes; the limit is {MAX_FILE_BYTES}")
    try:
        text = path.read_bytes().decode("utf-8")
    except UnicodeDecodeError as exc:
        raise YamlError(f"not UTF-8 (byte {exc.start})") from None
    return load_text(text)
