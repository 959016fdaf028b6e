"""Chapter 07 checks: the right answer passes, wrong and malformed answers fail with a reason."""

import numpy as np

from widgets import surfaces
from widgets.exercises import ch07


def test_slowest_on_ravine_is_measured_and_checked():
    slowest = ch07.slowest_on_ravine()
    gaps = {k: p.gap for k, p in surfaces.optimizer_paths("ravine", learning_rate=0.1, steps=150).items()}
    assert gaps[slowest] == max(gaps.values())
    assert ch07.check_slowest_on_ravine(slowest)
    assert ch07.check_slowest_on_ravine(slowest.upper() + " ")  # case and spaces do not matter
    wrong = min(gaps, key=gaps.get)
    feedback = ch07.check_slowest_on_ravine(wrong)
    assert not feedback and "another optimizer is worse" in feedback.message
    assert not ch07.check_slowest_on_ravine("lion") and not ch07.check_slowest_on_ravine(3)


def test_adam_first_step_is_about_the_learning_rate_for_any_gradient():
    moved = ch07.adam_first_step(0.1)
    np.testing.assert_allclose(moved, 0.1, rtol=1e-3)
    assert ch07.check_adam_first_step(0.1)
    assert not ch07.check_adam_first_step(0.001)  # what SGD would do with lr 0.1 and gradient 0.01
    assert not ch07.check_adam_first_step(10.0)
    assert not ch07.check_adam_first_step("0.1")


def test_squared_gradient_averages_are_found_by_measurement():
    assert ch07.averages_squared_gradients() == {"rmsprop", "adam", "nadam"}
    assert ch07.check_averages_squared_gradients(["RMSProp", "adam", "nadam"])
    missing = ch07.check_averages_squared_gradients(["adam"])
    assert not missing and "missing" in missing.message
    assert not ch07.check_averages_squared_gradients(["adagrad", "rmsprop", "adam", "nadam"])
    assert not ch07.check_averages_squared_gradients("adam")
