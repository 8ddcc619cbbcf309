"""The strict YAML reader gives the same objects and the same refusals with libyaml and without."""

from __future__ import annotations

import datetime
import hashlib

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


def test_parse_cache_gives_the_same_documents_and_never_trusts_a_damaged_entry(catalog_dir, tmp_path) -> None:
    """A rebuild reads unchanged files from their checksummed parse; an edited file misses, a
    damaged entry is parsed again (and rewritten), entries of gone files are removed, and a
    document JSON would change (a date) is not cached."""
    from pt_recommender.catalog.load import read_raw

    cache = tmp_path / "parsed"
    fresh, problems = read_raw(catalog_dir)
    assert not problems
    first, _ = read_raw(catalog_dir, cache)
    entries = sorted(cache.glob("*.json"))
    assert first == fresh and len(entries) == len(fresh)
    assert read_raw(catalog_dir, cache)[0] == fresh  # all from the cache

    # a damaged entry: one byte of its JSON changed, checksum kept -> ignored, parsed again
    victim = entries[0]
    blob = bytearray(victim.read_bytes())
    blob[-3] = ord("x") if blob[-3] != ord("x") else ord("y")
    victim.write_bytes(bytes(blob))
    assert read_raw(catalog_dir, cache)[0] == fresh
    digest, _, payload = victim.read_bytes().partition(b"\n")
    assert hashlib.sha256(payload).hexdigest().encode() == digest  # rewritten soundly

    # an edit misses; the old entry of that file is pruned
    libs = catalog_dir / "libraries.yaml"
    libs.write_text(libs.read_text(encoding="utf-8").replace("MONAI", "MONAI framework", 1), encoding="utf-8")
    edited, _ = read_raw(catalog_dir, cache)
    assert edited == read_raw(catalog_dir)[0] != fresh
    assert len(list(cache.glob("*.json"))) == len(fresh)

    # a value JSON would not give back (a date) is parsed each time, never cached
    extra = catalog_dir / "websites.yaml"
    extra.write_text("resources: []\nwhen: 2026-12-01\n", encoding="utf-8")
    dated, _ = read_raw(catalog_dir, cache)
    assert dated["websites.yaml"]["when"] == datetime.date(2026, 12, 1)
    assert len(list(cache.glob("*.json"))) == len(fresh) - ("websites.yaml" in fresh)
