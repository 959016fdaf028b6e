"""Chapter 08 checkers: measured right answers pass; the cautious suggested rate, other networks' range
tests, the starting configs, trivial answers and rates the notebook prints fail."""

from functools import lru_cache

import pytest

import widgets as w
from widgets import lr_finder
from widgets.exercises import ch08

TRIVIAL = (None, 0, "", [])
CHECKERS = [ch08.check_one_cycle_peak, ch08.check_lowest_rate, ch08.check_piecewise_rate,
            ch08.check_rising_schedules]


@lru_cache(maxsize=None)
def momentum_test():
    return lr_finder.find_learning_rate(ch08.ONE_CYCLE, start_rate=1e-4, end_rate=10.0, steps=200)


@pytest.mark.parametrize("checker", CHECKERS)
def test_trivial_answers_fail_without_raising(checker):
    for answer in TRIVIAL:
        result = checker(answer)
        assert not result and result.message


def test_one_cycle_peak_from_the_learners_test_passes():
    test = momentum_test()
    result = ch08.check_one_cycle_peak((test, ch08.ONE_CYCLE.replace(learning_rate=test.min_loss_rate / 4)))
    assert result, result.message


def test_one_cycle_peak_rejects_the_suggested_rate_and_the_turn():
    test = momentum_test()
    suggested = ch08.check_one_cycle_peak((test, ch08.ONE_CYCLE.replace(learning_rate=test.suggested_rate)))
    assert not suggested and "cautious" in suggested.message
    at_turn = ch08.check_one_cycle_peak((test, ch08.ONE_CYCLE.replace(learning_rate=test.min_loss_rate)))
    assert not at_turn and "past where your test" in at_turn.message


def test_one_cycle_peak_needs_a_test_of_this_network_and_a_1cycle_config():
    plain = lr_finder.find_learning_rate(ch08.ONE_CYCLE.replace(momentum=0.0), start_rate=1e-4, end_rate=10.0,
                                         steps=200)  # the notebook's section 3 test (plain SGD)
    wrong_net = ch08.check_one_cycle_peak((plain, ch08.ONE_CYCLE.replace(learning_rate=plain.min_loss_rate / 4)))
    assert not wrong_net and "does not look like" in wrong_net.message
    test = momentum_test()
    assert "unchanged" in ch08.check_one_cycle_peak((test, ch08.ONE_CYCLE)).message
    constant = ch08.check_one_cycle_peak((test, ch08.MOMENTUM.replace(learning_rate=test.min_loss_rate / 4)))
    assert not constant and "keeps" in constant.message
    assert not ch08.check_one_cycle_peak((None, ch08.ONE_CYCLE))
    assert not ch08.check_one_cycle_peak(test)


def test_lowest_rate_accepts_a_rate_whose_half_falls_short():
    result = ch08.check_lowest_rate(ch08.MOMENTUM.replace(learning_rate=0.02))
    assert result, result.message


def test_lowest_rate_rejects_too_low_not_lowest_and_start():
    too_low = ch08.check_lowest_rate(ch08.MOMENTUM.replace(learning_rate=0.005))
    assert not too_low and "short of" in too_low.message
    not_lowest = ch08.check_lowest_rate(ch08.MOMENTUM.replace(learning_rate=0.04))
    assert not not_lowest and "lower rate still" in not_lowest.message
    assert "unchanged" in ch08.check_lowest_rate(ch08.MOMENTUM).message
    assert not ch08.check_lowest_rate(ch08.MOMENTUM.replace(learning_rate=0.02, momentum=0.0))


def test_lowest_rate_measures_a_run_handed_in():
    run = w.train(ch08.MOMENTUM.replace(learning_rate=0.0025), probes=False)
    assert not ch08.check_lowest_rate(run)


def test_piecewise_rate_check():
    assert ch08.check_piecewise_rate(0.001)
    wrong = ch08.check_piecewise_rate(0.01)
    assert not wrong and "too high" in wrong.message and "0.001" not in wrong.message
    assert not ch08.check_piecewise_rate(0.1)


def test_rising_schedules_check():
    assert ch08.rising_schedules() == {"1cycle"}
    assert ch08.check_rising_schedules(["1cycle"])
    wrong = ch08.check_rising_schedules(["1cycle", "plateau"])
    assert not wrong and "1cycle" not in wrong.message
    assert not ch08.check_rising_schedules(["cosine"])
