"""Bad input in a lab: the controls only offer valid values, and an error shows in words.

A learner's nonsense cannot reach `RunConfig` through a control; a contradictory combination or a
failing run is reported in the lab's status line, in words, with no traceback, and the figures keep
showing the previous run.
"""

from __future__ import annotations

import shutil

import ipywidgets as ipw
import numpy as np
import pytest

import widgets as w
from widgets import data
from widgets.config import RunConfig, field_names, ignored_fields
from widgets.controls import CONTROL_SPECS, control_value

# Fields that other fields restrict are allowed here: momentum and nesterov need SGD, init_scale a
# random initializer.  Every field has a control, so every field is covered.
BASE = w.RunConfig(optimizer="sgd", initializer="random_normal", depth=2, width=8, epochs=2, batch_size=64)


def _reachable(control: ipw.Widget) -> list:
    """Every value a learner can give the control (a slider's grid, a dropdown's options)."""
    if isinstance(control, ipw.Dropdown):
        return [value for _, value in control.options]
    if isinstance(control, ipw.Checkbox):
        return [False, True]
    if isinstance(control, ipw.FloatLogSlider):
        return [10.0 ** e for e in np.arange(control.min, control.max + control.step / 2, control.step)]
    return list(np.arange(control.min, control.max + control.step / 2, control.step))


def test_every_field_has_a_control():
    assert set(CONTROL_SPECS) == set(field_names())


def test_no_control_can_produce_an_invalid_config():
    lab = w.TrainingLab(BASE, controls=tuple(CONTROL_SPECS), figures=("curves",))
    try:
        tried = 0
        for field, control in lab.controls.items():
            start = control.value
            for value in _reachable(control):
                control.value = value
                ignored = ignored_fields(lab.values())
                expected = getattr(RunConfig(), field) if field in ignored else control_value(control)
                assert getattr(lab.config, field) == expected  # lab.config raises if invalid
                assert control.disabled == (field in ignored)
                tried += 1
            control.value = start
        assert tried > 500  # every option and every slider position
    finally:
        lab.close()


def _figure_data(lab: w.TrainingLab) -> dict[str, str]:
    return {name: fig.to_json() for name, fig in lab.figures.items()}


@pytest.fixture
def lab():
    lab = w.TrainingLab(BASE.replace(optimizer="adam", initializer="glorot_uniform"),
                        controls=("dataset", "clipnorm", "clipvalue"))
    lab.run()
    yield lab
    lab.close()


def test_controls_that_do_not_apply_are_greyed_out_not_errors(lab, capfd):
    """Chapter 06's trap: clipvalue after clipnorm, or Adam after momentum, used to be errors."""
    shown = _figure_data(lab)
    lab.controls["clipnorm"].value = 1.0
    lab.controls["clipvalue"].value = 0.5  # a Keras optimizer takes only one of the two: greyed out
    assert lab.controls["clipvalue"].disabled and "clipnorm is set" in lab.controls["clipvalue"].tooltip
    assert lab.config.clipvalue is None and not lab.status_text.startswith("Cannot")
    assert _figure_data(lab) == shown
    sgd = w.TrainingLab(BASE, controls=("optimizer", "momentum", "nesterov"), figures=("curves",))
    try:
        sgd.set(momentum=0.9, nesterov=True)
        sgd.controls["optimizer"].value = "adam"
        assert sgd.controls["momentum"].disabled and sgd.controls["nesterov"].disabled
        assert "adam does not use momentum" in sgd.controls["momentum"].tooltip
        assert (sgd.config.momentum, sgd.config.nesterov) == (0.0, False)
        assert not sgd.status_text.startswith("Cannot")
        sgd.controls["optimizer"].value = "sgd"  # back: the momentum set before counts again
        assert (sgd.config.momentum, sgd.config.nesterov) == (0.9, True)
    finally:
        sgd.close()
    assert "Traceback" not in "".join(capfd.readouterr())


@pytest.fixture
def broken_pima(tmp_path, monkeypatch):
    """A copy of the shipped data whose pima.csv has one changed digit."""
    for name in ("pima.csv", "SHA256SUMS"):
        shutil.copy(data.DATA_DIR / name, tmp_path / name)
    path = tmp_path / "pima.csv"
    path.write_text(path.read_text().replace("Pima.tr,5,86", "Pima.tr,5,87", 1))
    monkeypatch.setattr(data, "DATA_DIR", tmp_path)
    data._split.cache_clear()
    yield path
    data._split.cache_clear()


def test_a_failing_run_shows_in_words_and_keeps_the_figures(lab, broken_pima, capfd):
    shown = _figure_data(lab)
    lab.controls["dataset"].value = "pima"
    lab.train_button.click()  # the run fails in the background thread: the data file has changed
    assert lab.wait(timeout=60).config.dataset == "moons"  # no new run: the last one stays
    text = lab.status_text
    assert text.startswith("Training failed: DatasetIntegrityError: The data file") and "has changed" in text
    assert "git checkout -- datasets/pima.csv" in text  # how to restore it
    assert _figure_data(lab) == shown
    assert not lab.train_button.disabled and lab.stop_button.disabled  # ready for the next try
    assert "Traceback" not in text + "".join(capfd.readouterr())
