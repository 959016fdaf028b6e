"""Chapter 01 checks: each experiment is judged on the learner's own, measured run."""

from pathlib import Path

import nbformat
import pytest

import widgets as w
from widgets.exercises import ch01

NOTEBOOK = Path(__file__).parents[1] / "notebooks" / "01_vanishing_exploding_gradients.ipynb"
CHECKERS = (ch01.check_deep_net_learns, ch01.check_init_scale, ch01.check_units_alive)
STARTS = (ch01.SIGMOID_START, ch01.WIDE_START, ch01.RECKLESS_START)


@pytest.mark.parametrize("checker, start", list(zip(CHECKERS, STARTS)), ids=lambda v: getattr(v, "__name__", ""))
def test_trivial_answers_and_the_start_fail_without_training(checker, start):
    for trivial in (None, 0, "", [], 0.28, "relu"):
        assert not checker(trivial)
    unchanged = checker(start)
    assert not unchanged and "unchanged" in unchanged.message


def test_exercise_cells_start_from_the_module_configs_and_say_not_yet():
    """Run unedited, each exercise cell hands in its starting config and gets a red box, no error."""
    cells = [c.source for c in nbformat.read(NOTEBOOK, as_version=4).cells
             if c.cell_type == "code" and "ch01.check_" in c.source]
    assert len(cells) == 3
    for source, start in zip(cells, STARTS):
        namespace = {"w": w, "ch01": ch01}
        exec(source.rsplit("\n", 1)[0], namespace)
        assert namespace["answer"] == start
        assert not eval(source.rsplit("\n", 1)[1], namespace)


def test_deep_net_locks_depth_and_budget():
    assert "depth=8" in ch01.check_deep_net_learns(ch01.SIGMOID_START.replace(depth=2, activation="relu")).message
    assert "epochs=10" in ch01.check_deep_net_learns(ch01.SIGMOID_START.replace(epochs=50)).message


def test_deep_net_rejects_a_higher_rate_that_hides_the_vanishing_gradient():
    # The sigmoid net with lr 0.01 passes 0.85 accuracy, but its first layer still starves.
    feedback = ch01.check_deep_net_learns(ch01.SIGMOID_START.replace(learning_rate=0.01))
    assert not feedback and "x the first's" in feedback.message and feedback.hint
    assert "relu" not in (feedback.message + feedback.hint).lower()


def test_deep_net_accepts_another_cure_than_the_solution():
    assert ch01.check_deep_net_learns(ch01.SIGMOID_START.replace(activation="tanh"))


def test_init_scale_locks_everything_else_and_rejects_the_printed_spreads():
    assert not ch01.check_init_scale(ch01.WIDE_START.replace(init_scale=0.28, width=64))
    assert not ch01.check_init_scale(ch01.WIDE_START.replace(initializer="he_normal", init_scale=None))
    vanishing = ch01.check_init_scale(ch01.WIDE_START.replace(init_scale=0.05))   # section 6's spread
    assert not vanishing and "vanish" in vanishing.message
    exploding = ch01.check_init_scale(ch01.WIDE_START.replace(init_scale=0.5))
    assert not exploding and "explode" in exploding.message
    assert not ch01.check_init_scale(ch01.WIDE_START.replace(init_scale=None))    # Keras's default 0.05


def test_units_alive_keeps_relu_and_the_rate_and_measures_dead_units():
    locked = ch01.check_units_alive(ch01.RECKLESS_START.replace(activation="leaky_relu"))
    assert not locked and "activation='relu'" in locked.message
    assert not ch01.check_units_alive(ch01.RECKLESS_START.replace(learning_rate=0.001))
    still_dying = ch01.check_units_alive(ch01.RECKLESS_START.replace(initializer="glorot_uniform"))
    assert not still_dying and "dead" in still_dying.message
