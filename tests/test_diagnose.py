"""diagnose(run): each problem is recognised on a run made to have it, and healthy runs pass."""

from __future__ import annotations

import functools
import math

import numpy as np
import pytest

import widgets as w
from widgets import diagnose as dg


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
    assert finding.fix == dg.FIXES[expected]


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
        columns = {c: (t, side) for c, (t, side, p) in dg.THRESHOLDS.items() if p == problem}
        if not columns:  # divergence is read from run.status
            continue
        values = dg.diagnose(example_run(name)).measurements
        past = [values[c] > t if side == "above" else values[c] < t for c, (t, side) in columns.items()]
        assert any(past), (name, {c: values[c] for c in columns})


def test_table_has_one_row_per_run_and_names_the_problems():
    runs = {name: example_run(name) for name in ("healthy (moons, ReLU + He)", "SGD at 1e-5")}
    table = dg.measurement_table(runs)
    assert list(table.index) == list(runs)
    assert table.loc["SGD at 1e-5", "problems found"] == "learning rate too low"
    assert table.loc["healthy (moons, ReLU + He)", "problems found"] == "none"
    # saturation is judged only for sigmoid/tanh, dead units only for the ReLU family
    assert np.isnan(table.loc["SGD at 1e-5", "saturated_worst_layer"])
    assert 0 <= table.loc["SGD at 1e-5", "dead_mean"] <= 1


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
