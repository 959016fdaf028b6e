"""How fast a lab answers: the time from pressing Train (the button's handler, and `lab.run()`) to
the first figure update that shows epoch-1 data, and the wall time of a whole default run.

    .venv/bin/python benchmarks/lab_latency.py [--repeats 5] [--epochs 30]

TensorFlow is warmed by one run first, as it is after a learner's first click.  Each measured
click changes the activation, so every run builds and traces a new model, as a learner's does.
Targets (issue #6): first epoch-1 figure <= 1.0 s; a default run (1,000 rows, 30 epochs) <= 3 s.
"""

from __future__ import annotations

import argparse
import statistics
import threading
import time

import widgets as w  # first: it quiets TensorFlow's start-up logging
from widgets import lab as lab_module

from _common import machine

ACTIVATIONS = ("tanh", "relu", "elu", "selu", "sigmoid", "leaky_relu", "gelu", "swish")


class EpochOneWatch:
    """Records when the lab's figures were first redrawn with a trained epoch in them."""

    def __init__(self) -> None:
        self.start = 0.0
        self.first_epoch_drawn: float | None = None
        self._redraw = lab_module.TrainingLab._redraw
        watch = self

        def redraw(lab, run):
            watch._redraw(lab, run)
            if watch.first_epoch_drawn is None and run.epochs_done >= 1:
                watch.first_epoch_drawn = time.perf_counter() - watch.start

        lab_module.TrainingLab._redraw = redraw

    def arm(self) -> None:
        self.start, self.first_epoch_drawn = time.perf_counter(), None


def click(lab: w.TrainingLab, watch: EpochOneWatch) -> tuple[float, float]:
    """Press Train as a learner does (background thread); the run counts as done when its results
    are drawn and Train can be pressed again (the thread then frees memory, which is waited for
    before the next measurement but not counted)."""
    freed = threading.Event()
    marks: list[float] = []

    def on_enabled(change) -> None:  # Train usable again: the run's results are on screen
        if not change["new"]:
            marks.append(time.perf_counter() - watch.start)
            freed.set()

    lab.train_button.observe(on_enabled, "disabled")
    watch.arm()
    lab.train_button.click()
    freed.wait()  # waiting on an event, not polling: a polling loop would slow the training thread
    lab.wait()
    lab.train_button.unobserve(on_enabled, "disabled")
    return watch.first_epoch_drawn, marks[0]


def synchronous(lab: w.TrainingLab, watch: EpochOneWatch) -> tuple[float, float]:
    """`lab.run()`, the path notebooks executed headless take."""
    watch.arm()
    lab.run()
    return watch.first_epoch_drawn, time.perf_counter() - watch.start


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--repeats", type=int, default=5)
    parser.add_argument("--epochs", type=int, default=30)
    args = parser.parse_args()
    print(machine())
    watch = EpochOneWatch()
    lab = w.TrainingLab(w.RunConfig(epochs=args.epochs))  # the default lab: moons, 1,000 rows, 3 x 32
    print(f"lab: {lab.config.describe()}, {args.epochs} epochs, figures {', '.join(lab.figures)}")
    lab.run()  # warm-up: TensorFlow imported, its kernels and plotly's widgets initialised
    for name, path in (("Train button", click), ("lab.run()", synchronous)):
        first, whole = [], []
        for i in range(args.repeats):
            lab.set(activation=ACTIVATIONS[i % len(ACTIVATIONS)])
            latency, wall = path(lab, watch)
            first.append(latency)
            whole.append(wall)
        print(f"{name}: first figure with epoch-1 data after {statistics.median(first):.2f} s "
              f"(median of {args.repeats}, max {max(first):.2f} s; target <= 1.0 s); whole run "
              f"{statistics.median(whole):.2f} s (max {max(whole):.2f} s; target <= 3 s)")
    print("last run:", lab.last_run.summary())


if __name__ == "__main__":
    main()
