"""Thin command line: parse, call the library, print. Heavy imports stay inside commands."""

from __future__ import annotations

import argparse
import json
import os
import sys
from pathlib import Path

EXIT_USAGE, EXIT_INDEX = 2, 3
FORMATS = ("table", "json", "csv")


class UsageError(Exception):
    """A user mistake: one clear line, exit 2."""


def _common(p: argparse.ArgumentParser) -> None:
    p.add_argument("--data-dir", type=Path, help="catalog folder (default: data/ or $PT_RECOMMENDER_DATA_DIR)")
    p.add_argument("--index-dir", type=Path, help="index folder (default: index/ or $PT_RECOMMENDER_INDEX_DIR)")
    p.add_argument("--model", help="sentence-transformers model name or path ($PT_RECOMMENDER_MODEL)")
    p.add_argument("--no-rebuild", action="store_true",
                   help="refuse (exit 3) instead of rebuilding a missing or stale index")


def build_parser(command: str | None = None) -> argparse.ArgumentParser:
    """The whole command line; with `command`, only that command's options are built (the
    others keep their name and help line): ~60 option definitions cost a cold start 10-20 ms,
    most of an up-to-date `build --if-stale`."""
    from ._version import __version__

    parser = argparse.ArgumentParser(
        prog="pt-recommender",
        description="Recommend PyTorch ecosystem libraries, models, papers, datasets and "
                    "learning material for a task description (English or Chinese).")
    parser.add_argument("--version", action="version", version=f"%(prog)s {__version__}")
    sub = parser.add_subparsers(dest="command", required=True, metavar="COMMAND")
    for name, (help_text, add_options) in _COMMAND_OPTIONS.items():
        p = sub.add_parser(name, help=help_text)
        if command in (None, name):
            add_options(p)
    return parser


def _validate_options(p: argparse.ArgumentParser) -> None:
    p.add_argument("--data-dir", type=Path)


def _build_options(p: argparse.ArgumentParser) -> None:
    _common(p)
    p.add_argument("--backend", choices=("faiss", "numpy"), default="faiss")
    p.add_argument("--if-stale", action="store_true",
                   help="only build when the index is missing, stale, other-model or corrupt")


def _recommend_options(p: argparse.ArgumentParser) -> None:
    _common(p)
    p.add_argument("query")
    p.add_argument("-k", type=int, default=10, help="number of results, 1-100 (default 10)")
    p.add_argument("--type", dest="types", action="append", metavar="TYPE",
                   help="only this resource type (repeatable)")
    p.add_argument("--format", choices=FORMATS, default="table")
    p.add_argument("--lang", choices=("en", "zh"), default=None,
                   help="language of descriptions and reasons (default: the query's)")


def _eval_options(p: argparse.ArgumentParser) -> None:
    _common(p)
    p.add_argument("qrels", type=Path, nargs="*",
                   help="judged query files (default: the shipped dev sets, keyword and paraphrase)")
    p.add_argument("--show", action="store_true", help="print each query's top results")
    p.add_argument("--only", choices=("full",), help="skip the ablations")


def _export_options(p: argparse.ArgumentParser) -> None:
    _common(p)
    p.add_argument("input", help="CSV with a `query` column, a text file (one query a line), or -")
    p.add_argument("-o", "--output", required=True, type=Path)
    p.add_argument("-k", type=int, default=10)
    p.add_argument("--type", dest="types", action="append", metavar="TYPE")
    p.add_argument("--format", choices=("csv", "jsonl"), default=None,
                   help="default: from the output's extension, else csv")
    p.add_argument("--engine", choices=("local", "ray"), default="local")
    p.add_argument("--ray-address", default=None, help="Ray cluster address (default: local)")
    p.add_argument("--workers", type=int, default=None,
                   help="local worker processes (default 1: one process whose threads overlap "
                        "embedding, scoring and writing; more pays off only on more cores)")
    p.add_argument("--chunk-size", type=int, default=512)
    p.add_argument("--force", action="store_true", help="overwrite an existing output")
    p.add_argument("--resume", action="store_true", help="continue a killed run")
    p.add_argument("--quiet", action="store_true", help="no progress bar")
    p.add_argument("--lang", choices=("en", "zh"), default=None,
                   help="language of the reason and description columns (default: each query's)")


def _leaderboard_options(p: argparse.ArgumentParser) -> None:
    p.add_argument("task", help="a task id, e.g. image-classification (see `pt-recommender tasks`)")
    p.add_argument("--dataset", help="e.g. ImageNet-1K, COCO-val2017, Sintel-Train-Cleanpass")
    p.add_argument("--metric", help="e.g. acc@1, box_map, epe")
    p.add_argument("--format", choices=FORMATS, default="table")
    p.add_argument("-n", type=int, default=None, help="only the best N rows")
    p.add_argument("--data-dir", type=Path)


def _tasks_options(p: argparse.ArgumentParser) -> None:
    p.add_argument("--data-dir", type=Path)
    p.add_argument("--format", choices=("table", "json"), default="table")


def _info_options(p: argparse.ArgumentParser) -> None:
    p.add_argument("--data-dir", type=Path)
    p.add_argument("--index-dir", type=Path)
    p.add_argument("--model")
    p.add_argument("--format", choices=("text", "json"), default="text")


def _app_options(p: argparse.ArgumentParser) -> None:
    p.add_argument("--port", type=int, default=8501)
    p.add_argument("--address", default=None, help="address to listen on (default: Streamlit's)")


# command -> (its help line, what adds its options), in the order `--help` lists them
_COMMAND_OPTIONS = {
    "validate": ("check the catalog and taxonomy; list every problem", _validate_options),
    "build": ("(re)build the search index", _build_options),
    "recommend": ("recommend resources for one task description", _recommend_options),
    "eval": ("score judged queries (nDCG@10, Recall@10, MRR, S@3)", _eval_options),
    "export": ("batch: many task descriptions in, recommendations out", _export_options),
    "leaderboard": ("what works best for a task: one row per pretrained weight", _leaderboard_options),
    "tasks": ("the task taxonomy as a tree, with resource counts", _tasks_options),
    "info": ("version, catalog, index and model state (paste it into a bug report)", _info_options),
    "app": ("start the web app (needs the `app` extra)", _app_options),
}


def _progress(desc: str):
    """A tqdm progress callback on stderr (a no-op when stderr is not a terminal)."""
    if not sys.stderr.isatty():
        return None
    from tqdm import tqdm

    bar = tqdm(desc=desc, unit="item", file=sys.stderr, leave=False)

    def update(done: int, total: int) -> None:
        bar.total = total
        bar.n = done
        bar.refresh()
        if done >= total:
            bar.close()

    return update


def _load(args: argparse.Namespace, backend: str | None = None):
    from .recommender import Recommender

    return Recommender.load(data_dir=args.data_dir, index_dir=args.index_dir, model=args.model,
                            rebuild=not args.no_rebuild, progress=_progress("embedding catalog"),
                            backend=backend)


def cmd_validate(args: argparse.Namespace) -> int:
    from .catalog import CatalogError, default_data_dir, load_catalog_bundle

    data_dir = args.data_dir or default_data_dir()
    try:
        cat = load_catalog_bundle(data_dir)
    except CatalogError as exc:
        for line in exc.problems:
            print(line)
        print(f"{len(exc.problems)} problem(s) in {data_dir}", file=sys.stderr)
        return 1
    counts: dict[str, int] = {}
    for r in cat.resources:
        counts[r.type] = counts.get(r.type, 0) + 1
    summary = ", ".join(f"{n} {t}" for t, n in sorted(counts.items()))
    for line in cat.warnings:
        print(f"warning: {line}", file=sys.stderr)
    print(f"ok: {len(cat.resources)} resources ({summary}); {len(cat.tasks)} tasks in "
          f"{len(cat.areas)} areas; {len(cat.glossary)} glossary terms")
    return 0


def _fresh_manifest(args: argparse.Namespace) -> dict | None:
    """The live generation's manifest when it matches the catalog, model and backend and every
    file passes its checksum; None otherwise. Hashes files only (no NumPy, no model), so an
    up-to-date index is confirmed from a cold process in about a tenth of a second."""
    from .catalog import content_hash, default_data_dir
    from .encoders import configured_name
    from .index.manifest import IndexProblem, check_index, default_index_dir

    data_dir = args.data_dir or default_data_dir()
    if not data_dir.is_dir():
        return None
    try:
        return check_index(args.index_dir or default_index_dir(data_dir), configured_name(args.model),
                           content_hash(data_dir), backend=args.backend)[1]
    except (IndexProblem, OSError):
        return None


def cmd_build(args: argparse.Namespace) -> int:
    if args.if_stale:
        m = _fresh_manifest(args)
        if m is None:  # missing, stale or damaged: load through the path that rebuilds
            _log_setup()
            m = _load(args, backend=args.backend).manifest
        print(f"index ready: {m['count']} resources, model {m['model']} (dim {m['dim']}), "
              f"built {m['built_at']}")
        return 0
    from .catalog import default_data_dir, load_catalog_bundle
    from .encoders import make_encoder, resolve_model
    from .encoders.export import failed_marker
    from .index.manifest import default_index_dir
    from .index.store import parse_cache_dir
    from .recommender import build_catalog_index

    data_dir = args.data_dir or default_data_dir()
    index_dir = args.index_dir or default_index_dir(data_dir)
    catalog = load_catalog_bundle(data_dir, parse_cache=parse_cache_dir(index_dir))
    failed_marker(resolve_model(args.model), index_dir).unlink(missing_ok=True)  # an explicit build retries
    encoder = make_encoder(resolve_model(args.model), index_dir)
    gen = build_catalog_index(catalog, index_dir, encoder, args.backend, _progress("embedding catalog"))
    manifest = json.loads((gen / "manifest.json").read_text())
    print(f"built {gen.name}: {manifest['count']} resources, model {manifest['model']} "
          f"(dim {manifest['dim']}), {manifest['embedded_new']} newly embedded")
    return 0


def cmd_recommend(args: argparse.Namespace) -> int:
    from dataclasses import asdict

    from .ranking.query import check_k, check_query, check_types

    check_query(args.query)
    check_k(args.k)
    check_types(args.types)
    recs = _load(args).recommend(args.query, k=args.k, types=args.types, lang=args.lang)
    if not recs:
        print("no confident match: nothing in the catalog has evidence for this description "
              "(try other words, or fewer constraints)", file=sys.stderr)
    if args.format == "json":
        print(json.dumps([asdict(r) for r in recs], ensure_ascii=False, indent=2))
    elif args.format == "csv":
        from .batch.export import recommendation_rows, write_csv_rows

        write_csv_rows(sys.stdout, recommendation_rows("1", args.query, recs), bom=False)
    else:
        for i, r in enumerate(recs, 1):
            print(f"{i:>2}. [{r.type}] {r.name}  ({r.score:.3f})\n    {r.url}\n    why: {r.reason}")
    return 0


def cmd_eval(args: argparse.Namespace) -> int:
    from .catalog import default_eval_files
    from .config import ABLATIONS
    from .encoders import MemoEncoder
    from .evaluate import evaluate, format_table, load_qrels

    files = args.qrels or default_eval_files()
    if not files:
        raise UsageError("no judged query files given and none shipped")
    sets = {Path(f).name: load_qrels(f) for f in files}
    base = _load(args)
    base.encoder = MemoEncoder(base.encoder)  # the ablations ask the same queries: embed each once
    systems = {"full": base}
    if not args.only:
        systems |= {name: base.with_options(**opts) for name, opts in ABLATIONS.items()}
    for file, qrels in sets.items():
        results, shown = {}, None
        for name, rec in systems.items():
            results[name], per_q = evaluate(
                lambda q, t, rec=rec: [r.name for r in rec.recommend(q, k=10, types=t)], qrels)
            shown = shown or per_q
        if len(sets) > 1:
            print(f"== {file} ({len(qrels)} queries)")
        print(format_table(results))
        _show(shown if args.show else None)
    return 0


def _show(shown: dict | None) -> None:
    if shown:
        for qid, v in shown.items():
            m = v["metrics"]
            print(f"\n{qid} {v['judged'].query!r} nDCG={m['nDCG@10']:.2f} S@3={m['S@3']:.0f}")
            for i, n in enumerate(v["names"], 1):
                print(f"   {i:>2}. {n}")


def cmd_export(args: argparse.Namespace) -> int:
    from .batch.command import run_export_cli

    return run_export_cli(args, _load)


def cmd_leaderboard(args: argparse.Namespace) -> int:
    from .leaderboard import leaderboard

    if args.n is not None and args.n < 1:
        raise UsageError("-n must be at least 1")
    frame = leaderboard(args.task, args.dataset, args.metric, args.data_dir)
    if args.n:
        frame = frame.head(args.n)
    if args.format == "csv":
        from .batch.cells import safe_cell

        frame = frame.map(lambda v: safe_cell(v) if isinstance(v, str) else v)
        sys.stdout.write(frame.to_csv(index=False, lineterminator="\n"))
    elif args.format == "json":
        print(json.dumps({"attrs": frame.attrs, "rows": json.loads(frame.to_json(orient="records"))},
                         indent=1, ensure_ascii=False))
    else:
        a = frame.attrs
        print(f"{a['task']}: {a['dataset']} {a['metric']} ({a['direction']} is better), {len(frame)} weights")
        cols = ["model", "weights", f"{a['dataset']}/{a['metric']}", "params", "gflops", "paper"]
        print(frame[[c for c in cols if c in frame.columns]].to_string(index=False))
    return 0


def cmd_tasks(args: argparse.Namespace) -> int:
    from .catalog import default_data_dir, load_catalog_bundle

    cat = load_catalog_bundle(args.data_dir or default_data_dir())
    counts: dict[str, int] = {}
    for r in cat.resources:
        for t in r.tasks:
            counts[t] = counts.get(t, 0) + 1
    children: dict[str, list[str]] = {}
    for t in cat.tasks.values():
        children.setdefault(t.parent or f"area:{t.area}", []).append(t.id)
    if args.format == "json":
        print(json.dumps([{"id": t.id, "name": t.name, "name_zh": t.name_zh, "area": t.area, "parent": t.parent,
                           "resources": counts.get(t.id, 0)} for t in cat.tasks.values()],
                         ensure_ascii=False, indent=1))
        return 0

    def show(node: str, depth: int) -> None:
        for tid in sorted(children.get(node, []), key=lambda i: cat.tasks[i].name):
            t = cat.tasks[tid]
            print(f"{'  ' * depth}{t.id}  {t.name} / {t.name_zh}  ({counts.get(tid, 0)})")
            show(tid, depth + 1)

    for a in cat.areas.values():
        print(f"{a.name} / {a.name_zh}")
        show(f"area:{a.id}", 1)
    return 0


def cmd_info(args: argparse.Namespace) -> int:
    from .info import collect, render

    facts = collect(args.data_dir, args.index_dir, args.model)
    print(json.dumps(facts, indent=2, ensure_ascii=False) if args.format == "json" else render(facts))
    return 0


def cmd_app(args: argparse.Namespace) -> int:
    """Start the Streamlit app shipped in the package (the `app` extra)."""
    import importlib.util

    if importlib.util.find_spec("streamlit") is None:
        raise UsageError('the app needs Streamlit: pip install "pt-recommender[app]"')
    from .ui import app as ui_app

    cmd = [sys.executable, "-m", "streamlit", "run", ui_app.__file__, "--server.headless", "true",
           "--server.port", str(args.port), *(["--server.address", args.address] if args.address else [])]
    os.execv(sys.executable, cmd)
    return 0  # not reached


COMMANDS = {"validate": cmd_validate, "build": cmd_build, "recommend": cmd_recommend,
            "eval": cmd_eval, "export": cmd_export, "info": cmd_info, "app": cmd_app,
            "leaderboard": cmd_leaderboard, "tasks": cmd_tasks}


def _log_setup() -> None:
    """One line per warning, prefixed; imported only by commands that can log (the up-to-date
    check of `build --if-stale` cannot, and skips the import)."""
    import logging

    logging.basicConfig(level=logging.WARNING, format="pt-recommender: %(message)s")


def _command(argv: list[str]) -> str | None:
    """The subcommand named in `argv`: its first word not an option (the top level has no valued options)."""
    return next((a for a in argv if not a.startswith("-")), None)


def main(argv: list[str] | None = None) -> int:
    os.environ.setdefault("HF_HUB_OFFLINE", "1")
    argv = sys.argv[1:] if argv is None else list(argv)
    command = _command(argv)
    args = build_parser(command if command in COMMANDS else None).parse_args(argv)
    if not (args.command == "build" and args.if_stale):
        _log_setup()
    try:
        return COMMANDS[args.command](args)
    except (UsageError, ValueError) as exc:
        print(f"pt-recommender: error: {exc}", file=sys.stderr)
        return EXIT_USAGE
    except BrokenPipeError:  # `pt-recommender leaderboard … | head`: the reader has what it wanted
        sys.stderr.close()
        return 0
    except KeyboardInterrupt:
        print("pt-recommender: interrupted", file=sys.stderr)
        return 130
    except Exception as exc:  # noqa: BLE001 - never a traceback for the user
        from .catalog import CatalogError
        from .recommender import IndexNotReady

        if isinstance(exc, IndexNotReady):
            print(f"pt-recommender: index not ready: {exc}", file=sys.stderr)
            return EXIT_INDEX
        if isinstance(exc, CatalogError):
            for line in exc.problems[:3]:
                print(f"pt-recommender: {line}", file=sys.stderr)
            print(f"pt-recommender: the catalog has {len(exc.problems)} problem(s); "
                  "run `pt-recommender validate` for all of them", file=sys.stderr)
            return 1
        if isinstance(exc, OSError):
            print(f"pt-recommender: error: {exc}", file=sys.stderr)
            return 1
        print(f"pt-recommender: unexpected error: {type(exc).__name__}: {exc}", file=sys.stderr)
        return 1


# read-only commands: once their answer is printed nothing is left to write, close or flush but
# the standard streams and the log
_FAST_EXIT = frozenset(("recommend", "leaderboard", "tasks", "info"))


def run() -> int:
    """The `pt-recommender` command: `main()`, then, after a read-only command, leave without the
    interpreter's teardown. Freeing a loaded index and model object by object took 30-40 ms of a
    ~0.25 s one-shot answer; the operating system reclaims the memory at once. Every other
    command (build, export, app, eval, validate) exits normally."""
    code = main()
    if _command(sys.argv[1:]) in _FAST_EXIT:
        import logging  # loaded already by any command that logs

        logging.shutdown()
        for stream in (sys.stdout, sys.stderr):
            try:
                stream.flush()
            except (OSError, ValueError):  # a closed pipe or stream: nothing more can reach it
                pass
        os._exit(code)
    return code


if __name__ == "__main__":
    sys.exit(run())
