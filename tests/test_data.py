import shutil

import numpy as np
import pytest

import widgets as w
from widgets import data

EXPECTED = {  # name: (task, total rows, features, classes)
    "pima": ("binary", 532, 7, 2), "breast_cancer": ("binary", 569, 30, 2), "digits": ("multiclass", 1797, 64, 10),
    "moons": ("binary", 1000, 2, 2), "circles": ("binary", 1000, 2, 2), "spiral": ("binary", 1000, 2, 2),
    "iris": ("multiclass", 150, 4, 3), "wine": ("multiclass", 178, 13, 3),
    "diabetes_progression": ("regression", 442, 10, 1),
}


@pytest.mark.parametrize("name", sorted(EXPECTED))
def test_shapes_task_and_split(name):
    task, rows, features, classes = EXPECTED[name]
    ds = w.load_dataset(name)
    assert ds.task == task and ds.n_features == features and ds.n_classes == classes
    assert len(ds.x_train) + len(ds.x_val) == rows
    assert abs(len(ds.x_val) / rows - 0.25) < 0.01
    assert ds.x_train.dtype == np.float32 and len(ds.feature_names) == features
    std = ds.x_train.std(axis=0)  # constant columns (digits' blank border pixels) stay at 0
    assert np.allclose(ds.x_train.mean(axis=0), 0, atol=1e-4) and np.all(np.isclose(std, 1, atol=1e-3) | (std == 0))


def test_split_is_fixed_across_calls_and_standardize_off_keeps_raw_units():
    a, b = w.load_dataset("pima"), w.load_dataset("pima", standardize=False)
    assert np.array_equal(a.y_train, w.load_dataset("pima").y_train)
    assert np.array_equal(a.y_train, b.y_train)
    glucose = b.x_train[:, b.feature_names.index("glu")]
    assert 50 < glucose.mean() < 200  # mg/dl, not standardized


def test_train_fraction_keeps_validation_rows():
    full, part = w.load_dataset("moons"), w.load_dataset("moons", train_fraction=0.2)
    assert len(part.x_train) == round(0.2 * len(full.x_train))
    assert np.array_equal(part.x_val, full.x_val)


@pytest.mark.parametrize("kwargs,field", [(dict(name="mnist"), "unknown dataset 'mnist'"),
                                          (dict(name="pima", standardize="no"), "standardize"),
                                          (dict(name="pima", train_fraction=0), "train_fraction")])
def test_bad_arguments_are_named(kwargs, field):
    with pytest.raises(ValueError, match=field) as err:
        w.load_dataset(**kwargs)
    if "mnist" in field:
        assert "moons" in str(err.value) and "pima" in str(err.value)


@pytest.fixture
def data_copy(tmp_path, monkeypatch):
    for name in ("pima.csv", "SHA256SUMS"):
        shutil.copy(data.DATA_DIR / name, tmp_path / name)
    monkeypatch.setattr(data, "DATA_DIR", tmp_path)
    data._split.cache_clear()
    yield tmp_path
    data._split.cache_clear()


def test_changed_file_is_refused_with_how_to_restore(data_copy):
    path = data_copy / "pima.csv"
    path.write_text(path.read_text().replace("Pima.tr,5,86", "Pima.tr,5,87", 1))
    with pytest.raises(w.DatasetIntegrityError, match="has changed.*git checkout -- datasets/pima.csv"):
        w.load_dataset("pima")


def test_missing_file_is_refused_with_how_to_restore(data_copy):
    (data_copy / "pima.csv").unlink()
    with pytest.raises(w.DatasetIntegrityError, match="missing.*extract_pima.py"):
        w.load_dataset("pima")


def test_dataset_table_lists_every_dataset():
    table = w.dataset_table()
    assert set(table.index) == set(EXPECTED)
