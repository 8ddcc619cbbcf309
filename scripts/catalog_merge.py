"""Fold reviewed catalog work into data/: needs phrases, maintenance evidence, new resources,
torchvision builder cards, canonical URLs and taxonomy changes. Re-runnable: each step sets
fields from its source, so running it twice changes nothing.

    python scripts/catalog_merge.py PATCH_DIR      # PATCH_DIR holds the reviewed *.yaml patches

The YAML files round-trip through yaml.safe_dump(width=100), the style they are kept in.
"""

from __future__ import annotations

import csv
import json
import re
import sys
from collections.abc import Iterator
from pathlib import Path

import yaml

ROOT = Path(__file__).resolve().parents[1]
DATA = ROOT / "data"
SOURCES = ROOT.parent / "shared" / "sources"
LEGACY = re.compile(r"^https://pytorch\.org/(docs|tutorials|vision|text|audio|data|serve|rl|torchrec|tensordict|xla|"
                    r"torchx|torchtune|TensorRT|executorch|torcharrow)(?=/|$)")
TYPE_TASKS = {"pytorch-tutorials", "research-papers", "pytorch-books", "deep-learning-courses"}
NEW_TASKS = [  # id, name, name_zh, area, parent, aliases, aliases_zh
    ("depth-estimation", "Depth and Stereo Estimation", "深度估计", "computer-vision", None,
     ["monocular depth", "stereo matching", "disparity estimation"], ["单目深度估计", "双目立体匹配"]),
    ("pose-estimation", "Human Pose Estimation", "人体姿态估计", "computer-vision", "keypoint-detection",
     ["body keypoints", "skeleton tracking"], ["姿态识别", "人体关键点"]),
    ("object-tracking", "Object Tracking", "目标跟踪", "computer-vision", "video-understanding",
     ["multi-object tracking", "MOT"], ["多目标跟踪"]),
    ("super-resolution", "Super-Resolution and Image Restoration", "超分辨率与图像复原", "computer-vision", None,
     ["image upscaling", "denoising", "deblurring"], ["图像超分", "图像去噪"]),
    ("image-retrieval", "Image Retrieval and Similarity Search", "图像检索与相似图搜索", "computer-vision", None,
     ["reverse image search", "visual search", "image embeddings"], ["以图搜图", "相似图片检索"]),
    ("promptable-segmentation", "Promptable and Open-Vocabulary Segmentation", "可提示分割", "computer-vision",
     "image-segmentation", ["segment anything", "zero-shot segmentation"], ["分割一切", "零样本分割"]),
    ("llm-fine-tuning", "LLM Fine-Tuning", "大模型微调", "nlp", "large-language-models",
     ["instruction tuning", "parameter-efficient fine-tuning", "PEFT"], ["指令微调", "参数高效微调"]),
    ("llm-serving", "LLM Inference and Serving", "大模型推理与服务", "nlp", "large-language-models",
     ["LLM inference", "text generation serving"], ["大模型部署", "大模型推理加速"]),
    ("llm-evaluation", "LLM Evaluation", "大模型评测", "nlp", "large-language-models",
     ["LLM benchmarks", "model evaluation harness"], ["大模型测评", "大模型基准测试"]),
    ("llm-alignment", "LLM Alignment and RLHF", "大模型对齐与 RLHF", "nlp", "large-language-models",
     ["RLHF", "preference optimization", "DPO"], ["人类反馈强化学习", "偏好对齐"]),
    ("text-embeddings", "Text Embeddings and Semantic Search", "文本向量与语义检索", "nlp", None,
     ["sentence embeddings", "dense retrieval", "RAG retrieval"], ["句向量", "语义搜索", "向量检索"]),
    ("text-summarization", "Text Summarization", "文本摘要", "nlp", None,
     ["abstractive summarization", "document summarization"], ["自动摘要", "长文本摘要"]),
    ("efficient-attention", "Efficient Attention Kernels", "高效注意力算子", "deployment", None,
     ["fused attention", "memory-efficient attention", "attention kernels"], ["注意力加速", "注意力算子优化"]),
    ("knowledge-distillation", "Knowledge Distillation", "知识蒸馏", "deployment", None,
     ["teacher-student training", "model distillation"], ["模型蒸馏", "师生模型"]),
    ("mixed-precision-training", "Mixed Precision Training", "混合精度训练", "training", None,
     ["AMP", "fp16 training", "bf16 training"], ["半精度训练", "自动混合精度"]),
    ("tabular-learning", "Tabular Data Learning", "表格数据学习", "scientific", None,
     ["tabular deep learning", "structured data"], ["表格数据建模", "结构化数据"]),
]
TV_TASKS = {"classification": ["image-classification"], "quantized classification": ["image-classification"],
            "video classification": ["action-recognition", "video-understanding"],
            "detection": ["object-detection"], "instance segmentation": ["instance-segmentation"],
            "keypoint detection": ["keypoint-detection", "pose-estimation"],
            "semantic segmentation": ["semantic-segmentation"], "optical flow": ["optical-flow"]}
TV_METRICS = ["ImageNet-1K/acc@1", "ImageNet-1K/acc@5", "COCO-val2017/box_map", "COCO-val2017/kp_map",
              "COCO-val2017/mask_map", "COCO-val2017-VOC-labels/miou", "COCO-val2017-VOC-labels/pixel_acc",
              "Kinetics-400/acc@1", "Kinetics-400/acc@5", "Sintel-Train-Cleanpass/epe",
              "Sintel-Train-Finalpass/epe", "Kitti-Train/per_image_epe", "Kitti-Train/fl_all",
              "Sintel-Test-Cleanpass/epe", "Sintel-Test-Finalpass/epe", "Kitti-Test/fl_all"]


def load(path: Path) -> dict:
    return yaml.safe_load(path.read_text(encoding="utf-8")) or {}


def dump(path: Path, doc: dict) -> None:
    path.write_text(yaml.safe_dump(doc, sort_keys=False, allow_unicode=True, width=100), encoding="utf-8")


def resource_files() -> dict[str, dict]:
    return {p.name: load(p) for p in sorted(DATA.glob("*.yaml")) if p.name not in ("taxonomy.yaml", "glossary.yaml")}


def canonical_url(url: str) -> str:
    return LEGACY.sub(lambda m: f"https://docs.pytorch.org/{m.group(1)}", url)


def canonical(value: object) -> object:
    """Every legacy pytorch.org docs URL inside a value, rewritten."""
    if isinstance(value, str):
        return canonical_url(value)
    if isinstance(value, list):
        return [canonical(v) for v in value]
    if isinstance(value, dict):
        return {k: canonical(v) for k, v in value.items()}
    return value


def patch_table(patches: Path, pattern: str, key: str) -> dict[str, dict]:
    """The `key:` mappings of every patch file matching `pattern`, later files winning."""
    table: dict[str, dict] = {}
    for p in sorted(patches.glob(pattern)):
        table |= load(p).get(key) or {}
    return table


def resources_of(files: dict[str, dict]) -> Iterator[dict]:
    return (r for doc in files.values() for r in doc["resources"])


def apply_needs(files: dict[str, dict], patches: Path) -> int:
    needs = patch_table(patches, "needs-*.yaml", "needs")
    n = 0
    for r in resources_of(files):
        got = needs.get(r["id"])
        if got:
            r["needs"], r["needs_zh"] = list(got["needs"]), list(got["needs_zh"])
            n += 1
    return n


def apply_more_needs(files: dict[str, dict], patches: Path) -> int:
    """`more_needs:` in more-needs-*.yaml: phrases appended to a resource's needs (after the
    needs-*.yaml replacement), skipping repeats, up to the rule's 12 per language."""
    more = patch_table(patches, "more-needs-*.yaml", "more_needs")
    n = 0
    for r in resources_of(files):
        got = more.get(r["id"])
        for fld in ("needs", "needs_zh"):
            have = list(r.get(fld) or [])
            seen = {h.strip().lower() for h in have}
            for phrase in (got or {}).get(fld) or []:
                phrase = str(phrase).strip().rstrip(".。")
                if phrase and phrase.lower() not in seen and len(have) < 12:
                    have.append(phrase)
                    seen.add(phrase.lower())
                    n += 1
            if have:
                r[fld] = have
    return n


def apply_status(files: dict[str, dict], patches: Path) -> int:
    status = patch_table(patches, "status-*.yaml", "status")
    ids = {r["id"] for doc in files.values() for r in doc["resources"]}
    n = 0
    for doc in files.values():
        for r in doc["resources"]:
            s = status.get(r["id"])
            r.pop("status", None)
            if isinstance(r.get("successor"), str):
                r["successor"] = [r["successor"]]
            if not s or not s.get("maintenance") or not s.get("evidence"):
                continue
            r["maintenance"] = s["maintenance"]
            r["evidence"] = [{k: str(v) for k, v in e.items() if v not in (None, "")} for e in s["evidence"]]
            r["checked_on"] = str(s.get("checked_on") or "2026-11-30")
            if s.get("landscape"):
                r["landscape"] = s["landscape"]
            succ = [x for x in s.get("successor") or [] if x in ids]
            if succ:
                r["successor"] = succ
            else:
                r.pop("successor", None)
            n += 1
    return n


def apply_deprecations(files: dict[str, dict], patches: Path, extra: list[dict]) -> int:
    """Tutorials and APIs on deprecated stacks: maintenance, evidence and their replacement."""
    path = patches / "deprecations.yaml"
    if not path.is_file():
        return 0
    everything = [r for doc in files.values() for r in doc["resources"]] + extra
    by_name = {}
    for r in everything:
        for n in (r["name"], *(r.get("aliases") or [])):
            by_name.setdefault(n.lower(), r["id"])
    n = 0
    for stack in load(path)["stacks"].values():
        succ = [by_name[s.lower()] for s in stack.get("successor_names", []) if s.lower() in by_name]
        for doc in files.values():
            for r in doc["resources"]:
                hit = r["id"] in stack.get("ids", []) or (
                    "prefix" in stack and r["id"].startswith(stack["prefix"])
                    and (not stack.get("name_has") or any(w in r["name"] for w in stack["name_has"])))
                if not hit:
                    continue
                r["maintenance"] = stack.get("maintenance", "deprecated")
                r["evidence"] = [{k: str(v) for k, v in e.items()} for e in stack["evidence"]]
                r["checked_on"] = "2026-11-30"
                if succ:
                    r["successor"] = [s for s in succ if s != r["id"]]
                n += 1
    return n


def apply_fixes(files: dict[str, dict], patches: Path) -> int:
    """Reviewed text edits: replace a phrase in a string field, or an item of a list field
    (a `new` of null removes the item). An edit that no longer applies is reported."""
    path = patches / "fixes.yaml"
    if not path.is_file():
        return 0
    by_id = {r["id"]: r for doc in files.values() for r in doc["resources"]}
    n = 0
    for rid, repo in (load(path).get("repo_moves") or {}).items():
        if rid in by_id and isinstance(by_id[rid].get("links"), dict):
            by_id[rid]["links"]["repo"] = repo
            n += 1
    for fix in load(path)["replace"]:
        r = by_id.get(fix["id"])
        val = r.get(fix["field"]) if r else None
        if isinstance(val, str) and fix["old"] in val:
            r[fix["field"]] = val.replace(fix["old"], fix["new"])
        elif isinstance(val, list) and fix["old"] in val:
            r[fix["field"]] = [fix["new"] if v == fix["old"] else v for v in val if v != fix["old"] or fix["new"]]
        elif val is not None and _applied(val, fix):
            continue  # the base file already carries this edit (data/ is edited in place)
        else:
            print(f"fix not applied: {fix}", file=sys.stderr)
            continue
        n += 1
    return n


def _applied(val: object, fix: dict) -> bool:
    """The edit is already in `val`: its old text is gone and its new text (if any) is there."""
    if isinstance(val, str):
        return fix["old"] not in val and (not fix["new"] or fix["new"] in val)
    if isinstance(val, list):
        return fix["old"] not in val and (not fix["new"] or fix["new"] in val)
    return False


def order_fields(r: dict) -> dict:
    """Keys in the documented order, unknown ones last (validate names those)."""
    first = ["id", "name", "type", "description", "description_zh", "url", "tasks", "aliases", "tags",
             "authors", "year", "publisher", "platform", "instructor", "links", "needs", "needs_zh",
             "maintenance", "evidence", "checked_on", "landscape", "successor", "metrics", "weights",
             "params", "license", "source"]
    return {k: r[k] for k in first if k in r} | {k: v for k, v in r.items() if k not in first}


def fix_tasks(files: dict[str, dict]) -> None:
    for doc in files.values():
        for r in doc["resources"]:
            tasks = [t for t in r["tasks"] if t not in TYPE_TASKS]
            r["tasks"] = tasks or ["pytorch-fundamentals"]


def update_taxonomy(extra_tasks: list[dict]) -> None:
    path = DATA / "taxonomy.yaml"
    tax = load(path)
    tax["tasks"] = [t for t in tax["tasks"] if t["id"] not in TYPE_TASKS]
    have = {t["id"] for t in tax["tasks"]}
    for tid, name, zh, area, parent, aliases, aliases_zh in NEW_TASKS:
        if tid not in have:
            t = {"id": tid, "name": name, "area": area}
            if parent:
                t["parent"] = parent
            t |= {"aliases": aliases, "name_zh": zh, "aliases_zh": aliases_zh}
            tax["tasks"].append(t)
            have.add(tid)
    for t in extra_tasks:
        if t["id"] not in have:
            tax["tasks"].append(t)
            have.add(t["id"])
    for t in tax["tasks"]:
        t.pop("featured", None) if not t.get("featured") else None
    dump(path, tax)


def torchvision_cards(prose: dict, paper_by_arxiv: dict[str, str], models: list[dict]
                      ) -> tuple[list[dict], dict[str, list[dict]]]:
    """One card per torchvision builder (quantized variants folded in), facts from the CSV.

    A family card that covers a single builder (e.g. FCOS) gets that builder's weights
    instead of a second card; a family of several (ResNet) stays as the parent of its
    builders' cards. Returns (new cards, {family card id: weights})."""
    rows = list(csv.DictReader((SOURCES / "torchvision" / "torchvision_models.csv").open(encoding="utf-8")))
    by_builder: dict[str, list[dict]] = {}
    for row in rows:
        by_builder.setdefault(row["builder"], []).append(row)
    family_of: dict[str, str] = {}
    members: dict[str, int] = {}
    for m in models:
        names = [a for a in m.get("aliases") or [] if a in by_builder]
        for a in names:
            family_of.setdefault(a, m["id"])
        members[m["id"]] = len(names)
    cards, enrich = [], {}
    for builder, group in by_builder.items():
        base = next((r for r in group if r["subpackage"] != "quantization"), group[0])
        fam = family_of.get(builder)
        if fam and members[fam] == 1:
            enrich[fam] = [_weight(r) for r in group]
            continue
        text = prose.get(builder) or template_prose(builder, base, group)
        module = "torchvision.models" + ("" if base["subpackage"] == "models" else f".{base['subpackage']}")
        weights = [_weight(r) for r in group]
        default = next((w for w in weights if w.get("default")), weights[0])
        # a builder whose docstring names no paper (squeezenet1_1) shares its family's paper
        arxiv = _arxiv(base["paper_url"]) or next((_arxiv(r["paper_url"]) for r in group if r["paper_url"]), "") \
            or next((_arxiv(r["paper_url"]) for r in rows if r["model_class"] == base["model_class"]
                     and _arxiv(r["paper_url"])), "")
        links: dict = {}
        if paper_by_arxiv.get(arxiv):
            links["paper"] = [paper_by_arxiv[arxiv]]
        if fam:
            links["model"] = [fam]
        links["repo"] = "https://github.com/pytorch/vision"
        card = {
            "id": "tv-" + builder.replace("_", "-"),
            "name": builder,
            "type": "model",
            "description": text["description"],
            "description_zh": text["description_zh"],
            "url": f"https://docs.pytorch.org/vision/stable/models/generated/{module}.{builder}.html",
            "tasks": TV_TASKS[base["task"]],
            "aliases": [a for a in text.get("aliases") or [] if a != builder][:8],
            "tags": ["torchvision", "pretrained", base["model_class"]],
            "links": links,
            "needs": text.get("needs"),
            "needs_zh": text.get("needs_zh"),
            "metrics": default["metrics"],
            "weights": weights,
            "params": int(base["num_params"]) if base["num_params"] else None,
            "license": "BSD-3-Clause",
            "source": "torchvision-csv (torchvision 0.29.1)" + ("" if builder in prose else "; template text"),
        }
        cards.append({k: v for k, v in card.items() if v not in (None, [], {})})
    return cards, enrich


TASK_WORDS = {"classification": ("image classifier", "图像分类模型"),
              "quantized classification": ("image classifier", "图像分类模型"),
              "video classification": ("video action classifier", "视频动作分类模型"),
              "detection": ("object detector", "目标检测模型"), "instance segmentation": ("instance segmenter", "实例分割模型"),
              "keypoint detection": ("keypoint detector", "关键点检测模型"),
              "semantic segmentation": ("semantic segmenter", "语义分割模型"),
              "optical flow": ("optical-flow estimator", "光流估计模型")}


def template_prose(builder: str, base: dict, group: list[dict]) -> dict:
    """Plain factual text from the CSV for a builder no one has described yet (own template)."""
    en, zh = TASK_WORDS[base["task"]]
    params = f"{int(base['num_params']) / 1e6:.1f}M parameters" if base["num_params"] else "no parameter count"
    gflops = f", {float(base['GFLOPS(_ops)']):g} GFLOPS" if base["GFLOPS(_ops)"] else ""
    quant = " An int8 quantized variant is included." if any(r["subpackage"] == "quantization" for r in group) else ""
    return {
        "description": f"torchvision's {base['model_class']} {en} built by {builder}(): {params}{gflops}, "
                       f"{len(group)} pretrained weight set(s) listed with their benchmark numbers.{quant}",
        "description_zh": f"torchvision 中 {builder}() 构建的 {base['model_class']} {zh}，"
                          f"约 {int(base['num_params'] or 0) / 1e6:.1f}M 参数，附带 {len(group)} 组预训练权重及其基准指标。",
    }


def _number(text: str | None) -> bool:
    """A metric the CSV states as a number ("float('nan')" marks one torchvision leaves unset)."""
    try:
        return text not in (None, "") and float(text) == float(text)
    except ValueError:
        return False


def _weight(row: dict) -> dict:
    w: dict = {"id": row["weights_id"], "task": TV_TASKS[row["task"]][0], "default": row["is_default"] == "True",
               "quantized": row["subpackage"] == "quantization"}
    w["metrics"] = {m: float(row[m]) for m in TV_METRICS if _number(row.get(m))}
    for key, col, conv in (("params", "num_params", int), ("gflops", "GFLOPS(_ops)", float),
                           ("size_mb", "file_size_MB(_file_size)", float)):
        if row.get(col):
            w[key] = conv(row[col])
    if row.get("recipe", "").startswith("https://"):
        w["recipe"] = row["recipe"]
    if row.get("weights_url", "").startswith("https://"):
        w["url"] = row["weights_url"]
    return w


def _arxiv(url: str) -> str:
    m = re.search(r"arxiv\.org/abs/(\d{4}\.\d{4,5})", url or "")
    return m.group(1) if m else ""


def new_resources(patches: Path, files: dict[str, dict]) -> tuple[dict[str, list], list[dict]]:
    """New entries by target file, skipping ids or URLs the catalog already has."""
    have_ids = {r["id"] for doc in files.values() for r in doc["resources"]}
    have_urls = {(r["type"], canonical_url(r["url"]).rstrip("/").lower())
                 for doc in files.values() for r in doc["resources"]}
    out: dict[str, list] = {}
    tasks: list[dict] = []
    for p in sorted(patches.glob("new-*.yaml")) + sorted(patches.glob("papers-*.yaml")):
        doc = load(p)
        tasks += doc.get("new_tasks") or []
        for r in doc.get("resources") or []:
            url = (r.get("type"), canonical_url(str(r.get("url", ""))).rstrip("/").lower())
            if r.get("id") in have_ids or url in have_urls:
                continue
            have_ids.add(r["id"])
            have_urls.add(url)
            stem = {"library": "libraries", "api": "apis", "model": "models", "paper": "papers",
                    "dataset": "datasets", "tutorial": "tutorials", "book": "books", "course": "courses",
                    "website": "websites"}[r["type"]]
            for e in r.get("evidence") or []:
                for k in list(e):
                    e[k] = str(e[k])
            if "checked_on" in r:
                r["checked_on"] = str(r["checked_on"])
            r.pop("successor_new", None)
            old = r.pop("status", None)
            if old and old != "active" and "maintenance" not in r:
                print(f"{r['id']}: helper status {old!r} dropped (no maintenance evidence)", file=sys.stderr)
            for fld in ("needs", "needs_zh", "aliases", "tags"):
                if fld in r and not r[fld]:
                    del r[fld]  # an empty list says nothing; a missing one is reported
            out.setdefault(f"{stem}-2026.yaml", []).append(order_fields(canonical(r)))
    return out, tasks


def apply_retags(files: dict[str, dict], additions: dict[str, list], patches: Path) -> int:
    """`retag:` lists in papers-*.yaml: extra tasks for an existing (or just added) paper."""
    by_id = {r["id"]: r for doc in files.values() for r in doc["resources"]}
    by_id |= {r["id"]: r for rs in additions.values() for r in rs}
    n = 0
    for p in sorted(patches.glob("papers-*.yaml")):
        for tag in load(p).get("retag") or []:
            r = by_id.get(tag["id"])
            if r is None:
                print(f"retag for unknown id {tag['id']}", file=sys.stderr)
                continue
            new = [t for t in tag["add_tasks"] if t not in r["tasks"]]
            r["tasks"] = [*r["tasks"], *new]
            n += len(new)
    return n


def drop_dangling_links(files: dict[str, dict], additions: dict[str, list]) -> None:
    """Links and successors to ids the catalog does not hold are removed (and reported)."""
    everything = [r for doc in files.values() for r in doc["resources"]] + [r for rs in additions.values() for r in rs]
    ids = {r["id"] for r in everything}
    for r in everything:
        for kind, targets in list((r.get("links") or {}).items()):
            if isinstance(targets, list):
                kept = [t for t in targets if t in ids]
                if len(kept) != len(targets):
                    print(f"{r['id']}: dropped unknown links.{kind} {sorted(set(targets) - ids)}", file=sys.stderr)
                if kept:
                    r["links"][kind] = kept
                else:
                    del r["links"][kind]
        if r.get("successor"):
            r["successor"] = [s for s in r["successor"] if s in ids] or None
            if r["successor"] is None:
                del r["successor"]


def main(patches: Path) -> None:
    files = resource_files()
    generated = {n for n in files if n.endswith("-2026.yaml") or n == "models-torchvision.yaml"}
    for n in generated:
        (DATA / n).unlink()
    files = {n: d for n, d in files.items() if n not in generated}
    report = {"needs": apply_needs(files, patches), "status": apply_status(files, patches)}
    fix_tasks(files)
    additions, extra_tasks = new_resources(patches, files)
    report["needs"] += apply_needs({n: {"resources": rs} for n, rs in additions.items()}, patches)
    report["more_needs"] = apply_more_needs(files, patches) + apply_more_needs(
        {n: {"resources": rs} for n, rs in additions.items()}, patches)
    report["fixes"] = apply_fixes(files, patches)
    report["deprecated"] = apply_deprecations(files, patches, [r for rs in additions.values() for r in rs])
    papers = [r for doc in files.values() for r in doc["resources"] if r["type"] == "paper"]
    papers += [r for rs in additions.values() for r in rs if r["type"] == "paper"]
    by_arxiv = {_arxiv(r["url"]): r["id"] for r in papers if _arxiv(r["url"])}
    prose_file = patches / "tv-builders.yaml"
    prose = load(prose_file).get("builders", {}) if prose_file.is_file() else {}
    tv, enrich = torchvision_cards(prose, by_arxiv, files["models.yaml"]["resources"])
    for r in files["models.yaml"]["resources"]:
        if r["id"] in enrich:
            r["weights"] = enrich[r["id"]]
    if tv:
        additions["models-torchvision.yaml"] = tv
    report["retagged"] = apply_retags(files, additions, patches)
    drop_dangling_links(files, additions)
    for name, doc in files.items():
        doc["resources"] = [order_fields(canonical(r)) for r in doc["resources"]]
        dump(DATA / name, doc)
    for name, rs in additions.items():
        dump(DATA / name, {"resources": [canonical(r) for r in rs]})
    update_taxonomy(extra_tasks)
    report |= {name: len(rs) for name, rs in additions.items()}
    print(json.dumps(report, indent=1))


if __name__ == "__main__":
    main(Path(sys.argv[1]) if len(sys.argv) > 1 else Path("/work/patches/out"))
