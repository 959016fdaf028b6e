"""How far picking the winner leans its validation score, measured on rows no search chose by (chapter 11).

A search maximizes its score on the validation rows, so the winner's validation score is optimistic.
`holdout_table` sets each winner's validation score beside its score on the test rows.  One split of
a few hundred rows is too noisy to show an optimism of a row or two, so `selection_optimism` re-splits
the pooled rows many times, using each kept model's right/wrong answer per row, and measures how far
picking the trial leans the winner's score, without training anything more.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Optional, Sequence

import numpy as np
import pandas as pd

from .tuning_search import OBJECTIVE, SearchResult


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


def correctness(results: Sequence[SearchResult]) -> tuple[np.ndarray, np.ndarray]:
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
