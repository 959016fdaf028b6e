"""Chapter 04 checks: right answers pass, wrong ones fail with a reason, bad input is explained."""

import keras

from widgets.exercises import ch04


def test_batchnorm_counts_are_four_per_unit_two_trainable_whatever_feeds_the_layer():
    for units in (3, 48):
        model = keras.Sequential([keras.Input(shape=(100,)), keras.layers.Dense(units),
                                  keras.layers.BatchNormalization()])
        bn = model.layers[-1]
        assert ch04.batchnorm_counts(units) == (bn.count_params(), 2 * units)
        assert bn.count_params() == 4 * units


def test_bn_counts_accepts_the_keras_count_and_rejects_others():
    total, trainable = ch04.batchnorm_counts(ch04.EXERCISE_UNITS)
    assert ch04.check_bn_counts((total, trainable))
    wrong = ch04.check_bn_counts((total * 7, trainable))  # "multiplied by the previous layer's size"
    assert not wrong and "total" in wrong.message
    swapped = ch04.check_bn_counts((total, total))
    assert not swapped and "trainable" in swapped.message
    assert "two whole numbers" in ch04.check_bn_counts(None).message
    assert not ch04.check_bn_counts((192.0, 96.0))


def test_scaler_rows_only_training_is_right():
    assert ch04.check_scaler_rows("training")
    for wrong in ("all", "validation", "each"):
        feedback = ch04.check_scaler_rows(wrong)
        assert not feedback and feedback.message
    assert "one of" in ch04.check_scaler_rows("test").message


def test_bias_before_bn_is_cancelled():
    assert ch04.check_bias_before_bn("cancelled")
    assert not ch04.check_bias_before_bn("needed")
    assert not ch04.check_bias_before_bn("diverges")
