"""The one place that turns a resource into the text we embed and the tokens BM25 indexes."""

from __future__ import annotations

import re
from collections.abc import Mapping

from ..catalog.schema import Resource, Task
from ..catalog.types import TYPES
from .lang import has_cjk, lexical_tokens


def task_names(resource: Resource, tasks: Mapping[str, Task]) -> list[str]:
    return [tasks[t].name for t in resource.tasks if t in tasks]


def embed_texts(resource: Resource, tasks: Mapping[str, Task], representation: str) -> list[str]:
    """The texts the dense encoder embeds for one resource (see config.REPRESENTATIONS); the
    first is its main text, any further ones are extra vectors that score for it."""
    name_desc = f"{resource.name}: {resource.description}"
    needs = [n for n in resource.needs if n.strip()]
    if representation == "full":
        return [embed_text(resource, tasks)]
    if representation == "desc":
        return [resource.description]
    if representation == "name-desc":
        return [name_desc]
    if representation == "name-desc-needs":
        return [" ".join([name_desc, *(f"{n}." for n in needs)])]
    if representation == "name-desc+needs":
        return [name_desc, *needs]
    raise ValueError(f"unknown representation {representation!r}")


def embed_text(resource: Resource, tasks: Mapping[str, Task]) -> str:
    """English text for the dense encoder (the model is English-only, so CJK stays out)."""
    aliases = [a for a in resource.aliases if not has_cjk(a)][:8]
    parts = [
        f"{resource.name} ({resource.type})",
        f"Also known as: {', '.join(aliases)}." if aliases else "",
        resource.description,
        f"Tasks: {', '.join(task_names(resource, tasks))}.",
        f"Tags: {', '.join(resource.tags[:12])}." if resource.tags else "",
    ]
    return " ".join(p for p in parts if p)


_CAMEL = re.compile(r"(?<=[a-z0-9])(?=[A-Z])")
_PREFIXES = ("pytorch", "torch", "py")


def name_parts(name: str) -> str:
    """Sub-words of a compound name so "TorchAudio" or "torchvision" also index "audio", "vision"."""
    out = []
    for word in re.findall(r"[A-Za-z][A-Za-z0-9]*", name):
        parts = _CAMEL.sub(" ", word).split()
        low = word.lower()
        for prefix in _PREFIXES:
            if low.startswith(prefix) and len(low) - len(prefix) >= 3:
                parts.append(low[len(prefix):])
                break
        if len(parts) > 1:
            out.extend(parts)
    return " ".join(out)


def lexical_doc(resource: Resource, tasks: Mapping[str, Task], name_weight: int = 3,
                task_weight: int = 2, needs_weight: int = 1) -> list[str]:
    """BM25 tokens: English stems plus CJK bigrams, with names and tasks weighted up."""
    names = " ".join((resource.name, *resource.aliases))
    names += " " + name_parts(names)
    task_text = " ".join(
        " ".join(tasks[t].all_names) for t in resource.tasks if t in tasks
    )
    body = " ".join((resource.description, resource.description_zh, " ".join(resource.tags),
                     TYPES[resource.type].index_words if resource.type in TYPES else resource.type, resource.publisher,
                     resource.platform, resource.instructor, " ".join(resource.authors)))
    needs = " ".join((*resource.needs, *resource.needs_zh))
    tokens: list[str] = []
    for text, weight in ((names, name_weight), (task_text, task_weight), (body, 1), (needs, needs_weight)):
        tokens.extend(lexical_tokens(text) * weight)
    return tokens
