"""Chapter 03 checks: a start that trains, a gain for SiLU, Glorot's bound for an unprinted shape."""

from pathlib import Path

import keras
import nbformat
import numpy as np

import widgets as w
from widgets import initialization as wi
from widgets.exercises import ch03

NOTEBOOK = Path(__file__).parents[1] / "notebooks" / "03_weight_initialization.ipynb"
VS = keras.initializers.VarianceScaling


def test_tanh_start_locks_all_but_the_start_and_trains_the_answer():
    start = ch03.TANH_START
    for bad in (None, 0, "", [], start, "glorot_uniform"):
        assert not ch03.check_tanh_start(bad)
    locked = ch03.check_tanh_start(start.replace(optimizer="adam", momentum=0.0, initializer="glorot_uniform"))
    assert not locked and "optimizer='sgd'" in locked.message
    tiny = ch03.check_tanh_start(start.replace(initializer="random_uniform"))   # fixed ±0.05: still vanishes
    assert not tiny and "validation accuracy" in tiny.message
    assert ch03.check_tanh_start(start.replace(initializer="lecun_normal"))


def test_silu_scale_measures_the_initializer_and_rejects_the_printed_scales():
    assert ch03.check_silu_scale(VS(scale=2.3, mode="fan_in", distribution="truncated_normal"))
    for printed in (VS(scale=2.0, mode="fan_in", distribution="truncated_normal"),   # He's, printed in §7
                    VS(scale=1 / 3, mode="fan_in", distribution="uniform"),        # the ±1/√n rule
                    "he_normal", "glorot_uniform", "lecun_normal"):
        feedback = ch03.check_silu_scale(printed)
        assert not feedback and "factor 3" in feedback.message
    assert not ch03.check_silu_scale(VS(scale=3.0, mode="fan_in", distribution="truncated_normal"))
    for bad in (None, 0, "", [], 2.3, "not_an_initializer"):
        assert not ch03.check_silu_scale(bad)


def test_silu_ratios_match_the_chapters_measurement():
    init = VS(scale=2.3, mode="fan_in", distribution="truncated_normal")
    table = wi.spread_table({"x": init}, activations=("silu",), depth=10, width=100)
    forward = wi.spread_ratio(table, "activation_std").loc["x", "silu"]
    backward = wi.spread_ratio(table, "backprop_std").loc["x", "silu"]
    assert np.allclose(ch03.silu_ratios(init), (forward, backward))


def test_glorot_limit_is_keras_bound_for_the_exercise_shape_and_not_a_printed_one():
    kernel = wi.sample_kernel("glorot_uniform", ch03.GLOROT_FAN_IN, ch03.GLOROT_FAN_OUT)
    bound = np.sqrt(6 / (ch03.GLOROT_FAN_IN + ch03.GLOROT_FAN_OUT))
    assert bound * 0.99 < np.abs(kernel).max() <= bound
    assert ch03.check_glorot_limit(bound)
    old_rule = ch03.check_glorot_limit(1 / np.sqrt(ch03.GLOROT_FAN_IN))
    assert not old_rule and "too low" in old_rule.message and "sqrt" not in old_rule.message
    for printed in (wi.glorot_uniform_limit(100, 100), wi.glorot_uniform_limit(64, 32),
                    wi.glorot_uniform_limit(784, 10)):                              # the table of section 5
        assert not ch03.check_glorot_limit(printed)
    assert not ch03.check_glorot_limit("0.12")


def test_exercise_cells_run_unedited_and_say_not_yet():
    cells = [c.source for c in nbformat.read(NOTEBOOK, as_version=4).cells
             if c.cell_type == "code" and "ch03.check_" in c.source]
    assert len(cells) == 3
    namespace = {"w": w, "ch03": ch03, "keras": keras, "wi": wi}
    for source in cells:
        body, call = source.rsplit("\n", 1)
        exec(body, namespace)
        assert not eval(call, namespace)
    exec(cells[0].rsplit("\n", 1)[0], namespace)
    assert namespace["answer"] == ch03.TANH_START
