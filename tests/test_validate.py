"""`pt-recommender validate`: every broken catalog gets its own clear message."""

from __future__ import annotations

from pathlib import Path

import pytest

from pt_recommender.catalog import CatalogError, load_catalog, load_catalog_bundle
from pt_recommender.cli import main

SHIPPED = Path(__file__).resolve().parents[1] / "data"


def _problems(data_dir: Path) -> list[str]:
    with pytest.raises(CatalogError) as info:
        load_catalog_bundle(data_dir)
    return info.value.problems


def _edit(path: Path, old: str, new: str) -> None:
    text = path.read_text()
    assert old in text, old
    path.write_text(text.replace(old, new, 1))


def _problems_after(data_dir: Path, *edits: tuple[str, str, str]) -> list[str]:
    """Problems reported once each (file, old, new) edit is applied."""
    for name, old, new in edits:
        _edit(data_dir / name, old, new)
    return _problems(data_dir)


def test_fixture_catalog_is_valid(catalog_dir: Path) -> None:
    resources = load_catalog(catalog_dir)
    assert {"id", "name", "type", "aliases", "description", "url", "tasks"} <= set(
        resources[0].__dataclass_fields__)
    assert len({r.id for r in resources}) == len(resources)


def test_shipped_catalog_is_valid(capsys) -> None:
    assert main(["validate", "--data-dir", str(SHIPPED)]) == 0
    assert capsys.readouterr().out.startswith("ok: ")


def test_missing_field(catalog_dir: Path) -> None:
    _edit(catalog_dir / "courses.yaml", "  platform: Coursera\n", "")
    _edit(catalog_dir / "courses.yaml", "  url: https://www.coursera.org/learn/deep-neural-networks-with-pytorch\n", "")
    assert "courses.yaml:course-ibm-coursera:url: required field is missing or empty" in _problems(catalog_dir)


def test_dangling_task_and_link(catalog_dir: Path) -> None:
    problems = _problems_after(catalog_dir,
                               ("models.yaml", "tasks: [image-classification]", "tasks: [no-such-task]"),
                               ("models.yaml", "paper: [paper-resnet]", "paper: [paper-missing]"))
    assert "models.yaml:model-resnet:tasks: unknown task 'no-such-task'" in problems
    assert "models.yaml:model-resnet:links.paper: unknown resource id 'paper-missing'" in problems


def test_duplicate_id_and_name(catalog_dir: Path) -> None:
    _edit(catalog_dir / "datasets.yaml", "id: dataset-msd", "id: dataset-cifar10")
    problems = _problems(catalog_dir)
    assert "datasets.yaml:dataset-cifar10:id: duplicate id (first defined in datasets.yaml)" in problems


def test_duplicate_glossary_term(catalog_dir: Path) -> None:
    """A Chinese term listed twice is reported: its rendering would depend on its place in the file."""
    path = catalog_dir / "glossary.yaml"
    path.write_text(path.read_text() + "- zh: 损失\n  en: losses\n")
    problems = _problems(catalog_dir)
    assert len(problems) == 1 and "glossary.yaml" in problems[0] and "duplicate term '损失'" in problems[0]


def test_javascript_url(catalog_dir: Path) -> None:
    _edit(catalog_dir / "websites.yaml", "url: https://paperswithcode.com/", "url: javascript:alert(1)")
    assert "websites.yaml:site-pwc:url: must be an https URL" in _problems(catalog_dir)


def test_yaml_syntax_error(catalog_dir: Path) -> None:
    (catalog_dir / "books.yaml").write_text("resources:\n- id: [unclosed\n")
    problems = _problems(catalog_dir)
    assert len(problems) == 1 and problems[0].startswith("books.yaml:-:-: line ")
    assert "YAML error" in problems[0]


def test_python_tag_is_refused_not_executed(catalog_dir: Path, tmp_path: Path) -> None:
    marker = tmp_path / "pwned"
    (catalog_dir / "books.yaml").write_text(
        f"resources: !!python/object/apply:os.system ['touch {marker}']\n")
    problems = _problems(catalog_dir)
    assert problems[0].startswith("books.yaml:-:-:") and "python/object" in problems[0]
    assert not marker.exists()


def test_alias_bomb_refused(catalog_dir: Path) -> None:
    """Refused at the first alias, before any expansion (a billion-element document otherwise)."""
    lines = ["a0: &a0 [x, x, x, x, x, x, x, x, x, x]"]
    lines += [f"a{i}: &a{i} [*a{i-1}, *a{i-1}, *a{i-1}, *a{i-1}, *a{i-1}, *a{i-1}, *a{i-1}, *a{i-1}, *a{i-1}]"
              for i in range(1, 10)]
    (catalog_dir / "books.yaml").write_text("\n".join(lines) + "\n")
    problems = _problems(catalog_dir)
    assert "books.yaml:-:-: line 2: anchors and aliases are not allowed" in problems


def test_cycle_and_unknown_parent(catalog_dir: Path) -> None:
    problems = _problems_after(
        catalog_dir,
        ("taxonomy.yaml", "area: computer-vision, name_zh: 图像分割}",
         "area: computer-vision, parent: semantic-segmentation, name_zh: 图像分割}"),
        ("taxonomy.yaml", "{id: image-classification, name: Image Classification, area: computer-vision,",
         "{id: image-classification, name: Image Classification, area: computer-vision, parent: nowhere,"))
    assert "taxonomy.yaml:image-segmentation:parent: cycle in the task tree" in problems
    assert "taxonomy.yaml:image-classification:parent: unknown task 'nowhere'" in problems


def test_a_combination_names_known_tasks_or_areas(catalog_dir: Path) -> None:
    """`combines` lists at least two parts, each a task id or "area:<id>" that exists."""
    problems = _problems_after(
        catalog_dir,
        ("taxonomy.yaml", "{id: image-classification, name: Image Classification, area: computer-vision,",
         "{id: image-classification, name: Image Classification, area: computer-vision, "
         "combines: [image-segmentation, 'area:nowhere', nothing, 7],"))
    assert "taxonomy.yaml:image-classification:combines: unknown task or area 'area:nowhere'" in problems
    assert "taxonomy.yaml:image-classification:combines: unknown task or area 'nothing'" in problems
    assert "taxonomy.yaml:image-classification:combines: must be a list of strings" in problems
    assert not any("image-segmentation'" in p for p in problems)


def test_every_problem_reported_at_once(catalog_dir: Path, capsys) -> None:
    _edit(catalog_dir / "websites.yaml", "url: https://paperswithcode.com/", "url: http://paperswithcode.com/")
    _edit(catalog_dir / "datasets.yaml", "tasks: [image-classification]", "tasks: []")
    _edit(catalog_dir / "apis.yaml", "Transform that standardises", "Walks through writing images, graphs and loss curves from a PyTorch training loop to TensorBoard. X")
    assert main(["validate", "--data-dir", str(catalog_dir)]) == 1
    out = capsys.readouterr().out.splitlines()
    assert "websites.yaml:site-pwc:url: must be an https URL" in out
    assert "datasets.yaml:dataset-cifar10:tasks: required field is missing or empty" in out
    assert len(out) >= 2


def test_duplicate_description(catalog_dir: Path) -> None:
    _edit(catalog_dir / "courses.yaml",
          "description: IBM course on Coursera covering tensors, regression, softmax and convolutional networks in PyTorch.",
          "description: Sixty thousand tiny 32x32 colour photos in ten classes, the classic small image classification benchmark.")
    assert any(":description: duplicate description" in p and "course-ibm-coursera" in p
               and "dataset-cifar10" in p for p in _problems(catalog_dir))


def test_model_without_paper(catalog_dir: Path) -> None:
    _edit(catalog_dir / "models.yaml", "  links: {paper: [paper-resnet]}\n", "")
    assert "models.yaml:model-resnet:links: a model must link to its paper (links.paper)" in _problems(catalog_dir)


def test_wrong_types(catalog_dir: Path) -> None:
    problems = _problems_after(catalog_dir, ("papers.yaml", "year: 2015", "year: last year"),
                               ("libraries.yaml", "tags: [medical, 3d]", "tags: medical"))
    assert "papers.yaml:paper-resnet:year: must be a whole number between 1800 and 2100" in problems
    assert "libraries.yaml:monai:tags: must be a list of strings" in problems


def test_one_syntax_error_still_lists_the_other_problems(catalog_dir: Path) -> None:
    (catalog_dir / "books.yaml").write_text("resources:\n- id: x\n  name: [unclosed\n")
    problems = _problems_after(catalog_dir, ("libraries.yaml", "url: https://monai.io/", "url: http://monai.io/"),
                               ("datasets.yaml", "type: dataset", "type: widget"))
    assert any(p.startswith("books.yaml:-:-:") and "YAML error" in p for p in problems)
    assert "libraries.yaml:monai:url: must be an https URL" in problems
    assert any(p.startswith("datasets.yaml:") and ":type: unknown type" in p for p in problems)
    assert not any("unknown task" in p or "unknown resource id" in p for p in problems)  # no false knock-ons


@pytest.mark.parametrize(("old", "new"), [
    ("  name: MONAI\n", "  name: MONAI\n  name: Other\n"),
    ("resources:\n", "resources: []\nresources:\n"),
])
def test_duplicate_keys_are_errors(catalog_dir: Path, old: str, new: str) -> None:
    problems = _problems_after(catalog_dir, ("libraries.yaml", old, new))
    assert any(p.startswith("libraries.yaml:-:-:") and "duplicate key" in p for p in problems), problems


def test_duplicate_id_is_one_line_naming_both_files(catalog_dir: Path) -> None:
    lib = (catalog_dir / "libraries.yaml").read_text()
    body = lib.split("resources:\n", 1)[1]
    with open(catalog_dir / "tutorials.yaml", "a", encoding="utf-8") as fh:
        fh.write(body.replace("type: library", "type: tutorial"))
    problems = _problems(catalog_dir)
    dup = [p for p in problems if "duplicate id" in p]
    assert len(dup) == 5 and all("(first defined in libraries.yaml)" in p for p in dup)
    assert len(problems) == len(dup)  # no knock-on lines for the copies


def test_area_picks_must_name_resources(catalog_dir: Path) -> None:
    problems = _problems_after(catalog_dir, ("taxonomy.yaml", "{id: visualization, name: Visualization, name_zh: 可视化}",
                                             "{id: visualization, name: Visualization, name_zh: 可视化, "
                                             "featured: [no-such-thing]}"))
    assert any("visualization" in p and "featured" in p and "no-such-thing" in p for p in problems), problems


def test_shipped_glossary_reads_everyday_words_as_themselves() -> None:
    """A one-character term (边 edge, 包 package, 类 class) is not found inside an everyday word."""
    from pt_recommender.catalog import load_catalog_bundle
    from pt_recommender.text.lang import Glossary

    g = Glossary(load_catalog_bundle(SHIPPED).glossary)
    english, _ = g.translate("他们那边包括这类类似的模型")
    assert not {"edge", "package", "class"} & set(english.split()), english
    english, _ = g.translate("想边学边让agent玩小游戏")  # "while learning", not a graph's edges
    assert "edge" not in english.split(), english


def test_shipped_glossary_reads_reasoning_as_reasoning() -> None:
    """推理 is inference (推理太慢) except in reasoning compounds: 数学推理 is math reasoning."""
    from pt_recommender.catalog import load_catalog_bundle
    from pt_recommender.text.lang import Glossary

    g = Glossary(load_catalog_bundle(SHIPPED).glossary)
    english, _ = g.translate("用GRPO训数学推理")
    assert "reasoning" in english and "inference" not in english, english
    assert "inference" in g.translate("推理太慢")[0]


def test_shipped_glossary_reads_conversion_and_compression_verbs() -> None:
    """转 alone converts (怎么转 ONNX), 压到 compresses (压到4bit); longer words keep their own sense."""
    from pt_recommender.catalog import load_catalog_bundle
    from pt_recommender.text.lang import Glossary

    g = Glossary(load_catalog_bundle(SHIPPED).glossary)
    assert "convert" in g.translate("PyTorch 模型怎么转 ONNX")[0]
    assert "compress" in g.translate("想把模型压到 int4")[0]
    assert "career change" in g.translate("零基础转行")[0]
    assert "convert" not in g.translate("转发")[0]


def test_a_go_to_pick_must_be_maintained(catalog_dir: Path) -> None:
    import yaml

    tax = catalog_dir / "taxonomy.yaml"
    doc = yaml.safe_load(tax.read_text())
    deprecated = next(r["id"] for f in sorted(catalog_dir.glob("*.yaml")) if f.name not in ("taxonomy.yaml", "glossary.yaml")
                      for r in (yaml.safe_load(f.read_text()) or {}).get("resources") or []
                      if r.get("maintenance") == "deprecated")
    doc["tasks"][0]["featured"] = [deprecated]
    tax.write_text(yaml.safe_dump(doc, allow_unicode=True))
    problems = _problems(catalog_dir)
    assert any("go-to pick" in p and deprecated in p for p in problems), problems


def test_asked_as_phrases_are_short_unrepeated_and_chinese_where_they_say_so(catalog_dir: Path) -> None:
    problems = _problems_after(
        catalog_dir,
        ("taxonomy.yaml", "{id: image-classification, name: Image Classification, area: computer-vision,",
         "{id: image-classification, name: Image Classification, area: computer-vision, "
         "asked_as: [cat or dog, Cat or dog, " + "x" * 50 + "], asked_as_zh: [猫狗分类, cats],"))
    assert "taxonomy.yaml:image-classification:asked_as: repeats a phrase" in problems
    assert any(p.startswith("taxonomy.yaml:image-classification:asked_as: 'xxx") and "longer than 40" in p
               for p in problems)
    assert "taxonomy.yaml:image-classification:asked_as_zh: 'cats' has no Chinese in it" in problems


def test_a_task_name_is_no_other_tasks_alias(catalog_dir: Path) -> None:
    """A parent listing its subtask's name matches the same words as strongly as the subtask, so
    a query naming the narrow task would lift the broad one's go-to picks too."""
    problems = _problems_after(
        catalog_dir,
        ("taxonomy.yaml", "{id: image-segmentation, name: Image Segmentation, area: computer-vision, name_zh: 图像分割}",
         "{id: image-segmentation, name: Image Segmentation, area: computer-vision, name_zh: 图像分割, "
         "aliases: [semantic  Segmentation, segmentation models], aliases_zh: [语义分割]}"))
    assert ("taxonomy.yaml:image-segmentation:aliases: alias 'semantic  Segmentation' is the name of task "
            "'semantic-segmentation'") in problems
    assert "taxonomy.yaml:image-segmentation:aliases_zh: alias '语义分割' is the name of task 'semantic-segmentation'" \
        in problems
    assert not any("segmentation models" in p for p in problems)


def test_chinese_docs_link_must_be_an_https_url(catalog_dir: Path) -> None:
    """links.docs_zh is a URL like links.repo, not a list of resource ids."""
    repo = "links: {repo: https://github.com/Project-MONAI/MONAI}"
    assert "libraries.yaml:monai:links.docs_zh: must be an https URL" in _problems_after(
        catalog_dir, ("libraries.yaml", repo, repo[:-1] + ", docs_zh: 'javascript:alert(1)'}"))


def test_chinese_docs_link_is_accepted(catalog_dir: Path) -> None:
    repo = "links: {repo: https://github.com/Project-MONAI/MONAI}"
    _edit(catalog_dir / "libraries.yaml", repo, repo[:-1] + ", docs_zh: https://example.org/zh/}")
    monai = next(r for r in load_catalog(catalog_dir) if r.id == "monai")
    assert monai.links["docs_zh"] == "https://example.org/zh/"


def test_url_character_rule_is_whitespace_or_control_for_every_code_point() -> None:
    """The regex that replaced a per-character loop rejects exactly the characters the loop did
    (str.isspace() or a control character), over all of Unicode."""
    from pt_recommender.catalog.urls import _UNSAFE_CHAR

    differ = [hex(i) for i in range(0x110000)
              if (chr(i).isspace() or i < 32) != bool(_UNSAFE_CHAR.search(chr(i)))]
    assert differ == []


def test_access_needs_a_book_or_course_a_known_value_and_evidence(catalog_dir: Path) -> None:
    """free/free_audit/paid is a fact with its page, and only books and courses carry it."""
    courses = catalog_dir / "courses.yaml"
    base = courses.read_text()
    entry = """- id: course-access-probe
  name: Access probe
  type: course
  description: Video lectures on tensors in PyTorch.
  description_zh: 讲 PyTorch 张量的视频课。
  url: https://example.org/c
  tasks: [pytorch-fundamentals]
  needs: ["lectures on tensors", "learn tensors from videos", "course on tensor basics"]
  needs_zh: ["张量网课", "视频学张量", "张量入门课"]
"""
    for extra, expect in (("  access: cheap\n  access_evidence: https://example.org/c\n", "must be one of"),
                          ("  access: paid\n", "access needs the https URL")):
        courses.write_text(base + entry + extra)
        assert any("course-access-probe" in p and expect in p for p in _problems(catalog_dir)), extra
    courses.write_text(base + entry + "  access: free\n  access_evidence: https://example.org/c\n")
    assert [r.access for r in load_catalog(catalog_dir) if r.id == "course-access-probe"] == ["free"]
