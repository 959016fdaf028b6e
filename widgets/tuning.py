"""Small, seeded keras-tuner searches that leave nothing behind, and their results as tables and plots.

keras-tuner writes every trial (hyperparameters, checkpoints) into a project folder.  `run_search`
gives each search its own `tempfile.TemporaryDirectory` with `overwrite=True`, collects what the
chapter needs (a table of trials, the best hyperparameters, optionally the best model) while the
folder exists, and lets the folder be deleted on the way out: nothing lands in the repository.

Everything a search draws at random is seeded from one number: the tuner's own sampler (`seed=`)
and Keras's weight initialization and shuffling (`keras.utils.set_random_seed`), so re-running a cell
gives the same trials.  Budgets are counted in epochs trained, summed over all trials, so searches
of different kinds (random, Bayesian, Hyperband) can be compared at the same cost.

A search maximizes its score on the validation rows, so the winner's validation score is optimistic.
`split_test_rows` sets aside test rows that no search sees, `run_search(..., test=...)` scores every
trial's kept model on them in a side table the tuner never reads, and `holdout_table` sets each
winner's validation score beside its test score.  One split of a few hundred rows is too noisy to
show an optimism of a row or two, so the searches also keep each kept model's right/wrong answer on
every validation and test row; `selection_optimism` re-splits those rows many times and measures how
far picking the trial leans the winner's score, without training anything more.
"""

from __future__ import annotations

import dataclasses
import math
import os
import tempfile
import time
import warnings
from dataclasses import dataclass
from typing import Callable, Iterable, Optional, Sequence

import keras
import keras_tuner as kt
import numpy as np
import pandas as pd
import plotly.graph_objects as go
from sklearn.exceptions import ConvergenceWarning

from .data import SPLIT_SEED, Dataset, load_dataset
from .plots import OKABE_ITO, style

METHODS = ("random", "bayesian", "hyperband")
OBJECTIVE = "val_accuracy"
BuildFn = Callable[[kt.HyperParameters], keras.Model]


@dataclass(frozen=True)
class TestRows:
    """Rows kept out of every search: features and labels, scaled like the search's training rows."""

    x: np.ndarray
    y: np.ndarray

    def __len__(self) -> int:
        return len(self.y)


def split_test_rows(name: str, test_fraction: float = 0.25, seed: int = SPLIT_SEED) -> tuple[Dataset, TestRows]:
    """A dataset whose training rows lose `test_fraction` of themselves to a test set no search sees.

    The workbook's datasets come with training and validation rows only.  Here the training rows
    (before scaling) are split once more, stratified and with a fixed seed, so the test rows are
    the same on every run.  The remaining training rows alone fit the scaler that is then applied
    to the training, validation and test rows: nothing about the test rows leaks into the search.
    The validation rows are the dataset's usual ones.
    """
    from sklearn.model_selection import train_test_split
    from sklearn.preprocessing import StandardScaler

    if isinstance(test_fraction, bool) or not isinstance(test_fraction, float) or not 0 < test_fraction < 1:
        raise ValueError(f"split_test_rows(test_fraction={test_fraction!r}): test_fraction must be a number "
                         "strictly between 0 and 1")
    raw = load_dataset(name, standardize=False)
    stratify = raw.y_train if raw.task != "regression" else None
    x_train, x_test, y_train, y_test = train_test_split(raw.x_train, raw.y_train, test_size=test_fraction,
                                                        random_state=seed, stratify=stratify)
    scaler = StandardScaler().fit(x_train)

    def scale(x: np.ndarray) -> np.ndarray:
        return np.asarray(scaler.transform(x), np.float32)

    dataset = dataclasses.replace(raw, x_train=scale(x_train), y_train=y_train, x_val=scale(raw.x_val),
                                  standardized=True)
    return dataset, TestRows(scale(x_test), y_test)


def accuracy(model: keras.Model, rows: TestRows) -> float:
    """The model's accuracy on `rows` as Keras's "accuracy" metric computes it (a single sigmoid unit:
    probability above 0.5 means class 1; several units: the largest wins), without compiling anything."""
    return float(np.mean(correct(model, rows)))


def correct(model: keras.Model, rows: TestRows) -> np.ndarray:
    """Per row of `rows`, whether the model's prediction is right (read as `accuracy` reads it): a
    boolean array whose mean is `accuracy(model, rows)`."""
    probabilities = np.asarray(keras.ops.convert_to_numpy(model(rows.x, training=False)))
    if probabilities.ndim == 1 or probabilities.shape[-1] == 1:
        predicted = (probabilities.reshape(-1) > 0.5).astype(int)
    else:
        predicted = probabilities.argmax(axis=-1)
    return predicted == np.asarray(rows.y).reshape(-1)


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
    seed: seeds the tuner's sampler and Keras (weights, shuffling), so a search repeats exactly.
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
        tuner.search(dataset.x_train, dataset.y_train, validation_data=(dataset.x_val, dataset.y_val),
                     epochs=epochs, batch_size=batch_size, verbose=0, callbacks=[scorer] if scorer else [])
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


def hyperband_plan(max_epochs: int, factor: int = 3) -> pd.DataFrame:
    """The trials keras-tuner's `Hyperband` (one iteration) runs, computed without training a model.

    One row per (bracket, round): how many trials run, to which epoch, and the epochs that round
    trains.  A trial of round 0 is a new model; a trial of a later round continues one of the best
    models of the round before, from the epoch that round reached.  Brackets start
    from the most aggressive one (many short runs, the best few continued) and end with bracket 0,
    a plain random search at `max_epochs`.  The arithmetic is keras-tuner's `HyperbandOracle`'s;
    the tests check it against a real search.  (Fewer trials may run when a small search space
    runs out of new combinations.)
    """
    if isinstance(max_epochs, bool) or not isinstance(max_epochs, int) or max_epochs < 1:
        raise ValueError(f"hyperband_plan(max_epochs={max_epochs!r}): max_epochs must be a positive integer")
    if isinstance(factor, bool) or not isinstance(factor, int) or factor < 2:
        raise ValueError(f"hyperband_plan(factor={factor!r}): factor must be an integer of at least 2")
    n_brackets, epochs = 0, float(max_epochs)
    while epochs >= 1:
        epochs, n_brackets = epochs / factor, n_brackets + 1
    last_size = math.ceil(1 + math.log(max_epochs, factor))
    rows = []
    for bracket in range(n_brackets - 1, -1, -1):
        previous = 0
        for round_num in range(bracket + 1):
            trials = math.ceil(last_size / (bracket + 1) * factor ** (bracket - round_num))
            to_epoch = math.ceil(max_epochs / factor ** (bracket - round_num))
            rows.append({"bracket": bracket, "round": round_num, "trials": trials, "to epoch": to_epoch,
                         "epochs trained": trials * (to_epoch - previous)})
            previous = to_epoch
    return pd.DataFrame(rows)


def paired_scores(builders: dict[str, Callable[[], keras.Model]], dataset: Dataset, seeds: Iterable[int],
                  epochs: int = 8, batch_size: int = 64) -> pd.DataFrame:
    """Each builder's model trained once per seed, scored like a trial (best epoch's validation accuracy).

    Paired: for one seed every arm starts from the same random state, so models of the same shape
    get the same initial weights and every arm sees the training rows in the same order.  One row
    per seed, one column per arm.
    """
    rows = {}
    for seed in seeds:
        row = {}
        for name, build in builders.items():
            keras.backend.clear_session(free_memory=False)  # as train(): no full garbage collection per fit
            keras.utils.set_random_seed(seed)
            history = build().fit(dataset.x_train, dataset.y_train, validation_data=(dataset.x_val, dataset.y_val),
                                  epochs=epochs, batch_size=batch_size, verbose=0).history[OBJECTIVE]
            row[name] = float(max(history))
        rows[seed] = row
    return pd.DataFrame.from_dict(rows, orient="index").rename_axis("seed")


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
        keras.backend.clear_session(free_memory=False)  # as train(): no full garbage collection per fit
        keras.utils.set_random_seed(seed)
        model = build_fn(hyperparameters)
        history = model.fit(dataset.x_train, dataset.y_train, validation_data=(dataset.x_val, dataset.y_val),
                            epochs=epochs, batch_size=batch_size, verbose=0).history[OBJECTIVE]
        rows[seed] = {"best epoch": float(max(history)), "final epoch": float(history[-1])}
    return pd.DataFrame.from_dict(rows, orient="index").rename_axis("seed")


def holdout_table(results: Sequence[SearchResult], names: Optional[Sequence[str]] = None) -> pd.DataFrame:
    """Per search: the winner's validation score (what the search maximized) beside its score on the
    test rows, and the same two numbers averaged over the trials that did not win.

    `winner drop` is validation minus test for the winner; `others drop` the same for the rest.  Every
    trial's validation score is its best epoch's, so both drops include picking the epoch and any
    difference between the two sets of rows; the winner's drop also includes picking the trial.

    With `executions_per_trial` above 1, a trial's validation score (keras-tuner's) is the mean over
    its executions, while its test score is that of the kept model alone (the execution and epoch
    with the best single validation score), so the two are not measured on the same model.
    """
    rows = []
    for i, r in enumerate(results):
        if r.test_scores is None:
            raise ValueError(f"holdout_table: the {r.method} search (seed {r.seed}) was run without test rows; "
                             "pass test= to run_search")
        val = r.table[OBJECTIVE].loc[r.test_scores.index]
        others = r.test_scores.index != r.best_trial
        name = names[i] if names is not None else f"{r.method} (seed {r.seed})"
        rows.append({"search": name, "trials": len(r.test_scores),
                     "winner val": float(val.loc[r.best_trial]), "winner test": r.best_test_score,
                     "winner drop": float(val.loc[r.best_trial]) - r.best_test_score,
                     "others val": float(val[others].mean()), "others test": float(r.test_scores[others].mean()),
                     "others drop": float(val[others].mean() - r.test_scores[others].mean())})
    return pd.DataFrame(rows).set_index("search")


@dataclass(frozen=True)
class PickOptimism:
    """How far picking the trial by its validation score leans the winner's score: the average, over
    re-splits of the pooled validation and test rows, of the re-picked winner's pseudo-validation
    minus pseudo-test accuracy (`winner`), beside the same gap for a trial drawn at random without
    looking at any score (`unpicked`, whose expected value is exactly 0)."""

    winner: float          # mean over resamples of the winner's pseudo-validation minus pseudo-test accuracy
    winner_se: float       # its standard error (resampling only: these models, these rows)
    unpicked: float        # the same for a trial drawn at random in each resample
    unpicked_se: float
    top_share: float       # share of resamples won by the trial that wins most often
    trials: int
    n_val: int
    n_test: int
    resamples: int


def correctness(results: Sequence["SearchResult"]) -> tuple[np.ndarray, np.ndarray]:
    """The searches' kept models stacked as one pool of trials: (trials x validation rows) and
    (trials x test rows) boolean matrices.  Searches pooled this way must share their rows."""
    for r in results:
        if r.val_correct is None or r.test_correct is None:
            raise ValueError(f"correctness: the {r.method} search (seed {r.seed}) was run without test rows; "
                             "pass test= to run_search")
    val = np.vstack([r.val_correct.to_numpy(bool) for r in results])
    test = np.vstack([r.test_correct.to_numpy(bool) for r in results])
    return val, test


def selection_optimism(val_correct: np.ndarray, test_correct: np.ndarray, resamples: int = 1000,
                       seed: int = 0) -> PickOptimism:
    """The optimism of picking the best trial, measured by re-splitting rows instead of retraining.

    `val_correct` (trials x n_val) and `test_correct` (trials x n_test) say, per trial and row, whether
    that trial's kept model got the row right.  The rows are pooled, then split `resamples` times at
    random into a pseudo-validation set of n_val rows and a pseudo-test set of n_test rows.  Each time
    the trial with the best pseudo-validation accuracy wins (the first one on a tie, as keras-tuner
    picks), and its pseudo-validation minus pseudo-test accuracy is recorded; so is the same gap of a
    trial drawn at random.  No model is trained: each trial keeps the model it kept in the search.

    What this measures: the lean that picking the *trial* adds, for these models and rows of this
    kind.  It does not measure the epoch pick: each kept model's epoch was chosen on the real
    validation rows, and those rows spread over both pseudo-sets alike, so that part cancels out.
    """
    val_correct, test_correct = np.asarray(val_correct, bool), np.asarray(test_correct, bool)
    if val_correct.ndim != 2 or test_correct.ndim != 2 or len(val_correct) != len(test_correct) \
            or len(val_correct) < 1:
        raise ValueError("selection_optimism: give two 2-D arrays with one row per trial (the same trials), "
                         f"got shapes {val_correct.shape} and {test_correct.shape}")
    if isinstance(resamples, bool) or not isinstance(resamples, int) or resamples < 2:
        raise ValueError(f"selection_optimism(resamples={resamples!r}): resamples must be an integer of at least 2")
    trials, n_val = val_correct.shape
    n_test = test_correct.shape[1]
    pooled = np.hstack([val_correct, test_correct]).astype(np.float32)          # trials x rows
    rng = np.random.default_rng(seed)
    order = rng.random((resamples, n_val + n_test)).argsort(axis=1)            # one permutation per resample
    pseudo_val = np.zeros((resamples, n_val + n_test), np.float32)
    np.put_along_axis(pseudo_val, order[:, :n_val], 1.0, axis=1)               # 1 marks a pseudo-validation row
    val_acc = pseudo_val @ pooled.T / n_val                                    # resamples x trials
    test_acc = (1.0 - pseudo_val) @ pooled.T / n_test
    gap = val_acc - test_acc
    winners = val_acc.argmax(axis=1)                                           # first best on a tie
    drawn = rng.integers(0, trials, size=resamples)
    picked_gap = gap[np.arange(resamples), winners]
    random_gap = gap[np.arange(resamples), drawn]
    return PickOptimism(winner=float(picked_gap.mean()), winner_se=float(picked_gap.std(ddof=1) / np.sqrt(resamples)),
                        unpicked=float(random_gap.mean()),
                        unpicked_se=float(random_gap.std(ddof=1) / np.sqrt(resamples)),
                        top_share=float(np.bincount(winners, minlength=trials).max() / resamples),
                        trials=trials, n_val=n_val, n_test=n_test, resamples=resamples)


def detectable_drop(accuracy: float, n_val: int, n_test: int, z: float = 2.0) -> float:
    """The smallest validation-minus-test difference of one model that one split can tell from row
    luck: `z` standard errors of a difference of two accuracies near `accuracy` on n_val and n_test
    rows, z * sqrt(p(1 - p)(1/n_val + 1/n_test))."""
    return float(z * np.sqrt(accuracy * (1 - accuracy) * (1 / n_val + 1 / n_test)))


def optimism_table(results: Sequence[SearchResult], names: Sequence[str], resamples: int = 1000,
                   seed: int = 0) -> pd.DataFrame:
    """Per search, `selection_optimism` of its trials: the winner's lean with its standard error and
    a randomly drawn trial's, how often the most frequent winner wins, and the search's real
    validation-minus-test drop of its winner."""
    rows = []
    for name, r in zip(names, results):
        m = selection_optimism(*correctness([r]), resamples=resamples, seed=seed)
        rows.append({"search": name, "trials": m.trials, "winner lean": m.winner, "winner se": m.winner_se,
                     "random trial lean": m.unpicked, "random trial se": m.unpicked_se,
                     "top trial wins": m.top_share, "real winner drop": r.best_score - r.best_test_score})
    return pd.DataFrame(rows).set_index("search")


def holdout_figure(results: Sequence[SearchResult], names: Sequence[str], title: str) -> go.Figure:
    """Every trial of the searches as a point: validation accuracy (what the search chose by) across,
    test accuracy up.  Winners are filled stars, the other trials open circles; the dotted diagonal is
    "test = validation", so a point below it scored lower on the test rows.  Hover names the search."""
    points = {True: ([], [], []), False: ([], [], [])}
    for result, name in zip(results, names):
        if result.test_scores is None:
            raise ValueError(f"holdout_figure: the search {name!r} was run without test rows")
        for trial, test_score in result.test_scores.items():
            xs, ys, labels = points[trial == result.best_trial]
            xs.append(float(result.table.loc[trial, OBJECTIVE]))
            ys.append(float(test_score))
            labels.append(f"{name}, trial {trial}")
    every = points[True][0] + points[False][0] + points[True][1] + points[False][1]
    low, high = min(every) - 0.02, max(every) + 0.02
    fig = go.Figure()
    fig.add_trace(go.Scatter(x=[low, high], y=[low, high], mode="lines", name="test = validation",
                             line=dict(color="grey", dash="dot")))
    for winner, (symbol, size, colour, label) in {
            False: ("circle-open", 9, OKABE_ITO[0], "trials that did not win"),
            True: ("star", 16, OKABE_ITO[1], "each search's winner")}.items():
        xs, ys, labels = points[winner]
        fig.add_trace(go.Scatter(x=xs, y=ys, mode="markers", name=label, text=labels,
                                 hovertemplate="%{text}<br>validation %{x:.3f}, test %{y:.3f}<extra></extra>",
                                 marker=dict(symbol=symbol, size=size, color=colour,
                                             line=dict(width=1.5, color=colour))))
    style(fig, title, "validation accuracy, best epoch (fraction)", "test accuracy, same model (fraction)")
    fig.update_xaxes(range=[low, high])
    fig.update_yaxes(range=[low, high])
    return fig


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
