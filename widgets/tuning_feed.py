"""The batches that chapter 11's searches and retrains train on: `tf.data` pipelines, not arrays.

Given NumPy arrays, every `fit` wraps them in a new input pipeline of Keras's own (shuffled indices,
slicing, prefetching), whose functions TensorFlow traces again for each fit and whose heavier
iterator it starts again every epoch.  For a few hundred rows that costs about as much as the
training itself: fed from the pipelines below instead, a trial of chapter 11's searches took about
half as long (measured on the project's 2-core machine).  A search builds its pipelines once and every trial iterates them.

The pipelines also skip tf.data's static graph rewrites and its autotuning thread: on ten batches
of seven numbers a row they cost more, at every epoch's new iterator, than they could save.
"""

from __future__ import annotations

from typing import Optional

import numpy as np
import tensorflow as tf

from .data import Dataset


def _plain_options() -> tf.data.Options:
    options = tf.data.Options()
    options.experimental_optimization.apply_default_optimizations = False
    options.autotune.enabled = False
    return options


def batches(x: np.ndarray, y: np.ndarray, batch_size: int, shuffle_seed: Optional[int] = None) -> tf.data.Dataset:
    """The rows (x, y) in batches of `batch_size`, every row once per pass.

    With `shuffle_seed` (training rows) each pass comes in a new order, and the sequence of orders
    is fixed by the seed (with TensorFlow's global seed, which `keras.utils.set_random_seed` sets),
    so a seeded run repeats exactly; without it (validation rows) the rows keep their order.
    Keras ignores `fit(shuffle=...)` for a dataset; `fit_inputs` passes `shuffle=False` to say so.
    """
    if isinstance(batch_size, bool) or not isinstance(batch_size, int) or batch_size < 1:
        raise ValueError(f"batches(batch_size={batch_size!r}): batch_size must be a positive integer")
    pipeline = tf.data.Dataset.from_tensor_slices((np.asarray(x, np.float32), np.asarray(y)))
    if shuffle_seed is not None:
        pipeline = pipeline.shuffle(len(y), seed=shuffle_seed, reshuffle_each_iteration=True)
    return pipeline.batch(batch_size).with_options(_plain_options())


def fit_inputs(dataset: Dataset, batch_size: int, seed: int) -> dict:
    """`fit` keyword arguments that train on the dataset's training rows in batches of `batch_size`,
    shuffled from `seed`, and score all its validation rows after every epoch.

    The validation rows go in one batch: their accuracy is the same whatever the batching (a count
    of right answers), and one step per epoch costs less than several.
    """
    return dict(x=batches(dataset.x_train, dataset.y_train, batch_size, shuffle_seed=seed),
                validation_data=batches(dataset.x_val, dataset.y_val, len(dataset.y_val)), shuffle=False)
