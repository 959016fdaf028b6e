"""Small, seeded keras-tuner searches that leave nothing behind (chapter 11).

keras-tuner writes every trial (hyperparameters, checkpoints) into a project folder.  `run_search`
gives each search its own `tempfile.TemporaryDirectory` with `overwrite=True`, collects what the
chapter needs (a table of trials, the best hyperparameters, optionally the best model) while the
folder exists, and lets the folder be deleted on the way out: nothing lands in the repository.

Everything a search draws at random is seeded from one number: the tuner's own sampler (`seed=`),
Keras's weight initialization, and the order of the training batches (`tuning_feed`), so re-running
a cell gives the same trials.  Budgets are counted in epochs trained, summed over all trials, so
searches of different kinds (random, Bayesian, Hyperband) can be compared at the same cost.

Given test rows, a search also scores every trial's kept model on them, in a side table the tuner
never reads, and keeps each kept model's right/wrong answer on every validation and test row for
`tuning_holdout`.
"""

from __future__ import annotations

import os
import tempfile
import time
import warnings
from dataclasses import dataclass
from typing import Callable, Optional, Sequence

import keras
import keras_tuner as kt
import numpy as np
import pandas as pd
from sklearn.exceptions import ConvergenceWarning

from .data import Dataset
from .tuning_feed import fit_inputs
from .tuning_rows import TestRows, correct

METHODS = ("random", "bayesian", "hyperband")
OBJECTIVE = "val_accuracy"
BuildFn = Callable[[kt.HyperParameters], keras.Model]


class _KeptModelScorer(keras.callbacks.Callback):
    """Scores a trial's model on the test rows whenever it reaches a new best validation score: the
    epochs at which keras-tuner checkpoints the model it keeps (strictly better, over all executions
    of the trial).  It writes nothing into the logs, so the tuner never sees the numbers.  It also
    keeps that model's right/wrong answer on every validation row and every test row, for
    `selection_optimism`.

    keras-tuner deep-copies the search's callbacks for every trial; this one stays one object (its
    scores must outlive the trial) and asks the tuner which trial is running.
    """

    def __init__(self, tuner: kt.Tuner, rows: TestRows, val_rows: TestRows):
        super().__init__()
        self.tuner, self.rows, self.val_rows = tuner, rows, val_rows
        self.best: dict[str, float] = {}
        self.scores: dict[str, float] = {}
        self.val_correct: dict[str, np.ndarray] = {}
        self.test_correct: dict[str, np.ndarray] = {}

    def __deepcopy__(self, memo: dict) -> "_KeptModelScorer":
        return self

    def on_epoch_end(self, epoch: int, logs: Optional[dict] = None) -> None:
        value = (logs or {}).get(OBJECTIVE)
        running = list(self.tuner.oracle.ongoing_trials.values())
        if value is None or len(running) != 1:
            return
        trial_id = running[0].trial_id
        if value > self.best.get(trial_id, float("-inf")):
            self.best[trial_id] = value
            self.test_correct[trial_id] = correct(self.model, self.rows)
            self.val_correct[trial_id] = correct(self.model, self.val_rows)
            self.scores[trial_id] = float(self.test_correct[trial_id].mean())


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
    best_trial: int = -1           # the winning trial's number (the table's index)
    test_scores: Optional[pd.Series] = None  # per trial: its kept model's accuracy on the test rows
    val_correct: Optional[pd.DataFrame] = None   # per trial (rows) and validation row (columns): kept model right?
    test_correct: Optional[pd.DataFrame] = None  # the same on the test rows

    @property
    def best_test_score(self) -> float:
        """The winner's accuracy on the test rows (NaN when the search was given none)."""
        if self.test_scores is None:
            return float("nan")
        return float(self.test_scores.loc[self.best_trial])

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
               test: Optional[TestRows] = None, **tuner_kwargs) -> SearchResult:
    """Run one keras-tuner search on `dataset` in a temporary folder and return what it found.

    method: "random" (RandomSearch), "bayesian" (BayesianOptimization) - both train `max_trials`
        models for `epochs` epochs - or "hyperband" (Hyperband with max_epochs=`epochs`, factor 3,
        which decides its own number of trials).
    seed: seeds the tuner's sampler, Keras (weights, dropout) and the order of the training batches,
        so a search repeats exactly.
    keep_best_model: load the winning model (with its best epoch's weights) before the folder goes.
    test: rows the search never sees.  Every trial's kept model (its best epoch's weights, the model
        keras-tuner would hand back) is scored on them, `test_scores`; the scores go to a side table,
        never to the tuner, so they cannot steer the search or pick the winner.  The same models'
        right/wrong answers per validation and test row go to `val_correct` and `test_correct`.
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
        scorer = _KeptModelScorer(tuner, test, TestRows(dataset.x_val, dataset.y_val)) if test is not None else None
        # one pipeline of batches for all the trials: much cheaper than arrays (see tuning_feed)
        tuner.search(**fit_inputs(dataset, batch_size, seed), epochs=epochs, verbose=0,
                     callbacks=[scorer] if scorer else [])
        table = trials_table(tuner, epochs)
        best_hp = tuner.get_best_hyperparameters(1)[0]
        best_trial = tuner.oracle.get_best_trials(1)[0]
        best_model = tuner.get_best_models(1)[0] if keep_best_model else None
        test_scores = val_correct = test_correct = None
        if scorer is not None:
            test_scores = pd.Series({int(trial_id): score for trial_id, score in sorted(scorer.scores.items())},
                                    name="test_accuracy", dtype=float).rename_axis("trial")
            val_correct, test_correct = (
                pd.DataFrame.from_dict({int(t): v for t, v in sorted(answers.items())}, orient="index")
                .rename_axis("trial") for answers in (scorer.val_correct, scorer.test_correct))
    executions = tuner_kwargs.get("executions_per_trial", 1)
    best_values = {k: v for k, v in best_hp.values.items() if not k.startswith("tuner/")}
    return SearchResult(method=method, seed=seed, table=table, best_values=best_values,
                        best_hyperparameters=best_hp, best_score=float(best_trial.score),
                        best_model=best_model, epochs_trained=int(table["epochs"].sum()) * executions,
                        wall_time=time.perf_counter() - start, folder=folder,
                        best_trial=int(best_trial.trial_id), test_scores=test_scores,
                        val_correct=val_correct, test_correct=test_correct)


def spread_table(results: Sequence[SearchResult]) -> pd.DataFrame:
    """The same search run with different seeds, one row per seed: the winner and its score."""
    return pd.DataFrame([{"seed": r.seed, **r.best_values, "best " + OBJECTIVE: round(r.best_score, 3)}
                         for r in results]).set_index("seed")


def folder_is_gone(result: SearchResult) -> bool:
    """True when the search's temporary project folder no longer exists."""
    return not os.path.exists(result.folder)


def comparison_table(results: Sequence[SearchResult]) -> pd.DataFrame:
    """Searches side by side: trials, epochs trained (the budget), wall time and the best score."""
    return pd.DataFrame([{"search": f"{r.method} (seed {r.seed})", "trials": len(r.table),
                          "epochs trained": r.epochs_trained, "wall time": f"{r.wall_time:.1f} s",
                          "best " + OBJECTIVE: round(r.best_score, 3)} for r in results]).set_index("search")
