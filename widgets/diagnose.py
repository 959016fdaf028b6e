"""`diagnose(run)`: read a finished run's probes and curves, name what went wrong and what to try.

The function looks at four things a `Run` records: its status (did the loss blow up?), its history
(training and validation loss per epoch), its gradient records (per layer, from epoch 0 = the
initialized network) and its activation records (per hidden layer).  `diagnose_measure.measure`
turns them into unit-free numbers (gradients relative to weights, losses relative to the loss of
ignoring the inputs or to the run's own start, shares of units in the worst layer);
`diagnose_rules` compares each with a threshold and says why it sits there.  The thresholds were
fixed on half of the labelled runs of `doctor_cases`; `benchmarks/doctor.py` measures the error
rates on the other half and whether each first fix (`prescribe`) helps.
"""

from __future__ import annotations

import html
from dataclasses import dataclass, field
from typing import Optional

from .config import RunConfig
from .diagnose_measure import chance_loss, clean_loss, measure  # noqa: F401  (part of the API)
from .diagnose_rules import FIXES, PROBLEMS, Finding, findings  # noqa: F401  (part of the API)
from .training import Run


@dataclass(frozen=True)
class Diagnosis:
    """The findings for one run (empty when nothing is wrong) and the numbers the rules read."""

    label: str
    findings: tuple[Finding, ...]
    measurements: dict = field(default_factory=dict)
    notes: tuple[str, ...] = ()
    config: Optional[RunConfig] = field(default=None, compare=False)  # the diagnosed run's

    @property
    def healthy(self) -> bool:
        return not self.findings

    @property
    def problems(self) -> list[str]:
        """The problem names, most fundamental first (the order of `PROBLEMS`)."""
        return [f.problem for f in self.findings]

    @property
    def first_fix(self) -> dict:
        """The config changes of the first finding's first fix ({} when healthy): what a lab's
        "Apply the suggested fix" button sets."""
        return dict(self.findings[0].changes) if self.findings else {}

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
                    "&#10004; Nothing wrong found: no rule fired (thresholds in widgets/diagnose_rules.py)."
                    "</div>" + notes)
        rows = "".join(
            f'<tr><td style="text-align:left"><b>{html.escape(f.problem)}</b></td>'
            f'<td style="text-align:left">{html.escape(f.evidence)}</td>'
            f'<td style="text-align:left">{html.escape(f.fix)}</td></tr>' for f in self.findings)
        return (head + '<table style="background:#fdecea"><tr><th style="text-align:left">problem</th>'
                '<th style="text-align:left">evidence</th><th style="text-align:left">what to try</th></tr>'
                + rows + "</table>" + notes)


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
    found = sorted(findings(run.config, m, run.status), key=lambda f: PROBLEMS.index(f.problem))
    return Diagnosis(label=run.config.describe(), findings=tuple(found), measurements=m, notes=tuple(notes),
                     config=run.config)


def prescribe(diagnosis: Diagnosis) -> Optional[RunConfig]:
    """The diagnosed run's config with the first fix of its first finding applied (None if healthy)."""
    if not isinstance(diagnosis, Diagnosis):
        raise TypeError(f"prescribe(diagnosis): give the result of diagnose(run), got {type(diagnosis).__name__}")
    if diagnosis.healthy or diagnosis.config is None:
        return None
    return diagnosis.config.replace(**diagnosis.first_fix)


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
