"""`diagnose(run)`: read a finished run's probes and curves, name what went wrong and what to try.

The function looks at four things a `Run` records: its status (did the loss blow up?), its history
(training and validation loss per epoch), its gradient records (per layer, from epoch 0 = the
initialized network) and its activation records (per hidden layer).  From them it computes a handful
of numbers (`measure`) and compares each with a threshold.  Every threshold below was chosen by
training runs made to have each problem and healthy runs on moons, spiral, pima and breast_cancer
(3-16 layers, widths 1-256, 3-100 epochs); chapter 12 re-measures the same cases and shows the table.
The values quoted in the comments are those measurements (rounded).

- divergence: the run's status is "diverged" (the loss became NaN/inf or grew 100x, see training.py).
- exploding gradients: the mean |gradient| of some layer's weights exceeds 1.  Healthy runs stayed
  below 0.25 (worst: 0.22, ReLU with He init on moons); a 16-layer linear net with He init starts at
  107, 12 layers at 13, six ReLU layers initialized with random_normal of std 1 at 173.  For a
  diverged run only the initialized network (epoch 0) counts, since any run that blew up has huge
  gradients at the end, whatever the cause.
- vanishing gradients: the first hidden layer's mean |gradient| is below 1 % of the last hidden
  layer's (at initialization or at the end).  Healthy nets: 0.25 or more (sigmoid depth 2: 0.60, a
  deep linear net: 0.25); an 8-layer sigmoid net: 0.0002 at init.  Or every layer's gradient is
  tiny: the largest layer gradient norm at initialization is below 0.01.  Healthy nets (widths
  32-512, moons to digits): 0.17 or more; tanh with Keras's small `random_normal` init (std 0.05):
  0.009 at 3 layers, 1e-4 at 6, 1e-6 at 10, because the signal shrinks in every layer.  Either way
  the rule also needs learning to have stalled (the underfitting bound below): Adam rescued a 6-layer
  tanh net with that tiny init to the accuracy of a well-initialized one within 8 epochs, and tiny
  gradients that do not stop learning are not a problem to report.
- saturated units (sigmoid, tanh): in the worst hidden layer more than half of the activations sit
  where the slope is below 5 % of its peak.  Healthy sigmoid/tanh nets: 0 %; unscaled breast-cancer
  inputs into tanh: 97 % in the first layer; a sigmoid net pushed by a high learning rate: 100 %.
- dead units (ReLU family): on average over the hidden layers more than 30 % of the units output
  zero slope on every probe row.  Healthy ReLU nets: 4-15 % (up to 22 % in one layer of a deep He
  net); Adam at 0.2 or 0.3, RMSprop at 0.1: 64-67 %; clipped SGD at 3.0: 42 %.
- learning rate too low: even the fastest-moving layer changes its weights by less than 0.1 % of
  their size per epoch, and the training loss fell by less than 10 %.  Healthy: 1-5 % per epoch;
  SGD at 1e-5: 0.001 %.
- overfitting: the validation loss ended more than 20 % above its best epoch's value and more than
  3x the training loss (a run restored by early stopping is not flagged: it kept the best epoch).
  Healthy runs end within a few % of their best validation loss, at 0.7-1.1x the training loss; a
  3x256 net on 100 pima rows ends 87 % above its best validation loss at 15x its training loss
  (other overfitting nets on moons and pima: 7.7-13x).  A ReLU net jumping about at a high learning
  rate (RMSprop at 0.1) ended 2.4x above its best validation loss but at 0.9x its training loss:
  noisy, not overfit, hence the second condition.
- underfitting: the training loss is still at 80 % or more of the loss of a model that ignores its
  inputs (the class frequencies; the target's variance for regression), and none of the problems
  above explains it.  Healthy: 12-70 % of that loss (pima, a noisy set, is the 70 %); a 1-unit net on
  the spiral: 102 %.  Noisy data can make a good model look like this, so the finding says so.
  The training loss here is re-computed with the final model on the training rows, without dropout
  and without the L1/L2 penalty (Keras's logged loss contains both), so a regularized model is not
  mistaken for an underfit one; the overfitting gap uses the same clean losses.
"""

from __future__ import annotations

import html
from dataclasses import dataclass, field
from typing import Optional

import keras
import numpy as np
import pandas as pd

from .config import RunConfig
from .data import Dataset
from .model import output_and_loss, targets
from .training import Run

EXPLODING_MEAN_ABS = 1.0      # mean |dL/dW| of a layer above this: exploding
VANISHING_RATIO = 1e-2        # mean |grad| of hidden 1 / last hidden layer below this: vanishing
VANISHING_NORM = 1e-2         # ... or even the largest layer gradient norm at init below this
SATURATED_FRACTION = 0.5      # worst layer's share of saturated activations (sigmoid, tanh)
DEAD_FRACTION = 0.3           # mean share of dead units over the hidden layers (ReLU family)
TOO_LOW_UPDATE = 1e-3         # fastest layer's ||dW|| / ||W|| per epoch below this ...
TOO_LOW_LOSS_DROP = 0.10      # ... and the training loss fell by less than this fraction
OVERFIT_RISE = 0.20           # final val_loss this much above its minimum ...
OVERFIT_GAP = 3.0             # ... and this many times the final training loss
UNDERFIT_LOSS = 0.80          # final training loss at least this fraction of the chance loss
UNSTABLE_UPDATE = 0.1         # an underfit model whose weights move this much per epoch: steps too big

BOUNDED_ACTIVATIONS = ("sigmoid", "tanh")
NEVER_DEAD = ("linear", "leaky_relu")  # their slope is never near 0

PROBLEMS = ("divergence", "exploding gradients", "vanishing gradients", "saturated units", "dead units",
            "learning rate too low", "overfitting", "underfitting")

FIXES = {
    "divergence": "Lower the learning rate about 10x, or clip gradients (clipnorm=1.0); check the inputs "
                  "are standardized.",
    "exploding gradients": "Use an initializer scaled for the activation (He for ReLU, Glorot for "
                           "tanh/sigmoid), add batch normalization, or clip gradients (clipnorm=1.0).",
    "vanishing gradients": "Switch to ReLU (or leaky ReLU) with He initialization, add batch normalization, "
                           "or use fewer layers.",
    "saturated units": "Standardize the inputs, lower the learning rate, or use an initializer that keeps "
                       "pre-activations near 0 (Glorot); ReLU does not saturate for positive inputs.",
    "dead units": "Lower the learning rate, use He initialization, or try leaky ReLU / ELU, whose slope "
                  "never reaches 0.",
    "learning rate too low": "Raise the learning rate 10-100x (or run the learning-rate range test of "
                             "chapter 08), or switch to Adam.",
    "overfitting": "Add dropout (0.2-0.5) or L2, stop early (EarlyStopping with restore_best_weights), "
                   "use a smaller network, or get more data.",
    "underfitting": "Give the model more capacity (wider or deeper), train longer if the loss is still "
                    "falling, or check the learning rate.",
}


@dataclass(frozen=True)
class Finding:
    """One problem found in a run: its name, the numbers that show it, and what to try."""

    problem: str
    evidence: str
    fix: str


@dataclass(frozen=True)
class Diagnosis:
    """The findings for one run (empty when nothing is wrong) and the numbers the rules read."""

    label: str
    findings: tuple[Finding, ...]
    measurements: dict = field(default_factory=dict)
    notes: tuple[str, ...] = ()

    @property
    def healthy(self) -> bool:
        return not self.findings

    @property
    def problems(self) -> list[str]:
        """The problem names, most fundamental first (the order of `PROBLEMS`)."""
        return [f.problem for f in self.findings]

    def __contains__(self, problem: str) -> bool:
        return problem in self.problems

    def __str__(self) -> str:
        if self.healthy:
            lines = [f"{self.label}: nothing wrong found."]
        else:
            lines = [f"{self.label}: {len(self.findings)} problem(s)."]
            for f in self.findings:
                lines.append(f"- {f.problem}: {f.evidence} Try: {f.fix}")
        return "\n".join(lines + [f"(note: {n})" for n in self.notes])

    def _repr_html_(self) -> str:
        head = (f'<div style="font-size:14px;margin:4px 0"><b>Diagnosis</b> of '
                f"{html.escape(self.label)}</div>")
        notes = "".join(f'<div style="color:#666;font-size:12px">Note: {html.escape(n)}</div>'
                        for n in self.notes)
        if self.healthy:
            return (head + '<div style="background:#e6f4ea;padding:6px 10px;border-radius:4px">'
                    "&#10004; Nothing wrong found: no rule fired (thresholds in widgets/diagnose.py)."
                    "</div>" + notes)
        rows = "".join(
            f'<tr><td style="text-align:left"><b>{html.escape(f.problem)}</b></td>'
            f'<td style="text-align:left">{html.escape(f.evidence)}</td>'
            f'<td style="text-align:left">{html.escape(f.fix)}</td></tr>' for f in self.findings)
        return (head + '<table style="background:#fdecea"><tr><th style="text-align:left">problem</th>'
                '<th style="text-align:left">evidence</th><th style="text-align:left">what to try</th></tr>'
                + rows + "</table>" + notes)


# -- measurements --------------------------------------------------------------------------------

def chance_loss(config: RunConfig, dataset: Dataset) -> float:
    """Training loss of a model that ignores its inputs and predicts the training-label frequencies
    (the mean, for regression); NaN when the config uses a non-standard loss."""
    _, loss = output_and_loss(config, dataset)
    y = np.asarray(dataset.y_train)
    if dataset.task == "regression" and loss == "mean_squared_error":
        return float(np.var(y))
    if loss in ("binary_crossentropy", "sparse_categorical_crossentropy", "categorical_crossentropy"):
        _, counts = np.unique(y.astype(int), return_counts=True)
        p = counts / counts.sum()
        return float(-(p * np.log(p)).sum())
    return float("nan")


def _finite_max(values: pd.Series) -> float:
    values = values[np.isfinite(values)]
    return float(values.max()) if len(values) else float("nan")


def _depth_ratio(grads: pd.DataFrame, epoch: int) -> float:
    """Mean |gradient| of the first hidden layer over that of the last hidden layer at one epoch."""
    rows = grads[(grads["epoch"] == epoch) & (grads["layer"] != "output")].sort_values("layer_index")
    if len(rows) < 2:
        return float("nan")
    first, last = rows["grad_mean_abs"].iloc[0], rows["grad_mean_abs"].iloc[-1]
    return float(first / last) if last > 0 and np.isfinite(first) and np.isfinite(last) else float("nan")


def clean_loss(run: Run, x: np.ndarray, y: np.ndarray) -> float:
    """The task loss of the run's final model on (x, y): inference mode (no dropout), no L1/L2 penalty."""
    _, loss_name = output_and_loss(run.config, run.dataset)
    y_pred = np.asarray(run.model(x, training=False))
    y_true = targets(run.config, run.dataset, y)
    if y_true.ndim == 1 and y_pred.shape[1:] == (1,):  # one output unit: labels as a column
        y_true = y_true.reshape(-1, 1)
    return float(np.mean(np.asarray(keras.losses.get(loss_name)(y_true, y_pred))))


def measure(run: Run) -> dict[str, float]:
    """Every number the rules read, from the run's history, probe records and final model."""
    m: dict[str, float] = {}
    hist = run.history
    if not hist.empty and "loss" in hist:
        loss, val = hist["loss"].to_numpy(float), hist["val_loss"].to_numpy(float)
        m["epochs"] = float(len(loss))
        m["loss_first"], m["loss_final"] = float(loss[0]), float(loss[-1])
        m["loss_drop"] = float(1 - loss[-1] / loss[0]) if loss[0] > 0 else float("nan")
        finite = np.where(np.isfinite(val), val, np.inf)
        best = int(np.argmin(finite))
        m["val_loss_best"], m["val_best_epoch"] = float(val[best]), float(best + 1)
        m["val_loss_final"] = float(val[-1])
        m["val_rise"] = float(val[-1] / val[best] - 1) if val[best] > 0 else float("nan")
    if run.model is not None and run.status != "diverged" and run.epochs_done:
        ds = run.dataset
        m["chance_loss"] = chance_loss(run.config, ds)
        m["train_loss_clean"] = clean_loss(run, ds.x_train, ds.y_train)
        m["val_loss_clean"] = clean_loss(run, ds.x_val, ds.y_val)
        m["loss_vs_chance"] = m["train_loss_clean"] / m["chance_loss"]
        m["val_over_train"] = m["val_loss_clean"] / max(m["train_loss_clean"], 1e-12)
    grads = run.gradients
    if not grads.empty:
        last = int(grads["epoch"].max())
        at_init = grads[grads["epoch"] == 0]
        m["grad_mean_abs_max_init"] = _finite_max(at_init["grad_mean_abs"])
        m["grad_mean_abs_max"] = _finite_max(grads["grad_mean_abs"])
        m["grad_norm_max_init"] = _finite_max(at_init["grad_norm"])
        m["depth_ratio_init"] = _depth_ratio(grads, 0)
        m["depth_ratio_final"] = _depth_ratio(grads, last)
        trained = grads[grads["epoch"] > 0]
        per_layer = trained.groupby("layer")["update_ratio"].mean() if len(trained) else pd.Series(dtype=float)
        m["fastest_update"] = _finite_max(per_layer)
    acts = run.activations
    if not acts.empty:
        final = acts[acts["epoch"] == acts["epoch"].max()]
        m["saturated_worst_layer"] = float(final["saturated"].max())
        m["dead_mean"] = float(final["dead"].mean())
    return m


# -- the rules -----------------------------------------------------------------------------------

def _get(m: dict, key: str) -> float:
    return m.get(key, float("nan"))


def _vanishing_evidence(m: dict) -> Optional[str]:
    if not _get(m, "loss_vs_chance") >= UNDERFIT_LOSS:  # learning got going anyway (or unknown): no problem
        return None
    stalled = (f"; the training loss is still {_get(m, 'loss_vs_chance'):.0%} of the loss of ignoring the "
               "inputs.")
    ratios = [r for r in (_get(m, "depth_ratio_init"), _get(m, "depth_ratio_final")) if np.isfinite(r)]
    if ratios and min(ratios) < VANISHING_RATIO:
        return (f"the first hidden layer's mean |gradient| is {min(ratios):.2g} times the last hidden layer's "
                f"(threshold {VANISHING_RATIO:g}; healthy: above 0.1)" + stalled)
    if _get(m, "grad_norm_max_init") < VANISHING_NORM:
        return (f"at initialization even the largest layer gradient norm is {_get(m, 'grad_norm_max_init'):.2g} "
                f"(threshold {VANISHING_NORM:g}; healthy: above 0.1), the signal shrinks in every layer"
                + stalled)
    return None


def _underfitting_evidence(m: dict) -> tuple[str, str]:
    evidence = (f"the training loss {_get(m, 'train_loss_clean'):.3g} is {_get(m, 'loss_vs_chance'):.0%} of the "
                f"loss of a model that ignores its inputs ({_get(m, 'chance_loss'):.3g}; threshold "
                f"{UNDERFIT_LOSS:.0%}); on very noisy data this can also be the data's limit.")
    if _get(m, "fastest_update") > UNSTABLE_UPDATE:
        return (evidence + f" The weights moved by {_get(m, 'fastest_update'):.0%} of their size per epoch.",
                "The steps look too big to settle: lower the learning rate 3-10x. " + FIXES["underfitting"])
    return evidence, FIXES["underfitting"]


def _rules(run: Run, m: dict) -> list[Finding]:
    found: list[Finding] = []
    cfg = run.config
    diverged = run.status == "diverged"

    def add(problem: str, evidence: str, fix: Optional[str] = None) -> None:
        found.append(Finding(problem, evidence, fix or FIXES[problem]))

    if diverged:
        add("divergence", f"{run.message.split('. Try')[0]} (learning rate {cfg.learning_rate:g}, "
                          f"optimizer {cfg.optimizer}).")
    grad_key = "grad_mean_abs_max_init" if diverged else "grad_mean_abs_max"
    if _get(m, grad_key) > EXPLODING_MEAN_ABS:
        when = "at initialization" if diverged or _get(m, "grad_mean_abs_max_init") > EXPLODING_MEAN_ABS \
            else "during training"
        add("exploding gradients", f"a layer's mean |gradient| reached {_get(m, grad_key):.3g} {when} "
                                   f"(threshold {EXPLODING_MEAN_ABS:g}; healthy runs stay below 0.25).")
    if diverged:
        return found
    vanishing = _vanishing_evidence(m)
    if vanishing:
        add("vanishing gradients", vanishing)
    if cfg.activation in BOUNDED_ACTIVATIONS and _get(m, "saturated_worst_layer") > SATURATED_FRACTION:
        add("saturated units", f"{_get(m, 'saturated_worst_layer'):.0%} of one hidden layer's {cfg.activation} "
                               f"outputs sit where its slope is under 5 % of the peak (threshold "
                               f"{SATURATED_FRACTION:.0%}); {_get(m, 'dead_mean'):.0%} of units are stuck on "
                               "every probe row.")
    if cfg.activation not in BOUNDED_ACTIVATIONS + NEVER_DEAD and _get(m, "dead_mean") > DEAD_FRACTION:
        add("dead units", f"{_get(m, 'dead_mean'):.0%} of the hidden {cfg.activation} units have zero slope on "
                          f"every probe row (threshold {DEAD_FRACTION:.0%}; healthy: about 5-15 %).")
    if _get(m, "fastest_update") < TOO_LOW_UPDATE and _get(m, "loss_drop") < TOO_LOW_LOSS_DROP:
        add("learning rate too low", f"the fastest-moving layer changed by {_get(m, 'fastest_update'):.2g} of its "
                                     f"size per epoch (threshold {TOO_LOW_UPDATE:g}; healthy: about 0.01) and "
                                     f"the training loss fell only {_get(m, 'loss_drop'):.1%} "
                                     f"in {int(_get(m, 'epochs'))} epochs.")
    if run.status != "early-stopped" and _get(m, "val_rise") > OVERFIT_RISE \
            and _get(m, "val_over_train") > OVERFIT_GAP:
        add("overfitting", f"validation loss ended at {_get(m, 'val_loss_final'):.3g}, {_get(m, 'val_rise'):.0%} "
                           f"above its best ({_get(m, 'val_loss_best'):.3g} at epoch "
                           f"{int(_get(m, 'val_best_epoch'))}), and the final model's validation loss is "
                           f"{_get(m, 'val_over_train'):.1f}x its training loss ({_get(m, 'train_loss_clean'):.3g}).")
    if not found and _get(m, "loss_vs_chance") >= UNDERFIT_LOSS:
        add("underfitting", *_underfitting_evidence(m))
    return found


def diagnose(run: Run) -> Diagnosis:
    """Name what is wrong with a finished run, with the numbers that show it and a fix to try.

    Reads `run.status`, `run.history`, `run.gradients` and `run.activations`; returns a `Diagnosis`
    whose `.findings` list is empty (and `.healthy` True) when no rule fires.  Runs trained with
    `probes=False` get only the rules that need no probes (divergence, learning curves).
    """
    if not isinstance(run, Run):
        raise TypeError(f"diagnose(run): run must be a widgets Run (from w.train), got {type(run).__name__}")
    if run.status == "running":
        raise ValueError("diagnose(run): the run is still training; diagnose it when it has ended")
    m = measure(run)
    notes = []
    if run.gradients.empty:
        notes.append("no probe records (trained with probes=False): gradient and activation rules skipped")
    if run.status == "stopped":
        notes.append("the run was stopped by hand, so the learning curves are incomplete")
    findings = sorted(_rules(run, m), key=lambda f: PROBLEMS.index(f.problem))
    return Diagnosis(label=run.config.describe(), findings=tuple(findings), measurements=m,
                     notes=tuple(notes))


def measurement_table(runs: dict[str, Run]) -> pd.DataFrame:
    """One row per named run: the numbers the rules read and the problems found (for calibration).

    A number is left empty (NaN) where its rule does not apply: saturation is only judged for
    sigmoid/tanh, dead units only for the ReLU family.
    """
    rows = []
    for name, run in runs.items():
        d = diagnose(run)
        row = {k: d.measurements.get(k, float("nan")) for k in _TABLE_COLUMNS}
        if run.config.activation not in BOUNDED_ACTIVATIONS:
            row["saturated_worst_layer"] = float("nan")
        if run.config.activation in BOUNDED_ACTIVATIONS + NEVER_DEAD:
            row["dead_mean"] = float("nan")
        rows.append({"run": name, **row, "problems found": ", ".join(d.problems) or "none"})
    return pd.DataFrame(rows).set_index("run")


_TABLE_COLUMNS = ("grad_mean_abs_max", "grad_norm_max_init", "depth_ratio_init", "saturated_worst_layer", "dead_mean",
                  "fastest_update", "loss_drop", "val_rise", "val_over_train", "loss_vs_chance")

# The threshold each table column is compared with, and on which side a problem lies.
THRESHOLDS: dict[str, tuple[float, str, str]] = {
    "grad_mean_abs_max": (EXPLODING_MEAN_ABS, "above", "exploding gradients"),
    "grad_norm_max_init": (VANISHING_NORM, "below", "vanishing gradients"),
    "depth_ratio_init": (VANISHING_RATIO, "below", "vanishing gradients"),
    "saturated_worst_layer": (SATURATED_FRACTION, "above", "saturated units"),
    "dead_mean": (DEAD_FRACTION, "above", "dead units"),
    "fastest_update": (TOO_LOW_UPDATE, "below", "learning rate too low"),
    "val_rise": (OVERFIT_RISE, "above", "overfitting"),
    "loss_vs_chance": (UNDERFIT_LOSS, "above", "underfitting"),
}



def rules_table() -> pd.DataFrame:
    """Every rule in words, with its threshold and the first fix to try (read from the constants above)."""
    rules = {
        "divergence": ("run.status", 'is "diverged" (loss NaN/inf or 100x its start)'),
        "exploding gradients": ("largest mean |gradient| of a layer", f"above {EXPLODING_MEAN_ABS:g}"),
        "vanishing gradients": ("mean |grad| of hidden 1 / of the last hidden layer; largest layer "
                                "gradient norm at init; training loss / loss of ignoring the inputs",
                                f"ratio below {VANISHING_RATIO:g} or norm below {VANISHING_NORM:g}, while "
                                f"the loss is at least {UNDERFIT_LOSS:.0%}"),
        "saturated units": ("share of saturated sigmoid/tanh outputs, worst layer", f"above {SATURATED_FRACTION:.0%}"),
        "dead units": ("share of dead units, mean over hidden layers (ReLU family)", f"above {DEAD_FRACTION:.0%}"),
        "learning rate too low": ("fastest layer's ||dW||/||W|| per epoch; training-loss drop",
                                  f"below {TOO_LOW_UPDATE:g} and below {TOO_LOW_LOSS_DROP:.0%}"),
        "overfitting": ("val_loss rise above its best; final val/train loss",
                        f"above {OVERFIT_RISE:.0%} and above {OVERFIT_GAP:g}x (not when early-stopped)"),
        "underfitting": ("training loss / loss of ignoring the inputs",
                         f"at least {UNDERFIT_LOSS:.0%}, and no other rule fired"),
    }
    return pd.DataFrame([{"problem": p, "measured": rules[p][0], "fires when": rules[p][1],
                          "first thing to try": FIXES[p]} for p in PROBLEMS]).set_index("problem")


def calibration_figure(runs: dict[str, Run], expected: dict[str, Optional[str]]):
    """Each rule's measurement for every run, as a multiple of its threshold (log scale).

    x > 1 means past the threshold (for "below" rules the ratio is inverted).  Red points are runs
    made to have that rule's problem, grey ones all the others: a good threshold separates them.
    """
    import plotly.graph_objects as go
    from .plots import style
    fig = go.Figure()
    table = measurement_table(runs)
    points = {True: ([], [], []), False: ([], [], [])}
    for column, (threshold, side, problem) in THRESHOLDS.items():
        for name, value in table[column].items():
            if not np.isfinite(value):
                continue
            value = max(value, 1e-6)
            past = value / threshold if side == "above" else threshold / value
            xs, ys, names = points[expected.get(name) == problem]
            xs.append(past)
            ys.append(f"{problem}<br>({column})")
            names.append(f"{name}: {value:.3g}")
    for hit, colour, label in ((False, "#999999", "all other runs"), (True, "#d62728", "runs made to have it")):
        xs, ys, names = points[hit]
        fig.add_trace(go.Scatter(x=xs, y=ys, mode="markers", name=label, text=names, hoverinfo="text",
                                 marker=dict(color=colour, size=10 if hit else 7, opacity=0.8)))
    fig.add_vline(x=1.0, line_dash="dash", line_color="black")
    fig.update_xaxes(type="log")
    return style(fig, "Each rule's measurement relative to its threshold (dashed line: the rule fires right of it)",
                 "measured / threshold (inverted for 'below' rules), log scale", "rule (measured column)",
                 height=460)


# Runs made to have each problem (and two healthy ones), small enough to train in a few seconds.
# Chapter 12 and tests/test_diagnose.py train these; the comments say how each one breaks.
_BASE = RunConfig(dataset="moons", batch_size=64, epochs=8, seed=0)
EXAMPLES: dict[str, tuple[RunConfig, Optional[str]]] = {
    "healthy (moons, ReLU + He)": (_BASE.replace(initializer="he_normal", epochs=10), None),
    "healthy (pima, tanh)": (_BASE.replace(dataset="pima", activation="tanh", epochs=10), None),
    # eight sigmoid layers: each multiplies the backward signal by at most 0.25
    "deep sigmoid": (_BASE.replace(activation="sigmoid", depth=8, epochs=4), "vanishing gradients"),
    # Keras's random_normal (std 0.05) shrinks the signal about 4x per 32-unit layer
    "deep tanh, tiny init": (_BASE.replace(activation="tanh", initializer="random_normal", depth=10, epochs=3),
                             "vanishing gradients"),
    # He init is scaled for ReLU, which halves the variance; with no activation each layer doubles it
    "deep linear, He init": (_BASE.replace(activation="linear", initializer="he_normal", depth=12, epochs=2),
                             "exploding gradients"),
    # std 1.0 weights multiply the signal by about sqrt(32 / 2) = 4 per ReLU layer
    "deep ReLU, random_normal std 1": (_BASE.replace(initializer="random_normal", init_scale=1.0, depth=6,
                                                     epochs=2), "exploding gradients"),
    "learning rate 1e4": (_BASE.replace(learning_rate=1e4, epochs=2), "divergence"),
    # features up to ~4000 push every tanh of the first layer to +-1
    "unscaled inputs into tanh": (_BASE.replace(dataset="breast_cancer", standardize=False, activation="tanh",
                                                epochs=4), "saturated units"),
    # big RMSprop steps push ReLU units to negative pre-activations for every input
    "ReLU, RMSprop at 0.1": (_BASE.replace(optimizer="rmsprop", learning_rate=0.1), "dead units"),
    "SGD at 1e-5": (_BASE.replace(optimizer="sgd", learning_rate=1e-5, epochs=3), "learning rate too low"),
    "3x256 net on 100 pima rows": (_BASE.replace(dataset="pima", depth=3, width=256, train_fraction=0.25,
                                                 batch_size=32, epochs=20), "overfitting"),
    "one unit on the spiral": (_BASE.replace(dataset="spiral", depth=1, width=1, epochs=8), "underfitting"),
}
