"""Chapter 11 checks: they inspect what the learner built (a search space, a tuner), without training."""

from __future__ import annotations

import tempfile

import keras
import keras_tuner as kt
import pytest

from widgets.exercises import ch11

TRIVIAL = (None, 0, "", [])


def mlp(optimizer="adam") -> keras.Model:
    model = keras.Sequential([keras.Input(shape=(7,)), keras.layers.Dense(8, activation="relu"),
                              keras.layers.Dense(1, activation="sigmoid")])
    model.compile(optimizer=optimizer, loss="binary_crossentropy", metrics=["accuracy"])
    return model


def right_builder(hp):
    return mlp(keras.optimizers.Adam(learning_rate=hp.Float("learning_rate", 1e-4, 1e-1, sampling="log")))


def test_lr_builder_accepts_the_log_scale_search():
    feedback = ch11.check_lr_builder(right_builder)
    assert feedback, feedback.message


def test_decade_shares_are_measured_from_keras_tuner():
    hp = kt.HyperParameters()
    hp.Float("a", 1e-4, 1e-1)
    hp.Float("b", 1e-4, 1e-1, sampling="log")
    linear, log = hp.space
    assert ch11.decade_shares(linear)[2] > 0.85
    assert all(abs(s - 1 / 3) < 0.01 for s in ch11.decade_shares(log))


@pytest.mark.parametrize("builder, reason", [
    (lambda hp: mlp(keras.optimizers.Adam(learning_rate=hp.Float("learning_rate", 1e-4, 1e-1))), "90.1% in 1e-2"),
    (lambda hp: mlp(keras.optimizers.Adam(learning_rate=hp.Float("learning_rate", 1e-4, 1e-1,
                                                                 sampling="reverse_log"))), "each decade"),
    (lambda hp: mlp(keras.optimizers.Adam(learning_rate=hp.Float("learning_rate", 1e-3, 1e-1, sampling="log"))),
     "the exercise asks for"),
    (lambda hp: mlp(keras.optimizers.Adam(learning_rate=hp.Choice("learning_rate", [1e-4, 1e-3, 1e-2, 1e-1]))),
     "hp.Choice"),
    (lambda hp: (hp.Float("learning_rate", 1e-4, 1e-1, sampling="log"), mlp())[1], "never reaches"),
    (lambda hp: mlp(), "No hyperparameter named 'learning_rate'"),     # the notebook's starting builder
    (lambda hp: 1 / 0, "ZeroDivisionError"),
    (lambda hp: "model", "compiled keras model"),
    ("build_lr_search", "no brackets"),
])
def test_lr_builder_rejects_with_a_measured_reason_and_no_recipe(builder, reason):
    feedback = ch11.check_lr_builder(builder)
    assert not feedback
    assert reason in feedback.message, feedback.message
    assert "sampling='log'" not in feedback.message and "sampling=\"log\"" not in feedback.message


def _bayes(max_trials=10, build=ch11.example_full_search, **kwargs):
    with tempfile.TemporaryDirectory() as folder:
        return kt.BayesianOptimization(build, objective=kwargs.pop("objective", "val_accuracy"),
                                       max_trials=max_trials, seed=0, directory=folder, overwrite=True, **kwargs)


@pytest.mark.parametrize("initial", [2, 3, 4])
def test_bayesian_budget_accepts_a_model_that_picks_most_trials(initial):
    assert ch11.check_bayesian_budget(_bayes(num_initial_points=initial))


@pytest.mark.parametrize("kwargs, reason", [
    ({}, "draw 10 of its 10 trials at random"),                               # the notebook's starting tuner
    (dict(num_initial_points=1), "at least 2 random"),
    (dict(num_initial_points=5), "choose 5"),
    (dict(max_trials=6, num_initial_points=2), "budget is 6"),                 # section 7's tuner
    (dict(num_initial_points=2, objective="val_loss"), "objective"),
    (dict(num_initial_points=2, build=lambda hp: mlp(hp.Choice("optimizer", ["adam", "sgd"]))), "search space"),
])
def test_bayesian_budget_rejects_with_what_it_read(kwargs, reason):
    feedback = ch11.check_bayesian_budget(_bayes(**kwargs))
    assert not feedback and reason in feedback.message, feedback.message


def test_bayesian_budget_wants_a_bayesian_tuner():
    with tempfile.TemporaryDirectory() as folder:
        random = kt.RandomSearch(ch11.example_full_search, objective="val_accuracy", max_trials=10, seed=0,
                                 directory=folder, overwrite=True)
    assert "RandomSearchOracle" in ch11.check_bayesian_budget(random).message


def test_noise_verdict_follows_the_numbers():
    assert ch11.check_noise_verdict("cannot tell", gap=0.008, noise_std=0.01)
    assert not ch11.check_noise_verdict("winner is better", gap=0.008, noise_std=0.01)
    assert ch11.check_noise_verdict("winner is better", gap=0.2, noise_std=0.01)
    assert not ch11.check_noise_verdict("cannot tell", gap=0.2, noise_std=0.01)
    assert ch11.check_noise_verdict(("cannot tell", 0.008, 0.01))
    unknown = ch11.check_noise_verdict("maybe", gap=0.2, noise_std=0.01)
    assert not unknown and "Answer with one of" in unknown.message
    wrong = ch11.check_noise_verdict("winner is better", gap=0.008, noise_std=0.01)
    assert "0.028" not in wrong.message and "sqrt" not in wrong.message      # no threshold, no formula


@pytest.mark.parametrize("trivial", TRIVIAL)
def test_every_checker_refuses_trivial_answers(trivial):
    assert not ch11.check_lr_builder(trivial)
    assert not ch11.check_bayesian_budget(trivial)
    assert not ch11.check_noise_verdict(trivial)
    assert not ch11.check_noise_verdict(trivial, 0.008, 0.01)
