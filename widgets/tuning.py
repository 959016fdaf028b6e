"""Chapter 11's tools for keras-tuner: small seeded searches, the seed noise of their scores, test
rows no search sees, and how far picking a winner leans its score.

The code lives in modules with one job each; this module gathers their public names, so
`from widgets import tuning` gives all of chapter 11:

- `tuning_rows`: `split_test_rows` carves fixed test rows out of the training rows; `correct` and
  `accuracy` score a model on rows;
- `tuning_feed`: the `tf.data` batches every search and retrain trains on (about half a trial's
  time cheaper than NumPy arrays at this size);
- `tuning_search`: `run_search` (random, Bayesian or Hyperband, in a temporary folder, seeded) and
  its `SearchResult`, with tables of trials and of searches side by side;
- `tuning_hyperband`: `hyperband_plan`, what Hyperband would run, without training;
- `tuning_seeds`: `retrain_scores` and `paired_scores`, the same settings retrained per seed;
- `tuning_holdout`: validation against test scores, and `selection_optimism`, the lean of the pick
  measured by re-splitting rows instead of training more;
- `tuning_figures`: the holdout scatter and the parallel-coordinates plot of a search.
"""

from __future__ import annotations

from .tuning_feed import batches, fit_inputs
from .tuning_figures import holdout_figure, parallel_coordinates_figure
from .tuning_holdout import (PickOptimism, correctness, detectable_drop, holdout_table, optimism_table,
                             selection_optimism)
from .tuning_hyperband import hyperband_plan
from .tuning_rows import TestRows, accuracy, correct, split_test_rows
from .tuning_search import (METHODS, OBJECTIVE, BuildFn, SearchResult, comparison_table, folder_is_gone,
                            run_search, spread_table, trials_table)
from .tuning_seeds import paired_scores, retrain_scores

__all__ = ["METHODS", "OBJECTIVE", "BuildFn", "PickOptimism", "SearchResult", "TestRows", "accuracy", "batches",
           "comparison_table", "correct", "correctness", "detectable_drop", "fit_inputs", "folder_is_gone",
           "holdout_figure", "holdout_table", "hyperband_plan", "optimism_table", "paired_scores",
           "parallel_coordinates_figure", "retrain_scores", "run_search", "selection_optimism", "split_test_rows",
           "spread_table", "trials_table"]
