"""A damaged or missing shipped data file is refused with how to restore it, and never re-made.

Every file listed in datasets/SHA256SUMS is checked, on a copy of the data folder: the error names
the file and the command that restores it, and afterwards the folder holds exactly what it held
before (a missing file stays missing, a changed one keeps its bytes, nothing new appears).
"""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest

import widgets as w
from widgets import data

SHIPPED = sorted(data.expected_checksums())


@pytest.fixture
def data_copy(tmp_path, monkeypatch) -> Path:
    for path in data.DATA_DIR.iterdir():
        if path.is_file():
            shutil.copy(path, tmp_path / path.name)
    monkeypatch.setattr(data, "DATA_DIR", tmp_path)
    data._split.cache_clear()
    yield tmp_path
    data._split.cache_clear()


def _folder(path: Path) -> dict[str, bytes]:
    return {p.name: p.read_bytes() for p in sorted(path.iterdir())}


def test_every_shipped_file_is_listed_with_a_checksum():
    assert SHIPPED and all((data.DATA_DIR / name).is_file() for name in SHIPPED)


@pytest.mark.parametrize("damage", ["missing", "changed"])
@pytest.mark.parametrize("name", SHIPPED)
def test_a_damaged_file_is_refused_with_how_to_restore_it_and_not_remade(data_copy, name, damage):
    path = data_copy / name
    if damage == "missing":
        path.unlink()
    else:
        path.write_bytes(path.read_bytes() + b"\n")
    before = _folder(data_copy)
    for _ in range(2):  # and again: no fallback copy was made by the first attempt
        with pytest.raises(w.DatasetIntegrityError) as err:
            data.shipped_file(name)
        message = str(err.value)
        assert name in message and ("is missing" if damage == "missing" else "has changed") in message
        assert f"git checkout -- datasets/{name}" in message
    assert _folder(data_copy) == before


def test_the_pima_dataset_is_refused_through_load_dataset(data_copy):
    (data_copy / "pima.csv").unlink()
    with pytest.raises(w.DatasetIntegrityError, match="pima.csv is missing.*git checkout -- datasets/pima.csv"):
        w.load_dataset("pima")
    assert not (data_copy / "pima.csv").exists()
