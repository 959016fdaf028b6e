"""Chapter 08 checks: the right answer passes, wrong and malformed answers fail with a reason."""

import numpy as np

from widgets.exercises import ch08
from widgets.lr_finder import RangeTest, _smooth


def test_piecewise_rate_check():
    assert ch08.check_piecewise_rate(0.001)
    assert not ch08.check_piecewise_rate(0.01)
    assert not ch08.check_piecewise_rate(0.1)
    assert not ch08.check_piecewise_rate(None)


def test_rising_schedules_check():
    assert ch08.rising_schedules() == {"1cycle"}
    assert ch08.check_rising_schedules(["1cycle"])
    assert not ch08.check_rising_schedules(["1cycle", "plateau"])
    assert not ch08.check_rising_schedules([])
    assert not ch08.check_rising_schedules(["cosine"])


def _synthetic_test() -> RangeTest:
    rates = np.geomspace(1e-4, 10, 101)
    # loss falls fastest around 1e-2 and turns up after 1.0
    x = np.log10(rates)
    losses = 2.0 - 1.5 / (1 + np.exp(-3 * (x + 2))) + np.where(x > 0, 4 * x ** 2, 0.0)
    return RangeTest(rates, losses, _smooth(losses), stopped_early=True)


def test_range_pick_accepts_a_rate_below_the_turn_and_rejects_extremes():
    test = _synthetic_test()
    assert 1e-3 < test.steepest_rate < 0.1 and 0.3 < test.min_loss_rate < 3
    assert ch08.check_range_pick(test.suggested_rate, test)
    assert not ch08.check_range_pick(test.min_loss_rate, test)  # at the turn: too close
    assert not ch08.check_range_pick(test.rates[0], test)  # where nothing happens yet
    assert not ch08.check_range_pick(-0.1, test) and not ch08.check_range_pick("0.01", test)
