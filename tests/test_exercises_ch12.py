"""Chapter 12 challenges: each broken run has its problem, the repairs work, wrong repairs are refused,
and a problem caused on purpose is found by the diagnosis."""

from __future__ import annotations

import pytest

from widgets.diagnose import diagnose
from widgets.exercises import ch12

TRIVIAL = (None, 0, "", [])

# The repairs of ch12.solution(2).
SOLUTIONS = {
    "patient A": dict(activation="relu", initializer="he_normal"),
    "patient B": dict(learning_rate=0.03),
    "patient C": dict(standardize=True),
    "patient D": dict(dropout=0.5, l2=0.01),
    "patient E": dict(learning_rate=0.01),
}
PROBLEMS = {"patient A": "vanishing gradients", "patient B": "divergence", "patient C": "saturated units",
            "patient D": "overfitting", "patient E": "dead units"}


def test_every_challenge_has_a_solution():
    assert set(SOLUTIONS) == set(ch12.CHALLENGES) == set(PROBLEMS)


@pytest.mark.parametrize("name", list(ch12.CHALLENGES))
def test_broken_run_has_the_stated_problem_and_the_repair_passes(name):
    challenge = ch12.CHALLENGES[name]
    # The run the chapter shows and exercise 1 judges by, trained once per session (the other tests
    # use it too): it must be the run of the challenge's broken config.
    run = ch12.broken_run(name)
    assert run.config == challenge.broken, (name, run.config)
    assert challenge.problem == PROBLEMS[name] and challenge.problem in diagnose(run), name
    feedback = ch12.check_repair(name, ch12.broken(name).replace(**SOLUTIONS[name]))
    assert feedback and feedback.run is not None, feedback.message


def test_naming_all_five_problems():
    assert ch12.check_problems(dict(PROBLEMS))
    assert ch12.check_problems({k: v.upper() for k, v in PROBLEMS.items()})
    one_wrong = ch12.check_problems({**PROBLEMS, "patient C": "vanishing gradients"})
    assert not one_wrong and "4 of 5" in one_wrong.message and "patient C: not vanishing" in one_wrong.message
    assert "saturated" not in one_wrong.message          # a wrong pick does not hear the right sign
    partial = ch12.check_problems({"patient A": PROBLEMS["patient A"]})
    assert not partial and "Not answered yet" in partial.message
    assert not ch12.check_problems({name: "nothing wrong" for name in PROBLEMS})
    assert not ch12.check_problems({name: None for name in PROBLEMS})          # the notebook's starting cell
    assert "Unknown challenge" in ch12.check_problems({"nope": "overfitting"}).message
    assert "one of" in ch12.check_problems({**PROBLEMS, "patient A": "something odd"}).message


@pytest.mark.parametrize("name", list(ch12.CHALLENGES))
def test_a_name_is_right_exactly_when_diagnose_reports_it(name):
    found = set(diagnose(ch12.broken_run(name)).problems) or {ch12.HEALTHY}
    for answer in ch12.SIGNS:
        assert ch12.problem_verdict(name, answer).correct == (answer in found), (name, answer, found)


def test_titles_do_not_give_the_problem_away():
    giveaways = ("vanish", "explod", "diverg", "blow", "satur", "dead", "quiet", "overfit", "memoriz", "underfit",
                 "sigmoid", "tanh", "raw", "unscaled", "rate", "step", "stuck", "big net", "100 rows")
    for name, challenge in ch12.CHALLENGES.items():
        text = f"{name} {challenge.title}".lower()
        assert not any(word in text for word in giveaways), (name, challenge.title)


def test_repairs_all_five_in_one_dict_and_partial_answers_fail():
    repairs = {name: ch12.broken(name).replace(**change) for name, change in SOLUTIONS.items()}
    assert ch12.check_repairs(repairs)
    partial = ch12.check_repairs({**repairs, "patient D": None})
    assert not partial and "4 of 5" in partial.message and "Not tried yet: patient D" in partial.message
    assert not ch12.check_repairs({name: None for name in SOLUTIONS})          # the notebook's starting cell
    assert not ch12.check_repairs({name: ch12.broken(name) for name in SOLUTIONS})   # unchanged broken configs


def test_repairs_that_change_locked_fields_or_nothing_are_refused_without_training():
    locked = ch12.check_repair("patient D", ch12.broken("patient D").replace(train_fraction=1.0))
    assert not locked and "train_fraction=0.25" in locked.message and getattr(locked, "run", None) is None
    same = ch12.check_repair("patient D", ch12.broken("patient D"))
    assert not same and "unchanged" in same.message
    assert not ch12.check_repair("patient D", None)
    with pytest.raises(ValueError, match="the challenges are"):
        ch12.broken("nope")


def test_a_repair_that_trades_one_problem_for_another_is_refused():
    # Clipping stops the divergence, but the big clipped SGD steps kill ReLU units instead.
    feedback = ch12.check_repair("patient B", ch12.broken("patient B").replace(clipnorm=1.0))
    assert not feedback and "dead units" in feedback.message, feedback.message


def test_exploding_on_purpose_is_measured_on_the_learners_run():
    assert ch12.check_exploding_on_purpose(ch12.HEALTHY_START.replace(initializer="random_normal", init_scale=3.0))
    assert "unchanged" in ch12.check_exploding_on_purpose(ch12.HEALTHY_START).message
    diverged = ch12.check_exploding_on_purpose(ch12.HEALTHY_START.replace(learning_rate=1.0))
    assert not diverged and "diverged" in diverged.message
    calm = ch12.check_exploding_on_purpose(ch12.HEALTHY_START.replace(initializer="glorot_uniform"))
    assert not calm and "nothing wrong" in calm.message
    deeper = ch12.check_exploding_on_purpose(ch12.HEALTHY_START.replace(depth=12, activation="linear"))
    assert not deeper and "keeps" in deeper.message


@pytest.mark.parametrize("trivial", TRIVIAL)
def test_every_checker_refuses_trivial_answers(trivial):
    assert not ch12.check_problems(trivial)
    assert not ch12.check_repairs(trivial)
    assert not ch12.check_exploding_on_purpose(trivial)
