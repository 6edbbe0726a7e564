"""Build hook: the wheel carries the curated tables of datasets/ as aistruct/_data.

datasets/ at the top level stays the source of truth; this copies the curated
CSVs, datapackage.json and the datasets README into the package at build time.
"""

import shutil
from pathlib import Path

from setuptools import setup
from setuptools.command.build_py import build_py

HERE = Path(__file__).resolve().parent


class build_py_with_datasets(build_py):
    def run(self):
        super().run()
        src = HERE / "datasets"
        dst = Path(self.build_lib) / "aistruct" / "_data"
        dst.mkdir(parents=True, exist_ok=True)
        for path in sorted(src.glob("*")):
            if path.is_file() and path.suffix in (".csv", ".json", ".md"):
                shutil.copy2(path, dst / path.name)


setup(cmdclass={"build_py": build_py_with_datasets})
