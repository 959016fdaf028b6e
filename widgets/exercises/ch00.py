"""Chapter 00: the tour's practice exercises (how a check answers)."""

from __future__ import annotations

from typing import Any

from ..config import RunConfig
from ..data import load_dataset
from . import Feedback, check_choice, check_number


def check_pima_training_rows(answer: Any) -> Feedback:
    """How many rows does the Pima training split hold?"""
    expected = len(load_dataset("pima").x_train)
    return check_number(answer, expected, rel_tol=0.0, what="The number of Pima training rows",
                        why="Look at `ds.x_train.shape[0]` (or `len(ds.x_train)`): 75 % of 532 rows.")


def check_config_for_tanh_five_layers(answer: Any) -> Feedback:
    """Build a RunConfig with tanh activations and five hidden layers, everything else default."""
    if not isinstance(answer, RunConfig):
        return Feedback(False, f"Give a RunConfig, e.g. `w.RunConfig(...)`; you gave {type(answer).__name__}.")
    wanted = RunConfig(activation="tanh", depth=5)
    differences = [f"{name} is {getattr(answer, name)!r} (expected {getattr(wanted, name)!r})"
                   for name in wanted.to_dict() if getattr(answer, name) != getattr(wanted, name)]
    if differences:
        return Feedback(False, "; ".join(differences) + ".")
    return Feedback(True, "`w.RunConfig(activation='tanh', depth=5)`; every other field keeps its default.")


def check_status_meaning(answer: Any) -> Feedback:
    """Which status does a run get when its loss becomes NaN?"""
    return check_choice(answer, "diverged", {
        "finished": "A finished run trained for every epoch it was given.",
        "stopped": "'stopped' means somebody pressed Stop (or set the stop event).",
        "diverged": "A NaN or exploding loss ends the run early with status 'diverged' and a message.",
        "early-stopped": "'early-stopped' is early stopping's doing: the validation loss stopped improving.",
    })
