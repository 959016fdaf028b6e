"""keras-tuner helpers: seeded searches in a temporary folder, their tables, budgets and plots."""

from __future__ import annotations

import os

import keras
import keras_tuner as kt
import pandas as pd
import pytest

import widgets as w
from widgets import tuning

MOONS = w.load_dataset("moons", train_fraction=0.3)


def build_small(hp: kt.HyperParameters) -> keras.Model:
    model = keras.Sequential([keras.Input(shape=(2,)),
                              keras.layers.Dense(hp.Int("units", 8, 64, step=8),
                                                 activation=hp.Choice("activation", ["relu", "tanh"])),
                              keras.layers.Dense(1, activation="sigmoid")])
    model.compile(optimizer="adam", loss="binary_crossentropy", metrics=["accuracy"])
    return model


@pytest.fixture(scope="module")
def search(tmp_path_factory) -> tuning.SearchResult:
    cwd = os.getcwd()
    workdir = tmp_path_factory.mktemp("cwd")
    os.chdir(workdir)  # anything the tuner wrote next to us would land here
    try:
        result = tuning.run_search(build_small, MOONS, max_trials=3, epochs=2, batch_size=64, seed=0)
    finally:
        os.chdir(cwd)
    assert list(workdir.iterdir()) == [], "the search left files in the working directory"
    return result


def test_search_leaves_nothing_behind(search):
    assert tuning.folder_is_gone(search)
    assert os.path.basename(search.folder).startswith("keras-tuner-")


def test_table_has_one_row_per_trial_with_its_values_and_score(search):
    table = search.table
    assert len(table) == 3
    assert {"units", "activation", "val_accuracy", "epochs", "status"} <= set(table.columns)
    assert table["units"].between(8, 64).all() and set(table["activation"]) <= {"relu", "tanh"}
    assert search.best_score == table["val_accuracy"].max()
    assert search.epochs_trained == 3 * 2


def test_best_model_is_the_best_epoch_of_the_best_trial(search):
    evaluated = search.best_model.evaluate(MOONS.x_val, MOONS.y_val, verbose=0, return_dict=True)["accuracy"]
    assert abs(evaluated - search.best_score) < 1e-6
    best_row = search.table["val_accuracy"].idxmax()
    assert search.table.loc[best_row, "units"] == search.best_values["units"]


def test_same_seed_repeats_the_search_exactly(search):
    again = tuning.run_search(build_small, MOONS, max_trials=3, epochs=2, batch_size=64, seed=0,
                              keep_best_model=False)
    pd.testing.assert_frame_equal(again.table, search.table)
    assert again.best_model is None


def test_bayesian_at_the_same_trials_costs_the_same_epochs(search):
    bayes = tuning.run_search(build_small, MOONS, method="bayesian", max_trials=3, epochs=2, batch_size=64,
                              seed=0, keep_best_model=False, num_initial_points=1)  # the model picks trials 2-3
    assert bayes.epochs_trained == search.epochs_trained
    table = tuning.comparison_table([search, bayes])
    assert list(table["epochs trained"]) == [6, 6]
    assert list(table.index) == ["random (seed 0)", "bayesian (seed 0)"]


def test_hyperband_budget_counts_each_trials_own_epochs():
    result = tuning.run_search(build_small, MOONS, method="hyperband", epochs=3, batch_size=64, seed=0,
                               keep_best_model=False)
    assert set(result.table["epochs"]) <= {1, 2, 3}  # fresh trials of 1 or 3 epochs, resumed ones 2
    assert result.epochs_trained == result.table["epochs"].sum()
    assert len(result.table) > 3  # Hyperband tries many short runs first


def test_spread_table_has_one_row_per_seed(search):
    other = tuning.run_search(build_small, MOONS, max_trials=3, epochs=2, batch_size=64, seed=1,
                              keep_best_model=False)
    table = tuning.spread_table([search, other])
    assert list(table.index) == [0, 1]
    assert {"units", "activation", "best val_accuracy"} <= set(table.columns)


def test_retrain_scores_are_seeded_and_scored_like_trials(search):
    first = tuning.retrain_scores(build_small, search.best_hyperparameters, MOONS, seeds=[3, 4], epochs=2)
    again = tuning.retrain_scores(build_small, search.best_hyperparameters, MOONS, seeds=[3], epochs=2)
    assert list(first.index) == [3, 4]
    assert first.loc[3].equals(again.loc[3])
    # a trial's score is its best epoch: never below the final epoch's
    assert (first["best epoch"] >= first["final epoch"]).all()


def test_parallel_coordinates_has_an_axis_per_hyperparameter_and_text_ticks(search):
    fig = tuning.parallel_coordinates_figure(search.table, "a search", labels={"units": "units (neurons)"})
    dims = fig.data[0].dimensions
    assert [d.label for d in dims] == ["units (neurons)", "activation", "validation accuracy (fraction)"]
    activation = dims[1]
    assert list(activation.ticktext) == sorted(search.table["activation"].unique())
    assert fig.layout.title.text == "a search"
    assert fig.data[0].line.colorbar.title.text == "val. accuracy"


@pytest.mark.parametrize("kwargs, message", [
    (dict(method="grid"), "method must be one of random, bayesian, hyperband"),
    (dict(max_trials=0), "max_trials must be a positive integer"),
    (dict(epochs=2.5), "epochs must be a positive integer"),
])
def test_bad_arguments_are_named(kwargs, message):
    with pytest.raises(ValueError, match=message):
        tuning.run_search(build_small, MOONS, **kwargs)


def test_regression_data_is_refused():
    with pytest.raises(ValueError, match="regression"):
        tuning.run_search(build_small, w.load_dataset("diabetes_progression"))
