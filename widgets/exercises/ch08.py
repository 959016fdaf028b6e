"""Checks for chapter 08 (learning rates and schedules).  Expected answers are computed from the
workbook's own schedules and range-test results when the check runs."""

from __future__ import annotations

from typing import Any

import numpy as np

from . import Feedback, check_number, check_set
from ..config import SCHEDULES, RunConfig
from ..lr_finder import RangeTest
from ..schedules import rate_per_step

PIECEWISE = dict(learning_rate=0.1, epochs=10)
PIECEWISE_STEPS_PER_EPOCH, PIECEWISE_STEP = 8, 70


def check_piecewise_rate(answer: Any) -> Feedback:
    """With schedule="piecewise", learning_rate=0.1, epochs=10 and 8 steps per epoch, what learning
    rate does the optimizer use at step 70?"""
    cfg = RunConfig(schedule="piecewise", **PIECEWISE)
    rates = rate_per_step(cfg, PIECEWISE_STEPS_PER_EPOCH)
    total = len(rates)
    why = (f"The run has {total} steps; the rate is {rates[0]:g} up to step {total // 2}, "
           f"{rates[total // 2 + 1]:g} up to step {3 * total // 4}, then {rates[-1]:g}: step "
           f"{PIECEWISE_STEP} is in the last piece.")
    return check_number(answer, float(rates[PIECEWISE_STEP]), rel_tol=1e-3, what="The rate at step 70", why=why)


def rising_schedules(steps_per_epoch: int = 10) -> set[str]:
    """The schedules whose rate goes up at some step of a run (measured on a 10-epoch run)."""
    return {name for name in SCHEDULES
            if np.any(np.diff(rate_per_step(RunConfig(schedule=name, epochs=10), steps_per_epoch)) > 0)}


def check_rising_schedules(answer: Any) -> Feedback:
    """Which schedules ever raise the learning rate during a run?"""
    correct = rising_schedules()
    feedback = check_set(answer, correct, SCHEDULES, what="schedules")
    if feedback:
        return Feedback(True, "Only 1cycle climbs: it warms up from a tenth of the peak for the first 45 % "
                        "of the steps, which lets the net settle before the big steps come. The others "
                        "only ever hold or lower the rate (plateau lowers it when validation loss stalls).")
    return Feedback(False, feedback.message + " Plot rate_per_step for each schedule and look for a rise.")


def check_range_pick(answer: Any, test: RangeTest) -> Feedback:
    """From a range test, pick a constant learning rate: right when it lies below where the loss
    turns up (at most half the lowest-loss rate) and not far below the steepest fall (at least a
    third of the steepest-descent rate, or of the suggested rate if that is lower)."""
    if isinstance(answer, bool) or not isinstance(answer, (int, float)) or not answer > 0:
        return Feedback(False, f"Give a learning rate as a positive number; you gave {answer!r}.")
    low = min(test.steepest_rate, test.suggested_rate) / 3
    high = test.min_loss_rate / 2
    where = (f"The loss fell fastest near {test.steepest_rate:.2g} and was lowest near "
             f"{test.min_loss_rate:.2g}; good picks lie from {low:.2g} to {high:.2g}.")
    if answer > high:
        return Feedback(False, f"{answer:.2g} is too close to (or past) where the loss turns up. {where}")
    if answer < low:
        return Feedback(False, f"{answer:.2g} is far below where the loss falls fastest: training would "
                        f"crawl. {where}")
    return Feedback(True, f"{answer:.2g} sits a bit below where the loss shoots up. {where}")
