"""Chapter 04, "Normalization": raw inputs, batch norm's moving averages, and what batch norm keeps.

Exercise 1 trains the learner's config on the raw Pima features; exercise 2 reads the moving
averages of the learner's own trained batch-norm layer; exercise 3 counts values in a model.
"""

from __future__ import annotations

from typing import Any

import numpy as np

from ..config import RunConfig
from . import Feedback, check_locked, exercise, solution_function

solution = solution_function("04")

# -- exercise 1: raw Pima features, fixed inside the network ----------------------------------

RAW_START = RunConfig(dataset="pima", standardize=False, depth=2, width=16, batch_size=32, epochs=30)
MAX_VAL_LOSS, MIN_VAL_ACCURACY = 0.5, 0.74


@exercise("04", 1, "Raw Pima features, repaired inside the network", kind="experiment",
          hints=("The inputs stay raw (standardize=False): whatever rescales them must be part of the network. "
                 "Section 2 showed a layer that rescales every unit's inputs on each batch.",
                 "Look at the RunConfig fields `batchnorm` and `batchnorm_position`, and at the lab preset "
                 "that trains the raw features with them."),
          solution="answer = ch04.RAW_START.replace(batchnorm=True)")
def check_raw_pima(answer: Any) -> Feedback:
    """Keep standardize=False, the data, the network's size and the budget: reach a validation loss of
    at most 0.5 and a validation accuracy of at least 0.74 on the raw Pima features."""
    problem = check_locked(answer, RAW_START, ["dataset", "standardize", "train_fraction", "depth", "width",
                                               "batch_size", "epochs", "seed"])
    if problem is not None:
        return problem
    from ..training import train
    run = train(answer, probes=False)
    if run.status != "finished":
        return Feedback(False, f"Your run {run.status}: {run.message}")
    loss, accuracy = run.final("val_loss"), run.final("val_accuracy")
    measured = f"validation loss {loss:.3f}, validation accuracy {accuracy:.3f} after {answer.epochs} epochs"
    if loss > MAX_VAL_LOSS or accuracy < MIN_VAL_ACCURACY:
        return Feedback(False, f"On the raw features your run ends with {measured}; the target is a loss of at "
                               f"most {MAX_VAL_LOSS:g} and an accuracy of at least {MIN_VAL_ACCURACY:g}.")
    where = (f" ({answer.batchnorm_position} the activation)" if answer.batchnorm else "")
    return Feedback(True, f"{measured}{where}. Batch norm rescales the first layer's outputs, which are mixtures "
                          "of glucose (around 120) and pedigree (around 0.5), to a common size on every batch, "
                          "so one learning rate suits all units again. A scaler in front would still help the "
                          "first layer's own weights, whose gradients follow the raw inputs' sizes.")


# -- exercise 2: batch norm as the first layer, on a short budget -----------------------------

MAX_STEPS = 39            # 3 epochs of 13 batches of 32 Pima rows
MEAN_TOLERANCE = 0.15     # |moving mean - training mean|, in training standard deviations
STD_TOLERANCE = 0.10      # |moving std / training std - 1|


def _first_batchnorm(model):
    import keras
    for layer in model.layers:
        if isinstance(layer, keras.layers.BatchNormalization):
            return layer
        if getattr(layer, "trainable_weights", None):
            return None  # something with weights comes before any batch norm
    return None


def moving_average_gaps(layer, x_train: np.ndarray) -> tuple[float, float]:
    """The largest gaps between a first-layer batch norm's moving statistics and the training rows':
    (mean gap in training standard deviations, relative std gap), over the features."""
    mean, std = x_train.mean(axis=0), x_train.std(axis=0)
    moving_mean = np.asarray(layer.moving_mean.numpy(), dtype=float)
    moving_std = np.sqrt(np.asarray(layer.moving_variance.numpy(), dtype=float))
    return float(np.max(np.abs(moving_mean - mean) / std)), float(np.max(np.abs(moving_std / std - 1)))


@exercise("04", 2, "Warm up batch norm's moving averages in 39 steps", kind="experiment",
          hints=("At inference a batch-norm layer uses moving averages that start at mean 0 and variance 1 "
                 "and move a fixed share of the way at each training step. Section 4 says how big that share "
                 "is by default; which argument of BatchNormalization sets it?",
                 "`keras.layers.BatchNormalization(momentum=...)`: the average keeps `momentum` of its old "
                 "value at each step. Try a few values and compare the moving statistics with the training "
                 "rows' mean and std, as section 4's table does; too small a momentum follows the last "
                 "batch's noise."),
          solution="import keras\n"
                   "raw = w.load_dataset(\"pima\", standardize=False)\n"
                   "keras.utils.set_random_seed(0)\n"
                   "answer = keras.Sequential([keras.Input(shape=(raw.n_features,)),\n"
                   "                           keras.layers.BatchNormalization(momentum=0.85),\n"
                   "                           keras.layers.Dense(16, activation=\"relu\"),\n"
                   "                           keras.layers.Dense(16, activation=\"relu\"),\n"
                   "                           keras.layers.Dense(1, activation=\"sigmoid\")])\n"
                   "answer.compile(optimizer=\"adam\", loss=\"binary_crossentropy\", metrics=[\"accuracy\"])\n"
                   "answer.fit(raw.x_train, raw.y_train, epochs=3, batch_size=32, verbose=0)")
def check_warm_moving_averages(answer: Any) -> Feedback:
    """Hand in a Keras model whose first layer is BatchNormalization, trained on the raw Pima rows for
    at most 39 steps, whose moving mean is within 0.15 training standard deviations of the training
    means and whose moving std is within 10 % of the training stds, for every feature."""
    try:
        import keras
    except ImportError:  # pragma: no cover - keras is a dependency
        return Feedback(False, "Keras is needed for this exercise.")
    if not isinstance(answer, keras.Model):
        return Feedback(False, f"Give the trained Keras model; you gave {type(answer).__name__}.")
    from ..data import load_dataset
    raw = load_dataset("pima", standardize=False)
    layer = _first_batchnorm(answer)
    if layer is None or getattr(layer, "moving_mean", None) is None or layer.moving_mean.shape[-1] != raw.n_features:
        return Feedback(False, "The model's first layer should be a BatchNormalization layer over the raw "
                               f"{raw.n_features} Pima features (nothing with weights before it).")
    optimizer = getattr(answer, "optimizer", None)
    steps = int(optimizer.iterations.numpy()) if optimizer is not None and hasattr(optimizer, "iterations") else 0
    if steps == 0:
        return Feedback(False, "Your model has not been trained: compile it and fit it on the raw rows.")
    if steps > MAX_STEPS:
        return Feedback(False, f"Your model took {steps} training steps; the budget is {MAX_STEPS} (3 epochs of "
                               "batches of 32). Warm the averages up within it.")
    mean_gap, std_gap = moving_average_gaps(layer, raw.x_train)
    said = (f"After {steps} steps (momentum {layer.momentum:g}) the moving means are up to {mean_gap:.2f} "
            f"training stds off, the moving stds up to {std_gap:.0%}")
    if mean_gap > MEAN_TOLERANCE or std_gap > STD_TOLERANCE:
        return Feedback(False, said + f"; the target is {MEAN_TOLERANCE:g} stds and {STD_TOLERANCE:.0%}.")
    return Feedback(True, said + ". Each step keeps `momentum` of the old average and adds the rest from the "
                                 "batch: after n steps the starting values (0 and 1) keep a weight of "
                                 "momentum^n. With 0.99 that is 0.99^39, about two thirds, so inference would "
                                 "still scale glucose as if it were near 0; a smaller momentum forgets the start "
                                 "within the budget, at the price of noisier averages (too small follows the "
                                 "last few batches). A Normalization layer adapted once has no warm-up at all.")


# -- exercise 3: count what batch norm keeps ----------------------------------------------------

def count_model():
    """The model of exercise 3 (built, untrained)."""
    import keras
    return keras.Sequential([keras.Input(shape=(7,)),
                             keras.layers.BatchNormalization(),
                             keras.layers.Dense(24, use_bias=False),
                             keras.layers.BatchNormalization(),
                             keras.layers.Activation("relu"),
                             keras.layers.Dense(1, activation="sigmoid")])


def batchnorm_counts(model) -> tuple[int, int]:
    """(all values, trainable values) held by the model's BatchNormalization layers, counted by Keras."""
    import keras
    layers = [layer for layer in model.layers if isinstance(layer, keras.layers.BatchNormalization)]
    return (sum(layer.count_params() for layer in layers),
            sum(int(np.prod(v.shape)) for layer in layers for v in layer.trainable_weights))


@exercise("04", 3, "Batch norm's values in a small model", kind="recall",
          hints=("Section 3 counted, per unit, how many numbers a batch-norm layer keeps and how many of them "
                 "the optimizer trains. What is the 'unit' of a batch-norm layer that sits on the inputs?",
                 "Count each batch-norm layer by the width of what feeds it, not by the layer before that; "
                 "then check with `ch04.count_model()` and Keras's count_params()."),
          solution="bn_layers = [layer for layer in ch04.count_model().layers\n"
                   "             if type(layer).__name__ == \"BatchNormalization\"]\n"
                   "answer = (sum(layer.count_params() for layer in bn_layers),\n"
                   "          sum(int(v.shape[0]) for layer in bn_layers for v in layer.trainable_weights))")
def check_bn_counts(answer: Any) -> Feedback:
    """Right when `answer` is (total, trainable) over both batch-norm layers of `count_model()`."""
    if not isinstance(answer, (tuple, list)) or len(answer) != 2 or not all(
            isinstance(a, (int, np.integer)) and not isinstance(a, bool) for a in answer):
        return Feedback(False, f"Give two whole numbers, (total values, trainable values); you gave {answer!r}.")
    total, trainable = batchnorm_counts(count_model())
    given_total, given_trainable = (int(a) for a in answer)
    if (given_total, given_trainable) == (total, trainable):
        return Feedback(True, f"{total} values, {trainable} of them trainable. Each batch-norm layer keeps four "
                              "numbers per feature it normalizes: gamma and beta, which the optimizer trains, "
                              "and the moving mean and variance, which are running averages for inference. The "
                              "first normalizes the 7 inputs, the second the Dense layer's 24 outputs; the size "
                              "of what feeds the Dense layer plays no part.")
    parts = []
    if given_total != total:
        parts.append(f"the total, {given_total}, is {'too high' if given_total > total else 'too low'}")
    if given_trainable != trainable:
        parts.append(f"the trainable count, {given_trainable}, is "
                     f"{'too high' if given_trainable > trainable else 'too low'}")
    return Feedback(False, "; ".join(parts).capitalize() + ".")
