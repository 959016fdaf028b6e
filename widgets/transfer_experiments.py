"""The experiments of chapter 09: pretrained bodies, runs on digits 5-9, and the freeze table."""

from __future__ import annotations

import dataclasses
import functools
from typing import Any, Mapping, Optional, Sequence

import keras
import numpy as np
import pandas as pd

from .transfer_fit import POINTS, fit_cached
from .transfer_models import (FINE_TUNE_RATE, LEARNING_RATE, body_units, build_autoencoder, build_classifier,
                              check_frozen, copy_body, reuse, set_frozen)
from .transfer_tasks import SOURCE_DIGITS, TARGET_DIGITS, digit_task, loop_task, rotation_task


@functools.lru_cache(maxsize=None)
def _pretrained_cache(kind: str, steps: int, seed: int) -> keras.Model:
    target_images = digit_task(TARGET_DIGITS, seed=seed).x_train  # images only: labels unused
    if kind == "digits 0-4":
        source = digit_task(SOURCE_DIGITS, seed=seed)
        model, x, y = build_classifier(len(SOURCE_DIGITS), seed=seed), source.x_train, source.y_train
    elif kind == "loops":
        (x, y), model = loop_task(), build_classifier(2, seed=seed)
    elif kind == "autoencoder":
        model, x, y = build_autoencoder(seed=seed), target_images, target_images
    else:  # "rotation"
        x, y = rotation_task(target_images)
        model = build_classifier(4, seed=seed)
    fit_cached(model, x, y, steps, seed=seed)
    return model


PRETRAINING = {
    "digits 0-4": "a classifier trained on all labelled images of digits 0-4 (another task)",
    "loops": "a classifier of whether a digit has a closed loop (0, 6, 8, 9), trained on all ten digits",
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


@dataclasses.dataclass
class TransferResult:
    """One run on the target task: its settings, validation curve and trained model."""

    source: str  # a PRETRAINING kind, or "none" for training from scratch
    labels_per_class: Optional[int]
    frozen: int
    fine_tune_steps: int
    curve: pd.DataFrame  # step, loss, val_accuracy, phase ("frozen" / "train" / "fine-tune")
    model: Optional[keras.Model]  # None when transfer_run was asked not to keep it

    @property
    def val_accuracy(self) -> float:
        """Validation accuracy at the end of the run."""
        return float(self.curve["val_accuracy"].iloc[-1])

    def label(self) -> str:
        """A short legend text, e.g. 'autoencoder, 5 labels/class, 3 frozen'."""
        labels = "all" if self.labels_per_class is None else self.labels_per_class
        text = f"{self.source}, {labels} labels/class, {self.frozen} frozen"
        return text + (f", +{self.fine_tune_steps} fine-tune steps" if self.fine_tune_steps else "")


# Building and compiling a fresh classifier costs about as much as training one of the short runs
# below, and the comparison tables (compare_starts, freeze_table) keep no model: their runs start
# from a compiled "carrier" kept per architecture, loaded with the weights `reuse` would give.

@functools.lru_cache(maxsize=None)
def _fresh_weights(n_classes: int, hidden: tuple, seed: int) -> tuple:
    """The initial weights `build_classifier(n_classes, hidden, seed=seed)` draws."""
    return tuple(build_classifier(n_classes, hidden, seed=seed).get_weights())


@functools.lru_cache(maxsize=None)
def _carrier(n_classes: int, hidden: tuple, frozen: int, learning_rate: float) -> keras.Model:
    """A compiled classifier with the first `frozen` body layers fixed; its weights are overwritten per run."""
    return set_frozen(build_classifier(n_classes, hidden), frozen, learning_rate)


def _start_on_carrier(source: str, n_classes: int, frozen: int, seed: int, learning_rate: float) -> keras.Model:
    """The classifier `reuse` would return (same weights, frozen layers and compile), on a shared carrier."""
    body = None if source == "none" else pretrained(source)
    hidden = body_units(body)
    check_frozen(frozen, len(hidden), pretrained=body is not None)
    model = _carrier(n_classes, hidden, frozen, float(learning_rate))
    model.set_weights(_fresh_weights(n_classes, hidden, seed))
    copy_body(body, model)
    keras.utils.set_random_seed(seed)  # as build_classifier leaves it: fit's shuffling reads the global seed
    return model


def _unfrozen(model: keras.Model, fine_tune_rate: float, keep_model: bool, seed: int) -> keras.Model:
    """`model` with every layer trainable, compiled at `fine_tune_rate` (a carrier copy when not kept)."""
    if keep_model:
        return set_frozen(model, 0, fine_tune_rate)
    hidden = body_units(model)
    tuned = _carrier(model.get_layer("output").units, hidden, 0, float(fine_tune_rate))
    tuned.set_weights(model.get_weights())
    keras.utils.set_random_seed(seed)  # a carrier built just now reseeded: put back the run's global seed
    return tuned


def transfer_run(source: str = "digits 0-4", labels_per_class: Optional[int] = 10, frozen: int = 3,
                 steps: int = 200, fine_tune_steps: int = 0, seed: int = 0, *,
                 learning_rate: float = LEARNING_RATE, fine_tune_rate: float = FINE_TUNE_RATE,
                 points: int = POINTS, on_point=None, keep_model: bool = True) -> TransferResult:
    """Train a classifier of digits 5-9 whose body starts from a pretrained one, and measure it.

    source: "none" (from scratch) or a `PRETRAINING` kind.  frozen: body layers kept fixed during
    the first `steps` updates.  fine_tune_steps: afterwards unfreeze every layer, recompile with the
    small `fine_tune_rate` and train this many more steps (0: no fine-tuning).
    seed picks the labelled images, the new layers' initial weights and the batch order.
    keep_model: False trains on a compiled model shared with later runs instead of building one
    (the same numbers, faster) and leaves `model` None: for tables that keep only the scores.
    """
    if source != "none" and source not in PRETRAINING:
        raise ValueError(f"source = {source!r}: must be 'none' or one of " + ", ".join(map(repr, PRETRAINING)))
    if isinstance(fine_tune_steps, bool) or not isinstance(fine_tune_steps, (int, np.integer)) \
            or fine_tune_steps < 0:
        raise ValueError(f"fine_tune_steps = {fine_tune_steps!r}: must be an integer >= 0")
    task = digit_task(TARGET_DIGITS, labels_per_class, seed=seed)
    if keep_model:
        model = reuse(None if source == "none" else pretrained(source), task.n_classes, frozen, seed=seed,
                      learning_rate=learning_rate)
    else:
        model = _start_on_carrier(source, task.n_classes, frozen, seed, learning_rate)
    common = dict(seed=seed, validation=(task.x_val, task.y_val), on_point=on_point)
    curve = fit_cached(model, task.x_train, task.y_train, steps, points=points,
                       **common).assign(phase="frozen" if frozen else "train")
    if fine_tune_steps:
        model = _unfrozen(model, fine_tune_rate, keep_model, seed)
        if on_point is not None:
            common["on_point"] = lambda step, value: on_point(steps + step, value)
        more = fit_cached(model, task.x_train, task.y_train, fine_tune_steps,
                          points=max(1, round(points * fine_tune_steps / steps)), **common)
        curve = pd.concat([curve, more.assign(step=more["step"] + steps, phase="fine-tune")],
                          ignore_index=True)
    return TransferResult(source, labels_per_class, frozen, int(fine_tune_steps), curve,
                          model if keep_model else None)


def compare_starts(starts: Mapping[str, Mapping[str, Any]], labels_per_class: Optional[int] = 2,
                   seeds: Sequence[int] = (0, 1, 2), steps: int = 200) -> pd.DataFrame:
    """Final validation accuracy of several ways to start, paired by seed (one row per seed).

    starts: a name per way of starting, mapped to `transfer_run` arguments (source, frozen,
    fine_tune_steps, learning_rate, and steps where a start differs from `steps`).  Within a row
    every start sees the same labelled images and batch order, so the differences along a row are
    the effect of the start, not of the draw.  The pretrained bodies are the same in every row.
    A run asked for before in this process (same settings and seed) is not trained again.
    """
    for name, kwargs in starts.items():
        if "seed" in kwargs:
            raise ValueError(f"compare_starts: start {name!r} sets seed={kwargs['seed']!r}; the seeds are the "
                             "rows, given by seeds=")

    def run(kwargs: Mapping[str, Any], seed: int) -> float:
        settings = {"labels_per_class": labels_per_class, "steps": steps, **kwargs, "seed": int(seed)}
        return _final_accuracy(**dict(sorted(settings.items())))  # one cache entry whatever the order

    rows = {seed: {name: run(kwargs, seed) for name, kwargs in starts.items()} for seed in seeds}
    return pd.DataFrame.from_dict(rows, orient="index").rename_axis("seed")


@functools.lru_cache(maxsize=None)
def _final_accuracy(**settings: Any) -> float:
    """The final validation accuracy of `transfer_run(**settings)`, trained once per process.

    A run is determined by its settings (the pretrained bodies are fixed per process), and chapter
    09's tables ask for some of the same runs (section 4's comparison is part of section 6's table),
    so a setting asked for again is not trained again.
    """
    return transfer_run(**settings, points=1, keep_model=False).val_accuracy


def freeze_table(sources: Sequence[str] = ("digits 0-4", "autoencoder"),
                 labels_per_class: Sequence[Optional[int]] = (1, 10, None), frozen: Sequence[int] = (0, 1, 2, 3),
                 seeds: Sequence[int] = (0, 1, 2), steps: int = 200) -> pd.DataFrame:
    """Validation accuracy on digits 5-9 per label count and seed (rows) and way of starting (columns).

    Columns are (source, layers frozen): ("scratch", 0) trains the network from random weights;
    (source, k) reuses that pretrained body with its first k layers fixed and a new output layer
    (k = 0: everything is fine-tuned; k = all: only the output layer trains).  Rows are
    (labels per class, seed); a seed fixes the labelled images, the new layers' initial weights and
    the batch order, the same for every column, so a row compares the starts paired.
    `freeze_summary` gives the mean and the seed-to-seed range per label count.
    """
    settings = [("scratch", 0)] + [(source, k) for source in sources for k in frozen]
    starts = {(src, k): dict(source="none" if src == "scratch" else src, frozen=k) for src, k in settings}
    runs = pd.concat({"all" if labels is None else labels: compare_starts(starts, labels, seeds, steps)
                      for labels in labels_per_class}, names=["labels per class"])
    runs.columns = pd.MultiIndex.from_tuples(settings, names=["start from", "layers frozen"])
    return runs


def freeze_summary(runs: pd.DataFrame) -> tuple[pd.DataFrame, pd.DataFrame]:
    """The mean over seeds of a `freeze_table`, and each cell's range (largest minus smallest seed)."""
    by_count = runs.groupby(level="labels per class", sort=False)
    return by_count.mean(), by_count.max() - by_count.min()
