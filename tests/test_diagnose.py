"""diagnose(run): each problem is recognised on a run made to have it, and healthy runs pass."""

from __future__ import annotations

import dataclasses
import functools
import math

import numpy as np
import pytest

import widgets as w
from widgets import diagnose as dg
from widgets import diagnose_rules as rules
from widgets import diagnose_tables as dt


@functools.lru_cache(maxsize=None)
def example_run(name: str) -> w.Run:
    """Train one of diagnose.EXAMPLES once per test session."""
    return w.train(dg.EXAMPLES[name][0])


BROKEN = [name for name, (_, problem) in dg.EXAMPLES.items() if problem is not None]
HEALTHY = [name for name, (_, problem) in dg.EXAMPLES.items() if problem is None]


def test_every_problem_has_an_example_and_a_fix():
    covered = {problem for _, problem in dg.EXAMPLES.values() if problem}
    assert covered == set(dg.PROBLEMS)
    assert set(dg.FIXES) == set(dg.PROBLEMS)


@pytest.mark.parametrize("name", BROKEN)
def test_recognises_the_problem_a_run_was_made_to_have(name):
    expected = dg.EXAMPLES[name][1]
    diagnosis = dg.diagnose(example_run(name))
    assert expected in diagnosis, (name, str(diagnosis), diagnosis.measurements)
    assert not diagnosis.healthy
    finding = next(f for f in diagnosis.findings if f.problem == expected)
    assert any(ch.isdigit() for ch in finding.evidence), finding.evidence  # evidence in numbers
    assert finding.fix == dg.FIXES[expected][0]


@pytest.mark.parametrize("name", HEALTHY)
def test_healthy_runs_are_reported_healthy(name):
    diagnosis = dg.diagnose(example_run(name))
    assert diagnosis.healthy, str(diagnosis)
    assert diagnosis.findings == ()
    assert "Nothing wrong found" in diagnosis._repr_html_()
    assert "nothing wrong found" in str(diagnosis)


def test_findings_come_most_fundamental_first_and_show_in_html():
    diagnosis = dg.diagnose(example_run("learning rate 1e4"))
    assert diagnosis.problems[0] == "divergence"
    assert [dg.PROBLEMS.index(p) for p in diagnosis.problems] == sorted(dg.PROBLEMS.index(p) for p in diagnosis.problems)
    page = diagnosis._repr_html_()
    assert "divergence" in page and "what to try" in page


def test_measurements_sit_on_the_stated_side_of_each_threshold():
    """The table that justifies the thresholds: every broken example is past (one of) its rule's thresholds."""
    for name in BROKEN:
        problem = dg.EXAMPLES[name][1]
        columns = [(c, t, side) for c, t, side, p in dt.THRESHOLDS if p == problem]
        if not columns:  # divergence is read from run.status
            continue
        values = dg.diagnose(example_run(name)).measurements
        past = [values[c] > t if side == "above" else values[c] < t for c, t, side in columns]
        assert any(past), (name, {c: values[c] for c, _, _ in columns})


def test_table_has_one_row_per_run_and_names_the_problems():
    runs = {name: example_run(name) for name in ("healthy (moons, ReLU + He)", "SGD at 1e-5")}
    table = dt.measurement_table(runs)
    assert list(table.index) == list(runs)
    assert table.loc["SGD at 1e-5", "problems found"] == "learning rate too low"
    assert table.loc["healthy (moons, ReLU + He)", "problems found"] == "none"
    # saturation is judged only for sigmoid/tanh, dead units only for ReLU
    assert np.isnan(table.loc["SGD at 1e-5", "saturated_worst_layer"])
    assert 0 <= table.loc["SGD at 1e-5", "dead_worst_layer"] <= 1


def test_chance_loss_is_the_entropy_of_the_labels_or_the_variance():
    moons = w.load_dataset("moons")  # balanced: ln 2
    assert math.isclose(dg.chance_loss(w.RunConfig(dataset="moons"), moons), math.log(2), rel_tol=1e-3)
    reg = w.load_dataset("diabetes_progression")
    assert math.isclose(dg.chance_loss(w.RunConfig(dataset="diabetes_progression"), reg), np.var(reg.y_train))
    assert math.isnan(dg.chance_loss(w.RunConfig(dataset="moons", loss="hinge"), moons))


def test_clean_loss_leaves_out_the_weight_penalty():
    run = w.train(w.RunConfig(dataset="moons", l2=0.1, epochs=2, batch_size=128), probes=False)
    clean = dg.clean_loss(run, run.dataset.x_train, run.dataset.y_train)
    logged = run.model.evaluate(run.dataset.x_train, run.dataset.y_train, verbose=0, return_dict=True)["loss"]
    assert clean < logged - 0.05, (clean, logged)  # Keras's loss includes the L2 term


def test_runs_without_probes_get_a_note_and_only_curve_rules():
    run = w.train(dg.EXAMPLES["SGD at 1e-5"][0], probes=False)
    diagnosis = dg.diagnose(run)
    assert any("probes=False" in note for note in diagnosis.notes)
    assert "learning rate too low" not in diagnosis  # that rule needs the update ratios


def test_early_stopped_run_is_not_called_overfit():
    config = dg.EXAMPLES["3x256 net on 100 pima rows"][0].replace(early_stopping_patience=3)
    run = w.train(config)
    assert run.status == "early-stopped"
    assert "overfitting" not in dg.diagnose(run)


def test_bad_input_is_refused_with_a_clear_message():
    with pytest.raises(TypeError, match="must be a widgets Run"):
        dg.diagnose("not a run")
    running = w.Run(config=w.RunConfig(), dataset=w.load_dataset("moons"))
    with pytest.raises(ValueError, match="still training"):
        dg.diagnose(running)


def test_lab_shows_the_report_of_each_run():
    lab = w.TrainingLab(w.RunConfig(dataset="moons", optimizer="sgd", learning_rate=1e-5, epochs=2,
                                    batch_size=128), controls=("learning_rate",), figures=("curves",),
                        report=dg.diagnose)
    assert lab.report_view.value == ""
    lab.run()
    assert "Diagnosis" in lab.report_view.value and "learning rate too low" in lab.report_view.value
    plain = w.TrainingLab(w.RunConfig(epochs=1), controls=(), figures=("curves",))
    plain.run()
    assert plain.report_view.value == ""  # no report asked for, nothing shown


# -- the rules on the cases the issue named (numbers as measure() gives them; no training) ------------


MOONS = w.RunConfig(dataset="moons")


def test_overfitting_is_read_from_the_gap_and_its_trend():
    # train 0.30 against validation 0.60 and rising, on a balanced binary task (chance ln 2)
    textbook = {"val_gap": (0.60 - 0.30) / math.log(2), "val_rise": 0.08, "val_recent_drop": -0.05,
                "val_loss_clean": 0.60, "train_loss_clean": 0.30, "val_best_epoch": 12}
    assert rules.overfitting(MOONS, textbook, "finished")
    flat = {**textbook, "val_rise": 0.0, "val_recent_drop": 0.005}                # apart, validation flat
    assert rules.overfitting(MOONS, flat, "finished")
    assert not rules.overfitting(MOONS, {**flat, "val_recent_drop": 0.1}, "finished")  # still falling
    assert not rules.overfitting(MOONS, {**textbook, "val_gap": 0.05}, "finished")  # noisy, no gap
    assert not rules.overfitting(MOONS, textbook, "early-stopped")                  # kept its best epoch


def test_dead_units_judge_the_worst_layer_and_only_relu():
    one_dead_layer_of_four = {"dead_worst_layer": 1.0}
    assert rules.dead_units(MOONS, one_dead_layer_of_four, "finished")
    for activation in ("elu", "gelu", "silu", "leaky_relu"):
        assert not rules.dead_units(MOONS.replace(activation=activation), one_dead_layer_of_four, "finished")
    revive = dg.FIXES["dead units"][1]
    # steps too big: 10x lower, and at least down to 3x the default (0.003 for Adam and Nadam)
    assert revive(MOONS.replace(learning_rate=0.02)) == {"learning_rate": pytest.approx(0.002)}
    assert revive(MOONS.replace(learning_rate=0.3)) == {"learning_rate": pytest.approx(0.003)}
    assert revive(MOONS.replace(optimizer="nadam", learning_rate=0.5)) == {"learning_rate": pytest.approx(0.003)}
    assert revive(MOONS) == {"activation": "leaky_relu"}                                     # at the default rate


def test_saturation_needs_a_stall_and_vanishing_does_not():
    tanh = MOONS.replace(activation="tanh")
    assert rules.saturated_units(tanh, {"saturated_worst_layer": 0.9, "loss_vs_chance": 0.6}, "finished")
    assert not rules.saturated_units(tanh, {"saturated_worst_layer": 0.9, "loss_vs_chance": 0.05}, "finished")
    # a deep sigmoid net that learns slowly (60 % of chance) still has vanishing gradients
    sigmoid = MOONS.replace(activation="sigmoid", depth=8)
    assert rules.vanishing_gradients(sigmoid, {"depth_ratio_final": 1e-4, "loss_vs_chance": 0.6}, "finished")


def test_a_deeper_cause_hides_its_consequences():
    tanh = MOONS.replace(activation="tanh", standardize=False)
    m = {"saturated_worst_layer": 1.0, "loss_vs_chance": 1.0, "loss_vs_start": 1.0, "depth_ratio_final": 0.0,
         "fastest_update": 1e-5, "epochs": 5}
    assert [f.problem for f in rules.findings(tanh, m, "finished")] == ["saturated units"]
    [finding] = rules.findings(tanh, m, "finished")
    assert finding.changes == {"standardize": True}


def test_exploding_gradients_explain_dead_units_only_when_there_from_the_start():
    """Gradients that explode at initialization kill ReLU units and are the cause to treat; large
    gradients found only at the end of training may come after the units died, so both are reported."""
    m = {"dead_worst_layer": 0.9, "loss_vs_chance": 0.9, "loss_vs_start": 0.9, "fastest_update": 0.01, "epochs": 5}
    at_init = {**m, "rel_grad_init": 50.0, "rel_grad_final": 0.5}
    at_end = {**m, "rel_grad_init": 0.5, "rel_grad_final": 50.0}
    assert [f.problem for f in rules.findings(MOONS, at_init, "finished")] == ["exploding gradients"]
    assert [f.problem for f in rules.findings(MOONS, at_end, "finished")] == ["exploding gradients", "dead units"]


def test_an_unscaled_regression_target_is_not_exploding():
    """The same healthy regression net on targets in units 100x larger: the squared-error gradient
    grows 100x, the unit-free relative gradient does not."""
    config = w.RunConfig(dataset="diabetes_progression", initializer="he_normal", depth=2, batch_size=32, epochs=6)
    ds = w.load_dataset("diabetes_progression")
    big = dataclasses.replace(ds, y_train=ds.y_train * 100, y_val=ds.y_val * 100)
    small_run, big_run = w.train(config, ds), w.train(config, big)
    small, large = dg.diagnose(small_run), dg.diagnose(big_run)
    assert float(big_run.gradients["grad_norm"].iloc[0]) > 30 * float(small_run.gradients["grad_norm"].iloc[0])
    # the same order (the untrained net's own outputs matter less beside targets 100x larger)
    assert 0.5 < large.measurements["rel_grad_init"] / small.measurements["rel_grad_init"] < 2
    assert "exploding gradients" not in large, str(large)


def test_prescribe_applies_the_first_fix():
    run = example_run("SGD at 1e-5")
    diagnosis = dg.diagnose(run)
    fixed = dg.prescribe(diagnosis)
    # at least 100x and at least SGD's usual default (0.01): 100x of 1e-5 would still be too low
    assert fixed.learning_rate == pytest.approx(rules.KERAS_DEFAULT_RATE["sgd"])
    assert fixed.replace(learning_rate=1.0) == run.config.replace(learning_rate=1.0)  # nothing else changed
    assert dg.prescribe(dg.diagnose(example_run("healthy (moons, ReLU + He)"))) is None
    with pytest.raises(TypeError, match="diagnose"):
        dg.prescribe(run)


def test_unscaled_inputs_into_relu_are_standardized_before_any_reinitialization():
    """Raw inputs make a ReLU net's gradients explode; He initialization would make it worse."""
    raw = MOONS.replace(standardize=False, initializer="glorot_uniform")
    [finding] = rules.findings(raw, {"rel_grad_init": 1e3, "loss_vs_chance": 0.5}, "finished")
    assert finding.problem == "exploding gradients" and finding.changes == {"standardize": True}
    [finding] = rules.findings(raw.replace(standardize=True), {"rel_grad_init": 1e3, "loss_vs_chance": 0.5},
                               "finished")
    assert finding.changes == {"initializer": "he_normal", "init_scale": None}


def test_every_fix_changes_the_config_of_every_benchmark_case():
    """A fix that leaves the config as it was (batch norm already on, dropout already 0.5, width
    already 1024) falls back to the next remedy.  The dead-units fix is checked on ReLU nets only,
    the only ones that rule fires for."""
    from widgets import doctor_cases
    configs = [c.config for c in doctor_cases.cases()]
    configs += [c.replace(batchnorm=True, initializer=rules.SUITED_INITIALIZER.get(c.activation, "glorot_uniform"),
                          dropout=0.5, width=1024, activation=a)
                for c in configs[:8] for a in ("relu", "leaky_relu", "tanh")]
    for config in configs:
        for problem, (_, fix) in rules.FIXES.items():
            if problem == "dead units" and config.activation not in rules.DYING_ACTIVATIONS:
                continue
            assert config.replace(**fix(config)) != config, (problem, config)


def test_a_weight_penalty_does_not_hide_a_stall():
    """The start the stall rules compare with is the task loss, without the L2 penalty the initial
    Keras loss includes."""
    run = w.train(MOONS.replace(optimizer="sgd", learning_rate=1e-5, l2=0.01, epochs=3, batch_size=64))
    diagnosis = dg.diagnose(run)
    assert run.initial_penalty > 0.01 * run.initial["loss"]
    assert diagnosis.measurements["loss_vs_start"] == pytest.approx(1.0, abs=0.02)
    assert "learning rate too low" in diagnosis, str(diagnosis)
