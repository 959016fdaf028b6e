"""Chapter 09 checks: the experiments judge the learner's own model by training it."""

import keras
import numpy as np
import pytest

from widgets import transfer as T
from widgets.exercises import ch09

TRIVIAL = (None, 0, "", [])


@pytest.fixture(scope="module")
def target10():
    return T.digit_task(T.TARGET_DIGITS, labels_per_class=10)


def _head_trained(target10):
    """The notebook's starting point of exercise 1: a new head trained on the frozen body, then
    every body layer set trainable (without compiling again)."""
    model = T.reuse(T.pretrained("digits 0-4"), n_classes=5, frozen=3)
    model.fit(target10.x_train, target10.y_train, epochs=3, batch_size=32, verbose=0)
    for layer in T.hidden_layers(model):
        layer.trainable = True
    return model


def test_unfreeze_rejects_the_starting_cell_and_a_large_rate(target10):
    start = ch09.check_unfrozen_for_real(_head_trained(target10))
    assert not start and "exactly as they were" in start.message
    hot = _head_trained(target10)
    hot.compile(optimizer=keras.optimizers.Adam(1e-2), loss="sparse_categorical_crossentropy")
    result = ch09.check_unfrozen_for_real(hot)
    assert not result and "0.01" in result.message


def test_unfreeze_accepts_compiling_again_at_a_small_rate(target10):
    model = _head_trained(target10)
    model.compile(optimizer=keras.optimizers.Adam(1e-4), loss="sparse_categorical_crossentropy")
    assert ch09.check_unfrozen_for_real(model)


def test_unfreeze_rejects_a_body_left_frozen_and_an_uncompiled_model(target10):
    model = _head_trained(target10)
    model.get_layer("hidden_2").trainable = False
    model.compile(optimizer=keras.optimizers.Adam(1e-4), loss="sparse_categorical_crossentropy")
    assert "hidden_2" in ch09.check_unfrozen_for_real(model).message
    bare = keras.Sequential(T.build_classifier(5).layers)
    assert "not compiled" in ch09.check_unfrozen_for_real(bare).message


def test_beats_scratch_accepts_a_good_reuse_and_rejects_the_start():
    autoencoder = T.pretrained("autoencoder")
    assert ch09.check_beats_scratch(T.reuse(autoencoder, 5, frozen=3, learning_rate=1e-2))
    start = ch09.check_beats_scratch(T.reuse(autoencoder, 5, frozen=0, learning_rate=1e-3))
    assert not start and "validation accuracy of 0.7" in start.message


def test_beats_scratch_needs_the_autoencoder_body_copied_not_shared():
    assert "autoencoder's pretrained weights" in ch09.check_beats_scratch(T.reuse(None, 5, frozen=0)).message
    digits = ch09.check_beats_scratch(T.reuse(T.pretrained("digits 0-4"), 5, frozen=3))
    assert not digits and "autoencoder's pretrained weights" in digits.message
    autoencoder = T.pretrained("autoencoder")
    shared = keras.Sequential([keras.Input(shape=(64,)), *T.hidden_layers(autoencoder),
                               keras.layers.Dense(5, activation="softmax", name="output")])
    shared.compile(optimizer="adam", loss="sparse_categorical_crossentropy")
    before = [w.copy() for w in autoencoder.get_weights()]
    assert "own layer objects" in ch09.check_beats_scratch(shared).message
    assert all(np.array_equal(a, b) for a, b in zip(before, autoencoder.get_weights()))


def test_beats_scratch_does_not_train_the_model_handed_in():
    model = T.reuse(T.pretrained("autoencoder"), 5, frozen=2, learning_rate=1e-2)
    before = [w.copy() for w in model.get_weights()]
    assert ch09.check_beats_scratch(model) and ch09.check_beats_scratch(model)
    assert all(np.array_equal(a, b) for a, b in zip(before, model.get_weights()))


def test_trainable_count_matches_keras_and_rejects_printed_and_near_misses():
    model = T.reuse(T.pretrained("digits 0-4"), 5, frozen=ch09.FROZEN_IN_EXERCISE)
    count = int(sum(np.prod(v.shape) for v in model.trainable_weights))
    assert count == ch09.trainable_weight_count() and ch09.check_trainable_count(count)
    everything = int(sum(np.prod(v.shape) for v in model.weights))
    for wrong in (everything, 32 * 5 + 5, 48 * 32 + 32, 48 * 32 + 32 * 5, "1733", *TRIVIAL):
        assert not ch09.check_trainable_count(wrong), wrong


@pytest.mark.parametrize("trivial", TRIVIAL)
def test_experiments_refuse_trivial_answers(trivial):
    assert not ch09.check_unfrozen_for_real(trivial)
    assert not ch09.check_beats_scratch(trivial)


def test_measuring_along_the_way_does_not_change_a_run():
    """Section 3 of the notebook reuses its curve runs (validation measured every few steps) as the
    first seed of the compare_starts table (measured once at the end): the two must train alike."""
    recipe = dict(source="digits 0-4", labels_per_class=3, frozen=3, steps=40, fine_tune_steps=20, seed=1)
    curve = T.transfer_run(points=4, **recipe)
    assert curve.val_accuracy == T.transfer_run(points=1, **recipe).val_accuracy
    table = T.compare_starts({"tuned": {k: v for k, v in recipe.items() if k not in ("labels_per_class", "seed")}},
                             labels_per_class=3, seeds=[1])
    assert table.loc[1, "tuned"] == curve.val_accuracy
