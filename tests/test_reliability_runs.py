"""Runs that go wrong or are interrupted: divergence, Stop, double clicks, reproducible curves.

What a learner or an instructor does to a lab: trains at a far too high learning rate, presses Stop
mid-run, clicks Train twice, trains the same settings again.  Each test drives the lab (or `train`)
the way the Train and Stop buttons do and checks what the learner would see.
"""

from __future__ import annotations

import functools
import gc
import threading
import time

import keras
import numpy as np
import pytest

import widgets as w
from widgets import lab as lab_module

STOP_LATENCY = 0.5  # s, from a stop request to the end of the run on the default lab


class _Poison(keras.callbacks.Callback):
    """Writes `value` into the first kernel when epoch `epoch` (1-based) starts or after its last step.

    After the last step it runs after the recorder's step check, like an optimizer step that blows
    the weights up after its loss was logged: that loss is finite, the weights are not.
    """

    def __init__(self, epoch: int, value: float, when: str):
        super().__init__()
        self.epoch, self.value, self.when, self.current = epoch, value, when, 0

    def on_epoch_begin(self, epoch, logs=None):
        self.current = epoch + 1
        if self.when == "start" and self.current == self.epoch:
            self._poison()

    def on_train_batch_end(self, batch, logs=None):
        if self.when == "last step" and self.current == self.epoch and batch + 1 >= self.params["steps"]:
            self._poison()

    def _poison(self) -> None:
        kernel = self.model.layers[0].kernel
        kernel.assign(np.full(kernel.shape, self.value, dtype="float32"))


def _train_poisoned(epoch: int, value: float, when: str):
    """`train` with a _Poison callback, to stand in for the lab's `train`."""
    return functools.partial(w.train, callbacks=(_Poison(epoch, value, when),))


def _curve(lab: w.TrainingLab, name: str = "train") -> tuple:
    trace = next(t for t in lab.figures["curves"].data if t.name == name)
    return tuple(trace.x), tuple(trace.y)


@pytest.fixture
def short():
    return w.RunConfig(depth=2, width=8, epochs=4, batch_size=64)


# -- divergence --------------------------------------------------------------------------------------

@pytest.mark.parametrize("value", [np.nan, np.inf], ids=["nan", "inf"])
def test_non_finite_weights_end_the_run_as_diverged_even_with_a_finite_loss(short, value):
    """The last step of the last epoch ruins the weights: no loss ever shows it, the weights do."""
    run = w.train(short, callbacks=(_Poison(short.epochs, value, "last step"),))
    assert run.status == "diverged", run.summary()
    assert f"by epoch {short.epochs}" in run.message and run.epochs_done == short.epochs
    assert np.isfinite(run.history["loss"]).all() and len(run.history) == short.epochs


def test_a_nan_loss_ends_the_run_keeps_and_plots_the_history_and_the_next_run_works(short, monkeypatch):
    lab = w.TrainingLab(short, controls=("activation",))
    try:
        monkeypatch.setattr(lab_module, "train", _train_poisoned(3, np.nan, "start"))
        lab.start()  # the Train button
        run = lab.wait(timeout=120)
        # epoch 3 trains from NaN weights: its loss is NaN
        assert run.status == "diverged" and "the loss became nan at epoch 3" in run.message, run.message
        assert np.isfinite(run.history["loss"].iloc[:2]).all() and len(run.history) == 3
        assert "Diverged after 3 of 4 epochs" in lab.status_text
        x, y = _curve(lab)
        assert x[:3] == (0, 1, 2) and np.isfinite(y[:3]).all()  # epoch 0 and the two good epochs are drawn
        assert not lab.train_button.disabled

        monkeypatch.setattr(lab_module, "train", w.train)
        lab.start()
        again = lab.wait(timeout=120)
        assert again.status == "finished" and again.epochs_done == 4
        assert _curve(lab)[0] == (0, 1, 2, 3, 4) and "Finished after 4 of 4 epochs" in lab.status_text
    finally:
        lab.close()


# -- stopping ----------------------------------------------------------------------------------------

def _stop_mid_run(lab: w.TrainingLab, stop) -> tuple[float, int]:
    """Start the default lab, wait for two finished epochs, call `stop`; (latency, epochs at the call).

    Earlier tests' garbage is collected first, as in a learner's fresh kernel: otherwise Python's own
    full collection (~0.5 s, holding the GIL) may fall into the measured half second.
    """
    gc.collect()
    lab.start()
    deadline = time.monotonic() + 120
    while len(lab.figures["curves"].data) == 0 or len(_curve(lab)[0]) < 3:  # epochs 0, 1, 2 drawn
        assert time.monotonic() < deadline and lab.is_running, lab.status_text
        time.sleep(0.01)
    done = len(_curve(lab)[0]) - 1
    asked = time.perf_counter()
    stop()
    while lab.is_running:
        time.sleep(0.002)
    return time.perf_counter() - asked, done


@pytest.mark.parametrize("how", ["button", "api"])
def test_stop_ends_the_default_lab_run_within_the_epoch_and_half_a_second(how):
    lab = w.TrainingLab()  # the default lab: moons, 3 x 32 ReLU, 20 epochs
    try:
        latency, done = _stop_mid_run(lab, lab.stop_button.click if how == "button" else lab.stop)
        run = lab.last_run
        assert latency <= STOP_LATENCY, f"the run ended {latency:.2f} s after the stop request"
        assert run.status == "stopped" and run.epochs_done < run.config.epochs
        stopped_in = int(run.message.rsplit("epoch", 1)[1])
        assert stopped_in in (done + 1, done + 2), (run.message, done)  # the epoch in progress (or the next, at a boundary)
        assert len(run.history) == run.epochs_done == stopped_in  # the data so far is kept
        assert set(run.gradients["epoch"]) == set(range(stopped_in + 1))
        assert "Stopped after" in lab.status_text and not lab.train_button.disabled
    finally:
        lab.close()


def test_stop_event_ends_a_headless_run_within_half_a_second():
    stop = threading.Event()
    asked = []

    def on_epoch(run):
        if run.epochs_done == 2:
            asked.append(time.perf_counter())
            stop.set()

    run = w.train(w.RunConfig(), on_epoch=on_epoch, stop_event=stop)
    latency = time.perf_counter() - asked[0]
    assert run.status == "stopped" and run.epochs_done == 3 and len(run.history) == 3
    assert latency <= STOP_LATENCY, f"train returned {latency:.2f} s after the stop request"


# -- double clicks and overlapping runs --------------------------------------------------------------

class _CountingTrain:
    """Stands in for the lab's `train`: counts calls and the most runs ever in progress together."""

    def __init__(self):
        self.calls, self.active, self.most = 0, 0, 0
        self.lock = threading.Lock()

    def __call__(self, config, **kwargs):
        with self.lock:
            self.calls += 1
            self.active += 1
            self.most = max(self.most, self.active)
        try:
            return w.train(config, **kwargs)
        finally:
            with self.lock:
                self.active -= 1


def test_clicking_train_while_a_run_goes_does_not_start_a_second(short, monkeypatch):
    counter = _CountingTrain()
    monkeypatch.setattr(lab_module, "train", counter)
    # One epoch is enough: the clicks and lab.run() come while the first run builds and traces its model.
    lab = w.TrainingLab(short.replace(epochs=1), controls=("activation",))
    try:
        for _ in range(3):  # an impatient triple click
            lab.train_button.click()
        lab.wait(timeout=120)
        assert counter.calls == 1 and lab.last_run.status == "finished"
        lab.train_button.click()  # once the run has ended, Train works again
        lab.run()  # and a cell calling lab.run() meanwhile waits for it instead of overlapping
        assert counter.calls == 3 and counter.most == 1
    finally:
        lab.close()


# -- determinism -------------------------------------------------------------------------------------

def test_the_same_settings_give_identical_curves_in_the_lab(short):
    lab = w.TrainingLab(short.replace(dropout=0.2), controls=("activation", "dropout"))
    try:
        lab.start()
        first, first_curve = lab.wait(timeout=120), _curve(lab, "validation")
        lab.set(activation="tanh")
        lab.run()
        lab.set(activation="relu")
        lab.start()
        second = lab.wait(timeout=120)
        assert first is not second
        assert first.history.equals(second.history) and first.gradients.equals(second.gradients)
        assert _curve(lab, "validation") == first_curve
    finally:
        lab.close()
