"""Chapter 08 (learning rates and schedules): the learner picks 1cycle's peak from a range test they
ran themselves, and finds how low a constant rate may go within the budget; the checkers train what
the learner chose and judge it against the learner's own range test.  Two recall exercises ask about
the schedules' shapes."""

from __future__ import annotations

import dataclasses
from functools import lru_cache
from typing import Any

import numpy as np

from ..config import SCHEDULES, RunConfig
from . import Feedback, check_locked, check_number, check_set, exercise, solution_function

solution = solution_function("08")

# This chapter's network with SGD and momentum 0.9: a setting the notebook never range-tests.
MOMENTUM = RunConfig(dataset="digits", depth=3, width=64, optimizer="sgd", momentum=0.9, batch_size=128,
                     epochs=10)
ONE_CYCLE = MOMENTUM.replace(schedule="1cycle")


@dataclasses.dataclass(frozen=True)
class Outcome:
    status: str
    loss: float
    val_accuracy: float


def _outcome(run: Any) -> Outcome:
    return Outcome(run.status, float(run.final("loss")), float(run.final("val_accuracy")))


@lru_cache(maxsize=32)
def _train_outcome(config: RunConfig) -> Outcome:
    from ..training import train
    return _outcome(train(config, probes=False))


def _config_of(answer: Any) -> Any:
    config = getattr(answer, "config", None)
    return config if isinstance(config, RunConfig) and hasattr(answer, "status") else answer


def _measure(answer: Any, config: RunConfig) -> Outcome:
    return _outcome(answer) if config is not answer else _train_outcome(config)


def _locked_but(*free: str) -> list[str]:
    return [f.name for f in dataclasses.fields(RunConfig) if f.name not in free]


# -- exercise 1: 1cycle's peak from your own range test ---------------------------------------------

@lru_cache(maxsize=1)
def _reference_turn() -> float:
    """Where the loss of ONE_CYCLE's network turns up in a range test (the checker's own test)."""
    from ..lr_finder import find_learning_rate
    return find_learning_rate(ONE_CYCLE, start_rate=1e-4, end_rate=10.0, steps=200).min_loss_rate


PEAK_ACCURACY, BETTER_THAN_CAUTIOUS = 0.95, 0.7


@exercise("08", 1, "1cycle's peak from your range test", kind="experiment",
          hints=("Run `lr_finder.find_learning_rate(ch08.ONE_CYCLE, ...)` as in section 3 and plot it: where does "
                 "the loss fall, and where does it turn up? Momentum changes that picture, so section 3's plot "
                 "does not answer it.",
                 "A constant rate must be safe from the first step, hence the cautious suggestion. 1cycle spends "
                 "its first steps warming up at a tenth of the peak and ends far below it: how close to the "
                 "turning point of *your* plot can its peak go?"),
          solution='from widgets import lr_finder\n'
                   'cfg = ch08.ONE_CYCLE\n'
                   'test = lr_finder.find_learning_rate(cfg, start_rate=1e-4, end_rate=10.0, steps=200)\n'
                   'peak = test.min_loss_rate / 4  # well up the falling slope, still below the turn\n'
                   'answer = (test, cfg.replace(learning_rate=peak))')
def check_one_cycle_peak(answer: Any) -> Feedback:
    """Hand in `(range_test, run_or_config)`: your range test of ONE_CYCLE's network and a 1cycle run (or
    config) of ONE_CYCLE whose learning_rate (the peak) you picked from it.  Right when the peak lies
    below where *your* test's loss turned up and the 1cycle run trains clearly better than a 1cycle run
    whose peak is your test's cautious `suggested_rate`."""
    from ..lr_finder import RangeTest
    if not isinstance(answer, (tuple, list)) or len(answer) != 2:
        return Feedback(False, "Give a pair: (your range test, your 1cycle config or run).")
    test, second = answer
    if not isinstance(test, RangeTest):
        return Feedback(False, f"The first item should be your RangeTest, from lr_finder.find_learning_rate; "
                        f"you gave {type(test).__name__}.")
    turn = int(np.argmin(test.smoothed))
    if turn >= len(test.smoothed) - 3:
        return Feedback(False, "Your range test ended before its loss turned up: raise its end_rate so that "
                        "you can see where the rate becomes too high.")
    reference = _reference_turn()
    if not reference / 2 <= test.min_loss_rate <= reference * 2:
        return Feedback(False, f"Your range test's loss turns up near {test.min_loss_rate:.2g}: that does not look "
                        "like a test of ch08.ONE_CYCLE's network (SGD with momentum 0.9, batches of 128). Run it "
                        "on that config.")
    config = _config_of(second)
    problem = check_locked(config, ONE_CYCLE, _locked_but("learning_rate"))
    if problem is not None:
        return problem
    peak = config.learning_rate
    if peak >= test.min_loss_rate:
        return Feedback(False, f"A peak of {peak:.2g} is at or past where your test's loss stopped falling "
                        f"({test.min_loss_rate:.2g}): the big steps in the middle of the cycle would undo the "
                        "training.")
    mine = _measure(second, config)
    cautious = _train_outcome(ONE_CYCLE.replace(learning_rate=float(test.suggested_rate)))
    said = (f"Measured: 1cycle with peak {peak:.2g} ended {mine.status} with training loss {mine.loss:.4f} and "
            f"validation accuracy {mine.val_accuracy:.3f}; with your test's cautious suggestion "
            f"({test.suggested_rate:.2g}) as the peak it reached training loss {cautious.loss:.4f}.")
    if mine.status == "finished" and mine.val_accuracy >= PEAK_ACCURACY and mine.loss < BETTER_THAN_CAUTIOUS * cautious.loss:
        return Feedback(True, said + " The suggestion is a safe *constant* rate: it must not hurt the very first "
                        "steps. 1cycle starts at a tenth of its peak and anneals to almost nothing, so its peak can "
                        "sit well up the falling slope of your plot, just below the turn, and the big middle steps "
                        "cover more ground in the same budget.")
    if mine.status != "finished" or mine.val_accuracy < PEAK_ACCURACY:
        return Feedback(False, said + f" The exercise asks for a finished run with validation accuracy of at least "
                        f"{PEAK_ACCURACY}: this peak is too aggressive.")
    return Feedback(False, said + " Your peak does not train clearly better than the cautious pick (the exercise "
                    f"asks for a training loss below {BETTER_THAN_CAUTIOUS:g} times it).")


# -- exercise 2: how low may a constant rate go within the budget -----------------------------------

BUDGET_ACCURACY = 0.95


@exercise("08", 2, "The lowest rate that still finishes within the budget", kind="experiment",
          hints=("Train `ch08.MOMENTUM` (constant rate, 10 epochs) with a few learning rates and read each run's "
                 "final validation accuracy.",
                 "Halve the rate until the run falls short of the target within its 10 epochs; the answer is the "
                 "last rate that reached it."),
          solution='cfg = ch08.MOMENTUM\n'
                   'rate, run = 0.04, None  # 0.04 reaches the target; halve while half of it still does\n'
                   'while True:\n'
                   '    lower = w.train(cfg.replace(learning_rate=rate / 2), probes=False)\n'
                   '    if lower.final("val_accuracy") < 0.95:\n'
                   '        break\n'
                   '    rate, run = rate / 2, lower\n'
                   'answer = run or w.train(cfg.replace(learning_rate=rate), probes=False)')
def check_lowest_rate(answer: Any) -> Feedback:
    """Hand in a Run (or RunConfig) of MOMENTUM with only the learning rate changed that reaches
    BUDGET_ACCURACY validation accuracy in its 10 epochs, while half that rate does not."""
    config = _config_of(answer)
    problem = check_locked(config, MOMENTUM, _locked_but("learning_rate"))
    if problem is not None:
        return problem
    mine = _measure(answer, config)
    rate = config.learning_rate
    if mine.status != "finished" or mine.val_accuracy < BUDGET_ACCURACY:
        return Feedback(False, f"Measured: at {rate:.3g} the run ended {mine.status} with validation accuracy "
                        f"{mine.val_accuracy:.3f}, short of {BUDGET_ACCURACY} within the 10 epochs.")
    half = _train_outcome(config.replace(learning_rate=rate / 2))
    if half.status == "finished" and half.val_accuracy >= BUDGET_ACCURACY:
        return Feedback(False, f"Measured: at {rate:.3g} the run reached validation accuracy {mine.val_accuracy:.3f}, "
                        f"and the checker's run at half that rate reached {half.val_accuracy:.3f}: a lower rate "
                        "still makes it.")
    return Feedback(True, f"Measured: {rate:.3g} reached validation accuracy {mine.val_accuracy:.3f}; half of it "
                    f"only {half.val_accuracy:.3f} in the same 10 epochs. Below this rate the budget runs out before "
                    "the network has learnt enough: a low rate is not safe, only slow, and with a fixed budget "
                    "slow means unfinished. With momentum 0.9 each step also carries about ten times the "
                    "rate's worth of past gradients, so this network's useful range sits lower than plain SGD's.")


# -- exercise 3: the piecewise schedule ----------------------------------------------------------------

PIECEWISE = dict(learning_rate=0.1, epochs=10)
PIECEWISE_STEPS_PER_EPOCH, PIECEWISE_STEP = 8, 70


@exercise("08", 3, "The piecewise rate at step 70", kind="recall",
          hints=("Section 4's table says where the piecewise schedule changes its rate, as a share of the whole "
                 "run. How many steps does this run have?",
                 "`rate_per_step(config, steps_per_epoch)` lists the rate of every step; index it."),
          solution='from widgets.schedules import rate_per_step\n'
                   'answer = float(rate_per_step(w.RunConfig(schedule="piecewise", learning_rate=0.1, epochs=10), 8)[70])')
def check_piecewise_rate(answer: Any) -> Feedback:
    """With schedule="piecewise", learning_rate=0.1, epochs=10 and 8 steps per epoch, what learning
    rate does the optimizer use at step 70?"""
    from ..schedules import rate_per_step
    cfg = RunConfig(schedule="piecewise", **PIECEWISE)
    rates = rate_per_step(cfg, PIECEWISE_STEPS_PER_EPOCH)
    total = len(rates)
    why = (f"The run has {total} steps; the rate is {rates[0]:g} up to step {total // 2}, "
           f"{rates[total // 2 + 1]:g} up to step {3 * total // 4}, then {rates[-1]:g}: step "
           f"{PIECEWISE_STEP} is in the last piece.")
    return check_number(answer, float(rates[PIECEWISE_STEP]), rel_tol=1e-3, what="The rate at step 70", why=why)


# -- exercise 4: which schedules ever raise the rate ------------------------------------------------

def rising_schedules(steps_per_epoch: int = 10) -> set[str]:
    """The schedules whose rate goes up at some step of a run (measured on a 10-epoch run)."""
    from ..schedules import rate_per_step
    return {name for name in SCHEDULES
            if np.any(np.diff(rate_per_step(RunConfig(schedule=name, epochs=10), steps_per_epoch)) > 0)}


@exercise("08", 4, "Schedules that raise the rate", kind="recall",
          hints=("Look at section 4's plot of the rate per step: which curves ever go up?",
                 "The plateau schedule is not in that plot: what does it do when the validation loss stalls?"),
          solution='answer = ["1cycle"]')
def check_rising_schedules(answer: Any) -> Feedback:
    """Which schedules ever raise the learning rate during a run?"""
    correct = rising_schedules()
    feedback = check_set(answer, correct, SCHEDULES, what="schedules")
    if feedback:
        return Feedback(True, "Only 1cycle climbs: it warms up from a tenth of the peak for the first 45 % "
                        "of the steps, which lets the net settle before the big steps come. The others "
                        "only ever hold or lower the rate (plateau lowers it when validation loss stalls).")
    return feedback
