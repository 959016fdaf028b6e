"""keras-tuner helpers: seeded searches in a temporary folder, their tables, budgets and plots."""

from __future__ import annotations

import os

import keras
import keras_tuner as kt
import numpy as np
import pandas as pd
import pytest

import widgets as w
from widgets import tuning, tuning_seeds

MOONS = w.load_dataset("moons", train_fraction=0.3)
HELD, TEST = tuning.split_test_rows("moons", test_fraction=0.25)
HELD = HELD.subset(0.4)  # a small search problem; the test rows keep their size


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


@pytest.fixture(scope="module")
def hyperband_search() -> tuning.SearchResult:
    """One Hyperband search (max_epochs 3, factor 3) with test rows: its budget, its plan and its test
    scores are each checked below."""
    return tuning.run_search(build_small, HELD, method="hyperband", epochs=3, batch_size=32, seed=1, test=TEST)


def test_hyperband_budget_counts_each_trials_own_epochs(hyperband_search):
    result = hyperband_search
    assert set(result.table["epochs"]) <= {1, 2, 3}  # fresh trials of 1 or 3 epochs, resumed ones 2
    assert result.epochs_trained == result.table["epochs"].sum()
    assert len(result.table) > 3  # Hyperband tries many short runs first


def test_split_test_rows_carves_fixed_test_rows_out_of_the_training_rows():
    full = w.load_dataset("moons")
    ds, test = tuning.split_test_rows("moons", test_fraction=0.25)
    again_ds, again_test = tuning.split_test_rows("moons", test_fraction=0.25)
    assert len(ds.x_train) + len(test) == len(full.x_train)
    assert len(test) == int(np.ceil(0.25 * len(full.x_train)))
    np.testing.assert_array_equal(test.x, again_test.x)              # the same rows every time
    assert len(ds.x_val) == len(full.x_val) and ds.standardized
    # stratified: both classes keep their share
    assert abs(test.y.mean() - full.y_train.mean()) < 0.02
    # scaled with the remaining training rows' statistics only
    np.testing.assert_allclose(ds.x_train.mean(axis=0), 0, atol=1e-5)
    np.testing.assert_allclose(ds.x_train.std(axis=0), 1, atol=1e-3)
    assert np.abs(test.x.mean(axis=0)).max() > 1e-3                   # the test rows were not fitted
    # no test row is also a training or validation row (all three scaled alike)
    def rows(x):
        return {tuple(r) for r in np.round(x, 5)}
    assert not rows(test.x) & rows(ds.x_train) and not rows(test.x) & rows(ds.x_val)


@pytest.mark.parametrize("fraction", [0, 1, 1.5, True, "0.2"])
def test_split_test_rows_refuses_bad_fractions(fraction):
    with pytest.raises(ValueError, match="test_fraction must be a number strictly between 0 and 1"):
        tuning.split_test_rows("moons", test_fraction=fraction)


@pytest.fixture(scope="module")
def held_search() -> tuning.SearchResult:
    return tuning.run_search(build_small, HELD, max_trials=3, epochs=3, batch_size=32, seed=0, test=TEST)


def test_test_rows_are_scored_on_the_side_without_changing_the_search(held_search):
    blind = tuning.run_search(build_small, HELD, max_trials=3, epochs=3, batch_size=32, seed=0,
                              keep_best_model=False)
    pd.testing.assert_frame_equal(blind.table, held_search.table)     # same trials, same scores
    assert blind.test_scores is None and np.isnan(blind.best_test_score)
    scores = held_search.test_scores
    assert list(scores.index) == list(held_search.table.index)
    assert scores.between(0, 1).all()
    assert held_search.table[tuning.OBJECTIVE].idxmax() == held_search.best_trial


def test_test_score_is_the_kept_models_accuracy(held_search):
    model = held_search.best_model   # keras-tuner's kept model: the best epoch of the best trial
    evaluated = model.evaluate(TEST.x, TEST.y, verbose=0, return_dict=True)["accuracy"]
    assert abs(evaluated - held_search.best_test_score) < 1e-6
    assert abs(tuning.accuracy(model, TEST) - evaluated) < 1e-6


@pytest.fixture(scope="module")
def executions_search() -> tuning.SearchResult:
    """A search that trains every trial twice; keras-tuner keeps the best single execution and epoch."""
    return tuning.run_search(build_small, HELD, max_trials=2, epochs=3, batch_size=32, seed=1, test=TEST,
                             executions_per_trial=2)


@pytest.mark.parametrize("searched", ["executions_search", "hyperband_search"])
def test_test_scores_follow_the_kept_model_with_executions_and_hyperband(searched, request):
    result = request.getfixturevalue(searched)
    assert len(result.test_scores) == len(result.table)
    evaluated = result.best_model.evaluate(TEST.x, TEST.y, verbose=0, return_dict=True)["accuracy"]
    assert abs(evaluated - result.best_test_score) < 1e-6


def test_holdout_table_sets_the_winner_beside_the_others(held_search, search):
    table = tuning.holdout_table([held_search], ["small"])
    row = table.loc["small"]
    assert row["winner val"] == held_search.best_score
    assert row["winner test"] == held_search.best_test_score
    assert row["winner drop"] == pytest.approx(row["winner val"] - row["winner test"])
    others = held_search.table.index != held_search.best_trial
    assert row["others test"] == pytest.approx(held_search.test_scores[others].mean())
    assert row["others drop"] == pytest.approx(row["others val"] - row["others test"])
    with pytest.raises(ValueError, match="without test rows"):
        tuning.holdout_table([search])


def test_holdout_figure_marks_winners_by_shape_and_labels_its_axes(held_search):
    fig = tuning.holdout_figure([held_search], ["small"], "held out")
    names = [trace.name for trace in fig.data]
    assert names == ["test = validation", "trials that did not win", "each search's winner"]
    assert fig.data[1].marker.symbol != fig.data[2].marker.symbol
    assert len(fig.data[2].x) == 1 and len(fig.data[1].x) == len(held_search.table) - 1
    assert "validation accuracy" in fig.layout.xaxis.title.text and "test accuracy" in fig.layout.yaxis.title.text
    assert fig.layout.title.text == "held out"


@pytest.mark.parametrize("max_epochs, factor", [(3, 3), (8, 3), (9, 3), (4, 2)])
def test_hyperband_plan_is_keras_tuners_arithmetic(max_epochs, factor):
    oracle = kt.oracles.HyperbandOracle(objective=tuning.OBJECTIVE, max_epochs=max_epochs, factor=factor)
    plan = tuning.hyperband_plan(max_epochs, factor)
    expected = [(b, r, oracle._get_size(b, r), oracle._get_epochs(b, r))
                for b in range(oracle._get_num_brackets() - 1, -1, -1) for r in range(b + 1)]
    assert list(zip(plan["bracket"], plan["round"], plan["trials"], plan["to epoch"])) == expected


def test_hyperband_plan_matches_a_real_search(hyperband_search):
    plan = tuning.hyperband_plan(3, 3)
    result = hyperband_search
    assert len(result.table) == plan["trials"].sum()
    assert result.epochs_trained == plan["epochs trained"].sum()


def test_hyperband_plan_refuses_bad_arguments():
    with pytest.raises(ValueError, match="max_epochs must be a positive integer"):
        tuning.hyperband_plan(0)
    with pytest.raises(ValueError, match="factor must be an integer of at least 2"):
        tuning.hyperband_plan(8, factor=1)


def test_paired_scores_start_both_arms_from_the_same_state():
    def adam(rate):
        def build():
            model = keras.Sequential([keras.Input(shape=(2,)), keras.layers.Dense(8, activation="relu"),
                                      keras.layers.Dense(1, activation="sigmoid")])
            model.compile(optimizer=keras.optimizers.Adam(rate), loss="binary_crossentropy", metrics=["accuracy"])
            return model
        return build

    table = tuning.paired_scores({"a": adam(1e-3), "b": adam(1e-3), "c": adam(3e-2)}, MOONS, seeds=[0, 1], epochs=2)
    assert list(table.index) == [0, 1] and list(table.columns) == ["a", "b", "c"]
    assert (table["a"] == table["b"]).all()        # identical arms, same seed: identical runs
    assert table.to_numpy().min() > 0


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


def test_scorer_keeps_each_kept_models_answers_per_row(held_search):
    val, test = held_search.val_correct, held_search.test_correct
    assert list(val.index) == list(held_search.table.index) == list(test.index)
    assert val.shape[1] == len(HELD.y_val) and test.shape[1] == len(TEST)
    # the stored validation answers reproduce each trial's recorded score, the test answers its test score
    np.testing.assert_allclose(val.mean(axis=1), held_search.table[tuning.OBJECTIVE], atol=1e-6)
    np.testing.assert_allclose(test.mean(axis=1), held_search.test_scores, atol=1e-6)
    assert (tuning.correct(held_search.best_model, TEST) == test.loc[held_search.best_trial].to_numpy()).all()
    pooled_val, pooled_test = tuning.correctness([held_search, held_search])
    assert pooled_val.shape == (2 * len(val), val.shape[1]) and pooled_test.dtype == bool


def test_a_trial_lucky_on_the_validation_rows_gives_positive_optimism():
    n_val, n_test = 100, 100
    steady = np.r_[np.arange(n_val) < 75, np.arange(n_test) < 75]    # 75 % right on both sets
    lucky = np.r_[np.arange(n_val) < 85, np.arange(n_test) < 65]     # 85 % on validation, 65 % on test
    answers = np.vstack([steady, lucky])
    assert answers[:, :n_val].mean(axis=1).argmax() == 1              # the real split picks the lucky one
    lean = tuning.selection_optimism(answers[:, :n_val], answers[:, n_val:], resamples=2000, seed=0)
    # pooled, both are right on 75 % of the rows: whichever wins a re-split won it by row luck
    assert lean.winner > 4 * lean.winner_se and lean.winner > 0.01
    assert abs(lean.unpicked) < 4 * lean.unpicked_se + 1e-3
    assert lean.top_share < 0.75


def test_equally_good_trials_give_the_best_of_them_a_lean():
    rng = np.random.default_rng(1)
    n_val, n_test, trials = 120, 90, 5
    # every trial is right on 75 % of all rows, at random places, so no trial is better than another
    answers = rng.random((trials, n_val + n_test)) < 0.75
    lean = tuning.selection_optimism(answers[:, :n_val], answers[:, n_val:], resamples=2000, seed=0)
    assert lean.winner > 4 * lean.winner_se and lean.winner > 0.02       # best of 5 equals leans up
    assert abs(lean.unpicked) < 4 * lean.unpicked_se + 1e-3             # a trial drawn blind does not
    assert (lean.trials, lean.n_val, lean.n_test, lean.resamples) == (trials, n_val, n_test, 2000)


def test_identical_trials_have_no_optimism():
    rng = np.random.default_rng(2)
    one = rng.random(200) < 0.7
    answers = np.tile(one, (4, 1))
    lean = tuning.selection_optimism(answers[:, :110], answers[:, 110:], resamples=2000, seed=3)
    assert abs(lean.winner) < 4 * lean.winner_se + 1e-3
    assert lean.top_share == 1.0           # on a tie the first trial wins, as in keras-tuner


def test_a_trial_far_ahead_always_wins_and_leans_no_more_than_chance():
    rng = np.random.default_rng(4)
    answers = rng.random((3, 230)) < 0.6
    answers[0] = rng.random(230) < 0.95   # the same trial wins every re-split
    lean = tuning.selection_optimism(answers[:, :130], answers[:, 130:], resamples=1000)
    assert lean.top_share == 1.0
    assert abs(lean.winner) < 4 * lean.winner_se + 1e-3


def test_selection_optimism_is_seeded_and_refuses_bad_input():
    answers = np.random.default_rng(0).random((3, 50)) < 0.5
    first = tuning.selection_optimism(answers[:, :30], answers[:, 30:], resamples=100, seed=7)
    assert first == tuning.selection_optimism(answers[:, :30], answers[:, 30:], resamples=100, seed=7)
    with pytest.raises(ValueError, match="one row per trial"):
        tuning.selection_optimism(answers[:2, :30], answers[:, 30:])
    with pytest.raises(ValueError, match="resamples must be an integer"):
        tuning.selection_optimism(answers[:, :30], answers[:, 30:], resamples=1)


def test_detectable_drop_is_two_standard_errors_of_a_difference():
    assert tuning.detectable_drop(0.7, 133, 100) == pytest.approx(2 * np.sqrt(0.21 * (1 / 133 + 1 / 100)))
    assert tuning.detectable_drop(0.7, 1330, 1000) < tuning.detectable_drop(0.7, 133, 100) / 3


def test_optimism_table_has_a_row_per_search(held_search, search):
    table = tuning.optimism_table([held_search], ["small"], resamples=200)
    row = table.loc["small"]
    assert row["trials"] == len(held_search.table)
    assert row["real winner drop"] == pytest.approx(held_search.best_score - held_search.best_test_score)
    assert 0 < row["top trial wins"] <= 1 and row["winner se"] > 0
    with pytest.raises(ValueError, match="without test rows"):
        tuning.optimism_table([search], ["no test rows"])


def _passes(pipeline, count):
    """The labels of `count` passes over a pipeline, one array per pass."""
    return [np.concatenate([np.asarray(y) for _, y in pipeline]) for _ in range(count)]


def test_training_batches_hold_every_row_once_per_epoch_in_a_seeded_new_order():
    x = np.arange(40, dtype=np.float32).reshape(20, 2)
    y = np.arange(20)
    first, second = _passes(tuning.batches(x, y, 8, shuffle_seed=3), 2)
    assert sorted(first) == sorted(second) == list(range(20))     # every row once per epoch
    assert list(first) != list(second) and list(first) != list(range(20))   # a new order each epoch
    again = _passes(tuning.batches(x, y, 8, shuffle_seed=3), 2)   # a re-run repeats the orders
    assert [list(p) for p in again] == [list(first), list(second)]
    other = _passes(tuning.batches(x, y, 8, shuffle_seed=4), 1)[0]
    assert list(other) != list(first)
    sizes = [len(batch_y) for _, batch_y in tuning.batches(x, y, 8, shuffle_seed=3)]
    assert sizes == [8, 8, 4]
    features, labels = next(iter(tuning.batches(x, y, 8, shuffle_seed=3)))
    np.testing.assert_array_equal(np.asarray(features)[:, 0], 2 * np.asarray(labels))  # rows stay whole


def test_validation_batches_keep_the_rows_in_order():
    y = np.arange(13)
    assert [list(p) for p in _passes(tuning.batches(np.zeros((13, 2)), y, 5), 2)] == [list(y), list(y)]


@pytest.mark.parametrize("batch_size", [0, 2.5, True])
def test_batches_refuse_a_bad_batch_size(batch_size):
    with pytest.raises(ValueError, match="batch_size must be a positive integer"):
        tuning.batches(np.zeros((4, 2)), np.zeros(4), batch_size)


def test_retrains_on_a_cached_twin_score_as_fresh_models_do(monkeypatch):
    def build(rate, dropout, batchnorm=False):
        def make():
            model = keras.Sequential([keras.Input(shape=(2,)), keras.layers.Dense(16, activation="relu"),
                                      *([keras.layers.BatchNormalization()] if batchnorm else []),
                                      keras.layers.Dropout(dropout), keras.layers.Dense(1, activation="sigmoid")])
            model.compile(optimizer=keras.optimizers.Nadam(rate), loss="binary_crossentropy", metrics=["accuracy"])
            return model
        return make

    def fresh(make, seed):
        keras.backend.clear_session(free_memory=False)  # a full garbage collection changes no number
        keras.utils.set_random_seed(seed)
        history = make().fit(**tuning.fit_inputs(MOONS, 16, seed), epochs=3, verbose=0).history["val_accuracy"]
        return max(history)

    def decay(start):  # a schedule is not an optimizer variable: these arms must not share a twin
        return keras.optimizers.schedules.ExponentialDecay(start, decay_steps=5, decay_rate=0.5)

    arms = {"slow": build(1e-3, 0.3), "fast": build(3e-2, 0.3), "no dropout": build(3e-2, 0.0),
            "batch norm": build(3e-2, 0.3, batchnorm=True), "decay from 0.3": build(decay(0.3), 0.3),
            "decay from 1e-4": build(decay(1e-4), 0.3)}
    monkeypatch.setattr(tuning_seeds, "_TWINS", {})  # none left by earlier tests
    table = tuning.paired_scores(arms, MOONS, seeds=[0, 1], epochs=3, batch_size=16)
    assert len(tuning_seeds._TWINS) == 5, "slow and fast (fixed rates) share one twin; the other arms do not"
    again = tuning.paired_scores(dict(reversed(arms.items())), MOONS, seeds=[1, 0], epochs=3, batch_size=16)
    for seed in (0, 1):
        for name, make in arms.items():
            assert table.loc[seed, name] == again.loc[seed, name] == fresh(make, seed), (seed, name)
    assert table["slow"].tolist() != table["fast"].tolist()  # the twin takes each arm's own learning rate
