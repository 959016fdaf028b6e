"""Test rows that no search sees, and scoring a model on rows (chapter 11).

The workbook's datasets come with training and validation rows only.  `split_test_rows` carves a
fixed, stratified set of test rows out of the training rows and scales everything with statistics
of the remaining training rows alone, so nothing about the test rows reaches a search.  `correct`
and `accuracy` score a model on such rows the way Keras's "accuracy" metric does, without compiling.
"""

from __future__ import annotations

import dataclasses
from dataclasses import dataclass

import keras
import numpy as np

from .data import SPLIT_SEED, Dataset, load_dataset


@dataclass(frozen=True)
class TestRows:
    """Rows kept out of every search: features and labels, scaled like the search's training rows."""

    x: np.ndarray
    y: np.ndarray

    def __len__(self) -> int:
        return len(self.y)


def split_test_rows(name: str, test_fraction: float = 0.25, seed: int = SPLIT_SEED) -> tuple[Dataset, TestRows]:
    """A dataset whose training rows lose `test_fraction` of themselves to a test set no search sees.

    The workbook's datasets come with training and validation rows only.  Here the training rows
    (before scaling) are split once more, stratified and with a fixed seed, so the test rows are
    the same on every run.  The remaining training rows alone fit the scaler that is then applied
    to the training, validation and test rows: nothing about the test rows leaks into the search.
    The validation rows are the dataset's usual ones.
    """
    from sklearn.model_selection import train_test_split
    from sklearn.preprocessing import StandardScaler

    if isinstance(test_fraction, bool) or not isinstance(test_fraction, float) or not 0 < test_fraction < 1:
        raise ValueError(f"split_test_rows(test_fraction={test_fraction!r}): test_fraction must be a number "
                         "strictly between 0 and 1")
    raw = load_dataset(name, standardize=False)
    stratify = raw.y_train if raw.task != "regression" else None
    x_train, x_test, y_train, y_test = train_test_split(raw.x_train, raw.y_train, test_size=test_fraction,
                                                        random_state=seed, stratify=stratify)
    scaler = StandardScaler().fit(x_train)

    def scale(x: np.ndarray) -> np.ndarray:
        return np.asarray(scaler.transform(x), np.float32)

    dataset = dataclasses.replace(raw, x_train=scale(x_train), y_train=y_train, x_val=scale(raw.x_val),
                                  standardized=True)
    return dataset, TestRows(scale(x_test), y_test)


def accuracy(model: keras.Model, rows: TestRows) -> float:
    """The model's accuracy on `rows` as Keras's "accuracy" metric computes it (a single sigmoid unit:
    probability above 0.5 means class 1; several units: the largest wins), without compiling anything."""
    return float(np.mean(correct(model, rows)))


def correct(model: keras.Model, rows: TestRows) -> np.ndarray:
    """Per row of `rows`, whether the model's prediction is right (read as `accuracy` reads it): a
    boolean array whose mean is `accuracy(model, rows)`."""
    probabilities = np.asarray(keras.ops.convert_to_numpy(model(rows.x, training=False)))
    if probabilities.ndim == 1 or probabilities.shape[-1] == 1:
        predicted = (probabilities.reshape(-1) > 0.5).astype(int)
    else:
        predicted = probabilities.argmax(axis=-1)
    return predicted == np.asarray(rows.y).reshape(-1)
