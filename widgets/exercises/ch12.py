"""Checks for chapter 12, putting it together: name what is wrong with a broken run, then repair it.

Each challenge is a broken `RunConfig`.  `check_problem` asks which problem the diagnostic views
show; `check_repair` trains the learner's repaired config and accepts it when `diagnose` finds
nothing wrong and the validation accuracy reaches the challenge's bar, without touching the fields
the challenge locks (the point is to repair the cause, not to pick an easier task).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, Optional

from ..config import RunConfig
from ..diagnose import PROBLEMS, diagnose
from ..training import Run, train
from . import Feedback, check_choice

HEALTHY = "nothing wrong"

# What each problem looks like in the lab's views, used to explain a wrong guess.
SIGNS = {
    "divergence": "a loss that shoots up to huge values or NaN and a run that stops early with status 'diverged'",
    "exploding gradients": "gradient histograms far to the right (mean |gradient| above 1) from the first epoch",
    "vanishing gradients": "early layers' gradient curves decades below the late layers' (or all of them tiny), "
                           "with a loss stuck near its starting value",
    "saturated units": "sigmoid/tanh activations piled at their limits: a high 'saturated' bar in the "
                       "activation view",
    "dead units": "a high '% units dead' bar for ReLU layers: units that output 0 for every input",
    "learning rate too low": "healthy-looking gradients but weights that hardly move and a flat loss",
    "overfitting": "training loss still falling while the validation loss climbs away from it",
    "underfitting": "training and validation loss together, both high, with nothing else wrong",
    HEALTHY: "falling training and validation curves, gradients of similar size in every layer, few "
             "saturated or dead units",
}


@dataclass(frozen=True)
class Challenge:
    """A broken run to diagnose and repair."""

    title: str
    broken: RunConfig
    problem: str                 # what the diagnosis of the broken run finds
    locked: tuple[str, ...]      # fields the repair must leave as they are
    min_val_accuracy: float      # the repaired run must reach this (final model, validation rows)
    hint: str


_BASE = RunConfig(batch_size=64, epochs=10, seed=0)
CHALLENGES: dict[str, Challenge] = {
    "stuck": Challenge(
        "a deep sigmoid net that learns nothing",
        _BASE.replace(dataset="moons", activation="sigmoid", depth=8, epochs=6),
        "vanishing gradients", ("dataset", "depth", "epochs"), 0.85,
        "Keep eight layers and six epochs; what does each layer do to the backward signal?"),
    "wild steps": Challenge(
        "plain SGD that blows up",
        _BASE.replace(dataset="pima", initializer="he_normal", depth=4, optimizer="sgd", learning_rate=3.0,
                      epochs=8),
        "divergence", ("dataset", "optimizer", "depth"), 0.72,
        "Keep plain SGD; how big is each step?"),
    "raw features": Challenge(
        "tanh on raw measurements",
        _BASE.replace(dataset="breast_cancer", standardize=False, activation="tanh", epochs=8),
        "saturated units", ("dataset", "activation"), 0.93,
        "Keep tanh; what do inputs in the thousands do to it?"),
    "memorizer": Challenge(
        "a big net on 100 rows",
        _BASE.replace(dataset="pima", depth=3, width=256, train_fraction=0.25, batch_size=32, epochs=15),
        "overfitting", ("dataset", "train_fraction", "depth", "width", "epochs"), 0.72,
        "Keep the data, the network and the 15 epochs; what stops it from memorizing?"),
    "quiet units": Challenge(
        "good accuracy, hidden damage",
        _BASE.replace(dataset="moons", learning_rate=0.3, epochs=8),
        "dead units", ("dataset", "activation", "optimizer"), 0.88,
        "Keep ReLU and Adam; the curves look fine, so read the activation view."),
}


@dataclass(frozen=True)
class RepairFeedback(Feedback):
    """The verdict on a repair, plus the run it trained (None when it refused before training)."""

    run: Optional[Run] = None


def _challenge(name: Any) -> Challenge | Feedback:
    if name not in CHALLENGES:
        return Feedback(False, f"Unknown challenge {name!r}; the challenges are: "
                               + ", ".join(map(repr, CHALLENGES)) + ".")
    return CHALLENGES[name]


def broken(name: str) -> RunConfig:
    """The broken config of a challenge (raises ValueError naming the challenges for a bad name)."""
    challenge = _challenge(name)
    if isinstance(challenge, Feedback):
        raise ValueError(challenge.message)
    return challenge.broken


def check_problem(name: str, answer: Any) -> Feedback:
    """Which problem does the broken run of challenge `name` have? One of `PROBLEMS` or 'nothing wrong'."""
    challenge = _challenge(name)
    if isinstance(challenge, Feedback):
        return challenge
    explanations = {}
    for option, sign in SIGNS.items():
        if option == challenge.problem:
            explanations[option] = f"{option}: the views show {sign}."
        else:
            explanations[option] = (f"{option} would show {sign}. Look again: this run shows "
                                    f"{SIGNS[challenge.problem]}.")
    return check_choice(answer, challenge.problem, explanations)


def check_repair(name: str, config: Any) -> Feedback:
    """Train the repaired `config` and say whether challenge `name` is solved, and why (not).

    The answer is a `RepairFeedback` whose `.run` is the trained run (to look at its figures)."""
    challenge = _challenge(name)
    if isinstance(challenge, Feedback):
        return challenge
    if not isinstance(config, RunConfig):
        return Feedback(False, "Give the repaired run as a RunConfig, e.g. "
                               f"ch12.broken({name!r}).replace(field=value); you gave {config!r}.")
    changed = [f for f, v in config.to_dict().items() if v != getattr(challenge.broken, f)]
    touched = [f for f in changed if f in challenge.locked]
    if touched:
        return Feedback(False, "Keep " + ", ".join(f"{f}={getattr(challenge.broken, f)!r}" for f in touched)
                        + f": this challenge asks you to repair the cause, not to change those. "
                        f"Hint: {challenge.hint}")
    if not changed:
        return Feedback(False, f"That is the broken config unchanged. Hint: {challenge.hint}")
    run = train(config)
    diagnosis = diagnose(run)
    if not diagnosis.healthy:
        details = " ".join(f"{f.problem}: {f.evidence}" for f in diagnosis.findings)
        return RepairFeedback(False, f"You changed {', '.join(changed)}, but the diagnosis still finds "
                                     f"{', '.join(diagnosis.problems)}. {details}", run)
    ds = run.dataset
    accuracy = float(run.model.evaluate(ds.x_val, ds.y_val, verbose=0, return_dict=True)["accuracy"])
    if accuracy < challenge.min_val_accuracy:
        return RepairFeedback(False, f"Healthy now, but the validation accuracy is {accuracy:.3f}; this "
                                     f"challenge needs {challenge.min_val_accuracy:.2f}. Train longer or look "
                                     "for a better setting.", run)
    return RepairFeedback(True, f"Repaired by changing {', '.join(changed)}: no diagnostic rule fires and the "
                                f"validation accuracy is {accuracy:.3f} (needed {challenge.min_val_accuracy:.2f}).",
                          run)


assert set(SIGNS) == set(PROBLEMS) | {HEALTHY}, "every problem needs a sign"
