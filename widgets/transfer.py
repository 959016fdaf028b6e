"""Reusing pretrained layers, offline, on tasks the workbook builds itself (chapter 09).

There is nothing to download: a small network is pretrained on scikit-learn's hand-written digits
0-4 (the "source" task), and its hidden layers are reused for digits 5-9 with only a few labels
(the "target" task).  Two other ways of pretraining need no labels of the target task at all: an
autoencoder trained to reproduce the images, and an auxiliary task whose labels cost nothing (how
far an image was rotated).

Every network here has the same body so layers can be swapped between them: `HIDDEN_UNITS` Dense
ReLU layers named `hidden_1`, `hidden_2`, ... (hidden_1 nearest the input), then a head.

Training goes through `fit`, which counts a budget in optimizer steps rather than epochs: a set of
25 images and a set of 675 images then get the same number of updates, so their results compare.
It feeds Keras a repeated `tf.data` pipeline, which costs about 20 ms per evaluation point instead
of the ~80 ms per epoch of `fit(numpy arrays)` on this machine.
"""

from __future__ import annotations

import dataclasses
import functools
import html
import math
from typing import Any, Iterable, Mapping, Optional, Sequence

import keras
import numpy as np
import pandas as pd
import tensorflow as tf

from .data import Dataset, load_dataset

HIDDEN_UNITS = (64, 48, 32)
SOURCE_DIGITS = (0, 1, 2, 3, 4)
TARGET_DIGITS = (5, 6, 7, 8, 9)
PIXEL_MAX = 16.0  # scikit-learn's digits are counts 0..16 of dark pixels in 4x4 blocks
IMAGE_SIDE = 8
BATCH_SIZE = 32
FINE_TUNE_RATE = 1e-4


# -- tasks -----------------------------------------------------------------------------------------

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


# -- models ----------------------------------------------------------------------------------------

def _body(hidden: Sequence[int]) -> list[keras.layers.Layer]:
    return [keras.Input(shape=(IMAGE_SIDE ** 2,), name="pixels")] + [
        keras.layers.Dense(units, activation="relu", kernel_initializer="he_normal", name=f"hidden_{k}")
        for k, units in enumerate(hidden, start=1)]


def hidden_layers(model: keras.Model) -> list[keras.layers.Layer]:
    """The reusable body of a model: its layers named hidden_1, hidden_2, ... in input order."""
    return [layer for layer in model.layers if layer.name.startswith("hidden_")]


def build_classifier(n_classes: int, hidden: Sequence[int] = HIDDEN_UNITS, seed: int = 0,
                     learning_rate: float = 1e-3) -> keras.Sequential:
    """A freshly initialized, compiled classifier: the shared body and a softmax layer `output`."""
    keras.utils.set_random_seed(seed)
    model = keras.Sequential(_body(hidden) + [keras.layers.Dense(n_classes, activation="softmax",
                                                                 name="output")], name="classifier")
    return compile_classifier(model, learning_rate)


def compile_classifier(model: keras.Model, learning_rate: float) -> keras.Model:
    """(Re)compile with Adam at `learning_rate`: needed after every change of `layer.trainable`."""
    model.compile(optimizer=keras.optimizers.Adam(learning_rate), loss="sparse_categorical_crossentropy",
                  metrics=["accuracy"])
    return model


def build_autoencoder(hidden: Sequence[int] = HIDDEN_UNITS, noise: float = 0.2,
                      seed: int = 0) -> keras.Sequential:
    """A compiled denoising autoencoder whose encoder is the shared body.

    It sees images with Gaussian noise (std `noise`, training only) and must return the clean image
    through the narrow last hidden layer, so the body has to learn the strokes that digits share
    (Vincent et al., 2008).  The decoder mirrors the body; its output is `reconstruction`.
    """
    keras.utils.set_random_seed(seed)
    body = _body(hidden)
    layers = [body[0], keras.layers.GaussianNoise(noise, name="noise"), *body[1:]]
    layers += [keras.layers.Dense(units, activation="relu", name=f"decoder_{k}")
               for k, units in enumerate(reversed(hidden[:-1]), start=1)]
    layers.append(keras.layers.Dense(IMAGE_SIDE ** 2, activation="sigmoid", name="reconstruction"))
    model = keras.Sequential(layers, name="autoencoder")
    model.compile(optimizer=keras.optimizers.Adam(1e-3), loss="binary_crossentropy")
    return model


def reuse(source: Optional[keras.Model], n_classes: int, frozen: int, seed: int = 0,
          learning_rate: float = 1e-3) -> keras.Sequential:
    """A new classifier whose body starts as a copy of `source`'s, with a new output layer.

    source: a model with layers hidden_1.. (None: train from scratch, nothing reused).
    frozen: how many of the body's layers, counted from the input, keep their pretrained weights
        (`trainable = False`); the layers above them and the new output layer train.
    The weights are copied, so training the new model never changes `source`.
    """
    hidden = HIDDEN_UNITS if source is None else tuple(l.units for l in hidden_layers(source))
    if isinstance(frozen, bool) or not isinstance(frozen, (int, np.integer)) or not 0 <= frozen <= len(hidden):
        raise ValueError(f"frozen = {frozen!r}: must be an integer from 0 to {len(hidden)} "
                         "(the number of hidden layers)")
    if source is None and frozen:
        raise ValueError(f"frozen = {frozen}: with source=None nothing is pretrained, so nothing can "
                         "be frozen; use frozen=0")
    model = build_classifier(n_classes, hidden, seed=seed, learning_rate=learning_rate)
    if source is not None:
        for new, old in zip(hidden_layers(model), hidden_layers(source)):
            new.set_weights(old.get_weights())
    return set_frozen(model, frozen, learning_rate)


def set_frozen(model: keras.Model, frozen: int, learning_rate: float) -> keras.Model:
    """Freeze the first `frozen` body layers, let every other layer train, and recompile.

    Keras builds its training step from the trainable weights when `fit` first runs after
    `compile`, so a change of `trainable` only counts after compiling again.
    """
    for k, layer in enumerate(hidden_layers(model)):
        layer.trainable = k >= frozen
    return compile_classifier(model, learning_rate)


# -- training --------------------------------------------------------------------------------------

def accuracy(model: keras.Model, x: np.ndarray, y: np.ndarray) -> float:
    """Fraction of rows whose most probable class is the label (one direct call, no tracing)."""
    return float(np.mean(np.argmax(model(x, training=False), axis=1) == y))


class _Evaluate(keras.callbacks.Callback):
    def __init__(self, x_val: Optional[np.ndarray], y_val: Optional[np.ndarray], on_point=None):
        super().__init__()
        self.x_val, self.y_val, self.on_point = x_val, y_val, on_point
        self.values: list[float] = []

    def on_epoch_end(self, epoch, logs=None):
        if self.x_val is not None:
            self.values.append(accuracy(self.model, self.x_val, self.y_val))
            if self.on_point is not None:
                self.on_point(self.values)


def fit(model: keras.Model, x: np.ndarray, y: np.ndarray, steps: int, *, seed: int = 0,
        batch_size: int = BATCH_SIZE, points: int = 10, validation: Optional[tuple] = None,
        on_point=None) -> pd.DataFrame:
    """Train `steps` optimizer steps on shuffled batches; record `points` evenly spaced evaluations.

    validation: (x_val, y_val) to measure accuracy at each point (column `val_accuracy`).
    on_point: called with the list of validation accuracies so far (the lab redraws from it).
    Returns one row per point: step, loss (mean over the steps since the previous point) and
    val_accuracy when validation data is given.
    """
    if isinstance(steps, bool) or not isinstance(steps, (int, np.integer)) or steps < 1:
        raise ValueError(f"steps = {steps!r}: must be a positive integer (optimizer updates)")
    points = max(1, min(points, steps))
    per_point = steps // points
    pipeline = (tf.data.Dataset.from_tensor_slices((np.asarray(x, np.float32), y))
                .shuffle(len(x), seed=seed, reshuffle_each_iteration=True).repeat().batch(batch_size))
    x_val, y_val = validation if validation is not None else (None, None)
    evaluate = _Evaluate(x_val, y_val, on_point)
    history = model.fit(pipeline, epochs=points, steps_per_epoch=per_point, verbose=0, callbacks=[evaluate])
    frame = pd.DataFrame({"step": per_point * np.arange(1, points + 1), "loss": history.history["loss"]})
    if validation is not None:
        frame["val_accuracy"] = evaluate.values
    return frame


@functools.lru_cache(maxsize=None)
def _pretrained_cache(kind: str, steps: int, seed: int) -> keras.Model:
    if kind == "digits 0-4":
        source = digit_task(SOURCE_DIGITS, seed=seed)
        model = build_classifier(len(SOURCE_DIGITS), seed=seed)
        fit(model, source.x_train, source.y_train, steps, seed=seed)
    elif kind == "autoencoder":
        images = digit_task(TARGET_DIGITS, seed=seed).x_train  # the images only, labels unused
        model = build_autoencoder(seed=seed)
        fit(model, images, images, steps, seed=seed)
    else:  # "rotation"
        turned, turns = rotation_task(digit_task(TARGET_DIGITS, seed=seed).x_train)
        model = build_classifier(4, seed=seed)
        fit(model, turned, turns, steps, seed=seed)
    return model


PRETRAINING = {
    "digits 0-4": "a classifier trained on all labelled images of digits 0-4 (another task)",
    "autoencoder": "a denoising autoencoder trained on the digits 5-9 images without their labels",
    "rotation": "a classifier of how far each digits 5-9 image was turned (labels made for free)",
}


def pretrained(kind: str, steps: int = 600, seed: int = 0) -> keras.Model:
    """A pretrained model of one of the `PRETRAINING` kinds (trained once per process, then cached).

    Do not train the returned model further: `reuse` copies its weights, so it stays a fixed source.
    """
    if kind not in PRETRAINING:
        raise ValueError(f"kind = {kind!r}: must be one of " + ", ".join(map(repr, PRETRAINING)))
    return _pretrained_cache(kind, int(steps), int(seed))


# -- experiments -----------------------------------------------------------------------------------

@dataclasses.dataclass
class TransferResult:
    """One run on the target task: settings, the validation curve and the final accuracy."""

    source: str  # a PRETRAINING kind, or "none" for training from scratch
    labels_per_class: Optional[int]
    frozen: int
    fine_tune_steps: int
    curve: pd.DataFrame  # step, loss, val_accuracy, phase ("frozen" or "fine-tune")
    model: keras.Model

    @property
    def val_accuracy(self) -> float:
        return float(self.curve["val_accuracy"].iloc[-1])

    def label(self) -> str:
        labels = "all" if self.labels_per_class is None else self.labels_per_class
        text = f"{self.source}, {labels} labels/class, {self.frozen} frozen"
        return text + (f", +{self.fine_tune_steps} fine-tune steps" if self.fine_tune_steps else "")


def transfer_run(source: str = "digits 0-4", labels_per_class: Optional[int] = 10, frozen: int = 3,
                 steps: int = 300, fine_tune_steps: int = 0, seed: int = 0, *,
                 learning_rate: float = 1e-3, fine_tune_rate: float = FINE_TUNE_RATE,
                 on_point=None) -> TransferResult:
    """Train a classifier of digits 5-9 that reuses a pretrained body, and measure it.

    source: "none" (from scratch) or a `PRETRAINING` kind.  frozen: body layers kept fixed during
    the first `steps` updates.  fine_tune_steps: afterwards unfreeze everything, recompile with the
    small `fine_tune_rate` and train this many more steps (0: no fine-tuning).
    seed picks the labelled images, the new layers' initial weights and the batch order.
    """
    if source != "none" and source not in PRETRAINING:
        raise ValueError(f"source = {source!r}: must be 'none' or one of " + ", ".join(map(repr, PRETRAINING)))
    if isinstance(fine_tune_steps, bool) or not isinstance(fine_tune_steps, (int, np.integer)) \
            or fine_tune_steps < 0:
        raise ValueError(f"fine_tune_steps = {fine_tune_steps!r}: must be an integer >= 0")
    task = digit_task(TARGET_DIGITS, labels_per_class, seed=seed)
    base = None if source == "none" else pretrained(source)
    model = reuse(base, task.n_classes, frozen, seed=seed, learning_rate=learning_rate)
    validation = (task.x_val, task.y_val)
    curve = fit(model, task.x_train, task.y_train, steps, seed=seed, validation=validation,
                on_point=on_point).assign(phase="frozen" if frozen else "train")
    if fine_tune_steps:
        set_frozen(model, 0, fine_tune_rate)
        more = fit(model, task.x_train, task.y_train, fine_tune_steps, seed=seed + 1,
                   validation=validation, points=max(1, round(10 * fine_tune_steps / steps)),
                   on_point=on_point)
        curve = pd.concat([curve, more.assign(step=more["step"] + steps, phase="fine-tune")],
                          ignore_index=True)
    return TransferResult(source, labels_per_class, frozen, int(fine_tune_steps), curve, model)


def freeze_table(labels_per_class: Sequence[Optional[int]] = (5, 20, None),
                 frozen: Sequence[int] = (0, 1, 2, 3), source: str = "digits 0-4",
                 seeds: Sequence[int] = (0,), steps: int = 300) -> pd.DataFrame:
    """Validation accuracy on digits 5-9 for each label count (rows) and freeze depth (columns).

    Column "scratch" trains the same network from random weights; column k reuses the body with its
    first k layers frozen (k = all of them: only the new output layer trains).  Each cell is the
    mean over `seeds` (different labelled images and initial weights).
    """
    rows = []
    for labels in labels_per_class:
        for setting in ["scratch", *frozen]:
            accs = [transfer_run("none" if setting == "scratch" else source, labels,
                                 0 if setting == "scratch" else setting, steps=steps, seed=s).val_accuracy
                    for s in seeds]
            rows.append({"labels per class": "all" if labels is None else labels,
                         "setting": setting if setting == "scratch" else f"{setting} frozen",
                         "val_accuracy": float(np.mean(accs))})
    table = pd.DataFrame(rows).pivot(index="labels per class", columns="setting", values="val_accuracy")
    order = ["scratch"] + [f"{k} frozen" for k in frozen]
    return table.loc[["all" if l is None else l for l in labels_per_class], order]
