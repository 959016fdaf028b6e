"""A lab left running for an hour: many runs and re-run cells must not pile up threads, widgets,
traced Keras graphs or memory.

Measured in this process the way a learner's kernel lives: 30 runs through the Train button of one
lab, and each kind of lab's cell re-run ten times (JupyterLab sends the same cell id each time).
"""

from __future__ import annotations

import gc
import os
import threading

import ipywidgets.widgets.widget as ipywidget
import pytest
from tensorflow.python.eager import context
from tensorflow.python.framework import func_graph

import widgets as w
from widgets import augment, panel, surfaces, transfer

pytestmark = pytest.mark.skipif(not os.path.exists("/proc/self/statm"), reason="reads Linux's /proc")

# Short runs: what a run could leave behind (a model, its traced train/test functions, the probes,
# the figures' traces) is made once per run, not once per epoch, so it is there all the same.
SHORT = w.RunConfig(depth=2, width=8, epochs=2, batch_size=128)
ONE_EPOCH = SHORT.replace(epochs=1)  # the thirty runs in a row: a second epoch made each ~20 % slower
RUNS = 30
MAX_RSS_GROWTH_MB = 100
# One run leaves ~8000 unreachable objects (its model and traced graphs hold reference cycles); the
# lab collects them after each run, so that they do not pile up until Python's next full collection.
MAX_GARBAGE = 1000


def _rss_mb() -> float:
    """Resident memory of this process, from /proc (no psutil needed)."""
    with open("/proc/self/statm") as statm:
        return int(statm.read().split()[1]) * os.sysconf("SC_PAGE_SIZE") / 2**20


def _census() -> dict[str, int]:
    """What could pile up: Python and OS threads, live widgets, traced graphs, TF functions."""
    gc.collect()
    return {
        "python threads": threading.active_count(),
        "OS threads": len(os.listdir("/proc/self/task")),
        "live widgets": len(ipywidget._instances),
        "traced graphs": sum(isinstance(o, func_graph.FuncGraph) for o in gc.get_objects()),
        "TF functions": len(context.context().list_function_names()),
    }


def _train_with_button(lab: w.TrainingLab) -> w.Run:
    lab.train_button.click()
    run = lab.wait(timeout=120)
    assert run is not None and run.status == "finished", lab.status_text
    return run


def test_thirty_runs_in_a_row_leave_no_growth():
    lab = w.TrainingLab(ONE_EPOCH)
    try:
        for _ in range(2):  # warm-up: first imports, plotly's first FigureWidget, Keras's caches
            _train_with_button(lab)
        before, rss_before = _census(), _rss_mb()
        growth = []
        for _ in range(RUNS):
            _train_with_button(lab)
            growth.append(_rss_mb() - rss_before)
        garbage = gc.collect()  # what the runs left for Python's collector to find some time later
        after = _census()
        grown = {k: (before[k], after[k]) for k in before if after[k] > before[k]}
        assert not grown, f"after {RUNS} more runs (before, after): {grown}"
        assert max(growth) <= MAX_RSS_GROWTH_MB, f"resident memory grew up to {max(growth):.0f} MB in {RUNS} runs"
        assert garbage < MAX_GARBAGE, f"{garbage} unreachable objects were waiting for collection"
    finally:
        lab.close()


def test_rerunning_the_lab_cell_ten_times_leaves_no_growth(monkeypatch, capsys):
    monkeypatch.setattr(panel, "current_cell_id", lambda: "the-lab-cell")
    lab = w.TrainingLab(SHORT)
    try:
        _train_with_button(lab)
        before = _census()
        for rerun in range(10):
            lab = w.TrainingLab(SHORT)  # what re-executing the cell does
            if rerun % 3 == 0:
                lab.train_button.click()  # ... sometimes while the new lab trains: the next re-run stops it
        lab.wait(timeout=120)
        after = _census()
        with capsys.disabled():
            print("\nTrainingLab: after 10 re-runs (before -> after): "
                  + ", ".join(f"{k} {before[k]} -> {after[k]}" for k in before))
        grown = {k: (before[k], after[k]) for k in before if after[k] > before[k]}
        assert not grown, f"after re-running the lab's cell 10 times (before, after): {grown}"
    finally:
        lab.close()


def test_rerunning_the_cell_while_its_lab_trains_stops_the_run_and_closes_the_old_lab(monkeypatch):
    monkeypatch.setattr(panel, "current_cell_id", lambda: "the-lab-cell")
    old = w.TrainingLab(SHORT.replace(epochs=200))
    old.train_button.click()
    new = w.TrainingLab(SHORT)  # re-running the cell while the old lab trains
    try:
        assert not old.is_running and old.last_run.status == "stopped"
        assert all(widget.comm is None for widget in [old.widget, old.train_button, *old.figures.values()])
        assert new.train_button.comm is not None
    finally:
        new.close()


# The other labs, as their chapters open them (smaller budgets), and what a learner does in them.
OTHER_LABS = {
    "TransferLab": (lambda: transfer.TransferLab(source="autoencoder", labels_per_class=2, frozen=3, steps=20),
                    lambda lab: lab.run_button.click()),
    "AugmentPreview": (lambda: augment.AugmentPreview(photo="flower", copies=3, rotation=0.05),
                       lambda lab: lab.apply_preset("geometry: flip, small turns, zoom")),
    "SurfaceExplorer": (lambda: surfaces.SurfaceExplorer("ravine", steps=30, warm=False),
                        lambda lab: lab.update(learning_rate=0.05)),
}


@pytest.mark.parametrize("kind", OTHER_LABS)
def test_rerunning_any_labs_cell_ten_times_leaves_no_growth(kind, monkeypatch, capsys):
    make, use = OTHER_LABS[kind]
    monkeypatch.setattr(panel, "current_cell_id", lambda: f"the-{kind}-cell")
    lab = make()
    use(lab)  # warm-up: first imports, traced graphs cached per architecture or surface
    lab = make()
    before = _census()
    for rerun in range(10):
        lab = make()  # what re-executing the cell does
        if rerun % 3 == 0:
            use(lab)
    after = _census()
    lab.close()
    with capsys.disabled():
        print(f"\n{kind}: after 10 re-runs (before -> after): "
              + ", ".join(f"{k} {before[k]} -> {after[k]}" for k in before))
    grown = {k: (before[k], after[k]) for k in before if after[k] > before[k]}
    assert not grown, f"after re-running the {kind} cell 10 times (before, after): {grown}"
