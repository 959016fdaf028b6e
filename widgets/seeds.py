"""Reading a comparison that was repeated over seeds, the way the chapters' verdicts do.

Two settings are compared once per seed, both with the same seed (the same data, data order and,
where they share layers, initial weights), so each seed gives one paired difference.  A verdict
may say "better" or "worse" only when every seed agrees; otherwise the comparison is inconclusive
at that budget, however large the mean difference looks.
"""

from __future__ import annotations

import math
from typing import Iterable


def paired_verdict(gains: Iterable[float], digits: int = 3) -> str:
    """How paired per-seed differences (A minus B, one per seed) read, as a phrase for a verdict.

    'better in every seed (+0.010 to +0.050)', 'worse in every seed (-0.020 to -0.090)', or
    'inconclusive at this budget (per seed +0.031, -0.040, -0.004)'.  A zero counts as disagreement.
    """
    values = [float(g) for g in gains]
    if not values:
        raise ValueError("gains: give one paired difference per seed; got none")
    if not all(math.isfinite(v) for v in values):
        raise ValueError(f"gains: every difference must be a finite number; got {values}")
    def fmt(v: float) -> str:
        return f"{v:+.{digits}f}"
    if all(v > 0 for v in values):
        return f"better in every seed ({fmt(min(values))} to {fmt(max(values))})"
    if all(v < 0 for v in values):
        return f"worse in every seed ({fmt(max(values))} to {fmt(min(values))})"
    return "inconclusive at this budget (per seed " + ", ".join(map(fmt, values)) + ")"
