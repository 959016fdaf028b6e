"""Chapter 11 checks: right answers pass, wrong ones fail with a reason."""

from __future__ import annotations

import keras
import pytest

from widgets.exercises import ch11


def mlp(optimizer="adam") -> keras.Model:
    model = keras.Sequential([keras.Input(shape=(7,)), keras.layers.Dense(8, activation="relu"),
                              keras.layers.Dense(1, activation="sigmoid")])
    model.compile(optimizer=optimizer, loss="binary_crossentropy", metrics=["accuracy"])
    return model


def right_builder(hp):
    return mlp(keras.optimizers.Adam(learning_rate=hp.Float("learning_rate", 1e-4, 1e-1, sampling="log")))


def test_units_grid():
    assert ch11.units_grid_size() == 16
    assert ch11.check_units_grid(16)
    wrong = ch11.check_units_grid(15)
    assert not wrong and "too low" in wrong.message
    assert not ch11.check_units_grid("16") and not ch11.check_units_grid(None)


def test_lr_builder_accepts_the_log_scale_search():
    feedback = ch11.check_lr_builder(right_builder)
    assert feedback, feedback.message


@pytest.mark.parametrize("builder, reason", [
    (lambda hp: mlp(keras.optimizers.Adam(learning_rate=hp.Float("learning_rate", 1e-4, 1e-1))), "sampling='log'"),
    (lambda hp: mlp(keras.optimizers.Adam(learning_rate=hp.Float("learning_rate", 1e-3, 1e-1, sampling="log"))),
     "the exercise asks for"),
    (lambda hp: mlp(keras.optimizers.Adam(learning_rate=hp.Choice("learning_rate", [1e-4, 1e-1]))), "hp.Float"),
    (lambda hp: (hp.Float("learning_rate", 1e-4, 1e-1, sampling="log"), mlp())[1], "still uses"),
    (lambda hp: mlp(), "No hyperparameter named 'learning_rate'"),
    (lambda hp: 1 / 0, "ZeroDivisionError"),
    (lambda hp: "model", "compiled keras model"),
    ("build_lr_search", "no brackets"),
])
def test_lr_builder_rejects_with_a_reason(builder, reason):
    feedback = ch11.check_lr_builder(builder)
    assert not feedback
    assert reason in feedback.message, feedback.message


def test_noise_verdict_follows_the_numbers():
    assert ch11.check_noise_verdict("cannot tell", gap=0.008, noise_std=0.01)
    assert not ch11.check_noise_verdict("winner is better", gap=0.008, noise_std=0.01)
    assert ch11.check_noise_verdict("winner is better", gap=0.2, noise_std=0.01)
    assert not ch11.check_noise_verdict("cannot tell", gap=0.2, noise_std=0.01)
    unknown = ch11.check_noise_verdict("maybe", gap=0.2, noise_std=0.01)
    assert not unknown and "Answer with one of" in unknown.message
