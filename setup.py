"""Build hook: the catalog (`data/`) and the judged dev sets (`eval/`) travel inside the wheel.

`data/` stays the one place people edit; it is copied into the package at build time
(`pt_recommender/catalog_data`, `pt_recommender/eval_data`) instead of living twice in git.
Metadata is in pyproject.toml.
"""

from __future__ import annotations

import shutil
from pathlib import Path

from setuptools import setup
from setuptools.command.build_py import build_py

SHIPPED = {"data": "catalog_data", "eval": "eval_data"}


class BuildPyWithData(build_py):
    def run(self) -> None:
        super().run()
        if getattr(self, "editable_mode", False):
            return  # an editable install reads the checkout's own data/ and eval/
        root = Path(__file__).resolve().parent
        for src, dst in SHIPPED.items():
            target = Path(self.build_lib) / "pt_recommender" / dst
            shutil.rmtree(target, ignore_errors=True)
            target.mkdir(parents=True)
            for path in sorted((root / src).glob("*")):
                if path.suffix in (".yaml", ".md") and path.is_file():
                    shutil.copy2(path, target / path.name)
            adapters = root / src / "adapters"  # the query adapters (a matrix and its checksum each)
            for path in sorted(adapters.glob("*")) if adapters.is_dir() else []:
                if path.suffix in (".npy", ".json") and path.is_file():
                    (target / "adapters").mkdir(exist_ok=True)
                    shutil.copy2(path, target / "adapters" / path.name)


setup(cmdclass={"build_py": BuildPyWithData})
