"""Reusing pretrained layers, offline, on tasks the workbook builds itself (chapter 09).

There is nothing to download: a small network is pretrained on scikit-learn's hand-written digits
0-4 (the "source" task), and its hidden layers are reused for digits 5-9 with only a few labels
(the "target" task).  Two other ways of pretraining need no labels of the target task at all: an
autoencoder trained to reproduce the images, and an auxiliary task whose labels cost nothing (how
far an image was rotated).

Every network here has the same body so layers can be swapped between them: `HIDDEN_UNITS` Dense
ReLU layers named `hidden_1`, `hidden_2`, ... (hidden_1 nearest the input), then a head.

Training goes through `fit`, which counts a budget in optimizer steps rather than epochs: a set of
5 images and a set of 675 images then get the same number of updates, so their results compare.
It feeds Keras a repeated `tf.data` pipeline (about 20 ms per evaluation point instead of the ~80 ms
per epoch of `fit` on NumPy arrays here), and the experiments train through `fit_cached`, which
reuses one compiled training graph per architecture instead of tracing a new one for every run.
"""

from __future__ import annotations

import base64
import dataclasses
import functools
import html
import io
import json
import math
import textwrap
from typing import Any, Iterable, Mapping, Optional, Sequence

import keras
import numpy as np
import pandas as pd
import plotly.graph_objects as go
import tensorflow as tf
from plotly.subplots import make_subplots

from . import plots
from .codegen import script_header
from .livefigure import LiveFigure
from .data import SPLIT_SEED, VALIDATION_FRACTION, Dataset, load_dataset

HIDDEN_UNITS = (64, 48, 32)
SOURCE_DIGITS = (0, 1, 2, 3, 4)
TARGET_DIGITS = (5, 6, 7, 8, 9)
PIXEL_MAX = 16.0  # scikit-learn's digits are counts 0..16 of dark pixels in 4x4 blocks
IMAGE_SIDE = 8
BATCH_SIZE = 32
POINTS = 10  # evaluation points per run (validation accuracy is measured this often)
LEARNING_RATE = 1e-2  # a new output layer on frozen features learns slowly at 1e-3
FINE_TUNE_RATE = 1e-3  # ten times smaller, for unfrozen pretrained layers
AUTOENCODER_NOISE = 0.2  # std of the Gaussian noise the denoising autoencoder removes
STEPS_PER_CALL = 20  # steps_per_execution of the cached training graphs: same updates, 5-8x less
                     # overhead per step for these tiny models on a shared CPU


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


def build_autoencoder(hidden: Sequence[int] = HIDDEN_UNITS, noise: float = AUTOENCODER_NOISE,
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


def _check_frozen(frozen: int, n_hidden: int, pretrained: bool) -> None:
    if isinstance(frozen, bool) or not isinstance(frozen, (int, np.integer)) or not 0 <= frozen <= n_hidden:
        raise ValueError(f"frozen = {frozen!r}: must be an integer from 0 to {n_hidden} "
                         "(the number of hidden layers)")
    if not pretrained and frozen:
        raise ValueError(f"frozen = {frozen}: with source=None nothing is pretrained, so nothing can "
                         "be frozen; use frozen=0")


def reuse(source: Optional[keras.Model], n_classes: int, frozen: int, seed: int = 0,
          learning_rate: float = LEARNING_RATE) -> keras.Sequential:
    """A new classifier whose body starts as a copy of `source`'s, with a new output layer.

    source: a model with layers hidden_1.. (None: train from scratch, nothing reused).
    frozen: how many of the body's layers, counted from the input, keep their pretrained weights
        (`trainable = False`); the layers above them and the new output layer train.
    The weights are copied, so training the new model never changes `source`.
    """
    hidden = HIDDEN_UNITS if source is None else tuple(l.units for l in hidden_layers(source))
    _check_frozen(frozen, len(hidden), pretrained=source is not None)
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
    """Measures validation accuracy at the end of each evaluation point ("epoch" of `fit`)."""

    def __init__(self, validation: Optional[tuple], per_point: int, on_point=None):
        super().__init__()
        self.validation, self.per_point, self.on_point = validation, per_point, on_point
        self.values: list[float] = []

    def on_epoch_end(self, epoch, logs=None):
        if self.validation is not None:
            self.values.append(accuracy(self.model, *self.validation))
            if self.on_point is not None:
                self.on_point(self.per_point * (epoch + 1), self.values[-1])


def _evaluation_points(steps: int, points: int) -> tuple[int, int]:
    """How many evaluation points, and training steps between two of them."""
    if isinstance(steps, bool) or not isinstance(steps, (int, np.integer)) or steps < 1:
        raise ValueError(f"steps = {steps!r}: must be a positive integer (optimizer updates)")
    points = max(1, min(points, steps))
    return points, steps // points


def fit(model: keras.Model, x: np.ndarray, y: np.ndarray, steps: int, *, seed: int = 0,
        batch_size: int = BATCH_SIZE, points: int = POINTS, validation: Optional[tuple] = None,
        on_point=None) -> pd.DataFrame:
    """Train `steps` optimizer steps on shuffled batches; record `points` evenly spaced evaluations.

    validation: (x_val, y_val) to measure accuracy at each point (column `val_accuracy`).
    on_point: called with (step, validation accuracy) at each point (the lab draws from it).
    Returns one row per point: step, loss (mean over the steps since the previous point) and
    val_accuracy when validation data is given.
    """
    points, per_point = _evaluation_points(steps, points)
    pipeline = (tf.data.Dataset.from_tensor_slices((np.asarray(x, np.float32), y))
                .shuffle(len(x), seed=seed, reshuffle_each_iteration=True).repeat().batch(batch_size))
    evaluate = _Evaluate(validation, per_point, on_point)
    history = model.fit(pipeline, epochs=points, steps_per_epoch=per_point, shuffle=False, verbose=0,
                        callbacks=[evaluate])
    frame = pd.DataFrame({"step": per_point * np.arange(1, points + 1), "loss": history.history["loss"]})
    if validation is not None:
        frame["val_accuracy"] = evaluate.values
    return frame


@functools.lru_cache(maxsize=None)
def _pretrained_cache(kind: str, steps: int, seed: int) -> keras.Model:
    target_images = digit_task(TARGET_DIGITS, seed=seed).x_train  # images only: labels unused
    if kind == "digits 0-4":
        source = digit_task(SOURCE_DIGITS, seed=seed)
        model, x, y = build_classifier(len(SOURCE_DIGITS), seed=seed), source.x_train, source.y_train
    elif kind == "autoencoder":
        model, x, y = build_autoencoder(seed=seed), target_images, target_images
    else:  # "rotation"
        x, y = rotation_task(target_images)
        model = build_classifier(4, seed=seed)
    fit_cached(model, x, y, steps, seed=seed)
    return model


PRETRAINING = {
    "digits 0-4": "a classifier trained on all labelled images of digits 0-4 (another task)",
    "autoencoder": "a denoising autoencoder trained on the digits 5-9 images without their labels",
    "rotation": "a classifier of how far each digits 5-9 image was turned (labels made for free)",
}


def pretrained(kind: str, steps: int = 1000, seed: int = 0) -> keras.Model:
    """A pretrained model of one of the `PRETRAINING` kinds (trained once per process, then cached).

    Do not train the returned model further: `reuse` copies its weights, so it stays a fixed source.
    """
    if kind not in PRETRAINING:
        raise ValueError(f"kind = {kind!r}: must be one of " + ", ".join(map(repr, PRETRAINING)))
    return _pretrained_cache(kind, int(steps), int(seed))


# -- a cache of compiled training graphs ------------------------------------------------------------
# Tracing Keras's training step costs ~1 s of CPU per new model, several times more than the few
# hundred steps each experiment below trains.  `fit_cached` therefore trains a compiled twin kept per
# architecture (same layers, same frozen flags, same loss): the twin receives the model's starting
# variables and a fresh optimizer state, trains, and hands the trained variables back.  The result
# is the same as fitting the model itself (tests/test_transfer.py checks it), and the learner's
# models never share weights.

_TWINS: dict[str, keras.Model] = {}


def fit_cached(model: keras.Model, x: np.ndarray, y: np.ndarray, steps: int, **fit_kwargs: Any) -> pd.DataFrame:
    """`fit(model, ...)` computed on a cached compiled copy of the model's architecture.

    `model` must be compiled (its optimizer class and learning rate, and its loss, are used);
    its trainable flags are part of the architecture, so freezing picks another twin.
    """
    if getattr(model, "optimizer", None) is None:
        raise ValueError("fit_cached(model): compile the model first (its optimizer and loss are reused)")
    # steps per call must divide the steps between evaluation points, or Keras would overshoot them
    per_call = math.gcd(_evaluation_points(steps, fit_kwargs.get("points", POINTS))[1], STEPS_PER_CALL)
    key = json.dumps([model.get_config(), str(model.loss), type(model.optimizer).__name__, per_call],
                     sort_keys=True, default=str)
    if key not in _TWINS:
        twin = keras.models.clone_model(model)
        twin.compile(optimizer=type(model.optimizer).from_config(model.optimizer.get_config()),
                     loss=model.loss, steps_per_execution=per_call)
        _TWINS[key] = twin
    twin = _TWINS[key]
    for mine, theirs in zip(twin.variables, model.variables):  # weights and random-layer seed states
        mine.assign(theirs)
    for variable in twin.optimizer.variables:  # a fresh optimizer: step count and moments zeroed
        if variable.name != "learning_rate":
            variable.assign(np.zeros(variable.shape, variable.dtype))
    twin.optimizer.learning_rate = float(np.asarray(model.optimizer.learning_rate))
    curve = fit(twin, x, y, steps, **fit_kwargs)
    for mine, theirs in zip(model.variables, twin.variables):
        mine.assign(theirs)
    return curve


# -- experiments -----------------------------------------------------------------------------------

@dataclasses.dataclass
class TransferResult:
    """One run on the target task: its settings, validation curve and trained model."""

    source: str  # a PRETRAINING kind, or "none" for training from scratch
    labels_per_class: Optional[int]
    frozen: int
    fine_tune_steps: int
    curve: pd.DataFrame  # step, loss, val_accuracy, phase ("frozen" / "train" / "fine-tune")
    model: keras.Model

    @property
    def val_accuracy(self) -> float:
        """Validation accuracy at the end of the run."""
        return float(self.curve["val_accuracy"].iloc[-1])

    def label(self) -> str:
        """A short legend text, e.g. 'autoencoder, 5 labels/class, 3 frozen'."""
        labels = "all" if self.labels_per_class is None else self.labels_per_class
        text = f"{self.source}, {labels} labels/class, {self.frozen} frozen"
        return text + (f", +{self.fine_tune_steps} fine-tune steps" if self.fine_tune_steps else "")


def transfer_run(source: str = "digits 0-4", labels_per_class: Optional[int] = 10, frozen: int = 3,
                 steps: int = 200, fine_tune_steps: int = 0, seed: int = 0, *,
                 learning_rate: float = LEARNING_RATE, fine_tune_rate: float = FINE_TUNE_RATE,
                 points: int = POINTS, on_point=None) -> TransferResult:
    """Train a classifier of digits 5-9 whose body starts from a pretrained one, and measure it.

    source: "none" (from scratch) or a `PRETRAINING` kind.  frozen: body layers kept fixed during
    the first `steps` updates.  fine_tune_steps: afterwards unfreeze every layer, recompile with the
    small `fine_tune_rate` and train this many more steps (0: no fine-tuning).
    seed picks the labelled images, the new layers' initial weights and the batch order.
    """
    if source != "none" and source not in PRETRAINING:
        raise ValueError(f"source = {source!r}: must be 'none' or one of " + ", ".join(map(repr, PRETRAINING)))
    if isinstance(fine_tune_steps, bool) or not isinstance(fine_tune_steps, (int, np.integer)) \
            or fine_tune_steps < 0:
        raise ValueError(f"fine_tune_steps = {fine_tune_steps!r}: must be an integer >= 0")
    task = digit_task(TARGET_DIGITS, labels_per_class, seed=seed)
    model = reuse(None if source == "none" else pretrained(source), task.n_classes, frozen, seed=seed,
                  learning_rate=learning_rate)
    common = dict(seed=seed, validation=(task.x_val, task.y_val), on_point=on_point)
    curve = fit_cached(model, task.x_train, task.y_train, steps, points=points,
                       **common).assign(phase="frozen" if frozen else "train")
    if fine_tune_steps:
        set_frozen(model, 0, fine_tune_rate)
        if on_point is not None:
            common["on_point"] = lambda step, value: on_point(steps + step, value)
        more = fit_cached(model, task.x_train, task.y_train, fine_tune_steps,
                          points=max(1, round(points * fine_tune_steps / steps)), **common)
        curve = pd.concat([curve, more.assign(step=more["step"] + steps, phase="fine-tune")],
                          ignore_index=True)
    return TransferResult(source, labels_per_class, frozen, int(fine_tune_steps), curve, model)


def freeze_table(sources: Sequence[str] = ("digits 0-4", "autoencoder"),
                 labels_per_class: Sequence[Optional[int]] = (1, 10, None), frozen: Sequence[int] = (0, 1, 2, 3),
                 seeds: Sequence[int] = (0, 1), steps: int = 200) -> pd.DataFrame:
    """Validation accuracy on digits 5-9 per label count (rows) and way of starting (columns).

    Columns are (source, layers frozen): ("scratch", 0) trains the network from random weights;
    (source, k) reuses that pretrained body with its first k layers fixed and a new output layer
    (k = 0: everything is fine-tuned; k = all: only the output layer trains).  Each cell is the
    mean over `seeds` (which labelled images, the new layers' initial weights, the batch order).
    """
    settings = [("scratch", 0)] + [(source, k) for source in sources for k in frozen]
    values = [[float(np.mean([transfer_run("none" if src == "scratch" else src, labels, k, steps=steps,
                                           seed=seed, points=1).val_accuracy for seed in seeds]))
               for src, k in settings] for labels in labels_per_class]
    return pd.DataFrame(values,
                        index=pd.Index(["all" if l is None else l for l in labels_per_class], name="labels per class"),
                        columns=pd.MultiIndex.from_tuples(settings, names=["start from", "layers frozen"]))


# -- figures ---------------------------------------------------------------------------------------

def _png_uri(image: np.ndarray) -> str:
    """A PNG data URI of an image of floats in [0, 1] (grey HxW or colour HxWx3)."""
    from PIL import Image
    buffer = io.BytesIO()
    Image.fromarray(np.round(image * 255).astype(np.uint8)).save(buffer, format="PNG")
    return "data:image/png;base64," + base64.b64encode(buffer.getvalue()).decode()


def image_grid(images: Sequence[np.ndarray], titles: Sequence[str], title: str, columns: int = 4) -> go.Figure:
    """Images (floats in [0, 1]) in a grid, each with its own title, in the workbook's style."""
    if len(images) != len(titles):
        raise ValueError(f"image_grid: {len(images)} images but {len(titles)} titles")
    columns = min(columns, len(images))
    rows = -(-len(images) // columns)
    fig = make_subplots(rows=rows, cols=columns, horizontal_spacing=0.01, vertical_spacing=0.3 / rows,
                        subplot_titles=list(titles))
    for i, (image, name) in enumerate(zip(images, titles)):
        fig.add_trace(go.Image(source=_png_uri(image), name=name, hoverinfo="skip"),
                      row=i // columns + 1, col=i % columns + 1)
    plots.style(fig, title, "", "", height=int(190 * rows * min(1.0, 4 / columns) + 80))
    fig.update_xaxes(showticklabels=False, showgrid=False, title_text="")
    fig.update_yaxes(showticklabels=False, showgrid=False, title_text="")
    height, width = images[0].shape[:2]
    fig.update_xaxes(title_text=f"{width} pixels wide", row=rows, col=1)
    fig.update_yaxes(title_text=f"{height} pixels high", row=rows, col=1)
    fig.update_annotations(font_size=11)
    return fig


def digit_images(x: np.ndarray) -> list[np.ndarray]:
    """Flattened 8x8 digits (0 = blank) as dark-on-white images for `image_grid`."""
    return [1.0 - np.asarray(row, np.float32).reshape(IMAGE_SIDE, IMAGE_SIDE) for row in x]



def curves_figure(results: Sequence[TransferResult], title: str = "Validation accuracy on digits 5-9",
                  faded: Sequence[TransferResult] = ()) -> go.Figure:
    """Validation accuracy against optimizer steps, one line per run; `faded` runs drawn pale first.

    A dotted marker shows where a run's fine-tuning phase (everything unfrozen) starts.
    """
    fig = go.Figure()
    for opacity, runs in ((0.3, faded), (1.0, results)):
        for result in runs:
            fig.add_trace(go.Scatter(x=result.curve["step"], y=result.curve["val_accuracy"], opacity=opacity,
                                     mode="lines+markers", name=("earlier: " if opacity < 1 else "") + result.label(),
                                     marker=dict(size=5)))
            tuned = result.curve[result.curve["phase"] == "fine-tune"]
            if opacity == 1.0 and len(tuned):
                start = int(result.curve["step"].iloc[len(result.curve) - len(tuned) - 1])
                fig.add_vline(x=start, line=dict(dash="dot", color="grey"))
    fig.update_layout(legend=dict(orientation="h", y=-0.3))
    return plots.style(fig, title, "optimizer steps (batches of 32)", "validation accuracy (0-1)", height=420)


def freeze_figure(table: pd.DataFrame) -> go.Figure:
    """The `freeze_table` as bars: one panel per label count, bars per source and frozen depth,
    training from scratch as a dashed line to beat."""
    counts = list(table.index)
    fig = make_subplots(rows=1, cols=len(counts), shared_yaxes=True,
                        subplot_titles=[f"{c} label{'s' if c != 1 else ''} per class" for c in counts])
    sources = [s for s in table.columns.get_level_values(0).unique() if s != "scratch"]
    colours = dict(zip(sources, ("#1f77b4", "#2ca02c", "#9467bd", "#8c564b")))
    for col, count in enumerate(counts, start=1):
        for source in sources:
            row = table.loc[count, source]
            fig.add_trace(go.Bar(x=[str(k) for k in row.index], y=row.values, name=f"body from {source}",
                                 marker_color=colours[source], showlegend=col == 1, legendgroup=source),
                          row=1, col=col)
        scratch = float(table.loc[count, ("scratch", 0)])
        fig.add_trace(go.Scatter(x=[str(k) for k in table[sources[0]].columns], y=[scratch] * table[sources[0]].shape[1],
                                 mode="lines", line=dict(dash="dash", color="black"), name="from scratch",
                                 showlegend=col == 1, legendgroup="scratch"), row=1, col=col)
        fig.update_xaxes(title_text="layers frozen (from the input)", row=1, col=col)
    low = float(np.nanmin(table.values))
    fig.update_yaxes(range=[max(0.0, low - 0.05), 1.0])
    plots.style(fig, "How much to freeze: validation accuracy on digits 5-9", "layers frozen (from the input)",
                "validation accuracy (0-1)", height=400)
    fig.update_layout(barmode="group")
    return fig


# -- the same experiment in plain Keras --------------------------------------------------------------

_PRETRAINING_CODE = {
    "digits 0-4": [
        "# Pretrain: a classifier of digits 0-4, a task with plenty of labels",
        "source = y_train < 5",
        "x_pre, y_pre = x_train[source], y_train[source]",
        "pretrained = keras.Sequential([keras.Input(shape=(64,)), *body(), "
        "keras.layers.Dense(5, activation=\"softmax\")])",
        "pretrain_loss = \"sparse_categorical_crossentropy\""],
    "autoencoder": [
        "# Pretrain without labels: a denoising autoencoder of the digits 5-9 images",
        "x_pre = y_pre = x_train[y_train >= 5]  # the images are their own targets",
        "pretrained = keras.Sequential([",
        "    keras.Input(shape=(64,)),",
        "    keras.layers.GaussianNoise({noise}),  # corrupt the input (training only)",
        "    *body(),  # the encoder, down to the narrow last layer",
        "{decoder}",
        "    keras.layers.Dense(64, activation=\"sigmoid\"),  # the clean image back",
        "])",
        "pretrain_loss = \"binary_crossentropy\"  # per pixel, as the pixels are in [0, 1]"],
    "rotation": [
        "# Pretrain on a task whose labels are free: how far was each digits 5-9 image turned?",
        "squares = x_train[y_train >= 5].reshape(-1, 8, 8)",
        "x_pre = np.concatenate([np.rot90(squares, k, axes=(1, 2)).reshape(len(squares), 64) for k in range(4)])",
        "y_pre = np.repeat(np.arange(4), len(squares))  # 0-3 quarter turns",
        "pretrained = keras.Sequential([keras.Input(shape=(64,)), *body(), "
        "keras.layers.Dense(4, activation=\"softmax\")])",
        "pretrain_loss = \"sparse_categorical_crossentropy\""],
}


def _transfer_data_lines(labels_per_class: Optional[int], seed: int) -> list[str]:
    """The digits split, and the few labelled digits 5-9 images `digit_task` picks, in plain NumPy."""
    rows = ("np.flatnonzero(y_train == digit)" if labels_per_class is None
            else f"rng.permutation(np.flatnonzero(y_train == digit))[:{labels_per_class}]")
    first = TARGET_DIGITS[0]
    return ["# Data: 8x8 digits, pixels scaled to [0, 1] (the same scale for every task)",
            "x, y = load_digits(return_X_y=True)",
            f'x = (x / {PIXEL_MAX}).astype("float32")',
            f"x_train, x_val, y_train, y_val = train_test_split(x, y, test_size={VALIDATION_FRACTION}, "
            f"random_state={SPLIT_SEED}, stratify=y)",
            f"# the new task: digits {first}-{TARGET_DIGITS[-1]}, renumbered from 0, "
            + ("with all their labels" if labels_per_class is None else f"with {labels_per_class} labels of each"),
            f"rng = np.random.default_rng({seed})",
            f"picked = [{rows} for digit in {TARGET_DIGITS}]",
            "picked = rng.permutation(np.concatenate(picked))  # mixed digits",
            f"x_new, y_new = x_train[picked], y_train[picked] - {first}",
            f"new_val = y_val >= {first}",
            f"x_new_val, y_new_val = x_val[new_val], y_val[new_val] - {first}"]


def _transfer_helper_lines(seed: int) -> list[str]:
    """`body()`, the shared hidden layers, and `batches()`, a step-counted input pipeline."""
    return ["def body():",
            '    """The hidden layers every network here shares, named so they can be found and copied."""',
            '    return [keras.layers.Dense(units, activation="relu", kernel_initializer="he_normal", '
            'name=f"hidden_{k}")',
            f"            for k, units in enumerate({HIDDEN_UNITS}, start=1)]", "", "",
            "def batches(x, y):",
            f'    """Shuffled batches of {BATCH_SIZE}, repeated without end: `fit` then counts optimizer steps',
            '    (give it steps_per_epoch, and shuffle=False since the batches are shuffled here)."""',
            f"    return (tf.data.Dataset.from_tensor_slices((x, y)).shuffle(len(x), seed={seed})",
            f"            .repeat().batch({BATCH_SIZE}))"]


def transfer_code(source: str = "digits 0-4", labels_per_class: Optional[int] = 10, frozen: int = 3,
                  fine_tune_steps: int = 0, steps: int = 200, seed: int = 0, *,
                  pretrain_steps: int = 1000) -> str:
    """A plain Keras script of one `transfer_run` setting: pretrain, copy the hidden layers into a
    new classifier of digits 5-9, freeze some, recompile, fit, and optionally fine-tune.

    It uses the same data, labelled images, layers, learning rates and budgets in optimizer steps;
    initial weights and batch order are drawn differently, so its accuracy is close to the lab's,
    not identical.  Its `model` is the trained classifier, `accuracy` its validation accuracy.
    """
    if source != "none" and source not in PRETRAINING:
        raise ValueError(f"source = {source!r}: must be 'none' or one of " + ", ".join(map(repr, PRETRAINING)))
    _check_frozen(frozen, len(HIDDEN_UNITS), pretrained=source != "none")
    labels = ("all labelled images" if labels_per_class is None
              else f"{labels_per_class} labelled image{'s' if labels_per_class != 1 else ''} per class")
    start = ("The network starts from random weights." if source == "none"
             else f"Its hidden layers come from {PRETRAINING[source]}.")
    new_model = (f"model = keras.Sequential([keras.Input(shape=({IMAGE_SIDE ** 2},)), *body(), "
                 f'keras.layers.Dense({len(TARGET_DIGITS)}, activation="softmax")])')
    lines = [f'"""Transfer learning in plain Keras: digits 5-9 from {labels}.', "",
             *textwrap.wrap(start + '"""', 100), *script_header(),
             "import numpy as np", "import tensorflow as tf", "from sklearn.datasets import load_digits",
             "from sklearn.model_selection import train_test_split", "",
             f"keras.utils.set_random_seed({seed})", "", *_transfer_data_lines(labels_per_class, seed), "", "",
             *_transfer_helper_lines(seed), "", ""]
    if source == "none":
        lines += ["# A classifier of digits 5-9 from random weights: nothing pretrained, nothing to freeze", new_model]
    else:
        decoder = "\n".join(f'    keras.layers.Dense({units}, activation="relu"),'
                            + ("  # the decoder mirrors the body" if k == 0 else "")
                            for k, units in enumerate(reversed(HIDDEN_UNITS[:-1])))
        lines += [line.format(noise=AUTOENCODER_NOISE, decoder=decoder) for line in _PRETRAINING_CODE[source]]
        lines += ["pretrained.compile(optimizer=keras.optimizers.Adam(0.001), loss=pretrain_loss)",
                  f"pretrained.fit(batches(x_pre, y_pre), steps_per_epoch={pretrain_steps}, shuffle=False, verbose=0)",
                  "", "# A new classifier of digits 5-9 starts from a copy of the pretrained hidden layers", new_model,
                  f"for k in range(1, {len(HIDDEN_UNITS) + 1}):  # copy the weights: shared layers would train both",
                  '    model.get_layer(f"hidden_{k}").set_weights(pretrained.get_layer(f"hidden_{k}").get_weights())']
    if frozen:
        which = ("the hidden layer nearest the input: it keeps" if frozen == 1
                 else f"the {frozen} hidden layers nearest the input: they keep")
        lines += ["", f"# Freeze {which} the pretrained weights",
                  f"for k in range(1, {frozen + 1}):", '    model.get_layer(f"hidden_{k}").trainable = False',
                  "# compile after changing `trainable`: Keras reads it when compiling"]
    compile_line = ("model.compile(optimizer=keras.optimizers.Adam({rate}), "
                    'loss="sparse_categorical_crossentropy", metrics=["accuracy"])')
    fit_line = "model.fit(batches(x_new, y_new), steps_per_epoch={steps}, shuffle=False, verbose=0)"
    lines += [compile_line.format(rate=LEARNING_RATE), fit_line.format(steps=steps)]
    if fine_tune_steps:
        lines += ["", "# Fine-tune: unfreeze everything, recompile with a 10x smaller learning rate, train more",
                  "for layer in model.layers:", "    layer.trainable = True",
                  compile_line.format(rate=FINE_TUNE_RATE), fit_line.format(steps=fine_tune_steps)]
    lines += ["", "loss, accuracy = model.evaluate(x_new_val, y_new_val, verbose=0)",
              'print(f"validation accuracy on digits 5-9: {accuracy:.3f}")']
    return "\n".join(lines) + "\n"


# -- the lab ---------------------------------------------------------------------------------------

LABEL_COUNTS = (1, 2, 3, 5, 10, 20, 50, "all")
LAB_PRESETS: dict[str, dict[str, Any]] = {
    "1 label per class, from scratch": dict(source="none", labels_per_class=1, frozen=0, fine_tune_steps=0),
    "1 label per class, autoencoder body frozen": dict(source="autoencoder", labels_per_class=1, frozen=3,
                                                       fine_tune_steps=0),
    "frozen, then fine-tuned": dict(source="autoencoder", labels_per_class=10, frozen=3, fine_tune_steps=100),
    "digits 0-4 body, all frozen": dict(source="digits 0-4", labels_per_class=10, frozen=3, fine_tune_steps=0),
}


class TransferLab:
    """Controls for where the body comes from, how many labels, how many layers to freeze and how
    long to fine-tune; a Run button; a live figure of validation accuracy with the earlier runs faded.

    Each control sets one argument of `transfer_run`.  A run takes about a second, so the button
    trains in the foreground; `run()` does the same from code (what nbval executes) and `set()`
    moves the controls.
    """

    MAX_FADED = 3

    def __init__(self, source: str = "digits 0-4", labels_per_class: Any = 10, frozen: int = 3,
                 fine_tune_steps: int = 0, steps: int = 200,
                 presets: Optional[Mapping[str, Mapping[str, Any]]] = None):
        import ipywidgets as ipw
        self.steps = steps
        self.presets = dict(LAB_PRESETS if presets is None else presets)
        style = {"description_width": "150px"}
        self.controls = {
            "source": ipw.Dropdown(options=["none", *PRETRAINING], description="body pretrained as", style=style,
                                   tooltip="; ".join(f"{k}: {v}" for k, v in PRETRAINING.items())),
            "labels_per_class": ipw.SelectionSlider(options=[(str(c), c) for c in LABEL_COUNTS],
                                                    description="labels per class", style=style),
            "frozen": ipw.IntSlider(min=0, max=len(HIDDEN_UNITS), description="layers frozen", style=style),
            "fine_tune_steps": ipw.IntSlider(min=0, max=300, step=50, description="fine-tune steps", style=style),
        }
        from .lab import PRESET_PROMPT  # the same prompt as TrainingLab's preset menu
        self._prompt = PRESET_PROMPT
        self.preset_menu = ipw.Dropdown(options=[(PRESET_PROMPT, PRESET_PROMPT)] + [(n, n) for n in self.presets],
                                        value=PRESET_PROMPT)
        self.preset_menu.observe(self._on_preset, names="value")
        self.run_button = ipw.Button(description="Run", button_style="success", icon="play")
        self.run_button.on_click(lambda _b: self._run_reporting())
        self.status = ipw.HTML()
        from .codeview import CodeView
        self.code_view = CodeView(self.keras_code)  # the current setting as plain Keras
        for control in self.controls.values():
            control.observe(lambda _change: self.code_view.refresh(), names="value")
        self.figure = LiveFigure(curves_figure([], "Validation accuracy on digits 5-9: press Run"))
        self.results: list[TransferResult] = []
        grid = ipw.GridBox(list(self.controls.values()), layout=ipw.Layout(
            grid_template_columns="repeat(2, minmax(0, 1fr))", grid_gap="4px 16px", width="100%"))
        self.widget = ipw.VBox([grid, ipw.HBox([self.run_button, self.preset_menu]), self.status, self.code_view,
                                self.figure],
                               layout=ipw.Layout(max_width="1100px"))
        self.set(source=source, labels_per_class=labels_per_class, frozen=frozen, fine_tune_steps=fine_tune_steps)
        self._show("Ready: choose settings and press Run.")

    @property
    def settings(self) -> dict[str, Any]:
        """The `transfer_run` arguments the controls describe ("all" labels is None)."""
        values = {name: control.value for name, control in self.controls.items()}
        values["labels_per_class"] = None if values["labels_per_class"] == "all" else values["labels_per_class"]
        return values

    def set(self, **values: Any) -> "TransferLab":
        """Move controls from code; an unknown control or a value it does not offer raises ValueError."""
        for name, value in values.items():
            if name not in self.controls:
                raise ValueError(f"TransferLab has no control {name!r}; controls: " + ", ".join(self.controls))
            value = "all" if (name == "labels_per_class" and value is None) else value
            control = self.controls[name]
            allowed = (list(LABEL_COUNTS) if name == "labels_per_class" else list(control.options)
                       if name == "source" else list(range(control.min, control.max + 1, control.step)))
            if value not in allowed:
                raise ValueError(f"{name} = {value!r} is not offered; allowed: {allowed}")
            control.value = value
        return self

    def _on_preset(self, change: Mapping[str, Any]) -> None:
        if change["new"] != self._prompt:
            self.set(**self.presets[change["new"]])
            self._show(f"Preset “{html.escape(change['new'])}” set: press Run.")
            self.preset_menu.value = self._prompt

    def keras_code(self) -> str:
        """The current settings as a plain Keras script (see `transfer_code`)."""
        return transfer_code(steps=self.steps, **self.settings)

    def run(self) -> TransferResult:
        """Train with the current settings, drawing the curve live; returns the `TransferResult`."""
        settings = self.settings
        if settings["source"] == "none" and settings["frozen"]:
            raise ValueError("Nothing is pretrained when training from scratch (body pretrained as = none): "
                             "set layers frozen to 0")
        self._show("Training…")
        faded = self.results[-self.MAX_FADED:]
        self._redraw(None, faded)
        live = self.figure.data[-1]

        def draw(step: int, value: float) -> None:
            with self.figure.batch_update():
                live.x, live.y = (*live.x, step), (*live.y, value)

        result = transfer_run(steps=self.steps, on_point=draw, **settings)
        self.results.append(result)
        self._redraw(result, faded)
        self._show(html.escape(f"{result.label()}: validation accuracy {result.val_accuracy:.3f}"))
        return result

    def _run_reporting(self) -> None:
        try:
            self.run()
        except ValueError as exc:
            self._show(html.escape(str(exc)), error=True)

    def _redraw(self, result: Optional[TransferResult], faded: Sequence[TransferResult]) -> None:
        """Show the faded earlier runs and `result` (None: an empty line that `run` fills live)."""
        fig = curves_figure([result] if result is not None else [], faded=faded)
        if result is None:
            fig.add_trace(go.Scatter(x=[], y=[], mode="lines+markers", name="training…"))
        with self.figure.batch_update():
            self.figure.data = ()
            self.figure.add_traces(list(fig.data))
            self.figure.layout = fig.layout

    def _show(self, text: str, error: bool = False) -> None:
        colour = "#b00020" if error else "#333"
        self.status.value = f'<div style="font-size:14px;color:{colour};padding:4px 0">{text}</div>'

    def _ipython_display_(self) -> None:
        from IPython.display import display
        display(self.widget)
