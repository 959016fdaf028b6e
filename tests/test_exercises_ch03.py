"""Chapter 03 checks: Glorot's bound, zero-init symmetry and the initializer choice."""

import numpy as np

import widgets as w
from widgets import initialization as wi
from widgets.exercises import ch03


def test_glorot_limit_is_keras_bound_and_rejects_the_one_over_sqrt_n_rule():
    kernel = wi.sample_kernel("glorot_uniform", ch03.GLOROT_FAN_IN, ch03.GLOROT_FAN_OUT)
    bound = np.sqrt(6 / (ch03.GLOROT_FAN_IN + ch03.GLOROT_FAN_OUT))
    assert np.abs(kernel).max() <= bound and np.abs(kernel).max() > 0.99 * bound
    assert ch03.check_glorot_limit(bound)
    old_rule = ch03.check_glorot_limit(1 / np.sqrt(ch03.GLOROT_FAN_IN))
    assert not old_rule and "too low" in old_rule.message
    assert not ch03.check_glorot_limit("0.25")


def test_zero_init_units_is_one_as_a_trained_zero_started_layer_shows():
    cfg = w.RunConfig(dataset="moons", depth=1, width=8, epochs=3, batch_size=128, initializer="zeros",
                      activation="sigmoid", learning_rate=0.01)
    kernel = w.train(cfg, probes=False).model.get_layer("hidden_1").kernel.numpy()
    assert np.abs(kernel).max() > 0                     # it did learn something...
    assert wi.distinct_units(kernel) == 1               # ...but as one unit
    assert ch03.check_zero_init_units(1)
    assert not ch03.check_zero_init_units(8)
    assert not ch03.check_zero_init_units(None)


def test_initializer_choice_accepts_he_for_relu_and_glorot_for_tanh_only():
    assert ch03.check_initializer_choice({"relu": "he_normal", "tanh": "glorot_uniform"})
    assert ch03.check_initializer_choice({"relu": "He_Uniform", "tanh": "glorot_normal"})
    swapped = ch03.check_initializer_choice({"relu": "glorot_uniform", "tanh": "he_normal"})
    assert not swapped and "relu" in swapped.message and "tanh" in swapped.message
    zeros = ch03.check_initializer_choice({"relu": "zeros", "tanh": "glorot_uniform"})
    assert not zeros and "identical" in zeros.message
    assert "keys" in ch03.check_initializer_choice(["he_normal"]).message
