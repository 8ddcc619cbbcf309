"""The strict YAML reader gives the same objects and the same refusals with libyaml and without."""

from __future__ import annotations

import datetime

import pytest
import yaml

from pt_recommender.catalog import safe_yaml

LOADERS = [yaml.SafeLoader] + ([yaml.CSafeLoader] if getattr(yaml, "CSafeLoader", None) else [])


@pytest.fixture(params=LOADERS, ids=lambda c: c.__name__)
def loader(request: pytest.FixtureRequest, monkeypatch: pytest.MonkeyPatch) -> type:
    monkeypatch.setattr(safe_yaml, "_Loader", request.param)
    return request.param


def test_same_objects_as_the_safe_loader(loader: type) -> None:
    text = ("a: [1, 2.5, true, null, '7', 2026-11-30]\nb:\n  c: text\n  d: {e: -3}\n"
            "f: |\n  block\n  text\n")
    assert safe_yaml.load_text(text) == yaml.load(text, Loader=yaml.SafeLoader)
    assert safe_yaml.load_text(text)["a"][5] == datetime.date(2026, 11, 30)
    assert safe_yaml.load_text("") is None


@pytest.mark.parametrize(("text", "message"), [
    ("a: &x [1]\nb: *x\n", "line 2: anchors and aliases are not allowed"),
    ("a: 1\nb: 2\na: 3\n", "line 3: duplicate key 'a' (first on line 1)"),
    ("[" * 60 + "]" * 60, "nesting deeper than 40 levels"),
    ("x: !!python/object/apply:os.system [ls]\n", "python/object/apply:os.system' is not allowed"),
    ("x: !!python/name:os.system ''\n", "python/name:os.system"),
    ("s: !!set {a, b}\n", "is not allowed"),
    ("? [1]\n: 2\n", "a key must be a plain value"),
    ("{a: [unclosed\n", "YAML error"),
])
def test_refusals(loader: type, text: str, message: str) -> None:
    with pytest.raises(safe_yaml.YamlError, match=None) as info:
        safe_yaml.load_text(text)
    assert message in str(info.value)


def test_alias_bomb_costs_nothing(loader: type) -> None:
    lines = ["a0: &a0 [x, x, x, x, x, x, x, x, x, x]"]
    lines += [f"a{i}: &a{i} [" + ", ".join([f"*a{i - 1}"] * 9) + "]" for i in range(1, 12)]
    with pytest.raises(safe_yaml.YamlError, match="line 2: anchors and aliases"):
        safe_yaml.load_text("\n".join(lines))
