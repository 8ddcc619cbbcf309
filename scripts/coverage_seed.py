"""How many resources named in the book chapter are in the catalog (by name or alias).

Parses every table of ../shared/seed/*.md plus the resources named only in the text (CIFAR-100,
Papers with Code, the tutorial topic list, 60 Minute Blitz, Recipes) and looks each up.
Run: .venv/bin/python scripts/coverage_seed.py [--missing]
"""

from __future__ import annotations

import re
import sys
from pathlib import Path

from pt_recommender.catalog import load_catalog

SEED = Path(__file__).resolve().parents[2] / "shared" / "seed" / "pytorch-pocket-reference-ch8-ecosystem.zh.md"
TEXT_ONLY = ["CIFAR-100", "Papers with Code", "60 Minute Blitz", "PyTorch Recipes", "PyTorch Cheat Sheet"]
TOPICS_HEADER = "目前，您可以找到与以下主题相关的教程："
SKIP_ROWS = {"分类", "语义分割", "目标检测", "视频分类", "操作转换", "转换转换", "通用转换", "视频", "细粒度视频",
             "图像", "文本分类", "语言建模", "机器翻译", "序列标记", "问答", "词汇表类", "预训练词嵌入", "杂项"}


def norm(s: str) -> str:
    return re.sub(r"[^0-9a-z\u3400-\u9fff]", "", s.lower())


def first_cell_names(md: str) -> list[tuple[str, str]]:
    """(table title, first cell) for every table row of the chapter."""
    out, title = [], ""
    for line in md.splitlines():
        if line.startswith("表 8-"):
            title = line.strip()
        if line.startswith("| ") and not line.startswith("| ---"):
            cell = line.split("|")[1].strip()
            if cell in ("项目", "数据集", "模型", "转换", "函数", "方法", "书籍", "课程", "功能", "功能性转换和实用程序"):
                continue
            cell = re.sub(r"[*`]", "", cell)
            cell = re.sub(r"^(io\.[a-z_]+)9", r"\1(", cell)  # the chapter's "read_video_timestamps9" typo
            if not cell or cell.strip("*") in SKIP_ROWS or cell.startswith("torchtext."):
                continue
            out.append((title, cell))
    return out


def entity(title: str, cell: str) -> str:
    if "8-21" in title:  # books: the Chinese title before " by "
        return cell.split(" by ")[0].strip()
    if "8-22" in title or "8-1 " in title or "8-" in title and "项目" in title:
        return cell
    m = re.match(r"(?:utils\.|io\.)?([A-Za-z_][A-Za-z0-9_]*)", cell)
    return m.group(1) if m and "(" in cell else cell


def coverage(seed: Path = SEED) -> tuple[int, int, list[tuple[str, str]]]:
    """(found, total, missing) for the chapter's resources."""
    md = seed.read_text(encoding="utf-8")
    wanted = [(t, entity(t, c)) for t, c in first_cell_names(md)]
    topics = md.split(TOPICS_HEADER, 1)[1].split("PyTorch 团队")[0]
    wanted += [("tutorial topics", t.strip()) for t in re.findall(r"\+\s+(.+)", topics)]
    wanted += [("text", t) for t in TEXT_ONLY]
    names: dict[str, list[str]] = {}
    for r in load_catalog():
        for n in (r.name, *r.aliases):
            names.setdefault(norm(n), []).append(r.id)
    missing = [(t, w) for t, w in wanted if norm(w) not in names]
    return len(wanted) - len(missing), len(wanted), missing


def main() -> None:
    found, total, missing = coverage()
    wanted = range(total)
    print(f"{found}/{len(wanted)} chapter resources in the catalog ({100 * found / len(wanted):.1f}%)")
    if "--missing" in sys.argv:
        for t, w in missing:
            print(f"  missing: {w!r}  ({t})")


if __name__ == "__main__":
    main()
