"""Chapter 12 challenges: each broken run has its problem, the repairs work, wrong repairs are refused."""

from __future__ import annotations

import pytest

import widgets as w
from widgets.diagnose import diagnose
from widgets.exercises import ch12

# The repairs the notebook shows as solutions.
SOLUTIONS = {
    "stuck": dict(activation="relu", initializer="he_normal"),
    "wild steps": dict(learning_rate=0.03),
    "raw features": dict(standardize=True),
    "memorizer": dict(dropout=0.5),
    "quiet units": dict(learning_rate=0.01),
}


def test_every_challenge_has_a_solution():
    assert set(SOLUTIONS) == set(ch12.CHALLENGES)


@pytest.mark.parametrize("name", list(ch12.CHALLENGES))
def test_broken_run_has_the_stated_problem_and_the_repair_passes(name):
    challenge = ch12.CHALLENGES[name]
    assert challenge.problem in diagnose(w.train(challenge.broken)), name
    feedback = ch12.check_repair(name, ch12.broken(name).replace(**SOLUTIONS[name]))
    assert feedback, feedback.message


def test_naming_the_problem():
    assert ch12.check_problem("raw features", "saturated units")
    wrong = ch12.check_problem("raw features", "vanishing gradients")
    assert not wrong and "Look again" in wrong.message
    assert not ch12.check_problem("raw features", "something odd")
    assert not ch12.check_problem("no such challenge", "overfitting")


def test_repairs_that_change_locked_fields_or_nothing_are_refused_without_training():
    locked = ch12.check_repair("memorizer", ch12.broken("memorizer").replace(train_fraction=1.0))
    assert not locked and "Keep train_fraction=0.25" in locked.message
    same = ch12.check_repair("memorizer", ch12.broken("memorizer"))
    assert not same and "unchanged" in same.message
    assert not ch12.check_repair("memorizer", None)
    with pytest.raises(ValueError, match="the challenges are"):
        ch12.broken("nope")


def test_a_repair_that_trades_one_problem_for_another_is_refused():
    # Clipping stops the divergence, but the big clipped SGD steps kill ReLU units instead.
    feedback = ch12.check_repair("wild steps", ch12.broken("wild steps").replace(clipnorm=1.0))
    assert not feedback and "dead units" in feedback.message, feedback.message
