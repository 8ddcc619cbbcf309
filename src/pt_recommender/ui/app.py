"""Streamlit UI for pt-recommender: thin widgets over the library, no retrieval logic here.

Pages have their own URLs (`?page=browse`, `?task=ID`, `?dataset=ID`, `?id=ID`, `?q=…`), and
`?lang=zh` switches every label (ui/i18n.py). Run with `streamlit run app.py` in a checkout, or
`pt-recommender app` where the package is installed.
"""

from __future__ import annotations

import difflib
import io
import re
from urllib.parse import quote, urlencode

import pandas as pd
import streamlit as st

from pt_recommender.batch.cells import safe_url
from pt_recommender.batch.export import (
    MAX_ROWS_APP,
    check_upload,
    export_bytes,
    in_language,
    read_queries,
    recommendation_rows,
    write_csv_rows,
)
from pt_recommender.catalog.types import RESOURCE_TYPES, TYPES
from pt_recommender.config import MAX_QUERY_CHARS
from pt_recommender.text.lang import has_cjk
from pt_recommender.ui.i18n import t
from pt_recommender.views import (
    best_result,
    browse,
    dataset_boards,
    facts,
    grouped,
    matched_task,
    related,
    search,
    successors,
    task_page,
)

EXAMPLES = ("3D medical segmentation", "plot my loss curves", "三维医学图像分割",
            "hyperparameter search", "显存不够，想把模型压到8bit")
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


def page_link(name: str, lang: str, **params: str) -> str:
    """A link to one of the app's own pages, keeping the language."""
    query = urlencode({**params, **({"lang": lang} if lang == "zh" else {})}, quote_via=quote)
    return f"[{md(name)}](?{query})"


@st.cache_resource(show_spinner=False)
def load_recommender():
    """One recommender per app process (the library's loader, cached by Streamlit)."""
    from pt_recommender.recommender import Recommender

    return Recommender.load()


def language() -> str:
    """?lang= if given, else Chinese when the query is Chinese, else English."""
    lang = st.query_params.get("lang")
    if lang in ("en", "zh"):
        return lang
    return "zh" if has_cjk(st.query_params.get("q", "") or st.session_state.get("q", "")) else "en"


def type_label(kind: str, lang: str) -> str:
    info = TYPES.get(kind)
    return (info.label_zh if lang == "zh" else info.label) if info else kind


def task_name(task, lang: str) -> str:
    return task.name_zh or task.name if lang == "zh" else task.name


def status_badge(status: str, lang: str) -> str:
    return f" · ⚠ {t(status, lang)}" if status in ("deprecated", "archived") else (
        f" · {t('stale', lang)}" if status == "stale" else "")


def sidebar_ui(rec, lang: str) -> dict:
    params = st.query_params
    # keyed by the current language, so the switch always shows the language the page is in
    # (a Chinese query switches it to 中文) and only a click changes it
    choice = st.sidebar.radio(t("language", lang), ["中文", "English"], index=0 if lang == "zh" else 1,
                              horizontal=True, key=f"lang-switch-{lang}")
    if (choice == "中文") != (lang == "zh"):
        st.query_params["lang"] = "zh" if choice == "中文" else "en"
        st.rerun()
    st.sidebar.header(t("filters", lang))
    raw_k = str(params.get("k", "10"))
    k = st.sidebar.slider(t("results_k", lang), 1, 50, int(raw_k) if raw_k.isdigit() and 1 <= int(raw_k) <= 50 else 10)
    chosen = [x for x in params.get_all("type") if x in RESOURCE_TYPES]
    types = st.sidebar.multiselect(t("resource_types", lang), RESOURCE_TYPES, default=chosen,
                                   format_func=lambda x: type_label(x, lang), placeholder=t("choose", lang))
    areas = {a.id: (a.name_zh or a.name if lang == "zh" else a.name) for a in rec.areas.values()}
    area = st.sidebar.selectbox(t("area", lang), [""] + sorted(areas, key=areas.get),
                                format_func=lambda a: areas.get(a, t("any_area", lang)))
    task_ids = sorted((x for x in rec.tasks.values() if not area or x.area == area), key=lambda x: x.name)
    tasks = {x.id: task_name(x, lang) for x in task_ids}
    preset = params.get("filter_task", "")
    task = st.sidebar.selectbox(t("task", lang), [""] + list(tasks),
                                format_func=lambda x: tasks.get(x, t("any_task", lang)),
                                index=(list(tasks).index(preset) + 1) if preset in tasks else 0)
    hide = st.sidebar.toggle(t("hide_inactive", lang), value=params.get("hide") == "1")
    return {"k": k, "types": types, "area": area or None, "task": task or None, "hide": hide}


def card_ui(rec, r, lang: str) -> None:
    res = rec.resource(r.id)
    with st.container(border=True):
        st.markdown(f"**{md_link(r.name, r.url)}** · `{type_label(r.type, lang)}`{status_badge(r.status, lang)}"
                    f" · {page_link(t('open_page', lang), lang, id=r.id)}")
        st.markdown(md(r.description_zh if lang == "zh" else r.description_en or r.description))
        st.caption(f"{t('why', lang)}: " + md(r.reason_zh if lang == "zh" else r.reason_en or r.reason))
        if res is not None:
            needs = res.needs_zh if lang == "zh" and res.needs_zh else res.needs
            if needs:
                st.caption(f"{t('use_it_when', lang)}: " + md("; ".join(needs[:3])))
            links = [page_link(task_name(rec.tasks[x], lang), lang, task=x) for x in r.tasks if x in rec.tasks]
            extra = [md(x) for x in facts(res, rec, lang)]
            docs_zh = res.links.get("docs_zh")
            if lang == "zh" and isinstance(docs_zh, str):  # a Chinese reader can learn it in Chinese
                extra.append(md_link(t("docs_zh", lang), docs_zh))
            if links or extra:
                st.caption(" · ".join([f"{t('tasks_label', lang)}: " + ", ".join(links), *extra]))


def results_ui(rec, query: str, opts: dict, lang: str) -> None:
    with st.spinner(t("searching", lang)):
        recs = search(rec, query, k=opts["k"], types=opts["types"] or None, task=opts["task"],
                      area=opts["area"], hide_inactive=opts["hide"])
    if not recs:
        st.info(t("no_results", lang))
        return
    buf = io.StringIO()
    write_csv_rows(buf, in_language(recommendation_rows("1", query, recs), lang))
    st.download_button(t("download_csv", lang), buf.getvalue().encode("utf-8"), file_name="recommendations.csv",
                       mime="text/csv", key="download-results")
    for label, items in grouped(recs):
        st.subheader(f"{t('group_' + label, lang)} ({len(items)})")
        for r in items:
            card_ui(rec, r, lang)


def search_page(rec, opts: dict, lang: str) -> None:
    if "q" not in st.session_state:
        st.session_state.q = st.query_params.get("q", "")
    cols = st.columns(len(EXAMPLES))
    for col, example in zip(cols, EXAMPLES, strict=True):
        if col.button(example, key=f"ex-{example}", use_container_width=True):
            st.session_state.q = example
    query = st.text_input(t("describe", lang), key="q", placeholder=t("placeholder", lang))
    if not query.strip():
        st.info(t("type_hint", lang))
        return
    if len(query) > MAX_QUERY_CHARS:
        st.error(t("too_long", lang, n=len(query), max=MAX_QUERY_CHARS))
        return
    st.query_params.from_dict({k: v for k, v in {
        "q": query, "type": opts["types"], "k": str(opts["k"]) if opts["k"] != 10 else None,
        "filter_task": opts["task"], "hide": "1" if opts["hide"] else None,
        "lang": st.query_params.get("lang")}.items() if v})
    try:
        task_id = opts["task"] or matched_task(rec, query)
        if task_id:
            best = best_result(rec, task_id)
            link = page_link(task_name(rec.tasks[task_id], lang), lang, task=task_id)
            best_md = f" · {t('best_known', lang)}: {md(best)}" if best else ""
            st.markdown(f"**{t('task_page', lang)}:** {link}{best_md}")
        results_ui(rec, query, opts, lang)
    except ValueError as exc:
        st.error(str(exc))
    except Exception as exc:  # noqa: BLE001 - an error box, never a traceback
        st.error(t("search_failed", lang, err=type(exc).__name__))


def browse_page(rec, lang: str) -> None:
    st.header(t("nav_browse", lang))
    text = st.text_input(t("filter_tasks", lang), key="browse-filter")
    coverage_chart(rec, lang)
    for area in browse(rec, text):
        st.subheader(f"{area.name_zh} · {area.name}" if lang == "zh" else f"{area.name} · {area.name_zh}")
        if area.featured:
            st.markdown(f"**{t('goto', lang)}:** " + ", ".join(page_link(r.name, lang, id=r.id) for r in area.featured))
        cols = st.columns(3)
        for i, (task, counts, best) in enumerate(area.tasks):
            with cols[i % 3].container(border=True):
                st.markdown(f"**{page_link(task_name(task, lang), lang, task=task.id)}**")
                st.caption(" · ".join(f"{type_label(k, lang)} {n}" for k, n in sorted(counts.items())) or "—")
                if best:
                    st.caption(f"{t('best_known', lang)}: {md(best)}")


def coverage_chart(rec, lang: str) -> None:
    import altair as alt

    rows = [{"area": (rec.areas[task.area].name_zh if lang == "zh" else rec.areas[task.area].name),
             "type": type_label(r.type, lang)}
            for r in rec.resources for task in [rec.tasks.get(r.tasks[0])] if task and task.area in rec.areas]
    frame = pd.DataFrame(rows).value_counts().reset_index(name="n")
    chart = alt.Chart(frame, title=t("coverage", lang)).mark_bar().encode(
        y=alt.Y("area:N", sort="-x", title=None), x=alt.X("n:Q", title=None),
        color=alt.Color("type:N", title=None), tooltip=["area", "type", "n"]).properties(height=380)
    st.altair_chart(chart, use_container_width=True)


def not_found(rec, what: str, wanted: str, options: list[str], lang: str, param: str) -> None:
    st.error(t("not_found", lang, what=what, id=wanted))
    close = difflib.get_close_matches(wanted, options, n=5, cutoff=0.4)
    if close:
        st.markdown(f"{t('did_you_mean', lang)}: " + ", ".join(page_link(c, lang, **{param: c}) for c in close))


def board_ui(board, lang: str) -> None:
    col = f"{board.dataset}/{board.metric}"
    direction = "higher" if board.higher_is_better else "lower"
    st.caption(t("leaderboard_caption", lang, dataset=board.dataset, metric=board.metric, direction=direction,
                 direction_zh=t(direction, "zh"), n=len(board.rows)))
    frame = pd.DataFrame(board.rows)
    top = board.rows[0]
    st.markdown(f"**{t('best_known', lang)}:** {md(top['model'])} · {md(top['weights'])} · {top[col]:g}")
    show = [c for c in ("model", "weights", col, "params", "gflops", "size_mb", "quantized", "paper", "year")
            if c in frame.columns]
    st.dataframe(frame[show], hide_index=True, use_container_width=True)
    if "gflops" in frame.columns and frame["gflops"].notna().any():
        st.altair_chart(compute_chart(frame.dropna(subset=["gflops"]), col, board.higher_is_better, lang),
                        use_container_width=True)
    if "year" in frame.columns and frame["year"].nunique() > 1:
        st.altair_chart(year_chart(frame.dropna(subset=["year"]), col, board.higher_is_better, lang),
                        use_container_width=True)


def pareto(frame: pd.DataFrame, col: str, higher: bool) -> pd.Series:
    """True for weights no other weight beats on both the metric and compute."""
    best = float("-inf")
    front = pd.Series(False, index=frame.index)
    for i in frame.sort_values("gflops").index:
        value = frame.at[i, col] if higher else -frame.at[i, col]
        if value > best:
            front[i], best = True, value
    return front


def compute_chart(frame: pd.DataFrame, col: str, higher: bool, lang: str):
    import altair as alt

    data = frame.assign(value=frame[col], front=pareto(frame, col, higher))
    base = alt.Chart(data, title=t("chart_title", lang, metric=col))
    points = base.mark_circle(size=70).encode(
        x=alt.X("gflops:Q", scale=alt.Scale(type="log"), title="GFLOPS"),
        y=alt.Y("value:Q", scale=alt.Scale(zero=False, reverse=not higher), title=col),
        color=alt.Color("front:N", title="Pareto"),
        tooltip=["model", "weights", alt.Tooltip("value:Q", title=col), "gflops"])
    line = base.transform_filter("datum.front").mark_line(point=alt.OverlayMarkDef(shape="diamond", size=90)).encode(
        x="gflops:Q", y="value:Q")
    return (points + line).properties(height=320)


def year_chart(frame: pd.DataFrame, col: str, higher: bool, lang: str):
    """Progress over time: each weight at its paper's year, the best so far as a step line."""
    import altair as alt

    data = frame.assign(value=frame[col], year=frame["year"].astype(int)).sort_values("year")
    best = data.groupby("year")["value"].max() if higher else data.groupby("year")["value"].min()
    best = (best.cummax() if higher else best.cummin()).reset_index()
    points = alt.Chart(data, title=t("year_chart", lang, metric=col)).mark_circle(size=60, opacity=0.6).encode(
        x=alt.X("year:O", title=None), y=alt.Y("value:Q", scale=alt.Scale(zero=False, reverse=not higher), title=col),
        tooltip=["model", "weights", alt.Tooltip("value:Q", title=col), "year", "paper"])
    line = alt.Chart(best).mark_line(interpolate="step-after").encode(x="year:O", y="value:Q")
    return (points + line).properties(height=260)


def task_view(rec, task_id: str, lang: str) -> None:
    if task_id not in rec.tasks:
        not_found(rec, t("task_page", lang), task_id, list(rec.tasks), lang, "task")
        return
    page = task_page(rec, task_id)
    task = page.task
    st.header(f"{task.name_zh} · {task.name}" if lang == "zh" else f"{task.name} · {task.name_zh}")
    area = rec.areas.get(task.area)
    area_name = (area.name_zh or area.name) if area is not None and lang == "zh" else page.area
    line = [f"**{t('area_label', lang)}:** {md(area_name)}"]
    if page.parent:
        line.append(f"**{t('parent', lang)}:** {page_link(task_name(page.parent, lang), lang, task=page.parent.id)}")
    st.markdown(" · ".join(line))
    if page.subtasks:
        st.markdown(f"**{t('subtasks', lang)}:** " + ", ".join(page_link(task_name(s, lang), lang, task=s.id)
                                                             for s in page.subtasks))
    aliases = [*task.aliases, *task.aliases_zh]
    if aliases:
        st.caption(f"{t('also_called', lang)}: " + md(", ".join(aliases)))
    asked = [*task.asked_as_zh, *task.asked_as] if lang == "zh" else [*task.asked_as, *task.asked_as_zh]
    if asked:
        st.caption(f"{t('asked_as', lang)}: " + md(", ".join(f"“{a}”" for a in asked)))
    if task.description:
        st.markdown(md(task.description))
    if page.featured:
        st.markdown(f"**{t('goto', lang)}:** " + ", ".join(page_link(r.name, lang, id=r.id) for r in page.featured))
    st.subheader(t("leaderboards", lang))
    if not page.boards:
        st.info(t("no_leaderboard", lang))
    for board in page.boards:
        with st.expander(f"{board.dataset} · {board.metric}", expanded=board is page.boards[0]):
            board_ui(board, lang)
    for label, items in page.groups:
        st.subheader(f"{t('group_' + label, lang)} ({len(items)})")
        st.markdown(" · ".join(page_link(r.name, lang, id=r.id) + status_badge(r.status, lang) for r in items[:40]))


def dataset_view(rec, dataset_id: str, lang: str) -> None:
    res = rec.resource(dataset_id) or rec.resource(f"dataset-{dataset_id}")
    if res is None or res.type != "dataset":
        ids = [r.id for r in rec.resources if r.type == "dataset"]
        not_found(rec, t("dataset_page", lang), dataset_id, ids, lang, "dataset")
        return
    resource_header(rec, res, lang)
    boards = dataset_boards(rec, res)
    if boards:
        st.subheader(t("used_by_boards", lang))
        for board in boards:
            with st.expander(f"{board.task} · {board.dataset} · {board.metric}"):
                board_ui(board, lang)
    loaders = [r for r in related(rec, res, 20) if r.type in ("api", "library")]
    if loaders:
        st.markdown(f"**{t('loaders', lang)}:** " + ", ".join(page_link(r.name, lang, id=r.id) for r in loaders))


def resource_header(rec, res, lang: str) -> None:
    st.header(res.name)
    st.markdown(f"`{type_label(res.type, lang)}`{status_badge(res.maintenance, lang)} · {md_link(res.url, res.url)}")
    st.markdown(md(res.description_zh if lang == "zh" and res.description_zh else res.description))
    st.caption(md(res.description if lang == "zh" else res.description_zh))
    tasks = [page_link(task_name(rec.tasks[x], lang), lang, task=x) for x in res.tasks if x in rec.tasks]
    if tasks:
        st.markdown(f"**{t('tasks_label', lang)}:** " + ", ".join(tasks))


def resource_view(rec, resource_id: str, lang: str) -> None:
    res = rec.resource(resource_id)
    if res is None:
        not_found(rec, t("resource_page", lang), resource_id, [r.id for r in rec.resources], lang, "id")
        return
    if res.type == "dataset":
        dataset_view(rec, res.id, lang)
        return
    resource_header(rec, res, lang)
    needs = res.needs_zh if lang == "zh" and res.needs_zh else res.needs
    if needs:
        st.markdown(f"**{t('needs', lang)}:** " + md("; ".join(needs)))
    for fact in facts(res, rec, lang):
        st.caption(md(fact))
    if res.maintenance:
        st.markdown(f"**{t('maintenance', lang)}:** {md(res.maintenance)}"
                    + (f" ({t('checked_on', lang)} {md(res.checked_on)})" if res.checked_on else ""))
        for e in res.evidence:
            st.caption(f"{t('evidence', lang)}: {md(e.get('kind', ''))} {md(e.get('date', ''))} · "
                       f"{md_link(e.get('note') or e.get('url', ''), e.get('url', ''))}")
    succ = successors(res, rec)
    if succ:
        st.markdown(f"**{t('successor', lang)}:** " + ", ".join(page_link(r.name, lang, id=r.id) for r in succ))
    urls = [(t(kind, lang) if kind == "docs_zh" else url, url) for kind in ("repo", "docs_zh")
            if isinstance(url := res.links.get(kind), str)]
    if urls:
        st.markdown(f"**{t('links', lang)}:** " + " · ".join(md_link(text, url) for text, url in urls))
    rel = related(rec, res)
    if rel:
        st.markdown(f"**{t('related', lang)}:** " + ", ".join(page_link(r.name, lang, id=r.id) for r in rel))


def batch_page(rec, opts: dict, lang: str) -> None:
    st.write(t("upload_help", lang, max=MAX_ROWS_APP))
    upload = st.file_uploader(t("queries_csv", lang), type=["csv"], key="batch-upload")
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
        st.error(t("cannot_read_csv", lang, err=exc))
        return
    if not rows:
        st.error(t("no_rows", lang))
        return
    if len(rows) > MAX_ROWS_APP:
        st.error(t("too_many_rows", lang, n=len(rows), max=MAX_ROWS_APP))
        return
    if not st.button(t("run_n", lang, n=len(rows)), key="batch-run"):
        return
    bar = st.progress(0.0, text=t("running", lang))
    body, errors, n_out = export_bytes(
        rec.recommend_batch, rows, k=opts["k"], types=opts["types"] or None, chunk_size=64,
        progress=lambda done: bar.progress(done / len(rows), text=f"{done}/{len(rows)}"), lang=lang)
    bar.progress(1.0, text=t("done_rows", lang, n=n_out))
    if errors:
        st.warning(t("skipped_rows", lang, n=len(errors)) + ": " + "; ".join(
            f"line {e['line']}: {e['error']}" for e in errors[:5]))
    st.dataframe(pd.read_csv(io.BytesIO(body), encoding="utf-8-sig", dtype=str).head(50),
                 hide_index=True, use_container_width=True)
    st.download_button(t("download_results", lang), body, file_name="batch_recommendations.csv",
                       mime="text/csv", key="batch-download")


def main() -> None:
    lang = language()
    st.set_page_config(page_title=t("title", lang), page_icon="🔥", layout="wide")
    st.title(t("title", lang))
    st.caption(t("tagline", lang))
    try:
        with st.spinner(t("loading", lang)):
            rec = load_recommender()
    except Exception as exc:  # noqa: BLE001 - a visible error, never a traceback
        st.error(t("cannot_start", lang, err=type(exc).__name__))
        return
    opts = sidebar_ui(rec, lang)
    params = st.query_params
    nav = [page_link(t("nav_search", lang), lang), page_link(t("nav_browse", lang), lang, page="browse")]
    st.markdown(" · ".join(nav))
    if "task" in params:
        task_view(rec, params["task"], lang)
    elif "dataset" in params:
        dataset_view(rec, params["dataset"], lang)
    elif "id" in params:
        resource_view(rec, params["id"], lang)
    elif params.get("page") == "browse":
        browse_page(rec, lang)
    else:
        search_tab, batch_tab = st.tabs([t("nav_search", lang), t("nav_batch", lang)])
        with search_tab:
            search_page(rec, opts, lang)
        with batch_tab:
            batch_page(rec, opts, lang)


if __name__ == "__main__":  # `streamlit run` of this file (pt-recommender app)
    main()
