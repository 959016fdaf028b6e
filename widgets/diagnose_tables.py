"""Tables and a figure that show what `diagnose` measures: the rules in words, each run's numbers,
and every run placed on every rule's scale (how far from its threshold)."""

from __future__ import annotations

from typing import Optional

import numpy as np
import pandas as pd

from . import diagnose_rules as rules
from .diagnose import diagnose
from .training import Run

# (table column, the threshold it is compared with, on which side a problem lies, the problem).
THRESHOLDS: tuple[tuple[str, float, str, str], ...] = (
    ("rel_grad_init", rules.EXPLODING_REL_GRAD, "above", "exploding gradients"),
    ("depth_ratio_final", rules.VANISHING_DEPTH_RATIO, "below", "vanishing gradients"),
    ("rel_grad_init", rules.VANISHING_REL_GRAD, "below", "vanishing gradients"),
    ("saturated_worst_layer", rules.SATURATED_FRACTION, "above", "saturated units"),
    ("dead_worst_layer", rules.DEAD_FRACTION, "above", "dead units"),
    ("fastest_update", rules.TOO_LOW_UPDATE, "below", "learning rate too low"),
    ("val_gap", rules.OVERFIT_GAP, "above", "overfitting"),
    ("loss_vs_chance", rules.UNDERFIT_LOSS, "above", "underfitting"),
)
_COLUMNS = ("rel_grad_init", "rel_grad_final", "depth_ratio_final", "saturated_worst_layer", "dead_worst_layer",
            "fastest_update", "loss_vs_start", "val_gap", "val_rise", "val_recent_drop", "loss_vs_chance")


def rules_table() -> pd.DataFrame:
    """Every rule in words, with its threshold and the first fix to try (read from the constants)."""
    r = rules
    described = {
        "divergence": ("run.status", 'is "diverged" (loss NaN/inf or 100x its start)'),
        "exploding gradients": ("worst layer's ||gradient|| / ||weights|| (per target unit), at init and at "
                                "the end", f"above {r.EXPLODING_REL_GRAD:g}"),
        "vanishing gradients": ("first / last hidden layer's relative gradient at the end; or the largest "
                                "relative gradient at init, with the loss / its start",
                                f"ratio below {r.VANISHING_DEPTH_RATIO:g}; or below {r.VANISHING_REL_GRAD:g} "
                                f"while the loss is above {r.VANISHING_STALL:.0%} of its start"),
        "saturated units": ("share of saturated sigmoid/tanh outputs, worst layer; training loss / loss of "
                            "ignoring the inputs", f"above {r.SATURATED_FRACTION:.0%}, while the loss is above "
                                               f"{r.SATURATED_STALL:.0%}"),
        "dead units": ("share of dead ReLU units, worst layer", f"above {r.DEAD_FRACTION:.0%}"),
        "learning rate too low": ("fastest layer's ||dW|| / ||W|| per epoch; training loss / its start",
                                  f"below {r.TOO_LOW_UPDATE:g}, while the loss is above {r.TOO_LOW_STALL:.0%}"),
        "overfitting": ("(validation - training loss) / loss of ignoring the inputs; validation loss above "
                        "its best, or its drop over the last third of the run",
                        f"above {r.OVERFIT_GAP:.0%}, and above {r.OVERFIT_RISE:.0%} or a drop below "
                        f"{r.OVERFIT_RISE:.0%} (not when early-stopped)"),
        "underfitting": ("training loss / loss of ignoring the inputs",
                         f"at least {r.UNDERFIT_LOSS:.0%}, and no other rule fired"),
    }
    return pd.DataFrame([{"problem": p, "measured": described[p][0], "fires when": described[p][1],
                          "first thing to try": rules.FIXES[p][0]} for p in rules.PROBLEMS]).set_index("problem")


def measurement_table(runs: dict[str, Run]) -> pd.DataFrame:
    """One row per named run: the numbers the rules read and the problems found.

    A number is left empty (NaN) where its rule does not apply: saturation is only judged for
    sigmoid/tanh, dead units only for ReLU.
    """
    table = []
    for name, run in runs.items():
        d = diagnose(run)
        row = {k: d.measurements.get(k, float("nan")) for k in _COLUMNS}
        if run.config.activation not in rules.BOUNDED_ACTIVATIONS:
            row["saturated_worst_layer"] = float("nan")
        if run.config.activation not in rules.DYING_ACTIVATIONS:
            row["dead_worst_layer"] = float("nan")
        table.append({"run": name, **row, "problems found": ", ".join(d.problems) or "none"})
    return pd.DataFrame(table).set_index("run")


def calibration_figure(runs: dict[str, Run], expected: dict[str, Optional[str]]):
    """Each rule's measurement for every run, as a multiple of its threshold (log scale).

    x > 1 means past the threshold (for "below" rules the ratio is inverted).  Red diamonds are runs
    made to have that rule's problem, grey circles all the others: a good threshold separates them.
    """
    import plotly.graph_objects as go
    from .plots import style
    fig = go.Figure()
    table = measurement_table(runs)
    points = {True: ([], [], []), False: ([], [], [])}
    for column, threshold, side, problem in THRESHOLDS:
        for name, value in table[column].items():
            if not np.isfinite(value):
                continue
            value = max(value, 1e-6)
            past = value / threshold if side == "above" else threshold / value
            xs, ys, names = points[expected.get(name) == problem]
            xs.append(past)
            ys.append(f"{problem}<br>({column})")
            names.append(f"{name}: {value:.3g}")
    for hit, colour, symbol, label in ((False, "#999999", "circle", "all other runs"),
                                       (True, "#d62728", "diamond", "runs made to have it")):
        xs, ys, names = points[hit]
        fig.add_trace(go.Scatter(x=xs, y=ys, mode="markers", name=label, text=names, hoverinfo="text",
                                 marker=dict(color=colour, symbol=symbol, size=10 if hit else 7, opacity=0.8)))
    fig.add_vline(x=1.0, line_dash="dash", line_color="black")
    fig.update_xaxes(type="log")
    return style(fig, "Each rule's measurement relative to its threshold (dashed line: the rule fires right of it)",
                 "measured / threshold (inverted for 'below' rules), log scale", "rule (measured column)",
                 height=460)
