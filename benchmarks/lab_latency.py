"""Print how fast a lab answers a click: time to the status line, to the first curve point, and the
wall time of a default run, for a first click and for a second one in the same kernel.

    .venv/bin/python benchmarks/lab_latency.py
"""

from __future__ import annotations

import time

import widgets as w


def measure(lab: w.TrainingLab) -> dict[str, float]:
    """Click Train and record when the status changes and when the curves get their first point."""
    marks: dict[str, float] = {}
    start = time.perf_counter()
    def on_status(_) -> None:
        marks.setdefault("first status update", time.perf_counter() - start)

    lab.status.observe(on_status, "value")
    curves = lab.figures["curves"]

    def first_point() -> bool:  # the new run's epoch-0 point has replaced the previous curve
        return bool(curves.data) and curves.data[-1].x is not None and len(curves.data[-1].x) <= 2 \
            and "first status update" in marks

    lab.train_button.click()
    while lab.is_running:
        if "first curve point" not in marks and first_point():
            marks["first curve point"] = time.perf_counter() - start
        time.sleep(0.005)
    marks["whole run"] = time.perf_counter() - start
    lab.status.unobserve(on_status, "value")
    return marks


def main() -> None:
    lab = w.TrainingLab(w.RunConfig())  # the default lab: moons, 3 x 32 ReLU, Adam, 20 epochs
    for attempt in ("first click", "second click"):
        marks = measure(lab)
        print(attempt + ": " + ", ".join(f"{k} {v:.2f} s" for k, v in marks.items()))
    print("run:", lab.last_run.summary())


if __name__ == "__main__":
    main()
