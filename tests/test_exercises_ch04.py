"""Chapter 04 checks: raw Pima repaired in the network, warmed-up moving averages, batch norm's count."""

from pathlib import Path

import keras
import nbformat
import numpy as np
import pytest

import widgets as w
from widgets.exercises import ch04

NOTEBOOK = Path(__file__).parents[1] / "notebooks" / "04_normalization.ipynb"


@pytest.fixture(scope="module")
def raw():
    return w.load_dataset("pima", standardize=False)


def _bn_first(raw, momentum=0.99, epochs=3, first=None):
    keras.utils.set_random_seed(0)
    model = keras.Sequential([keras.Input(shape=(raw.n_features,)),
                              first or keras.layers.BatchNormalization(momentum=momentum),
                              keras.layers.Dense(16, activation="relu"),
                              keras.layers.Dense(1, activation="sigmoid")])
    model.compile(optimizer="adam", loss="binary_crossentropy")
    if epochs:
        model.fit(raw.x_train, raw.y_train, epochs=epochs, batch_size=32, verbose=0)
    return model


def test_raw_pima_keeps_the_features_raw_and_measures_the_run():
    start = ch04.RAW_START
    for bad in (None, 0, "", [], start):
        assert not ch04.check_raw_pima(bad)
    scaled = ch04.check_raw_pima(start.replace(standardize=True))
    assert not scaled and "standardize=False" in scaled.message
    faster = ch04.check_raw_pima(start.replace(learning_rate=0.01))    # a bigger step is not enough
    assert not faster and "validation loss" in faster.message and "batchnorm" not in faster.message
    assert ch04.check_raw_pima(start.replace(batchnorm=True, batchnorm_position="after"))


def test_moving_averages_reject_the_default_momentum_and_the_wrong_layouts(raw):
    cold = ch04.check_warm_moving_averages(_bn_first(raw, momentum=0.99))      # the notebook's start
    assert not cold and "momentum 0.99" in cold.message
    noisy = ch04.check_warm_moving_averages(_bn_first(raw, momentum=0.5))      # follows the last batches
    assert not noisy
    assert ch04.check_warm_moving_averages(_bn_first(raw, momentum=0.9))
    too_long = ch04.check_warm_moving_averages(_bn_first(raw, momentum=0.99, epochs=30))
    assert not too_long and "budget" in too_long.message
    assert "not been trained" in ch04.check_warm_moving_averages(_bn_first(raw, epochs=0)).message
    scaler_first = _bn_first(raw, first=keras.layers.Dense(7), epochs=0)
    assert "first layer" in ch04.check_warm_moving_averages(scaler_first).message
    for bad in (None, 0, "", [], ch04.RAW_START):
        assert not ch04.check_warm_moving_averages(bad)


def test_moving_average_gaps_are_zero_for_the_training_statistics(raw):
    layer = keras.layers.BatchNormalization()
    layer.build((None, raw.n_features))
    layer.moving_mean.assign(raw.x_train.mean(axis=0))
    layer.moving_variance.assign(raw.x_train.var(axis=0))
    assert np.allclose(ch04.moving_average_gaps(layer, raw.x_train), (0, 0), atol=1e-5)


def test_bn_counts_are_four_per_normalized_feature_and_wrong_counts_fail():
    total, trainable = ch04.batchnorm_counts(ch04.count_model())
    assert (total, trainable) == (4 * (7 + 24), 2 * (7 + 24))
    assert ch04.check_bn_counts((total, trainable)) and ch04.check_bn_counts([np.int64(total), trainable])
    for wrong in ((4 * 24, 2 * 24), (4 * 7 * 24, 2 * 7 * 24), (total, total), (2 * 31, 4 * 31), (192, 96)):
        feedback = ch04.check_bn_counts(wrong)
        assert not feedback and "too" in feedback.message
    for bad in (None, 0, "", [], (124.0, 62.0), (True, 62)):
        assert not ch04.check_bn_counts(bad)


def test_exercise_cells_run_unedited_and_say_not_yet(raw):
    cells = [c.source for c in nbformat.read(NOTEBOOK, as_version=4).cells
             if c.cell_type == "code" and "ch04.check_" in c.source]
    assert len(cells) == 3
    namespace = {"w": w, "ch04": ch04, "keras": keras, "raw": raw}
    for source in cells:
        body, call = source.rsplit("\n", 1)
        exec(body, namespace)
        assert not eval(call, namespace)
    exec(cells[0].rsplit("\n", 1)[0], namespace)
    assert namespace["answer"] == ch04.RAW_START
