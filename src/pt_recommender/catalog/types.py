"""The one table of resource types: file, labels (en/zh), result group, index words, intent words."""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class TypeInfo:
    file: str  # the catalog file that holds this type
    label: str
    label_zh: str
    group: str  # the result group a card is shown under
    index_words: str  # added to BM25 so "a detection library" matches libraries
    intent_words: tuple[str, ...]  # words that show a query asks for this type


TYPES: dict[str, TypeInfo] = {
    "library": TypeInfo("libraries.yaml", "Library", "库", "Libraries", "library framework toolkit package",
                        ("library", "libraries", "framework", "toolkit", "toolbox", "package", "tool",
                         "tools", "platform", "sdk")),
    "model": TypeInfo("models.yaml", "Model", "模型", "Models", "model pretrained model architecture network",
                      # not "model" or "network" alone: people say "a model" about their own (the plural
                      # "models" does count: see ranking.query)
                      # nor "weights" ("int8 weights") nor "checkpoint": both are mostly the user's own
                      # model ("my checkpoint won't load", "resume from a checkpoint")
                      ("architecture", "architectures", "pretrained", "backbone", "backbones")),
    "paper": TypeInfo("papers.yaml", "Paper", "论文", "Papers", "paper research paper",
                      ("paper", "papers", "publication")),  # not "article": news, blog, wiki
    "dataset": TypeInfo("datasets.yaml", "Dataset", "数据集", "Datasets", "dataset benchmark data",
                        ("dataset", "datasets", "corpus", "corpora", "benchmark")),
    "api": TypeInfo("apis.yaml", "API", "API", "APIs", "api function class method",
                    # not "class": "one folder per class" is a label, "an online class" a course
                    ("api", "apis", "function", "functions", "method", "methods", "transform",
                     "transforms")),
    "tutorial": TypeInfo("tutorials.yaml", "Tutorial", "教程", "Learning", "tutorial guide example",
                         ("tutorial", "tutorials", "recipe", "recipes", "walkthrough", "guide")),
    "book": TypeInfo("books.yaml", "Book", "书籍", "Learning", "book", ("book", "books", "textbook", "ebook")),
    "course": TypeInfo("courses.yaml", "Course", "课程", "Learning", "course online course class",
                       ("course", "courses", "mooc", "lecture", "lectures", "training course")),
    "website": TypeInfo("websites.yaml", "Website", "网站", "Learning", "website site",
                        ("website", "site", "portal")),
}
RESOURCE_TYPES: tuple[str, ...] = tuple(TYPES)
FILE_TYPES: dict[str, str] = {info.file: t for t, info in TYPES.items()}
_STEMS = {info.file.removesuffix(".yaml"): t for t, info in TYPES.items()}


def file_type(name: str) -> str | None:
    """The type a catalog file holds: `models.yaml` and `models-torchvision.yaml` hold models."""
    return _STEMS.get(name.removesuffix(".yaml").split("-")[0])
TYPE_LABELS: dict[str, str] = {t: info.label for t, info in TYPES.items()}
GROUP_ORDER: tuple[str, ...] = ("Libraries", "Models", "Papers", "Datasets", "Learning", "APIs")
GROUPS: tuple[tuple[str, tuple[str, ...]], ...] = tuple(
    (g, tuple(t for t, info in TYPES.items() if info.group == g)) for g in GROUP_ORDER)
