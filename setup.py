"""Build hook: the wheel carries the curated tables of datasets/ as aistruct/_data.

datasets/ at the top level stays the source of truth; this copies the curated
CSVs, datapackage.json and the datasets README into the package at build time
(the raw copies and the build script stay in the sdist only, see MANIFEST.in).
"""

import shutil
from pathlib import Path

from setuptools import setup
from setuptools.command.build_py import build_py

HERE = Path(__file__).resolve().parent
BUNDLED_SUFFIXES = (".csv", ".json", ".md")


def copy_datasets(src: Path, dst: Path) -> list:
    """Copy datasets/*.csv, *.json and *.md (top level only) into ``dst``; the copied names."""
    if not (src / "datapackage.json").is_file():
        # Fail loudly rather than ship a wheel without its data.
        raise SystemExit(f"setup.py: {src / 'datapackage.json'} is missing; cannot bundle the datasets")
    dst.mkdir(parents=True, exist_ok=True)
    copied = []
    for path in sorted(src.glob("*")):
        if path.is_file() and path.suffix in BUNDLED_SUFFIXES:
            shutil.copy2(path, dst / path.name)
            copied.append(path.name)
    return copied


class build_py_with_datasets(build_py):
    def run(self):
        super().run()
        copy_datasets(HERE / "datasets", Path(self.build_lib) / "aistruct" / "_data")


setup(cmdclass={"build_py": build_py_with_datasets})
