"""Check the catalog and taxonomy; report every problem as `file:entry-id:field: message`."""

from __future__ import annotations

import datetime as dt
import re
from typing import Any

from .rules import check_asked_as, check_maintenance, check_needs, check_weights, check_zh
from .schema import ACCESS, GLOSSARY_FILE, LINK_KINDS, RESOURCE_FIELDS, RESOURCE_TYPES, TAXONOMY_FILE, URL_LINKS
from .types import file_type
from .urls import is_https_url

ID_RE = re.compile(r"^[a-z0-9][a-z0-9-]{0,79}$")
MAX_TEXT = 2000
REQUIRED = ("id", "name", "type", "description", "url", "tasks")
STR_FIELDS = ("name", "description", "description_zh", "url", "publisher", "platform",
              "instructor", "maintenance", "checked_on", "landscape", "license", "source", "access",
              "access_evidence")
LIST_FIELDS = ("tasks", "aliases", "tags", "authors", "successor")
TASK_FIELDS = frozenset(("id", "name", "area", "parent", "aliases", "name_zh", "aliases_zh",
                         "pwc", "hf", "description", "featured", "asked_as", "asked_as_zh", "combines"))
AREA_FIELDS = frozenset(("id", "name", "name_zh", "aliases", "aliases_zh", "featured"))


class _Report:
    def __init__(self) -> None:
        self.problems: list[str] = []
        self.warnings: list[str] = []
        self.today = dt.date.today()

    def add(self, file: str, entry: str, fld: str, message: str) -> None:
        self.problems.append(f"{file}:{entry}:{fld}: {message}")


def _entries(doc: Any, key: str, file: str, rep: _Report) -> list[tuple[str, dict]]:
    """The list under `key`, each entry with a label (its id or #index)."""
    if not isinstance(doc, dict) or not isinstance(doc.get(key), list):
        rep.add(file, "-", key, f"top level must be a mapping with a `{key}:` list")
        return []
    out = []
    for i, entry in enumerate(doc[key]):
        label = f"#{i}"
        if not isinstance(entry, dict):
            rep.add(file, label, "-", "entry must be a mapping")
            continue
        if isinstance(entry.get("id"), str) and entry["id"]:
            label = entry["id"][:80]
        out.append((label, entry))
    return out


def _check_fields(file: str, label: str, e: dict, rep: _Report, expected: str | None) -> None:
    for fld in REQUIRED:
        if e.get(fld) in (None, "", []):
            rep.add(file, label, fld, "required field is missing or empty")
    for fld in e:
        if fld not in RESOURCE_FIELDS:
            rep.add(file, label, str(fld)[:40], "unknown field")
    for fld in STR_FIELDS:
        if fld in e and not isinstance(e[fld], str):
            rep.add(file, label, fld, f"must be a string, not {type(e[fld]).__name__}")
        elif isinstance(e.get(fld), str) and len(e[fld]) > MAX_TEXT:
            rep.add(file, label, fld, f"longer than {MAX_TEXT} characters")
    for fld in LIST_FIELDS:
        val = e.get(fld)
        if val is not None and not (isinstance(val, list) and all(isinstance(v, str) for v in val)):
            rep.add(file, label, fld, "must be a list of strings")
        elif isinstance(val, list) and any(len(v) > MAX_TEXT for v in val):
            rep.add(file, label, fld, f"an item is longer than {MAX_TEXT} characters")
    if "id" in e and not (isinstance(e["id"], str) and ID_RE.match(e["id"])):
        rep.add(file, label, "id", "must be a slug of a-z, 0-9 and '-' (at most 80)")
    if "type" in e and e["type"] not in RESOURCE_TYPES:
        rep.add(file, label, "type", f"unknown type; allowed: {', '.join(RESOURCE_TYPES)}")
    elif expected and e.get("type") not in (None, expected):
        rep.add(file, label, "type", f"is {e.get('type')!r} but {file} holds {expected!r}")
    if e.get("url") and not is_https_url(e["url"]):
        rep.add(file, label, "url", "must be an https URL")
    if "year" in e and not (isinstance(e["year"], int) and not isinstance(e["year"], bool)
                            and 1800 <= e["year"] <= 2100):
        rep.add(file, label, "year", "must be a whole number between 1800 and 2100")
    if "params" in e and not (isinstance(e["params"], int) and e["params"] >= 0):
        rep.add(file, label, "params", "must be a non-negative whole number")
    if "metrics" in e and not (isinstance(e["metrics"], dict) and all(
            isinstance(k, str) and isinstance(v, (int, float)) and not isinstance(v, bool)
            for k, v in e["metrics"].items())):
        rep.add(file, label, "metrics", "must map metric names to numbers")
    def add(fld: str, message: str) -> None:
        rep.add(file, label, fld, message)

    def warn(fld: str, message: str) -> None:
        rep.warnings.append(f"{file}:{label}:{fld}: {message}")

    check_needs(e, add, warn)
    check_zh(e, add)
    check_weights(e, add)
    check_maintenance(e, add, warn, rep.today)
    if "access" in e or "access_evidence" in e:
        if e.get("type") not in ("book", "course"):
            add("access", "only books and courses carry access")
        elif e.get("access") not in ACCESS:
            add("access", f"must be one of {', '.join(ACCESS)}")
        elif not is_https_url(e.get("access_evidence") or ""):
            add("access_evidence", "access needs the https URL of the page that shows it")
    if "links" in e and not isinstance(e["links"], dict):
        rep.add(file, label, "links", "must be a mapping")
    if e.get("type") == "paper":
        for fld in ("authors", "year"):
            if not e.get(fld):
                rep.add(file, label, fld, "a paper needs authors and year")
    if e.get("type") == "model" and not (isinstance(e.get("links"), dict) and e["links"].get("paper")):
        rep.add(file, label, "links", "a model must link to its paper (links.paper)")


def _check_links(file: str, label: str, e: dict, ids: dict[str, str], rep: _Report) -> None:
    links = e.get("links")
    if isinstance(links, dict):
        for kind, targets in links.items():
            if kind not in LINK_KINDS:
                rep.add(file, label, f"links.{str(kind)[:30]}", f"unknown link kind; allowed: {', '.join(LINK_KINDS)}")
            elif kind in URL_LINKS:
                if not is_https_url(targets):
                    rep.add(file, label, f"links.{kind}", "must be an https URL")
            elif not (isinstance(targets, list) and all(isinstance(t, str) for t in targets)):
                rep.add(file, label, f"links.{kind}", "must be a list of resource ids")
            else:
                for t in targets:
                    if t not in ids:
                        rep.add(file, label, f"links.{kind}", f"unknown resource id {t[:80]!r}")
                    elif kind in RESOURCE_TYPES and ids[t] != kind:
                        rep.add(file, label, f"links.{kind}", f"{t!r} is a {ids[t]}, not a {kind}")
    for succ in e.get("successor") or [] if isinstance(e.get("successor"), list) else []:
        if isinstance(succ, str) and succ not in ids:
            rep.add(file, label, "successor", f"unknown resource id {succ[:80]!r}")


def _check_taxonomy(doc: Any, rep: _Report) -> set[str]:
    f = TAXONOMY_FILE
    areas = {}
    for label, a in _entries(doc, "areas", f, rep):
        for fld in a:
            if fld not in AREA_FIELDS:
                rep.add(f, label, str(fld)[:40], "unknown field")
        if not a.get("id") or not a.get("name"):
            rep.add(f, label, "id", "an area needs id and name")
        for fld in ("aliases", "aliases_zh", "featured"):
            v = a.get(fld)
            if v is not None and not (isinstance(v, list) and all(isinstance(x, str) for x in v)):
                rep.add(f, label, fld, "must be a list of strings")
        if label in areas:
            rep.add(f, label, "id", "duplicate area id")
        areas[label] = a
    tasks: dict[str, dict] = {}
    for label, t in _entries(doc, "tasks", f, rep):
        for fld in t:
            if fld not in TASK_FIELDS:
                rep.add(f, label, str(fld)[:40], "unknown field")
        for fld in ("id", "name", "area"):
            if not isinstance(t.get(fld), str) or not t.get(fld):
                rep.add(f, label, fld, "required field is missing or empty")
        for fld in ("aliases", "aliases_zh", "featured", "asked_as", "asked_as_zh", "combines"):
            v = t.get(fld)
            if v is not None and not (isinstance(v, list) and all(isinstance(x, str) for x in v)):
                rep.add(f, label, fld, "must be a list of strings")
        check_asked_as(t, lambda fld, msg, label=label: rep.add(f, label, fld, msg))
        if label in tasks:
            rep.add(f, label, "id", "duplicate task id")
        if not isinstance(t.get("parent", ""), (str, type(None))):
            rep.add(f, label, "parent", "must be a task id (a string)")
            t = {**t, "parent": None}
        if isinstance(t.get("area"), str) and t["area"] and t["area"] not in areas:
            rep.add(f, label, "area", f"unknown area {str(t['area'])[:80]!r}")
        if label not in tasks:
            tasks[label] = t
    for label, t in tasks.items():
        parent = t.get("parent")
        if parent and parent not in tasks:
            rep.add(f, label, "parent", f"unknown task {str(parent)[:80]!r}")
        parts = t.get("combines") or []
        if isinstance(parts, list) and parts:
            if len(parts) < 2:
                rep.add(f, label, "combines", "needs at least two tasks or areas")
            for part in (p for p in parts if isinstance(p, str)):  # others: "a list of strings" above
                known = part[5:] in areas if part.startswith("area:") else part in tasks
                if not known or part == label:
                    rep.add(f, label, "combines", f"unknown task or area {str(part)[:80]!r}")
    _check_names_owned(tasks, lambda label, fld, msg: rep.add(f, label, fld, msg))
    for label in tasks:  # walk up the tree; a revisit means a cycle
        seen, cur = set(), label
        while cur in tasks and tasks[cur].get("parent"):
            if cur in seen:
                rep.add(f, label, "parent", "cycle in the task tree")
                break
            seen.add(cur)
            cur = tasks[cur]["parent"]
    return set(tasks)


def _check_names_owned(tasks: dict[str, dict], add) -> None:
    """A task's name belongs to that task: another task (its parent most often) listing it as an
    alias matches the same words just as strongly, so a query naming the narrow task also lifts
    the broad one's go-to picks ("fine-tune an LLM" lifting model cards of chat LLMs)."""
    def key(text: Any) -> str:
        return " ".join("".join(c for c in str(text).lower() if c.isalnum() or c.isspace()).split())

    owner = {key(t.get(fld)): label for label, t in tasks.items() for fld in ("name", "name_zh") if t.get(fld)}
    for label, t in tasks.items():
        for fld in ("aliases", "aliases_zh"):
            for alias in t.get(fld) or []:
                other = owner.get(key(alias))
                if other is not None and other != label:
                    add(label, fld, f"alias {str(alias)[:60]!r} is the name of task {other!r}")


def _check_glossary(doc: Any, rep: _Report) -> None:
    """Each term a pair of non-empty strings, each Chinese term once: a second entry would decide
    the rendering by its place in the file, not by anyone's choice."""
    seen: dict[str, str] = {}
    for label, t in _entries(doc, "terms", GLOSSARY_FILE, rep):
        if not (isinstance(t.get("zh"), str) and t["zh"] and isinstance(t.get("en"), str) and t["en"]):
            rep.add(GLOSSARY_FILE, label, "zh", "a term needs non-empty strings zh and en")
        elif t["zh"] in seen:
            rep.add(GLOSSARY_FILE, label, "zh", f"duplicate term {t['zh'][:40]!r} (also {seen[t['zh']]})")
        else:
            seen[t["zh"]] = label


def validate_docs(docs: dict[str, Any], complete: bool = True) -> list[str]:
    """Every problem of the parsed catalog files (see `check_docs`)."""
    return check_docs(docs, complete)[0]


def check_docs(docs: dict[str, Any], complete: bool = True) -> tuple[list[str], list[str]]:
    """(problems, warnings): every problem of the parsed catalog files; empty when the catalog is sound.

    With `complete=False` (some file did not parse) references between entries are not
    checked, since their targets may sit in the unreadable file: one syntax error then
    hides no other problem and floods no false ones."""
    rep = _Report()
    if not complete:
        docs = {**docs, TAXONOMY_FILE: docs.get(TAXONOMY_FILE, {"areas": [], "tasks": []})}
    task_ids = _check_taxonomy(docs[TAXONOMY_FILE], rep) if TAXONOMY_FILE in docs else set()
    if TAXONOMY_FILE not in docs:
        rep.add(TAXONOMY_FILE, "-", "-", "taxonomy file is missing")
    if GLOSSARY_FILE in docs:
        _check_glossary(docs[GLOSSARY_FILE], rep)
    entries = [(file, label, e) for file, doc in docs.items()
               if file not in (TAXONOMY_FILE, GLOSSARY_FILE)
               for label, e in _entries(doc, "resources", file, rep)]
    ids: dict[str, str] = {}
    first_file: dict[str, str] = {}
    unique = []
    for file, label, e in entries:
        rid = e.get("id")
        if isinstance(rid, str) and rid in ids:
            # one line naming both places; the copy is not checked further (no knock-on lines)
            rep.add(file, label, "id", f"duplicate id (first defined in {first_file[rid]})")
            continue
        if isinstance(rid, str):
            ids[rid] = str(e.get("type", ""))
            first_file[rid] = file
        unique.append((file, label, e))
    entries = unique
    if complete and TAXONOMY_FILE in docs and isinstance(docs[TAXONOMY_FILE], dict):
        tax = docs[TAXONOMY_FILE]
        gone = {e["id"]: e["maintenance"] for _, _, e in entries
                if isinstance(e.get("id"), str) and e.get("maintenance") in ("deprecated", "archived")}
        for t in [*(tax.get("areas") or []), *(tax.get("tasks") or [])]:
            featured = t.get("featured") if isinstance(t, dict) else None
            if isinstance(featured, list):
                for rid in featured:
                    if isinstance(rid, str) and rid not in ids:
                        rep.add(TAXONOMY_FILE, str(t.get("id"))[:80], "featured",
                                f"unknown resource id {rid[:80]!r}")
                    elif isinstance(rid, str) and rid in gone:
                        # a go-to pick is what the card calls the first choice: never a dead one
                        rep.add(TAXONOMY_FILE, str(t.get("id"))[:80], "featured",
                                f"go-to pick {rid[:80]!r} is {gone[rid]} upstream; pick a maintained resource")
    names: dict[tuple, str] = {}
    descs: dict[str, str] = {}
    for file, label, e in entries:
        try:
            _check_entry(file, label, e, rep, ids if complete else None, task_ids if complete else None,
                         names, descs)
        except Exception as exc:  # noqa: BLE001 - a malformed entry must not stop the report
            rep.add(file, label, "-", f"entry could not be checked ({type(exc).__name__})")
    return rep.problems, rep.warnings


def _check_entry(file: str, label: str, e: dict, rep: _Report, ids: dict[str, str] | None,
                 task_ids: set[str] | None, names: dict[tuple, str], descs: dict[str, str]) -> None:
    """One entry's own fields, then (when `ids` and `task_ids` are known) its references."""
    _check_fields(file, label, e, rep, file_type(file))
    if ids is not None:
        _check_links(file, label, e, ids, rep)
    tasks = e.get("tasks")
    if task_ids is not None and isinstance(tasks, list):
        for t in tasks:
            if isinstance(t, str) and t not in task_ids:
                rep.add(file, label, "tasks", f"unknown task {t[:80]!r}")
    if isinstance(e.get("name"), str) and e["name"]:
        key = (str(e.get("type")), e["name"].strip())
        if key in names:
            rep.add(file, label, "name", f"duplicate {e.get('type')} name (also {names[key]})")
        names[key] = label
    if isinstance(e.get("description"), str) and e["description"].strip():
        norm = " ".join(e["description"].lower().split())
        if norm in descs:
            rep.add(file, label, "description", f"duplicate description (also {descs[norm]})")
        descs[norm] = label


