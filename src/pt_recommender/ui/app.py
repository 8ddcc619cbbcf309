"""Streamlit UI for pt-recommender: thin widgets over the library, no retrieval logic here.

Run with `streamlit run app.py` in a checkout, or `pt-recommender app` where the package is installed.
"""

from __future__ import annotations

import io
import re

import pandas as pd
import streamlit as st

from pt_recommender.batch.cells import safe_url
from pt_recommender.batch.export import (
    MAX_ROWS_APP,
    check_upload,
    export_bytes,
    read_queries,
    recommendation_rows,
    write_csv_rows,
)
from pt_recommender.catalog.schema import RESOURCE_TYPES
from pt_recommender.catalog.types import TYPE_LABELS
from pt_recommender.config import MAX_QUERY_CHARS
from pt_recommender.views import facts, grouped, matched_task, search, task_page

EXAMPLES = ("3D medical segmentation", "plot my loss curves", "三维医学图像分割",
            "hyperparameter search", "text classification datasets")
_MD_SPECIAL = re.compile(r"([\\`*_{}\[\]()#+\-.!|<>~$:&])")


def md(text: object) -> str:
    """Escape catalog or user text so Markdown shows it literally (no links, no HTML)."""
    return _MD_SPECIAL.sub(r"\\\1", str(text)).replace("\n", " ")


def md_link(name: str, url: str) -> str:
    """A Markdown link only for http(s) URLs; anything else is shown as plain text."""
    safe = safe_url(url)
    if not safe:
        return md(name)
    quoted = safe.replace("(", "%28").replace(")", "%29").replace(" ", "%20")
    return f"[{md(name)}]({quoted})"


@st.cache_resource(show_spinner=False)
def load_recommender():
    """One recommender per app process (the library's loader, cached by Streamlit)."""
    from pt_recommender.recommender import Recommender

    return Recommender.load()


def sidebar_ui(rec) -> dict:
    params = st.query_params
    st.sidebar.header("Filters")
    k = st.sidebar.slider("Results (k)", 1, 50, int(params.get("k", 10)) if str(params.get("k", "10")).isdigit()
                          and 1 <= int(params.get("k", 10)) <= 50 else 10)
    chosen = [t for t in params.get_all("type") if t in RESOURCE_TYPES]
    types = st.sidebar.multiselect("Resource types", RESOURCE_TYPES, default=chosen,
                                   format_func=lambda t: TYPE_LABELS[t])
    areas = {a.id: a.name for a in rec.areas.values()}
    area = st.sidebar.selectbox("Area", [""] + sorted(areas, key=areas.get),
                                format_func=lambda a: areas.get(a, "Any area"))
    task_ids = sorted((t for t in rec.tasks.values() if not area or t.area == area), key=lambda t: t.name)
    tasks = {t.id: t.name for t in task_ids}
    preset = params.get("task", "")
    task = st.sidebar.selectbox("Task", [""] + list(tasks), format_func=lambda t: tasks.get(t, "Any task"),
                                index=(list(tasks).index(preset) + 1) if preset in tasks else 0)
    hide = st.sidebar.toggle("Hide archived, deprecated or renamed", value=params.get("hide") == "1")
    return {"k": k, "types": types, "area": area or None, "task": task or None, "hide": hide}


def search_box_ui() -> str:
    if "q" not in st.session_state:
        st.session_state.q = st.query_params.get("q", "")
    cols = st.columns(len(EXAMPLES))
    for col, example in zip(cols, EXAMPLES, strict=True):
        if col.button(example, key=f"ex-{example}", use_container_width=True):
            st.session_state.q = example
    return st.text_input("Describe your task", key="q",
                         placeholder="e.g. 3D medical segmentation, plot my loss curves, 语义分割模型")


def card_ui(rec, r) -> None:
    res = rec.resource(r.id)
    with st.container(border=True):
        st.markdown(f"**{md_link(r.name, r.url)}** · `{TYPE_LABELS.get(r.type, r.type)}`"
                    + (f" · ⚠ {md(r.status)}" if r.status != "active" else ""))
        st.markdown(md(r.description))
        st.caption("Why: " + md(r.reason))
        names = [rec.tasks[t].name for t in r.tasks if t in rec.tasks]
        extra = facts(res, rec) if res else []
        if names or extra:
            st.caption(" · ".join(md(x) for x in ["Tasks: " + ", ".join(names), *extra] if x))


def results_ui(rec, query: str, opts: dict) -> None:
    with st.spinner("Loading the recommender and searching…"):
        recs = search(rec, query, k=opts["k"], types=opts["types"] or None, task=opts["task"],
                      area=opts["area"], hide_inactive=opts["hide"])
    if not recs:
        st.info("No results match these filters. Try fewer filters or other words.")
        return
    rows = recommendation_rows("1", query, recs)
    buf = io.StringIO()
    write_csv_rows(buf, rows)
    st.download_button("Download CSV", buf.getvalue().encode("utf-8"), file_name="recommendations.csv",
                       mime="text/csv", key="download-results")
    for label, items in grouped(recs):
        st.subheader(f"{label} ({len(items)})")
        for r in items:
            card_ui(rec, r)


def task_page_ui(rec, task_id: str, hide_inactive: bool = False) -> None:
    page = task_page(rec, task_id, hide_inactive)
    t = page.task
    with st.expander(f"Task: {t.name} — {t.name_zh}", expanded=False):
        st.markdown(f"**Area:** {md(page.area)}" + (f" · **Parent:** {md(page.parent.name)}" if page.parent else ""))
        if page.subtasks:
            st.markdown("**Subtasks:** " + md(", ".join(s.name for s in page.subtasks)))
        aliases = [*t.aliases, *t.aliases_zh]
        if aliases:
            st.markdown("**Also called:** " + md(", ".join(aliases)))
        if t.description:
            st.caption(md(t.description))
        if page.featured:
            st.markdown("**Go-to choices:** " + ", ".join(md_link(r.name, r.url) for r in page.featured))
        for label, items in page.groups:
            st.markdown(f"**{md(label)}:** " + ", ".join(md_link(r.name, r.url) for r in items[:12]))
        if page.leaderboard:
            st.markdown("**Leaderboard** (catalog models, torchvision reference metrics)")
            st.dataframe(pd.DataFrame(page.leaderboard), hide_index=True, use_container_width=True)


def search_tab_ui(rec, opts: dict) -> None:
    query = search_box_ui()
    if not query.strip():
        st.info("Type a task description above, or click an example, to get recommendations.")
        if opts["task"]:
            task_page_ui(rec, opts["task"], opts["hide"])
        return
    if len(query) > MAX_QUERY_CHARS:
        st.error(f"That description is {len(query)} characters long; please keep it under {MAX_QUERY_CHARS}.")
        return
    st.query_params.from_dict({k: v for k, v in {
        "q": query, "type": opts["types"], "k": str(opts["k"]) if opts["k"] != 10 else None,
        "task": opts["task"], "hide": "1" if opts["hide"] else None}.items() if v})
    try:
        task_id = opts["task"] or matched_task(rec, query)
        if task_id:
            task_page_ui(rec, task_id, opts["hide"])
        results_ui(rec, query, opts)
    except ValueError as exc:
        st.error(str(exc))
    except Exception as exc:  # noqa: BLE001 - an error box, never a traceback
        st.error(f"Search failed ({type(exc).__name__}). Please try again or change the query.")


def batch_tab_ui(rec, opts: dict) -> None:
    st.write(f"Upload a CSV with a `query` column (optional `id`), up to {MAX_ROWS_APP} rows and 5 MB.")
    upload = st.file_uploader("Queries CSV", type=["csv"], key="batch-upload")
    if upload is None:
        return
    data = upload.getvalue()
    problem = check_upload(upload.name, data)
    if problem:
        st.error(problem)
        return
    try:
        rows = list(read_queries(io.BytesIO(data), csv_mode=True))
    except ValueError as exc:
        st.error(f"Cannot read this CSV: {exc}")
        return
    if not rows:
        st.error("The CSV has no query rows.")
        return
    if len(rows) > MAX_ROWS_APP:
        st.error(f"The CSV has {len(rows)} rows; the limit is {MAX_ROWS_APP}.")
        return
    if not st.button(f"Run {len(rows)} queries", key="batch-run"):
        return
    bar = st.progress(0.0, text="Running batch…")
    body, errors, n_out = export_bytes(
        rec.recommend_batch, rows, k=opts["k"], types=opts["types"] or None, chunk_size=64,
        progress=lambda done: bar.progress(done / len(rows), text=f"{done}/{len(rows)} queries"))
    bar.progress(1.0, text=f"Done: {n_out} result rows")
    if errors:
        st.warning(f"{len(errors)} row(s) skipped: " + "; ".join(
            f"line {e['line']}: {e['error']}" for e in errors[:5]))
    st.dataframe(pd.read_csv(io.BytesIO(body), encoding="utf-8-sig", dtype=str).head(50),
                 hide_index=True, use_container_width=True)
    st.download_button("Download results CSV", body, file_name="batch_recommendations.csv",
                       mime="text/csv", key="batch-download")


def main() -> None:
    st.set_page_config(page_title="pt-recommender", page_icon="🔥", layout="wide")
    st.title("pt-recommender")
    st.caption("What should I use for this? PyTorch ecosystem libraries, models, papers, datasets, "
               "tutorials, books and courses for your task — in English or 中文.")
    try:
        with st.spinner("Loading the recommender (first start builds the index)…"):
            rec = load_recommender()
    except Exception as exc:  # noqa: BLE001
        st.error(f"The recommender could not start: {type(exc).__name__}. Run `pt-recommender validate`.")
        return
    opts = sidebar_ui(rec)
    search_tab, batch_tab = st.tabs(["Search", "Batch"])
    with search_tab:
        search_tab_ui(rec, opts)
    with batch_tab:
        batch_tab_ui(rec, opts)


if __name__ == "__main__":  # `streamlit run` of this file (pt-recommender app)
    main()
