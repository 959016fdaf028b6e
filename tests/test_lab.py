"""The lab driven from Python, as nbval and a learner's clicks would drive it (no browser)."""

import threading
import time

import pytest

import widgets as w
from widgets.controls import CONTROL_SPECS
from widgets import lab as lab_module
from widgets import labruns, livefigure
from widgets import panel

CONTROLS = ("activation", "initializer", "depth", "dropout", "clipnorm", "optimizer", "learning_rate")


@pytest.fixture
def lab():
    lab = w.TrainingLab(w.RunConfig(depth=2, width=8, epochs=3, batch_size=64), controls=CONTROLS)
    yield lab
    lab.close()


def _points(lab):
    data = lab.figures["curves"].data
    return len(data[0].x or ()) if data else 0


def test_optional_fields_show_off_and_map_to_none(lab):
    clip = lab.controls["clipnorm"]
    assert clip.label == "off" and lab.config.clipnorm is None  # a visible choice, not an empty box
    lab.set(clipnorm=1.0)
    assert clip.label == "1" and lab.config.clipnorm == 1.0
    lab.set(clipnorm=None)
    assert clip.label == "off" and lab.config.clipnorm is None


def test_controls_are_bound_to_their_fields(lab):
    assert list(lab.controls) == list(CONTROLS)
    lab.controls["activation"].value = "tanh"
    lab.controls["learning_rate"].value = 0.01
    lab.controls["clipnorm"].value = 1.0
    cfg = lab.config
    assert (cfg.activation, cfg.learning_rate, cfg.clipnorm, cfg.epochs) == ("tanh", pytest.approx(0.01), 1.0, 3)


def test_run_uses_the_controls_and_fills_the_figures(lab):
    lab.set(activation="sigmoid", depth=3)
    run = lab.run()
    assert run.status == "finished" and run.config.activation == "sigmoid" and run.config.depth == 3
    assert _points(lab) == 4  # epoch 0 (untrained) and epochs 1-3
    assert [t.name for t in lab.figures["histogram"].data] == ["hidden 1", "hidden 2", "hidden 3", "output"]
    assert "Finished after 3 of 3 epochs" in lab.status_text


def test_pinned_run_stays_as_a_faded_reference(lab):
    lab.run()
    lab.pin()
    lab.set(activation="tanh")
    lab.run()
    names = [t.name for t in lab.figures["curves"].data]
    pinned = [t for t in lab.figures["curves"].data if t.name.startswith("pinned:")]
    assert len(pinned) == 4 and all(t.opacity < 1 for t in pinned) and "train" in names
    assert pinned[0].name == "pinned: #1 train"
    assert "pinned #1: 2x8 relu" in lab.figures["curves"].layout.annotations[-1].text
    lab.clear_pins()
    assert not any(t.name.startswith("pinned:") for t in lab.figures["curves"].data)


def test_train_button_trains_in_the_background_and_stop_ends_it(lab):
    lab.set(depth=2)
    lab.controls["activation"].value = "relu"
    lab.set(epochs=200)
    lab.train_button.click()
    assert lab.is_running and lab.train_button.disabled and not lab.stop_button.disabled
    deadline = time.time() + 60
    while _points(lab) < 3 and time.time() < deadline:  # the curve grows while training goes on
        time.sleep(0.05)
    assert 3 <= _points(lab) < 200 and lab.is_running
    assert "Epoch" in lab.status_text and "of 200" in lab.status_text
    lab.stop_button.click()
    run = lab.wait(timeout=30)
    assert run.status == "stopped" and run.epochs_done < 200
    assert "Stopped after" in lab.status_text and not lab.train_button.disabled


def _page_draws(lab, every: float):
    """A stand-in for the page: acknowledges every figure's updates every `every` seconds, as
    plotly's front end does once it has drawn them (None: the page drew the first state, then froze)."""
    def acknowledge():
        for figure in lab.figures.values():
            figure._js2py_widget_layoutDelta = {"layout_edit_id": figure._last_layout_edit_id}
    acknowledge()
    if every is None:
        return lambda: None
    stop = threading.Event()
    def loop():
        while not stop.wait(every):
            acknowledge()
    threading.Thread(target=loop, daemon=True).start()
    return stop.set


@pytest.mark.parametrize("page", ["keeps up", "frozen"])
def test_live_redraws_wait_for_a_page_still_drawing_the_last_one(lab, monkeypatch, page):
    redraws = []
    monkeypatch.setattr(lab.board, "redraw", lambda run, draw=lab.board.redraw: (redraws.append(run.epochs_done),
                                                                               draw(run)))
    monkeypatch.setattr(labruns, "REDRAW_INTERVAL", 0.0)  # every epoch is due: only the page holds redraws back
    monkeypatch.setattr(livefigure, "PAGE_PATIENCE", 600.0)  # however slow this machine, the run ends first
    lab.set(epochs=25)
    stop = _page_draws(lab, 0.02 if page == "keeps up" else None)
    try:
        run = lab.run()
    finally:
        stop()
    assert run.status == "finished" and redraws[-1] == 25  # the last epoch is always drawn
    live = redraws[:-1]
    if page == "frozen":  # drawn once at epoch 0, then nothing until the run ends
        assert live == [0], live
    else:
        assert len(live) >= 5, live


def test_a_second_clipping_mode_is_disabled_and_ignored_not_an_error():
    lab2 = w.TrainingLab(w.RunConfig(epochs=1), controls=("clipnorm", "clipvalue"))
    lab2.controls["clipnorm"].value = 1.0
    clipvalue = lab2.controls["clipvalue"]
    assert clipvalue.disabled and "only one clipping mode at a time: clipnorm is set" in clipvalue.tooltip
    lab2.set(clipvalue=0.5)  # e.g. from code: shown, greyed out, not used
    assert (lab2.config.clipnorm, lab2.config.clipvalue) == (1.0, None) and "Ready" in lab2.status_text
    lab2.controls["clipnorm"].value = None
    assert not clipvalue.disabled and lab2.config.clipvalue == 0.5
    assert clipvalue.tooltip == CONTROL_SPECS["clipvalue"].tooltip
    lab2.close()


def test_input_invalid_in_itself_is_reported_in_words():
    lab2 = w.TrainingLab(w.RunConfig(epochs=1), controls=("depth",))
    with pytest.raises(ValueError, match="depth"):
        lab2.set(depth=0)
    lab2._fields["width"] = 0  # what no control can do: a field without a control made invalid
    lab2.controls["depth"].value = 4
    assert "Cannot train with these settings" in lab2.status_text and "width" in lab2.status_text
    lab2.train_button.click()
    assert not lab2.is_running
    with pytest.raises(ValueError, match="width"):
        lab2.run()
    lab2._fields["width"] = 8
    lab2.controls["depth"].value = 2
    assert lab2.status_text.startswith("Ready")
    lab2.close()


def test_presets_set_several_controls_at_once(lab):
    lab.preset_menu.value = "deep sigmoid: vanishing gradients"
    assert lab.config.activation == "sigmoid" and lab.config.depth == 8
    assert lab.preset_menu.value == lab_module.PRESET_PROMPT and "applied" in lab.status_text
    lab.apply_preset("learning rate far too high: divergence")
    assert lab.config.optimizer == "sgd"
    with pytest.raises(ValueError, match="Unknown preset"):
        lab.apply_preset("nope")


def test_divergence_preset_diverges_and_says_so(lab):
    lab.apply_preset("learning rate far too high: divergence")
    run = lab.run()
    assert run.status == "diverged" and "Diverged" in lab.status_text


def test_bad_arguments_are_named():
    with pytest.raises(ValueError, match="No control for 'colour'"):
        w.TrainingLab(controls=("colour",))
    with pytest.raises(ValueError, match="unknown figure"):
        w.TrainingLab(figures=("pie",))
    with pytest.raises(ValueError, match="depth"):
        w.TrainingLab(presets={"bad": {"depth": 0}})


def test_rerunning_the_cell_replaces_the_old_lab(monkeypatch):
    monkeypatch.setattr(panel, "current_cell_id", lambda: "cell-1")
    first = w.TrainingLab(w.RunConfig(epochs=1))
    second = w.TrainingLab(w.RunConfig(epochs=1))
    assert first.train_button.comm is None and first.widget.comm is None  # closed
    assert second.train_button.comm is not None
    second.close()


def test_keras_code_button_shows_the_script_of_the_current_controls(lab):
    assert lab.code_view in lab.widget.children and lab.code_view.code == ""  # nothing computed while hidden
    lab.code_view.button.value = True  # the learner presses "Show Keras code"
    assert lab.code_view.code == w.keras_code(lab.config)
    lab.controls["activation"].value = "tanh"  # a control moves while the panel is open
    assert 'activation="tanh"' in lab.code_view.code and lab.code_view.code == w.keras_code(lab.config)
    lab.set(epochs=7)  # a field without a control
    assert "epochs=7" in lab.code_view.code
    lab.apply_preset("deep sigmoid: vanishing gradients")
    assert lab.code_view.code == w.keras_code(lab.config) and "range(8)" in lab.code_view.code
    lab.code_view.hide()
    lab.controls["activation"].value = "relu"
    assert "sigmoid" in lab.code_view.code  # hidden: left alone, recomputed when shown again
    lab.code_view.show()
    assert lab.code_view.code == w.keras_code(lab.config)


def test_keras_code_panel_uses_only_the_clipping_mode_that_applies():
    lab = w.TrainingLab(w.RunConfig(epochs=1), controls=("clipnorm", "clipvalue"))
    lab.code_view.show()
    lab.controls["clipnorm"].value = 1.0
    lab.controls["clipvalue"].value = 0.5  # greyed out: Keras takes only one of them
    assert "clipnorm=1.0" in lab.code_view.code and "clipvalue" not in lab.code_view.code
    lab.controls["clipnorm"].value = None
    assert "clipvalue=0.5" in lab.code_view.code
    lab.close()


def test_the_reports_first_fix_is_one_click_away_and_cures_the_run():
    from widgets.diagnose import diagnose
    broken = w.RunConfig(dataset="moons", optimizer="rmsprop", learning_rate=0.1, epochs=8, batch_size=64)
    doctor = w.TrainingLab(broken, controls=("optimizer", "learning_rate"), figures=("curves",), report=diagnose)
    assert doctor.fix_button.disabled  # nothing suggested before the first run
    before = doctor.run()
    assert "dead units" in doctor.report_view.value
    assert not doctor.fix_button.disabled and "learning_rate=0.003" in doctor.fix_button.description
    doctor.fix_button.click()
    assert doctor.config.learning_rate == pytest.approx(0.003) and doctor.fix_button.disabled
    assert "press Train" in doctor.status_text
    after = doctor.run()
    assert after.final("val_loss") < before.final("val_loss") - 0.05, (before.summary(), after.summary())
    plain = w.TrainingLab(broken, controls=("learning_rate",), figures=("curves",))
    with pytest.raises(ValueError, match="No fix to apply"):
        plain.apply_fix()
