"""Reusing pretrained layers, offline, on tasks the workbook builds itself (chapter 09).

There is nothing to download: a small network is pretrained on scikit-learn's hand-written digits
0-4 (the "source" task), and its hidden layers are reused for digits 5-9 with only a few labels
(the "target" task).  A coarser task that needs the same strokes (does a digit have a closed
loop?) shows reuse helping.  Two other ways of pretraining need no labels of the target task at
all: an autoencoder trained to reproduce the images, and an auxiliary task whose labels cost
nothing (how far an image was rotated).

Every network here has the same body so layers can be swapped between them: `HIDDEN_UNITS` Dense
ReLU layers named `hidden_1`, `hidden_2`, ... (hidden_1 nearest the input), then a head.

Training goes through `fit`, which counts a budget in optimizer steps rather than epochs: a set of
5 images and a set of 675 images then get the same number of updates, so their results compare.
It feeds Keras a repeated `tf.data` pipeline (about 20 ms per evaluation point instead of the ~80 ms
per epoch of `fit` on NumPy arrays here), and the experiments train through `fit_cached`, which
reuses one compiled training graph per architecture instead of tracing a new one for every run.

The code lives in modules with one job each (`transfer_tasks`, `transfer_models`, `transfer_fit`,
`transfer_experiments`, `transfer_figures`, `transfer_script`, `transfer_lab`); this module gathers
their public names, so `from widgets import transfer` gives all of chapter 09.  `TransferLab` is
imported on first use, so the rest needs no front end.
"""

from __future__ import annotations

from typing import Any

from .transfer_experiments import (PRETRAINING, TransferResult, compare_starts, freeze_summary, freeze_table,
                                   pretrained, transfer_run)
from .transfer_figures import curves_figure, digit_images, freeze_figure, image_grid, seeds_figure
from .transfer_fit import BATCH_SIZE, POINTS, STEPS_PER_CALL, accuracy, fit, fit_cached
from .transfer_models import (AUTOENCODER_NOISE, FINE_TUNE_RATE, HIDDEN_UNITS, LEARNING_RATE, build_autoencoder,
                              build_classifier, check_frozen, compile_classifier, hidden_layers, reuse, set_frozen)
from .transfer_script import transfer_code
from .transfer_tasks import (IMAGE_SIDE, LOOP_DIGITS, PIXEL_MAX, SOURCE_DIGITS, TARGET_DIGITS, digit_task, loop_task,
                             rotation_task)

_LAB_NAMES = ("TransferLab", "LAB_PRESETS", "LABEL_COUNTS")

__all__ = ["AUTOENCODER_NOISE", "BATCH_SIZE", "FINE_TUNE_RATE", "HIDDEN_UNITS", "IMAGE_SIDE", "LEARNING_RATE",
           "LOOP_DIGITS", "PIXEL_MAX", "POINTS", "PRETRAINING", "SOURCE_DIGITS", "STEPS_PER_CALL", "TARGET_DIGITS",
           "TransferResult", "accuracy", "build_autoencoder", "build_classifier", "check_frozen",
           "compare_starts", "compile_classifier", "curves_figure", "digit_images", "digit_task", "fit", "fit_cached",
           "freeze_figure", "freeze_summary", "freeze_table", "hidden_layers", "image_grid", "loop_task", "pretrained", "reuse",
           "rotation_task", "seeds_figure", "set_frozen", "transfer_code", "transfer_run", *_LAB_NAMES]


def __getattr__(name: str) -> Any:
    if name in _LAB_NAMES:  # the lab needs ipywidgets: loaded only when asked for
        from . import transfer_lab
        return getattr(transfer_lab, name)
    raise AttributeError(f"module 'widgets.transfer' has no attribute {name!r}")
