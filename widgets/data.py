"""Small datasets that ship with the workbook or with scikit-learn, split and scaled the same way.

Nothing here downloads: `pima` is a committed CSV (checked against its SHA-256 on every load), the
others are bundled with scikit-learn or generated with a fixed seed.  The train/validation split is
fixed (it does not follow a run's seed) so that every run in the workbook sees the same rows.
"""

from __future__ import annotations

import dataclasses
import functools
import hashlib
from pathlib import Path
from typing import Callable

import numpy as np

from .config import DATASETS, ConfigError


def _find_data_dir() -> Path:
    """The folder holding the shipped data files and their SHA256SUMS.

    An installed package carries them as widgets/_datasets (pyproject.toml maps the repository's
    top-level datasets/ there when it builds a wheel); a clone or an editable install reads
    datasets/ next to widgets/.  The package's own copy comes first: next to an installed package
    (in site-packages) a folder named `datasets` may well be some other project's.
    """
    package = Path(__file__).resolve().parent
    for folder in (package / "_datasets", package.parent / "datasets"):
        if (folder / "SHA256SUMS").is_file():
            return folder
    return package.parent / "datasets"  # neither: shipped_file's error names what is missing


DATA_DIR = _find_data_dir()
SPLIT_SEED = 42
VALIDATION_FRACTION = 0.25
GENERATED_ROWS = 1000


class DatasetIntegrityError(RuntimeError):
    """A shipped data file is missing or differs from the committed checksum."""


@dataclasses.dataclass(frozen=True)
class Dataset:
    """Train and validation arrays of one task, plus what a model builder needs to know about it."""

    name: str
    task: str  # "binary" | "multiclass" | "regression"
    x_train: np.ndarray
    y_train: np.ndarray
    x_val: np.ndarray
    y_val: np.ndarray
    feature_names: tuple[str, ...]
    class_names: tuple[str, ...] = ()
    standardized: bool = True
    description: str = ""
    
    @property
    def n_features(self) -> int:
        return int(self.x_train.shape[1])

    @property
    def n_classes(self) -> int:
        """Number of classes (1 for a regression target)."""
        return len(self.class_names) if self.class_names else 1

    def subset(self, train_fraction: float) -> "Dataset":
        """The same dataset with only the first `train_fraction` of the (already shuffled) training rows."""
        if train_fraction >= 1.0:
            return self
        keep = max(2, int(round(len(self.x_train) * train_fraction)))
        return dataclasses.replace(self, x_train=self.x_train[:keep], y_train=self.y_train[:keep])

    def summary(self) -> str:
        kind = {"binary": "binary classification", "multiclass": f"{self.n_classes}-class classification",
                "regression": "regression"}[self.task]
        return (f"{self.name}: {kind}, {len(self.x_train)} training and {len(self.x_val)} validation "
                f"rows, {self.n_features} features" + ("" if self.standardized else " (not standardized)"))


# -- raw loaders: each returns (x, y, feature_names, class_names, task, description) ------------------

def _sha256(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


def expected_checksums() -> dict[str, str]:
    """File name -> SHA-256 from datasets/SHA256SUMS."""
    listing = DATA_DIR / "SHA256SUMS"
    if not listing.is_file():
        raise DatasetIntegrityError(
            f"The checksum list {listing} is missing: {_restore_hint('SHA256SUMS')}")
    sums = {}
    for line in listing.read_text().splitlines():
        if line.strip():
            digest, name = line.split()
            sums[name] = digest
    return sums


def _restore_hint(name: str) -> str:
    if DATA_DIR.parent.name == "widgets":  # an installed copy: the wheel carried the files
        return ("Reinstall the workbook (`pip install --force-reinstall --no-deps .` from its "
                "repository) to restore it.")
    return (f"Restore it with `git checkout -- datasets/{name}` (or rebuild it with "
            "`python datasets/extract_pima.py`, see datasets/README.md).")


def shipped_file(name: str) -> Path:
    """Path of a committed data file, after checking that it exists and matches its checksum."""
    path = DATA_DIR / name
    restore = _restore_hint(name)
    if not path.is_file():
        raise DatasetIntegrityError(f"The data file {path} is missing. {restore}")
    expected = expected_checksums().get(name)
    actual = _sha256(path)
    if actual != expected:
        raise DatasetIntegrityError(
            f"The data file {path} has changed: its SHA-256 is {actual}, expected {expected}. {restore}")
    return path


PIMA_FEATURES = ["npreg", "glu", "bp", "skin", "bmi", "ped", "age"]  # pima.csv's input columns


def _pima():
    import pandas as pd
    frame = pd.read_csv(shipped_file("pima.csv"))
    return (frame[PIMA_FEATURES].to_numpy(np.float32), frame["type"].to_numpy(np.int32),
            list(PIMA_FEATURES),
            ("no diabetes", "diabetes"), "binary",
            "Pima Indians Diabetes (MASS, 532 complete rows): predict diabetes from 7 measurements")


def _sklearn_bundle(loader_name: str, task: str, description: str):
    def load():
        import sklearn.datasets
        bunch = getattr(sklearn.datasets, loader_name)()
        names = tuple(str(n) for n in getattr(bunch, "target_names", ())) if task != "regression" else ()
        y = bunch.target.astype(np.float32 if task == "regression" else np.int32)
        return (bunch.data.astype(np.float32), y, [str(f) for f in bunch.feature_names], names, task,
                description)
    return load


def _moons():
    from sklearn.datasets import make_moons
    x, y = make_moons(n_samples=GENERATED_ROWS, noise=0.25, random_state=SPLIT_SEED)
    return x.astype(np.float32), y.astype(np.int32), ["x1", "x2"], ("0", "1"), "binary", \
        "two interleaving half-moons with noise (2-D)"


def _circles():
    from sklearn.datasets import make_circles
    x, y = make_circles(n_samples=GENERATED_ROWS, noise=0.1, factor=0.5, random_state=SPLIT_SEED)
    return x.astype(np.float32), y.astype(np.int32), ["x1", "x2"], ("outer", "inner"), "binary", \
        "a small circle inside a large one (2-D)"


def make_spiral(n_rows: int = GENERATED_ROWS, turns: float = 1.5, noise: float = 0.08,
                seed: int = SPLIT_SEED) -> tuple[np.ndarray, np.ndarray]:
    """Two interleaved spiral arms, a classic 2-D task that needs several layers."""
    rng = np.random.default_rng(seed)
    half = n_rows // 2
    t = np.sqrt(rng.uniform(0.0, 1.0, half)) * turns * 2 * np.pi
    arm = np.stack([t * np.cos(t), t * np.sin(t)], axis=1) / (turns * 2 * np.pi)
    x = np.concatenate([arm, -arm]) + rng.normal(0.0, noise, (2 * half, 2))
    y = np.concatenate([np.zeros(half), np.ones(half)])
    return x.astype(np.float32), y.astype(np.int32)


def _spiral():
    x, y = make_spiral()
    return x, y, ["x1", "x2"], ("arm A", "arm B"), "binary", "two interleaved spiral arms (2-D)"


_LOADERS: dict[str, Callable] = {
    "moons": _moons,
    "circles": _circles,
    "spiral": _spiral,
    "pima": _pima,
    "breast_cancer": _sklearn_bundle("load_breast_cancer", "binary",
                                     "Wisconsin breast cancer: 30 cell measurements on very different scales"),
    "digits": _sklearn_bundle("load_digits", "multiclass", "8x8 grey images of hand-written digits 0-9"),
    "iris": _sklearn_bundle("load_iris", "multiclass", "iris flowers: 4 measurements, 3 species"),
    "wine": _sklearn_bundle("load_wine", "multiclass", "wines: 13 chemical measurements, 3 cultivars"),
    "diabetes_progression": _sklearn_bundle(
        "load_diabetes", "regression",
        "disease progression one year after baseline from 10 measurements (regression)"),
}
assert set(_LOADERS) == set(DATASETS), "config.DATASETS and data._LOADERS must name the same sets"


@functools.lru_cache(maxsize=None)
def _split(name: str):
    from sklearn.model_selection import train_test_split
    x, y, features, classes, task, description = _LOADERS[name]()
    stratify = y if task != "regression" else None
    x_tr, x_va, y_tr, y_va = train_test_split(x, y, test_size=VALIDATION_FRACTION,
                                              random_state=SPLIT_SEED, stratify=stratify)
    if task == "regression":  # scale the target too, so losses are comparable across sets
        mean, std = y_tr.mean(), y_tr.std()
        y_tr, y_va = (y_tr - mean) / std, (y_va - mean) / std
    return x_tr, y_tr, x_va, y_va, tuple(features), tuple(classes), task, description


def load_dataset(name: str, standardize: bool = True, train_fraction: float = 1.0) -> Dataset:
    """Load a named dataset with its fixed train/validation split (75 % / 25 %, stratified).

    standardize: scale every feature to mean 0 and standard deviation 1 using the training rows'
        statistics (scikit-learn's StandardScaler), as one would in a real project.
    train_fraction: keep only this fraction of the training rows (validation rows never change).
    """
    if name not in _LOADERS:
        raise ConfigError(f"load_dataset: unknown dataset {name!r}; known datasets: " + ", ".join(DATASETS))
    if not isinstance(standardize, bool):
        raise ConfigError(f"load_dataset: standardize = {standardize!r} must be True or False")
    if isinstance(train_fraction, bool) or not isinstance(train_fraction, (int, float)) \
            or not 0 < train_fraction <= 1:
        raise ConfigError(f"load_dataset: train_fraction = {train_fraction!r} must be a number in (0, 1]")
    x_tr, y_tr, x_va, y_va, features, classes, task, description = _split(name)
    if standardize:
        from sklearn.preprocessing import StandardScaler
        scaler = StandardScaler().fit(x_tr)
        x_tr, x_va = scaler.transform(x_tr), scaler.transform(x_va)
    ds = Dataset(name=name, task=task, x_train=np.asarray(x_tr, np.float32), y_train=y_tr,
                 x_val=np.asarray(x_va, np.float32), y_val=y_va, feature_names=features,
                 class_names=classes, standardized=standardize, description=description)
    return ds.subset(train_fraction)


def dataset_table():
    """A pandas table of every dataset: rows, features, task and what it is."""
    import pandas as pd
    rows = []
    for name in DATASETS:
        ds = load_dataset(name)
        rows.append({"name": name, "task": ds.task, "train rows": len(ds.x_train),
                     "validation rows": len(ds.x_val), "features": ds.n_features,
                     "classes": ds.n_classes if ds.task != "regression" else "-",
                     "what it is": ds.description})
    return pd.DataFrame(rows).set_index("name")
