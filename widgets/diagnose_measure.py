"""The numbers `diagnose` reads from a finished run, each one free of the data's units.

A rule that compares an absolute number (a mean |gradient| of 1, say) with a threshold judges the
units of the inputs and targets as much as the network.  Every number here is a ratio instead:
- a layer's gradient is taken relative to its weights (||dL/dW|| / ||W||), and for a squared-error
  loss also divided by the target's standard deviation, since that loss's gradient grows with it;
- losses are taken relative to the loss of a model that ignores its inputs (`chance_loss`) or to the
  run's own loss before training;
- weight changes are taken relative to the weights (the probe's update ratio per epoch);
- activations are shares of units (saturated, dead), judged in the worst hidden layer, because one
  broken layer breaks the network however healthy the others are.
"""

from __future__ import annotations

import keras
import numpy as np
import pandas as pd

from .config import RunConfig
from .data import Dataset
from .model import output_and_loss, targets
from .training import Run


def chance_loss(config: RunConfig, dataset: Dataset) -> float:
    """Training loss of a model that ignores its inputs and predicts the training-label frequencies
    (the mean, for regression); NaN when the config uses a non-standard loss."""
    _, loss = output_and_loss(config, dataset)
    y = np.asarray(dataset.y_train)
    if dataset.task == "regression" and loss == "mean_squared_error":
        return float(np.var(y))
    if loss in ("binary_crossentropy", "sparse_categorical_crossentropy", "categorical_crossentropy"):
        _, counts = np.unique(y.astype(int), return_counts=True)
        p = counts / counts.sum()
        return float(-(p * np.log(p)).sum())
    return float("nan")


def gradient_unit(config: RunConfig, dataset: Dataset) -> float:
    """What a gradient is divided by to be free of the targets' units: the target's standard
    deviation for a squared-error loss (whose gradient is proportional to the error), else 1
    (cross-entropy's gradient with respect to a logit lies in [-1, 1] whatever the data)."""
    _, loss = output_and_loss(config, dataset)
    if loss == "mean_squared_error":
        return max(float(np.std(np.asarray(dataset.y_train, dtype=float))), 1e-12)
    return 1.0


def clean_loss(run: Run, x: np.ndarray, y: np.ndarray) -> float:
    """The task loss of the run's final model on (x, y): inference mode (no dropout), no L1/L2 penalty."""
    _, loss_name = output_and_loss(run.config, run.dataset)
    y_pred = np.asarray(run.model(x, training=False))
    y_true = targets(run.config, run.dataset, y)
    if y_true.ndim == 1 and y_pred.shape[1:] == (1,):  # one output unit: labels as a column
        y_true = y_true.reshape(-1, 1)
    return float(np.mean(np.asarray(keras.losses.get(loss_name)(y_true, y_pred))))


def _finite_max(values: pd.Series) -> float:
    values = values[np.isfinite(values)]
    return float(values.max()) if len(values) else float("nan")


def _relative_gradients(grads: pd.DataFrame, unit: float) -> pd.DataFrame:
    """The gradient records with `relative`: ||dL/dW|| / ||W|| / unit, per (epoch, layer)."""
    grads = grads.copy()
    with np.errstate(divide="ignore", invalid="ignore"):
        grads["relative"] = grads["grad_norm"] / grads["weight_norm"].clip(lower=1e-12) / unit
    return grads


def _depth_ratio(grads: pd.DataFrame, epoch: int) -> float:
    """The first hidden layer's relative gradient over the last hidden layer's, at one epoch."""
    rows = grads[(grads["epoch"] == epoch) & (grads["layer"] != "output")].sort_values("layer_index")
    if len(rows) < 2:
        return float("nan")
    first, last = rows["relative"].iloc[0], rows["relative"].iloc[-1]
    return float(first / last) if last > 0 and np.isfinite(first) and np.isfinite(last) else float("nan")


def _curve_measures(run: Run) -> dict[str, float]:
    hist = run.history
    if hist.empty or "loss" not in hist:
        return {}
    val = hist["val_loss"].to_numpy(float)
    finite = np.where(np.isfinite(val), val, np.inf)
    best = int(np.argmin(finite))
    m = {"epochs": float(len(val)), "val_best_epoch": float(best + 1)}
    m["val_rise"] = float(val[-1] / val[best] - 1) if val[best] > 0 else float("nan")
    before = val[-1 - max(1, len(val) // 3)] if len(val) > 1 else float("nan")  # a third of the run back
    m["val_recent_drop"] = float(1 - val[-1] / before) if before > 0 else float("nan")
    return m


def _loss_measures(run: Run) -> dict[str, float]:
    ds = run.dataset
    chance = chance_loss(run.config, ds)
    train_loss = clean_loss(run, ds.x_train, ds.y_train)
    val_loss = clean_loss(run, ds.x_val, ds.y_val)
    start = run.initial.get("loss", float("nan")) - run.initial_penalty  # the task loss, like train_loss
    return {"chance_loss": chance, "train_loss_clean": train_loss, "val_loss_clean": val_loss,
            "initial_loss": start, "loss_vs_chance": train_loss / chance,
            "loss_vs_start": train_loss / start if start > 0 else float("nan"),
            "val_gap": (val_loss - train_loss) / chance}


def _gradient_measures(run: Run) -> dict[str, float]:
    grads = run.gradients
    if grads.empty:
        return {}
    grads = _relative_gradients(grads, gradient_unit(run.config, run.dataset))
    last = int(grads["epoch"].max())
    m = {"rel_grad_init": _finite_max(grads.loc[grads["epoch"] == 0, "relative"]),
         "rel_grad_final": _finite_max(grads.loc[grads["epoch"] == last, "relative"]),
         "depth_ratio_final": _depth_ratio(grads, last) if last > 0 else float("nan")}
    trained = grads[grads["epoch"] > 0]
    per_layer = trained.groupby("layer")["update_ratio"].mean() if len(trained) else pd.Series(dtype=float)
    m["fastest_update"] = _finite_max(per_layer)
    return m


def _activation_measures(run: Run) -> dict[str, float]:
    acts = run.activations
    if acts.empty:
        return {}
    final = acts[acts["epoch"] == acts["epoch"].max()]
    return {"saturated_worst_layer": float(final["saturated"].max()),
            "dead_worst_layer": float(final["dead"].max())}


def measure(run: Run) -> dict[str, float]:
    """Every number the rules read, from the run's history, probe records and final model.

    Keys: learning curves (`val_rise`: final validation loss over its best, minus 1;
    `val_recent_drop`: how much it fell over the last third of the epochs, as a share); clean losses
    of the final model (`loss_vs_chance`, `loss_vs_start`, `val_gap`: validation minus training loss
    as a share of the loss of ignoring the inputs); gradients (`rel_grad_init` / `rel_grad_final`:
    the worst layer's relative gradient; `depth_ratio_final`: first hidden layer's relative gradient
    over the last one's; `fastest_update`: the fastest layer's mean ||dW|| / ||W|| per epoch);
    activations (`saturated_worst_layer`, `dead_worst_layer`).  Missing pieces are left out.
    """
    m = _curve_measures(run)
    if run.model is not None and run.status != "diverged" and run.epochs_done:
        m.update(_loss_measures(run))
    m.update(_gradient_measures(run))
    m.update(_activation_measures(run))
    return m
