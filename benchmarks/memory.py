"""Resident memory over many lab runs in one process: a long lesson must not grow without bound.

    .venv/bin/python benchmarks/memory.py [--runs 30]

Target (issue #6): growth <= 100 MB over 30 consecutive runs of the default lab (after one warm-up
run, which loads TensorFlow's kernels and plotly's widget code once).
"""

from __future__ import annotations

import argparse
import os
import threading

import widgets as w  # first: it quiets TensorFlow's start-up logging

from _common import machine

PAGE = os.sysconf("SC_PAGE_SIZE")


def resident_mb() -> float:
    """This process's resident set size, in MB."""
    with open("/proc/self/statm") as f:
        return int(f.read().split()[1]) * PAGE / 1e6


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--runs", type=int, default=30)
    args = parser.parse_args()
    print(machine())
    lab = w.TrainingLab(w.RunConfig())
    lab.run()
    start, threads = resident_mb(), threading.active_count()
    print(f"after the warm-up run: {start:.0f} MB resident, {threads} threads")
    for i in range(1, args.runs + 1):
        lab.train_button.click()  # the button's path: a background thread per run
        lab.wait()
        if i % 5 == 0:
            print(f"  after {i:2d} runs: {resident_mb():.0f} MB (+{resident_mb() - start:.0f} MB), "
                  f"{threading.active_count()} threads", flush=True)
    growth = resident_mb() - start
    print(f"growth over {args.runs} runs: {growth:.0f} MB (target <= 100 MB); "
          f"threads {threads} -> {threading.active_count()}")


if __name__ == "__main__":
    main()
