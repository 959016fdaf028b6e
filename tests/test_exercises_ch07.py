"""Chapter 07 checkers: measured right answers pass; wrong ones, the starting config, trivial answers
and the rates the notebook prints fail; wrong answers never list the measurements of other options."""

import numpy as np
import pytest

import widgets as w
from widgets import surfaces
from widgets.exercises import ch07

TRIVIAL = (None, 0, "", [])
CHECKERS = [ch07.check_adagrad_rate, ch07.check_sgd_beats_adam, ch07.check_adam_first_step,
            ch07.check_averages_squared_gradients]


@pytest.mark.parametrize("checker", CHECKERS)
def test_trivial_answers_fail_without_raising(checker):
    for answer in TRIVIAL:
        result = checker(answer)
        assert not result and result.message


def test_adagrad_rate_is_judged_by_running_the_path():
    assert surfaces.optimizer_path("bowl", "adagrad", learning_rate=2.0).gap <= ch07.ADAGRAD_GAP
    right = ch07.check_adagrad_rate(2.0)
    assert right, right.message
    for too_large in (4.0, 150.0):  # they get there, but so does half of them
        loose = ch07.check_adagrad_rate(too_large)
        assert not loose and "Half that rate" in loose.message
    for printed in (0.1, 0.05, 1.0):  # the rates the notebook uses, and the top of section 11's grid
        wrong = ch07.check_adagrad_rate(printed)
        assert not wrong and "Measured" in wrong.message
    assert not ch07.check_adagrad_rate(-1.0) and not ch07.check_adagrad_rate(float("inf"))
    assert not ch07.check_adagrad_rate("3")


def test_sgd_beats_adam_accepts_a_tuned_rate():
    result = ch07.check_sgd_beats_adam(ch07.SGD_START.replace(learning_rate=0.2))
    assert result, result.message


def test_sgd_beats_adam_rejects_the_customary_rate_a_wrecking_rate_and_other_changes():
    assert "unchanged" in ch07.check_sgd_beats_adam(ch07.SGD_START).message  # 0.05, the notebook's
    wrecked = ch07.check_sgd_beats_adam(ch07.SGD_START.replace(learning_rate=0.5))
    assert not wrecked and "Measured" in wrecked.message
    assert "keeps" in ch07.check_sgd_beats_adam(ch07.SGD_START.replace(momentum=0.9)).message
    assert not ch07.check_sgd_beats_adam(ch07.DEEP)  # Adam itself


def test_sgd_beats_adam_measures_a_run_handed_in():
    run = w.train(ch07.SGD_START.replace(learning_rate=0.025), probes=False)
    assert not ch07.check_sgd_beats_adam(run)


def test_adam_first_step_is_about_the_learning_rate_for_any_gradient():
    moved = ch07.adam_first_step(0.1)
    np.testing.assert_allclose(moved, 0.1, rtol=1e-3)
    assert ch07.check_adam_first_step(0.1)
    wrong = ch07.check_adam_first_step(0.001)  # what SGD would do with lr 0.1 and gradient 0.01
    assert not wrong and "too low" in wrong.message and "0.1" not in wrong.message
    assert not ch07.check_adam_first_step(10.0)
    assert not ch07.check_adam_first_step("0.1")


def test_squared_gradient_averages_are_measured_and_wrong_answers_stay_quiet():
    assert ch07.averages_squared_gradients() == {"rmsprop", "adam", "nadam"}
    assert ch07.check_averages_squared_gradients(["RMSProp", "adam", "nadam"])
    missing = ch07.check_averages_squared_gradients(["adam"])
    assert not missing and "2 missing" in missing.message
    for name in ("rmsprop", "nadam", "moving average"):
        assert name not in missing.message.lower()
    assert not ch07.check_averages_squared_gradients(["adagrad", "rmsprop", "adam", "nadam"])
    assert not ch07.check_averages_squared_gradients("adam")
