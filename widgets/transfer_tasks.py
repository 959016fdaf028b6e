"""The digit tasks of chapter 09: a few labelled digits 5-9, digits 0-4, loops, and a rotation task.

Everything comes from scikit-learn's 8x8 hand-written digits through the workbook's fixed split;
pixels are scaled to [0, 1] by the same factor for every task, as reused layers need.
"""

from __future__ import annotations

import functools
from typing import Iterable, Optional

import numpy as np

from .data import Dataset, load_dataset

SOURCE_DIGITS = (0, 1, 2, 3, 4)
TARGET_DIGITS = (5, 6, 7, 8, 9)
LOOP_DIGITS = (0, 6, 8, 9)  # digits drawn with a closed loop
PIXEL_MAX = 16.0  # scikit-learn's digits are counts 0..16 of dark pixels in 4x4 blocks
IMAGE_SIDE = 8


@functools.lru_cache(maxsize=None)
def _digit_arrays() -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
    """The workbook's fixed digits split, pixels scaled to [0, 1] (the same scale for every task)."""
    ds = load_dataset("digits", standardize=False)
    return ds.x_train / PIXEL_MAX, ds.y_train, ds.x_val / PIXEL_MAX, ds.y_val


def _check_digits(digits: Iterable[int]) -> tuple[int, ...]:
    digits = tuple(digits)
    if (len(digits) < 2 or len(set(digits)) != len(digits)
            or not all(isinstance(d, (int, np.integer)) and 0 <= d <= 9 for d in digits)):
        raise ValueError(f"digits = {digits!r}: give at least two different digits from 0 to 9")
    return tuple(int(d) for d in digits)


def digit_task(digits: Iterable[int] = TARGET_DIGITS, labels_per_class: Optional[int] = None,
               seed: int = 0) -> Dataset:
    """A classification task on some of the digits, with labels renumbered 0..len(digits)-1.

    labels_per_class: keep only this many labelled training images of each digit (None: all of
        them, about 135); which ones depends on `seed`.  The validation rows are always all the
        validation images of these digits, so results with different label counts compare.
    Pixels are scaled to [0, 1] by the same fixed factor for every task, as reused layers need.
    """
    digits = _check_digits(digits)
    x_tr, y_tr, x_va, y_va = _digit_arrays()
    rng = np.random.default_rng(seed)
    keep = []
    for digit in digits:
        rows = np.flatnonzero(y_tr == digit)
        if labels_per_class is not None:
            if isinstance(labels_per_class, bool) or not isinstance(labels_per_class, (int, np.integer)) \
                    or not 1 <= labels_per_class <= len(rows):
                raise ValueError(f"labels_per_class = {labels_per_class!r}: must be None (all) or an "
                                 f"integer from 1 to {len(rows)} (digit {digit} has {len(rows)} "
                                 "training images)")
            rows = rng.permutation(rows)[:labels_per_class]
        keep.extend(rows)
    keep = rng.permutation(np.asarray(keep))
    relabel = np.vectorize({d: i for i, d in enumerate(digits)}.get)
    val_rows = np.isin(y_va, digits)
    count = "all" if labels_per_class is None else labels_per_class
    return Dataset(name=f"digits {','.join(map(str, digits))}", task="multiclass",
                   x_train=x_tr[keep].astype(np.float32), y_train=relabel(y_tr[keep]).astype(np.int32),
                   x_val=x_va[val_rows].astype(np.float32), y_val=relabel(y_va[val_rows]).astype(np.int32),
                   feature_names=tuple(f"pixel_{r}_{c}" for r in range(IMAGE_SIDE) for c in range(IMAGE_SIDE)),
                   class_names=tuple(str(d) for d in digits), standardized=False,
                   description=f"8x8 digits {digits}, {count} labelled images per class")


def rotation_task(images: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """An auxiliary task with free labels: every image turned by 0, 90, 180 and 270 degrees.

    Returns the 4x larger set of turned images (flattened) and the label 0-3 = quarter turns.
    Predicting the turn forces a network to learn what upright strokes look like, without any
    digit labels (the idea of Gidaris et al., 2018).
    """
    images = np.asarray(images, np.float32)
    if images.ndim != 2 or images.shape[1] != IMAGE_SIDE ** 2:
        raise ValueError(f"images: expected shape (n, {IMAGE_SIDE ** 2}) of flattened 8x8 digits, got "
                         f"{images.shape}")
    square = images.reshape(-1, IMAGE_SIDE, IMAGE_SIDE)
    turned = [np.rot90(square, k, axes=(1, 2)).reshape(len(images), -1) for k in range(4)]
    labels = np.repeat(np.arange(4, dtype=np.int32), len(images))
    return np.concatenate(turned), labels


def loop_task() -> tuple[np.ndarray, np.ndarray]:
    """A coarser task on every training image of all ten digits: does the digit have a closed loop?

    Returns the images and the label 1 for the digits in `LOOP_DIGITS`, 0 for the others.  One
    yes/no answer per image is cheaper to collect than the digit itself, and answering it needs
    the strokes that also tell 5-9 apart, which is why its layers transfer (chapter 09).
    """
    x_tr, y_tr, _, _ = _digit_arrays()
    return x_tr.astype(np.float32), np.isin(y_tr, LOOP_DIGITS).astype(np.int32)
