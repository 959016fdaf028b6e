"""Chapter 00: the tour's practice exercises (how a check answers, hints, solutions, progress)."""

from __future__ import annotations

from typing import Any

from ..config import RunConfig
from ..data import load_dataset
from . import Feedback, check_choice, check_number, exercise, solution_function

solution = solution_function("00")


@exercise("00", 1, "Rows in the Pima training split", kind="recall",
          hints=("Load the data set with `w.load_dataset('pima')` and look at the shape of its training inputs.",
                 "`len(ds.x_train)` counts the rows of the training split."),
          solution='answer = len(w.load_dataset("pima").x_train)')
def check_pima_training_rows(answer: Any) -> Feedback:
    """How many rows does the Pima training split hold?"""
    expected = len(load_dataset("pima").x_train)
    return check_number(answer, expected, rel_tol=0.0, what="The number of Pima training rows",
                        why="The split keeps 75 % of the 532 rows for training.")


@exercise("00", 2, "A tanh network with five hidden layers", kind="recall",
          hints=("Two fields of `w.RunConfig` decide this: one names the activation, one counts hidden layers.",
                 "Pass only the fields you change; every other field keeps its default."),
          solution='answer = w.RunConfig(activation="tanh", depth=5)')
def check_config_for_tanh_five_layers(answer: Any) -> Feedback:
    """Build a RunConfig with tanh activations and five hidden layers, everything else default."""
    if not isinstance(answer, RunConfig):
        return Feedback(False, f"Give a RunConfig, e.g. `w.RunConfig(...)`; you gave {type(answer).__name__}.")
    wanted = RunConfig(activation="tanh", depth=5)
    wrong = [name for name in wanted.to_dict() if getattr(answer, name) != getattr(wanted, name)]
    if wrong:
        return Feedback(False, f"{len(wrong)} field(s) differ from what the exercise asks: " + ", ".join(wrong) + ".")
    return Feedback(True, "`w.RunConfig(activation='tanh', depth=5)`; every other field keeps its default.")


@exercise("00", 3, "What a NaN loss does to a run", kind="experiment",
          hints=("Train a run whose learning rate is absurdly high and read its `status`.",
                 "`w.train(cfg.replace(learning_rate=1e4, epochs=3)).status`"),
          solution='cfg = w.RunConfig(dataset="moons", activation="relu", initializer="he_normal", depth=4)\n'
                   'answer = w.train(cfg.replace(learning_rate=1e4, epochs=3))')
def check_status_meaning(answer: Any) -> Feedback:
    """Train a run whose loss becomes NaN and hand in the run (or its status)."""
    status = getattr(answer, "status", answer)
    if hasattr(answer, "status") and answer.status != "diverged":
        return Feedback(False, f"Your run ended '{answer.status}' after {answer.epochs_done} epochs: its loss "
                               "never became NaN. Make the steps far larger.")
    return check_choice(status, "diverged", {
        "finished": "A finished run trained for every epoch it was given.",
        "stopped": "'stopped' means somebody pressed Stop (or set the stop event).",
        "diverged": "A NaN or exploding loss ends the run early with status 'diverged' and a message "
                    "that says what happened, so a lab never shows a blank figure without a reason.",
        "early-stopped": "'early-stopped' is early stopping's doing: the validation loss stopped improving.",
    }, wrong={"finished": "A finished run trained every epoch with finite losses.",
              "stopped": "'stopped' needs somebody to press Stop.",
              "early-stopped": "'early-stopped' needs early stopping switched on."})
