"""Small, seeded keras-tuner searches that leave nothing behind, and their results as tables and plots.

keras-tuner writes every trial (hyperparameters, checkpoints) into a project folder.  `run_search`
gives each search its own `tempfile.TemporaryDirectory` with `overwrite=True`, collects what the
chapter needs (a table of trials, the best hyperparameters, optionally the best model) while the
folder exists, and lets the folder be deleted on the way out: nothing lands in the repository.

Everything a search draws at random is seeded from one number: the tuner's own sampler (`seed=`)
and Keras's weight initialization and shuffling (`keras.utils.set_random_seed`), so re-running a cell
gives the same trials.  Budgets are counted in epochs trained, summed over all trials, so searches
of different kinds (random, Bayesian, Hyperband) can be compared at the same cost.
"""

from __future__ import annotations

import os
import tempfile
import time
import warnings
from dataclasses import dataclass
from typing import Callable, Iterable, Optional, Sequence

import keras
import keras_tuner as kt
import pandas as pd
import plotly.graph_objects as go
from sklearn.exceptions import ConvergenceWarning

from .data import Dataset
from .plots import style

METHODS = ("random", "bayesian", "hyperband")
OBJECTIVE = "val_accuracy"
BuildFn = Callable[[kt.HyperParameters], keras.Model]


@dataclass
class SearchResult:
    """What one search found: every trial in a table, the winner, and what the search cost."""

    method: str
    seed: int
    table: pd.DataFrame            # one row per trial: its hyperparameters, score and epochs trained
    best_values: dict              # the winning trial's hyperparameter values
    best_hyperparameters: kt.HyperParameters
    best_score: float              # the winner's best validation accuracy over its epochs
    best_model: Optional[keras.Model]
    epochs_trained: int            # summed over all trials: the search's budget
    wall_time: float
    folder: str                    # the temporary project folder (already deleted)

    def summary(self) -> str:
        """One line: method, trials, budget and the winner."""
        values = ", ".join(f"{k}={v}" for k, v in self.best_values.items())
        return (f"{self.method} search (seed {self.seed}): {len(self.table)} trials, {self.epochs_trained} "
                f"epochs in {self.wall_time:.1f} s; best val_accuracy {self.best_score:.3f} with {values}")


def _tuner(method: str, build_fn: BuildFn, folder: str, seed: int, max_trials: int, epochs: int,
           **tuner_kwargs) -> kt.Tuner:
    common = dict(objective=OBJECTIVE, seed=seed, directory=folder, project_name=method, overwrite=True,
                  **tuner_kwargs)
    if method == "random":
        return kt.RandomSearch(build_fn, max_trials=max_trials, **common)
    if method == "bayesian":
        return kt.BayesianOptimization(build_fn, max_trials=max_trials, **common)
    return kt.Hyperband(build_fn, max_epochs=epochs, factor=3, hyperband_iterations=1, **common)


def trials_table(tuner: kt.Tuner, epochs: int) -> pd.DataFrame:
    """One row per trial, in the order they ran: the hyperparameters, the score and epochs trained.

    Hyperband's bookkeeping values (`tuner/...`) become the `epochs` column: a trial that resumes
    an earlier one trains only `tuner/epochs - tuner/initial_epoch` epochs.
    """
    rows = []
    for trial_id in sorted(tuner.oracle.trials):
        trial = tuner.oracle.trials[trial_id]
        values = dict(trial.hyperparameters.values)
        bookkeeping = {k: values.pop(k) for k in list(values) if k.startswith("tuner/")}
        trained = bookkeeping.get("tuner/epochs", epochs) - bookkeeping.get("tuner/initial_epoch", 0)
        score = trial.score if trial.score is not None else float("nan")
        rows.append({"trial": int(trial_id), **values, OBJECTIVE: float(score), "epochs": int(trained),
                     "status": str(trial.status)})
    return pd.DataFrame(rows).set_index("trial")


def run_search(build_fn: BuildFn, dataset: Dataset, *, method: str = "random", max_trials: int = 6,
               epochs: int = 8, batch_size: int = 64, seed: int = 0, keep_best_model: bool = True,
               **tuner_kwargs) -> SearchResult:
    """Run one keras-tuner search on `dataset` in a temporary folder and return what it found.

    method: "random" (RandomSearch), "bayesian" (BayesianOptimization) - both train `max_trials`
        models for `epochs` epochs - or "hyperband" (Hyperband with max_epochs=`epochs`, factor 3,
        which decides its own number of trials).
    seed: seeds the tuner's sampler and Keras (weights, shuffling), so a search repeats exactly.
    keep_best_model: load the winning model (with its best epoch's weights) before the folder goes.
    tuner_kwargs: passed to the tuner (e.g. `executions_per_trial=2`).
    """
    if method not in METHODS:
        raise ValueError(f"run_search(method={method!r}): method must be one of {', '.join(METHODS)}")
    for name, value in (("max_trials", max_trials), ("epochs", epochs), ("batch_size", batch_size)):
        if isinstance(value, bool) or not isinstance(value, int) or value < 1:
            raise ValueError(f"run_search({name}={value!r}): {name} must be a positive integer")
    if dataset.task == "regression":
        raise ValueError(f"run_search: dataset {dataset.name!r} is a regression task; the searches here "
                         f"maximize {OBJECTIVE}, which needs a classification task")
    start = time.perf_counter()
    with tempfile.TemporaryDirectory(prefix="keras-tuner-") as folder, warnings.catch_warnings():
        # Reloading a checkpoint (Hyperband's resumed trials, the best model) skips the optimizer's
        # state and Keras says so; the weights are what matter here.
        warnings.filterwarnings("ignore", message="Skipping variable loading for optimizer")
        # Bayesian optimization fits a Gaussian process to a handful of trials; scikit-learn warns
        # that so few points pin its length scale to a bound.  Expected at this size.
        warnings.filterwarnings("ignore", category=ConvergenceWarning)
        keras.utils.set_random_seed(seed)
        tuner = _tuner(method, build_fn, folder, seed, max_trials, epochs, **tuner_kwargs)
        tuner.search(dataset.x_train, dataset.y_train, validation_data=(dataset.x_val, dataset.y_val),
                     epochs=epochs, batch_size=batch_size, verbose=0)
        table = trials_table(tuner, epochs)
        best_hp = tuner.get_best_hyperparameters(1)[0]
        best_trial = tuner.oracle.get_best_trials(1)[0]
        best_model = tuner.get_best_models(1)[0] if keep_best_model else None
    executions = tuner_kwargs.get("executions_per_trial", 1)
    best_values = {k: v for k, v in best_hp.values.items() if not k.startswith("tuner/")}
    return SearchResult(method=method, seed=seed, table=table, best_values=best_values,
                        best_hyperparameters=best_hp, best_score=float(best_trial.score),
                        best_model=best_model, epochs_trained=int(table["epochs"].sum()) * executions,
                        wall_time=time.perf_counter() - start, folder=folder)


def spread_table(results: Sequence[SearchResult]) -> pd.DataFrame:
    """The same search run with different seeds, one row per seed: the winner and its score."""
    return pd.DataFrame([{"seed": r.seed, **r.best_values, "best " + OBJECTIVE: round(r.best_score, 3)}
                         for r in results]).set_index("seed")


def retrain_scores(build_fn: BuildFn, hyperparameters: kt.HyperParameters, dataset: Dataset,
                   seeds: Iterable[int], epochs: int = 8, batch_size: int = 64) -> pd.DataFrame:
    """Train the same hyperparameters from scratch once per seed; per seed, the validation accuracy
    of the best epoch (how keras-tuner scores a trial) and of the final epoch.

    The spread of the best-epoch column is the noise floor of a search: differences between trials
    smaller than it say more about the seed than about the hyperparameters.  The gap between the two
    columns is what picking the best epoch adds to a score.
    """
    rows = {}
    for seed in seeds:
        keras.backend.clear_session()
        keras.utils.set_random_seed(seed)
        model = build_fn(hyperparameters)
        history = model.fit(dataset.x_train, dataset.y_train, validation_data=(dataset.x_val, dataset.y_val),
                            epochs=epochs, batch_size=batch_size, verbose=0).history[OBJECTIVE]
        rows[seed] = {"best epoch": float(max(history)), "final epoch": float(history[-1])}
    return pd.DataFrame.from_dict(rows, orient="index").rename_axis("seed")


def parallel_coordinates_figure(table: pd.DataFrame, title: str,
                                labels: Optional[dict[str, str]] = None) -> go.Figure:
    """One line per trial across one axis per hyperparameter, coloured by validation accuracy.

    Text-valued hyperparameters (optimizer, activation) get one tick per value.  `labels` maps a
    column to its axis label (give units, e.g. {"units": "units (neurons)"}).
    """
    labels = labels or {}
    columns = [c for c in table.columns if c not in (OBJECTIVE, "epochs", "status")]
    dimensions = []
    for column in columns + [OBJECTIVE]:
        values = table[column]
        label = labels.get(column, column if column != OBJECTIVE else "validation accuracy (fraction)")
        if values.dtype == object or isinstance(values.dtype, pd.StringDtype):
            categories = sorted(values.astype(str).unique())
            codes = values.astype(str).map({c: i for i, c in enumerate(categories)})
            dimensions.append(dict(label=label, values=codes.to_numpy(), tickvals=list(range(len(categories))),
                                   ticktext=categories))
        else:
            dimensions.append(dict(label=label, values=values.to_numpy(float)))
    scores = table[OBJECTIVE].to_numpy(float)
    fig = go.Figure(go.Parcoords(
        dimensions=dimensions, name="trials",
        line=dict(color=scores, colorscale="Viridis", showscale=True,
                  colorbar=dict(title="val. accuracy"))))
    style(fig, title, "", "")
    fig.update_layout(margin=dict(l=80, r=40, t=90, b=30))
    return fig


def folder_is_gone(result: SearchResult) -> bool:
    """True when the search's temporary project folder no longer exists."""
    return not os.path.exists(result.folder)


def comparison_table(results: Sequence[SearchResult]) -> pd.DataFrame:
    """Searches side by side: trials, epochs trained (the budget), wall time and the best score."""
    return pd.DataFrame([{"search": f"{r.method} (seed {r.seed})", "trials": len(r.table),
                          "epochs trained": r.epochs_trained, "wall time": f"{r.wall_time:.1f} s",
                          "best " + OBJECTIVE: round(r.best_score, 3)} for r in results]).set_index("search")
