"""A normal (non-editable) install carries the data: `pip install .` into a fresh folder, then load Pima
from somewhere else.

Offline, like the rest of the suite: the wheel is built with this environment's setuptools
(`--no-build-isolation --no-index`), from a copy of the project in a temporary folder, because an
in-tree build writes build/ and *.egg-info into the repository.
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
import tomllib
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]


def _copy_project(dest: Path) -> Path:
    """What a wheel is built from, without caches or build leftovers."""
    ignore = shutil.ignore_patterns("__pycache__", "*.pyc", "*.egg-info", "build")
    for name in ("pyproject.toml", "README.md"):
        shutil.copy(ROOT / name, dest / name)
    for name in ("widgets", "datasets"):
        shutil.copytree(ROOT / name, dest / name, ignore=ignore)
    return dest


@pytest.fixture(scope="module")
def installed(tmp_path_factory) -> Path:
    """A folder holding `pip install --no-deps --target` of the project: what site-packages would get."""
    source = _copy_project(tmp_path_factory.mktemp("source"))
    target = tmp_path_factory.mktemp("site")
    done = subprocess.run(
        [sys.executable, "-m", "pip", "install", "--quiet", "--no-deps", "--no-build-isolation", "--no-index",
         "--disable-pip-version-check", "--target", str(target), str(source)],
        capture_output=True, text=True, timeout=300)
    assert done.returncode == 0, f"pip install failed:\n{done.stdout}\n{done.stderr}"
    return target


def test_the_installed_package_loads_pima_from_another_folder(installed, tmp_path):
    script = (
        "import json, widgets as w\n"
        "from widgets import data\n"
        "ds = w.load_dataset('pima')\n"
        "print(json.dumps({'module': w.__file__, 'data_dir': str(data.DATA_DIR),\n"
        "                  'rows': len(ds.x_train) + len(ds.x_val), 'features': ds.n_features}))\n")
    env = dict(os.environ)
    env["PYTHONPATH"] = os.pathsep.join([str(installed), *filter(None, [env.get("PYTHONPATH")])])
    done = subprocess.run([sys.executable, "-c", script], cwd=tmp_path, env=env, capture_output=True,
                          text=True, timeout=300)
    assert done.returncode == 0, done.stderr[-3000:]
    report = json.loads(done.stdout.strip().splitlines()[-1])
    # the installed copy ran (not the repository's), and read the data it carries
    assert Path(report["module"]).resolve().is_relative_to(installed.resolve()), report
    assert Path(report["data_dir"]).resolve() == (installed / "widgets" / "_datasets").resolve(), report
    assert (report["rows"], report["features"]) == (532, 7)


def test_the_installed_data_is_the_checked_data(installed):
    shipped = installed / "widgets" / "_datasets"
    for name in ("pima.csv", "SHA256SUMS"):
        assert (shipped / name).read_bytes() == (ROOT / "datasets" / name).read_bytes(), name


def test_every_package_under_widgets_is_installed(installed):
    """pyproject.toml names the packages (it maps datasets/ into one): a new subpackage must be added there."""
    in_tree = {".".join(p.parent.relative_to(ROOT).parts) for p in (ROOT / "widgets").rglob("__init__.py")}
    listed = set(tomllib.loads((ROOT / "pyproject.toml").read_text())["tool"]["setuptools"]["packages"])
    assert in_tree <= listed, f"add {sorted(in_tree - listed)} to [tool.setuptools] packages in pyproject.toml"
    for package in in_tree:
        assert (installed / package.replace(".", "/") / "__init__.py").is_file(), package


def test_the_installed_package_carries_the_doctor_results_chapter_12_shows(installed):
    """Chapter 12 renders widgets/doctor_results.json (written by benchmarks/doctor.py): package data."""
    shipped = installed / "widgets" / "doctor_results.json"
    assert shipped.read_bytes() == (ROOT / "widgets" / "doctor_results.json").read_bytes()
