"""Learning-rate schedules: each named shape, measured step by step, and as logged by a real run."""

import numpy as np
import pytest

import widgets as w
from widgets.schedules import PLATEAU_FACTOR, OneCycle, rate_per_step

LR, EPOCHS, STEPS = 0.01, 10, 12  # 120 optimizer steps in all
TOTAL = EPOCHS * STEPS


def rates(schedule: str) -> np.ndarray:
    return rate_per_step(w.RunConfig(schedule=schedule, learning_rate=LR, epochs=EPOCHS), STEPS)


def test_every_schedule_covers_the_whole_run_and_starts_near_the_configured_rate():
    for schedule in ("constant", "power", "exponential", "piecewise", "plateau"):
        r = rates(schedule)
        assert r.shape == (TOTAL,), schedule
        assert r[0] == pytest.approx(LR), schedule
    assert rates("1cycle")[0] == pytest.approx(LR / 10)


def test_constant_and_plateau_are_flat_before_training():
    assert np.all(rates("constant") == LR)
    assert np.all(rates("plateau") == LR)  # plateau only reacts to validation loss during fit


def test_power_schedule_halves_after_a_tenth_of_the_run_and_keeps_falling():
    r = rates("power")
    assert r[TOTAL // 10] == pytest.approx(LR / 2, rel=1e-5)
    assert np.all(np.diff(r) < 0)
    # lr / (1 + t / s): the rate at step t times (1 + t / s) gives back the starting rate
    t = np.arange(TOTAL)
    np.testing.assert_allclose(r * (1 + t / (TOTAL // 10)), LR, rtol=1e-5)


def test_exponential_schedule_shrinks_by_a_constant_factor_per_step_to_a_tenth():
    r = rates("exponential")
    ratios = r[1:] / r[:-1]
    np.testing.assert_allclose(ratios, ratios[0], rtol=1e-4)
    assert r[-1] == pytest.approx(LR * 0.1 ** ((TOTAL - 1) / TOTAL), rel=1e-4)


def test_piecewise_schedule_has_three_levels_at_half_and_three_quarters():
    r = rates("piecewise")
    levels, first_index = np.unique(np.round(r, 12), return_index=True)
    np.testing.assert_allclose(sorted(levels, reverse=True), [LR, LR / 10, LR / 100])
    assert sorted(first_index)[1:] == [TOTAL // 2 + 1, 3 * TOTAL // 4 + 1]


def test_one_cycle_rises_to_the_peak_then_falls_below_its_start():
    r = rates("1cycle")
    peak = int(np.argmax(r))
    assert peak == pytest.approx(0.45 * TOTAL, abs=1)
    assert r[peak] == pytest.approx(LR, rel=0.02)
    assert np.all(np.diff(r[: peak + 1]) > 0), "the warm-up half must rise at every step"
    assert np.all(np.diff(r[peak:]) < 0), "after the peak the rate must fall at every step"
    assert r[int(0.9 * TOTAL)] == pytest.approx(LR / 10, rel=1e-4)
    assert r[-1] < LR / 100, "the final annealing goes far below the starting rate"
    # the linear ramps are symmetric around the peak
    assert r[peak - 10] == pytest.approx(r[peak + 10], rel=0.05)


def test_one_cycle_round_trips_through_its_config():
    schedule = OneCycle(0.1, 200)
    again = OneCycle.from_config(schedule.get_config())
    for step in (0, 50, 90, 150, 199):
        assert float(again(step)) == pytest.approx(float(schedule(step)))


def test_a_run_logs_the_piecewise_rate_at_each_epoch(tiny):
    cfg = tiny.replace(schedule="piecewise", learning_rate=LR, epochs=4)
    run = w.train(cfg, probes=False)
    steps = int(np.ceil(len(run.dataset.x_train) / cfg.batch_size))
    expected = rate_per_step(cfg, steps)
    # history's lr is read after each epoch, i.e. at step (epoch * steps), clipped to the last step
    at = np.minimum(run.history["epoch"].to_numpy() * steps, len(expected) - 1)
    np.testing.assert_allclose(run.history["lr"], expected[at], rtol=1e-5)


def test_plateau_halves_the_rate_when_validation_loss_stops_improving(tiny):
    # With a minute learning rate the validation loss moves by far less than Keras's min_delta,
    # which counts as "no improvement": after the patience runs out the rate is cut.
    run = w.train(tiny.replace(schedule="plateau", learning_rate=1e-6, epochs=6), probes=False)
    lr = run.history["lr"].to_numpy()
    assert lr[0] == pytest.approx(1e-6)
    assert lr[-1] < lr[0]
    steps_down = np.log(lr / lr[0]) / np.log(PLATEAU_FACTOR)
    np.testing.assert_allclose(steps_down, np.round(steps_down), atol=1e-4)  # whole halvings only


def test_an_integer_learning_rate_gives_a_flat_curve():
    r = rate_per_step(w.RunConfig(schedule="constant", learning_rate=1, epochs=2), 3)
    assert r.dtype == float and np.all(r == 1.0) and len(r) == 6
