"""Shared pieces of the benchmark scripts: what machine the figures come from, and medians."""

from __future__ import annotations

import gc
import os
import platform
import statistics
import sys
import time
from typing import Callable


def machine() -> str:
    """One line naming the CPU, cores, load and the versions the figures depend on."""
    cpu = platform.processor() or platform.machine()
    try:
        with open("/proc/cpuinfo") as f:
            cpu = next(line.split(":", 1)[1].strip() for line in f if line.startswith("model name"))
    except (OSError, StopIteration):
        pass
    import keras
    import tensorflow as tf
    load = ", ".join(f"{x:.2f}" for x in os.getloadavg())
    return (f"machine: {cpu}, {os.cpu_count()} cores, load {load}; Python {platform.python_version()}, "
            f"TensorFlow {tf.__version__}, Keras {keras.__version__}")


def timed(fn: Callable[[], object]) -> float:
    """Wall-clock seconds one call of `fn` takes, from a collected heap: otherwise the garbage of
    earlier calls makes a random later one pay for a full collection (~0.3 s with TensorFlow)."""
    gc.collect()
    start = time.perf_counter()
    fn()
    return time.perf_counter() - start


def interleaved_ratio(ours: Callable[[], object], reference: Callable[[], object], pairs: int) -> dict:
    """Time `ours` and `reference` alternately `pairs` times (after one warm-up each) and return the
    median of the per-pair ratios ours / reference, with the median times; interleaving keeps a
    change in machine load from favouring either side."""
    ours(), reference()
    ratios, ours_times, ref_times = [], [], []
    for i in range(pairs):
        if i % 2:  # alternate which goes first
            t_ref, t_ours = timed(reference), timed(ours)
        else:
            t_ours, t_ref = timed(ours), timed(reference)
        ratios.append(t_ours / t_ref)
        ours_times.append(t_ours)
        ref_times.append(t_ref)
        print(f"  pair {i + 1}: ours {t_ours:.2f} s, reference {t_ref:.2f} s, ratio {t_ours / t_ref:.3f}",
              file=sys.stderr, flush=True)
    return {"ratio": statistics.median(ratios), "ours": statistics.median(ours_times),
            "reference": statistics.median(ref_times)}
