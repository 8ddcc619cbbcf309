"""Streamlit AppTest: cards render, filters narrow, URL restores a search, bad input messages."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from pt_recommender.batch.export import MAX_ROWS_APP, check_upload

from .conftest import PROBE_TAIL

APP = str(Path(__file__).resolve().parents[1] / "app.py")


@pytest.fixture
def app(monkeypatch, catalog_dir, index_dir):
    import streamlit as st
    from streamlit.testing.v1 import AppTest

    monkeypatch.setenv("PT_RECOMMENDER_ENCODER", "fake")
    monkeypatch.setenv("PT_RECOMMENDER_DATA_DIR", str(catalog_dir))
    monkeypatch.setenv("PT_RECOMMENDER_INDEX_DIR", str(index_dir))
    st.cache_resource.clear()
    return AppTest.from_file(APP, default_timeout=60)


def _text(at) -> str:
    return "\n".join(str(m.value) for m in [*at.markdown, *at.caption, *at.info, *at.error, *at.subheader])


def test_query_renders_cards(app) -> None:
    app.run()
    app.text_input(key="q").input("medical image segmentation").run()
    assert not app.exception
    text = _text(app)
    assert "MONAI" in text and "Why:" in text
    assert any(s.value.startswith("Libraries") for s in app.subheader)


def test_type_filter_narrows(app) -> None:
    app.run()
    app.sidebar.multiselect[0].select("dataset").run()
    app.text_input(key="q").input("medical image segmentation").run()
    heads = [s.value for s in app.subheader]
    assert heads and all(h.startswith("Datasets") for h in heads)
    assert app.query_params["type"] in ("dataset", ["dataset"])


def test_query_params_restore_search(app) -> None:
    app.query_params["q"] = "plot loss curves"
    app.run()
    assert app.text_input(key="q").value == "plot loss curves"
    assert "TensorBoard" in _text(app)


def test_example_button_runs_chinese_query(app) -> None:
    app.run()
    app.button(key="ex-三维医学图像分割").click().run()
    assert "MONAI" in _text(app)


def test_empty_query_gives_hint(app) -> None:
    app.run()
    app.text_input(key="q").input("   ").run()
    assert any("Type a task description" in i.value for i in app.info)
    assert not app.subheader


def test_overlong_query_message(app) -> None:
    app.run()
    app.text_input(key="q").input("x" * 2500).run()
    assert any("2500 characters" in e.value for e in app.error)


PROBE = """
- id: markup-probe
  name: "Probe [click](javascript:alert(1))"
  type: library
  description: "Medical probe <img src=x onerror=alert(1)> with **bold** and [link](javascript:alert(2))."
  url: "https://example.org/a(b)"
  tasks: [medical-imaging]
  description_zh: "医学探针 <b>测试</b> 用的条目，检查标记不会被执行。"
"""  + PROBE_TAIL


def test_markup_in_catalog_and_query_is_shown_literally(app, catalog_dir) -> None:
    with open(catalog_dir / "libraries.yaml", "a", encoding="utf-8") as fh:
        fh.write(PROBE)
    app.run()
    app.text_input(key="q").input("<script>alert(1)</script> medical probe [x](javascript:alert(1))").run()
    assert not app.exception
    bodies = [m.value for m in app.markdown]
    assert any("Medical probe" in b for b in bodies)
    for b in bodies:
        assert "](javascript:" not in b, b
        assert "<img" not in b.replace("\\<img", ""), b
    assert any("\\<img src=x onerror=alert\\(1\\)\\>" in b for b in bodies)
    assert any("(https://example.org/a%28b%29)" in b for b in bodies)


@pytest.mark.parametrize(("name", "data", "needle"), [
    ("q.txt", b"query\nx\n", "upload a .csv"),
    ("q.csv", b"\xff\xfe\x00bad", "not UTF-8"),
    ("q.csv", b"text,id\nx,1\n", "needs a `query` column"),
    ("q.csv", b"query\n" + b"x" * (5 * 1024 * 1024 + 1), "limit is 5 MB"),
    ("q.csv", b"query\n" + b"q\n" * (MAX_ROWS_APP * 4 + 5), f"limit is {MAX_ROWS_APP}"),
])
def test_upload_problems_named(name: str, data: bytes, needle: str) -> None:
    assert needle in (check_upload(name, data) or "")


def test_good_upload_accepted() -> None:
    assert check_upload("q.csv", "id,query\n1,语义分割\n".encode()) is None


def test_hide_inactive_and_area_filter(app) -> None:
    app.query_params["q"] = "experiment tracking training visualization"
    app.run()
    assert "Allegro Trains" in _cards(app)
    app.sidebar.toggle[0].set_value(True).run()
    # its card is hidden (ClearML's reason may still say what it replaces)
    assert "Allegro Trains" not in _cards(app) and "ClearML" in _cards(app)

    app.text_input(key="q").input("medical imaging").run()
    assert "MONAI" in _cards(app)
    app.sidebar.selectbox[0].select("visualization").run()
    assert _cards(app) and "MONAI" not in _cards(app)
    assert all(c in {"TensorBoard", "ClearML", "add_scalar", "Visualizing Models, Data, and Training with TensorBoard"}
               for c in _cards(app))
    app.sidebar.selectbox[0].select("medical").run()
    assert "MONAI" in _cards(app) and "TensorBoard" not in _cards(app)


def _cards(app) -> list[str]:
    """Names of the result cards (their first line is **[name](url)** · `Type`)."""
    import re

    return [re.match(r"\*\*\[(.+?)\]\(", m.value).group(1).replace("\\", "")
            for m in app.markdown if m.value.startswith("**[")]


def test_crash_inside_search_shows_error_box(app, monkeypatch) -> None:
    from pt_recommender.recommender import Recommender

    def boom(self, *a, **k):
        raise RuntimeError("index exploded")

    monkeypatch.setattr(Recommender, "recommend_batch", boom)
    app.run()
    app.text_input(key="q").input("medical imaging").run()
    assert not app.exception
    assert any("Search failed (RuntimeError)" in e.value for e in app.error)
    assert not any("index exploded" in e.value for e in app.error)  # no internals shown


def _all_text(at) -> str:
    parts = [str(m.value) for m in [*at.markdown, *at.caption, *at.info, *at.error, *at.subheader, *at.header,
                                    *at.title, *at.warning]]
    parts += [str(w.label) for w in [*at.button, *at.text_input, *at.sidebar.slider, *at.sidebar.multiselect,
                                     *at.sidebar.selectbox, *at.sidebar.toggle, *at.sidebar.radio]]
    return "\n".join(parts).replace("\\", "")  # Markdown escapes off, so facts read as typed


def _page(app, **params: str) -> str:
    for key, value in params.items():
        app.query_params[key] = value
    app.run()
    assert not app.exception
    return _all_text(app)


def test_browse_page_lists_areas_and_links_tasks(app, catalog_dir) -> None:
    tax = catalog_dir / "taxonomy.yaml"
    tax.write_text(tax.read_text().replace("{id: medical, name: Medical Imaging, name_zh: 医学影像}",
                                           "{id: medical, name: Medical Imaging, name_zh: 医学影像, featured: [monai]}"))
    text = _page(app, page="browse")
    assert "Medical" in text and "(?task=medical-image-segmentation)" in text
    assert "Go-to" in text and "(?id=monai)" in text  # the area's picks, linked


def test_task_page_with_tree_and_resources(app) -> None:
    text = _page(app, task="medical-image-segmentation")
    assert "Medical Image Segmentation" in text and "(?id=monai)" in text
    assert "Leaderboards" in text


def test_resource_page_shows_needs_and_evidence(app) -> None:
    app.query_params["id"] = "monai"
    app.run()
    assert not app.exception
    text = _all_text(app)
    assert "segment organs in ct scans" in text and "Evidence" in text and "2026-11-30" in text
    assert "(?task=medical-image-segmentation)" in text  # resource page -> task page


def test_dataset_page(app) -> None:
    app.query_params["dataset"] = "dataset-msd"
    app.run()
    assert not app.exception
    assert "Medical Segmentation Decathlon" in _all_text(app)


@pytest.mark.parametrize(("param", "value"), [("task", "no-such-task"), ("dataset", "nope"), ("id", "monaii")])
def test_unknown_page_says_not_found_with_suggestions(app, param, value) -> None:
    app.query_params[param] = value
    app.run()
    assert not app.exception
    assert any("Not found" in e.value for e in app.error)


def test_card_links_to_its_resource_page(app) -> None:
    app.run()
    app.text_input(key="q").input("medical image segmentation").run()
    assert "(?id=monai)" in _all_text(app)


def test_chinese_card_links_upstream_chinese_docs(app, catalog_dir) -> None:
    """A Chinese reader's card and resource page link the project's Chinese documentation;
    an English card does not (the resource page lists it among its links)."""
    path = catalog_dir / "libraries.yaml"
    repo = "links: {repo: https://github.com/Project-MONAI/MONAI}"
    path.write_text(path.read_text().replace(repo, repo[:-1] + ", docs_zh: https://example.org/monai-zh/}"))
    app.query_params["lang"] = "zh"
    app.query_params["q"] = "三维医学图像分割"
    app.run()
    assert not app.exception
    assert "[中文文档](https://example.org/monai-zh/)" in _all_text(app)
    app.query_params["lang"] = "en"
    app.query_params["q"] = "3D medical image segmentation"
    app.run()
    assert "monai-zh" not in _all_text(app)
    app.query_params.clear()
    app.query_params["id"] = "monai"
    app.run()
    assert "](https://example.org/monai-zh/)" in _all_text(app)  # among the page's links


def _english_labels() -> set[str]:
    from pt_recommender.ui.i18n import messages

    out = set()
    for en, zh in messages().values():
        if en != zh:
            out |= {part.strip() for part in re.split(r"\{[^}]*\}", en) if len(part.strip()) >= 4}
    return out


def test_chinese_ui_has_no_english_label_left(app) -> None:
    app.query_params["lang"] = "zh"
    app.query_params["q"] = "三维医学图像分割"
    app.run()
    assert not app.exception
    text = _all_text(app)
    leftovers = sorted(label for label in _english_labels() if label in text)
    assert leftovers == []
    assert "医学影像深度学习框架。" in text  # the Chinese description of MONAI
    assert "推荐理由" in text and "你提到的任务" in text  # a Chinese reason


def test_english_ui_for_english_query(app) -> None:
    app.query_params["q"] = "medical image segmentation"
    app.run()
    text = _all_text(app)
    assert "Why:" in text and "推荐理由" not in text
