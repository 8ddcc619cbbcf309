"""The package's dependencies point one way: surfaces → recommender → ranking/index → catalog.

Every import of our own modules is read from the source (module level and inside functions),
so a lazy import cannot hide a cycle or a lower layer reaching up.
"""

from __future__ import annotations

import ast
from pathlib import Path

PKG = Path(__file__).resolve().parents[1] / "src" / "pt_recommender"
# lower number = lower layer; a module may import its own layer or lower ones only
LAYERS = {
    "_version": 0, "config": 0, "embedding": 0, "files": 0, "arrays": 0, "catalog": 0,
    "text": 1,
    "encoders": 2,
    "index": 3,
    "ranking": 4,
    "recommender": 5,
    "evaluate": 6, "views": 6, "info": 6, "leaderboard": 6, "i18n": 6, "batch": 6,
    "cli": 7, "__main__": 7, "__init__": 7, "bench": 7, "ui": 7,
}


def module_name(path: Path, root: Path = PKG) -> str:
    rel = path.relative_to(root).with_suffix("")
    parts = list(rel.parts)
    if parts[-1] == "__init__" and len(parts) > 1:
        parts = parts[:-1]
    return ".".join(parts)


def imports_of(path: Path, root: Path = PKG) -> set[str]:
    """Our modules that `path` imports, as dotted names relative to the package."""
    name = module_name(path, root)
    package = name.split(".") if path.name == "__init__.py" else name.split(".")[:-1]
    if name == "__init__":
        package = []
    found: set[str] = set()
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.ImportFrom):
            if node.level:
                base = package[: len(package) - (node.level - 1)] if node.level > 1 else list(package)
                target = ".".join([*base, *(node.module.split(".") if node.module else [])])
                for alias in node.names:
                    sub = f"{target}.{alias.name}" if target else alias.name
                    found.add(sub if _exists(sub, root) else target or "__init__")
            elif node.module and node.module.split(".")[0] == "pt_recommender":
                found.add(".".join(node.module.split(".")[1:]) or "__init__")
        elif isinstance(node, ast.Import):
            for alias in node.names:
                if alias.name.split(".")[0] == "pt_recommender":
                    found.add(".".join(alias.name.split(".")[1:]) or "__init__")
    return {m for m in found if m and m != name}


def _exists(dotted: str, root: Path) -> bool:
    p = root.joinpath(*dotted.split("."))
    return p.with_suffix(".py").is_file() or (p / "__init__.py").is_file()


def layer(module: str) -> int:
    top = module.split(".")[0]
    if top not in LAYERS:
        raise AssertionError(f"module {module} has no layer: add it to LAYERS in {__file__}")
    return LAYERS[top]


def graph(root: Path = PKG) -> dict[str, set[str]]:
    return {module_name(p, root): imports_of(p, root) for p in sorted(root.rglob("*.py"))}


def violations(g: dict[str, set[str]]) -> list[str]:
    """Imports that reach up a layer, and import cycles between modules."""
    out = [f"{m} (layer {layer(m)}) imports {d} (layer {layer(d)})"
           for m, deps in g.items() for d in sorted(deps)
           if layer(d) > layer(m) and not (m == "__init__")]
    out += [" -> ".join(c) for c in cycles(g)]
    return out


def cycles(g: dict[str, set[str]]) -> list[list[str]]:
    """One cycle per strongly connected group (Tarjan), as a readable path."""
    index: dict[str, int] = {}
    low: dict[str, int] = {}
    stack: list[str] = []
    on: set[str] = set()
    found: list[list[str]] = []

    def visit(v: str) -> None:
        index[v] = low[v] = len(index)
        stack.append(v)
        on.add(v)
        for w in sorted(g.get(v, ())):
            if w not in g:
                continue
            if w not in index:
                visit(w)
                low[v] = min(low[v], low[w])
            elif w in on:
                low[v] = min(low[v], index[w])
        if low[v] == index[v]:
            group = []
            while True:
                w = stack.pop()
                on.discard(w)
                group.append(w)
                if w == v:
                    break
            if len(group) > 1:
                found.append([*sorted(group), sorted(group)[0]])

    for v in sorted(g):
        if v not in index:
            visit(v)
    return found


def test_layers_point_one_way_and_no_cycles() -> None:
    g = graph()
    assert "recommender" in g and "ranking.pipeline" in g["recommender"]
    assert violations(g) == []


def test_the_check_catches_a_cycle_and_an_upward_import(tmp_path: Path) -> None:
    """The same check on a copy with a planted cycle and a catalog module importing ranking."""
    import shutil

    root = tmp_path / "pt_recommender"
    shutil.copytree(PKG, root)
    with open(root / "catalog" / "urls.py", "a", encoding="utf-8") as fh:
        fh.write("\nfrom ..ranking.query import analyse  # planted\n")
    with open(root / "text" / "lang.py", "a", encoding="utf-8") as fh:
        fh.write("\nfrom .docs import lexical_doc  # planted\n")
    found = violations(graph(root))
    assert any(v.startswith("catalog.urls (layer 0) imports ranking.query") for v in found)
    assert any("text.docs" in v and "text.lang" in v and "->" in v for v in found)
