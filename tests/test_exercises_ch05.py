"""Chapter 05 checkers: a measured right answer passes; wrong settings, the starting configs, trivial
answers and the settings the notebook itself prints fail."""

import pytest

import widgets as w
from widgets.exercises import ch05

TRIVIAL = (None, 0, "", [])


@pytest.mark.parametrize("checker", [ch05.check_regularized, ch05.check_sparse, ch05.check_loss_terms])
def test_trivial_answers_fail_without_raising(checker):
    for answer in TRIVIAL:
        result = checker(answer)
        assert not result and result.message


def test_regularized_accepts_a_remedy_that_closes_the_gap():
    result = ch05.check_regularized(ch05.OVERFITTING.replace(early_stopping_patience=5))
    assert result, result.message
    assert "gap" in result.message


def test_regularized_rejects_the_start_a_weak_remedy_and_locked_fields():
    assert "unchanged" in ch05.check_regularized(ch05.OVERFITTING).message
    weak = ch05.check_regularized(ch05.OVERFITTING.replace(l2=1e-3))
    assert not weak and "gap" in weak.message and weak.hint
    # shrinking the model or using all rows is a remedy too, but not the one this exercise asks for
    assert "keeps" in ch05.check_regularized(ch05.OVERFITTING.replace(width=8)).message
    assert not ch05.check_regularized(ch05.OVERFITTING.replace(train_fraction=1.0, dropout=0.5))


def test_regularized_measures_a_run_handed_in():
    run = w.train(ch05.OVERFITTING.replace(dropout=0.5), probes=False)
    assert ch05.check_regularized(run)


def test_sparse_needs_l1_strong_enough_but_not_too_strong():
    assert ch05.check_sparse(ch05.BIG.replace(l1=3e-3))
    printed = ch05.check_sparse(ch05.BIG.replace(l1=1e-3))  # the notebook's L1 run: not sparse enough
    assert not printed and "near zero" in printed.message
    assert not ch05.check_sparse(ch05.BIG.replace(l2=1e-3))  # the notebook's L2 run
    dead = ch05.check_sparse(ch05.BIG.replace(l1=3e-2))  # every weight gone: majority-class guessing
    assert not dead and "accuracy" in dead.message
    assert "unchanged" in ch05.check_sparse(ch05.BIG).message
    assert not ch05.check_sparse(ch05.BIG.replace(l1=3e-3, dropout=0.2))  # only penalties may change


def test_loss_terms_are_the_penalties_only():
    assert ch05.check_loss_terms(["L2", "l1"])
    wrong = ch05.check_loss_terms(["l1", "l2", "dropout"])
    assert not wrong and "1 that should not" in wrong.message and "dropout" not in wrong.message
    assert not ch05.check_loss_terms(["l1"])
    assert not ch05.check_loss_terms(["weight_decay"])


def test_hints_never_name_the_answer():
    for entry in w.exercises.exercises_of("05"):
        for hint in entry.hints:
            assert "3e-3" not in hint and "dropout=0.5" not in hint
