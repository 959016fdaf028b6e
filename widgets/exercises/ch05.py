"""Chapter 05, "Overfitting and regularization": the learner restrains an overfitting model and
makes L1 thin out a network's weights; the checkers train (or inspect) the learner's run and
measure it.  One recall exercise asks which techniques add a term to the loss."""

from __future__ import annotations

import dataclasses
from functools import lru_cache
from typing import Any, Optional

import numpy as np

from ..config import RunConfig
from . import Feedback, check_locked, check_set, exercise, solution_function

solution = solution_function("05")

REMEDIES = ("dropout", "l1", "l2", "max_norm", "early_stopping_patience")


def _all_but(*free: str) -> tuple[str, ...]:
    return tuple(f.name for f in dataclasses.fields(RunConfig) if f.name not in free)


@dataclasses.dataclass(frozen=True)
class Measured:
    """What a checker measured on one trained run (inference mode, no penalty terms)."""

    status: str
    train_loss: float
    val_loss: float
    val_accuracy: float
    near_zero: float  # share of hidden-layer kernel entries with |w| < NEAR_ZERO

    @property
    def gap(self) -> float:
        return self.val_loss - self.train_loss


NEAR_ZERO = 1e-3


def _measure_run(run: Any) -> Measured:
    import keras
    model, ds = run.model, run.dataset
    bce = keras.losses.BinaryCrossentropy()
    train_loss = float(bce(ds.y_train, model(ds.x_train, training=False)))
    val_pred = model(ds.x_val, training=False)
    val_loss = float(bce(ds.y_val, val_pred))
    val_accuracy = float(np.mean((np.asarray(val_pred).ravel() > 0.5) == (np.asarray(ds.y_val).ravel() > 0.5)))
    kernels = [layer.kernel.numpy().ravel() for layer in model.layers if layer.name.startswith("hidden")]
    near = float(np.mean(np.abs(np.concatenate(kernels)) < NEAR_ZERO)) if kernels else 0.0
    return Measured(run.status, train_loss, val_loss, val_accuracy, near)


@lru_cache(maxsize=16)
def _measure_config(config: RunConfig) -> Measured:
    from ..training import train
    return _measure_run(train(config, probes=False))


def _measure(answer: Any) -> Measured:
    """Train a config (seeded, so the result is cached) or measure a Run the learner trained."""
    if isinstance(answer, RunConfig):
        return _measure_config(answer)
    return _measure_run(answer)


def _config_of(answer: Any) -> Any:
    """The RunConfig of a Run, or the answer itself (a config or anything else)."""
    config = getattr(answer, "config", None)
    return config if isinstance(config, RunConfig) and getattr(answer, "model", None) is not None else answer


# -- exercise 1 -------------------------------------------------------------------------------

OVERFITTING = RunConfig(dataset="pima", depth=3, width=128, learning_rate=3e-3, batch_size=64, epochs=20,
                        train_fraction=0.3)
GAP_LIMIT, VAL_LOSS_LIMIT = 0.2, 0.55


@exercise("05", 1, "Restrain the big model on 30 % of the rows", kind="experiment",
          hints=("Section 1 measured this model's gap at more than 1. Switch on one of the remedies of "
                 "sections 2 to 5 (dropout, l1, l2, max_norm, early_stopping_patience) and train it.",
                 "The gap is measured on the final model in inference mode. A mild setting only dents a gap "
                 "this large: compare your run's curves with section 6's chart and be bolder, or combine "
                 "two remedies."),
          solution='cfg = ch05.OVERFITTING\n'
                   'answer = w.train(cfg.replace(dropout=0.5), probes=False)')
def check_regularized(answer: Any) -> Feedback:
    """Hand in a Run (or RunConfig) of `OVERFITTING` with only regularization settings changed, whose
    final model has a train/validation gap below GAP_LIMIT and a validation loss below VAL_LOSS_LIMIT."""
    config = _config_of(answer)
    problem = check_locked(config, OVERFITTING, _all_but(*REMEDIES))
    if problem is not None:
        return problem
    m = _measure(answer)
    if m.status == "diverged":
        return Feedback(False, "Your run diverged; a regularizer this strong swamps the data. Use a milder setting.")
    said = (f"Measured on your final model: training loss {m.train_loss:.3f}, validation loss {m.val_loss:.3f}, "
            f"gap {m.gap:.3f}, validation accuracy {m.val_accuracy:.3f}.")
    if m.gap < GAP_LIMIT and m.val_loss < VAL_LOSS_LIMIT:
        return Feedback(True, said + " With 120 training rows the unregularized model memorizes them (gap above 1). "
                        "Your setting takes away the capacity or the time it needs to memorize, so what it "
                        "learns carries over to the validation rows.")
    if m.gap < GAP_LIMIT:
        return Feedback(False, said + f" The gap is small, but the validation loss is not below {VAL_LOSS_LIMIT}: "
                        "the model now fits the validation rows badly too.")
    return Feedback(False, said + f" The exercise asks for a gap below {GAP_LIMIT} and a validation loss below "
                    f"{VAL_LOSS_LIMIT}.")


# -- exercise 2 -------------------------------------------------------------------------------

BIG = RunConfig(dataset="pima", depth=3, width=128, learning_rate=3e-3, batch_size=64, epochs=20)
SPARSE_SHARE, SPARSE_ACCURACY = 0.93, 0.78


@exercise("05", 2, "Thin out the weights without killing the model", kind="experiment",
          hints=("Section 3 compared the two penalties at the same strength: look again at which one moved "
                 "weights to within 1e-3 of zero, and how many.",
                 "Raise that penalty's strength step by step (factors of 2 or 3) and watch both numbers: too "
                 "strong and every weight goes, the model predicts one class for everyone and its accuracy "
                 "falls to the share of the larger class."),
          solution='cfg = ch05.BIG\n'
                   'answer = w.train(cfg.replace(l1=3e-3), probes=False)')
def check_sparse(answer: Any) -> Feedback:
    """Hand in a Run (or RunConfig) of `BIG` with only l1/l2 changed: at least SPARSE_SHARE of the hidden
    weights within NEAR_ZERO of zero, and validation accuracy at least SPARSE_ACCURACY."""
    config = _config_of(answer)
    problem = check_locked(config, BIG, _all_but("l1", "l2"))
    if problem is not None:
        return problem
    m = _measure(answer)
    said = (f"Measured on your model: {m.near_zero:.1%} of the hidden weights are within {NEAR_ZERO:g} of zero; "
            f"validation accuracy {m.val_accuracy:.3f}.")
    if m.status != "diverged" and m.near_zero >= SPARSE_SHARE and m.val_accuracy >= SPARSE_ACCURACY:
        return Feedback(True, said + " L1's pull towards zero has the same size for every weight, so the many "
                        "weights that matter little end at zero while the few that carry the prediction "
                        "survive. L2's pull shrinks in proportion to the weight and never empties a layer "
                        "like this; much stronger L1 leaves nothing to predict with.")
    if m.near_zero < SPARSE_SHARE:
        return Feedback(False, said + f" The exercise asks for at least {SPARSE_SHARE:.0%} near zero.")
    return Feedback(False, said + f" Enough weights are near zero, but the exercise asks for a validation "
                    f"accuracy of at least {SPARSE_ACCURACY}: the model has lost what it needs to predict.")


# -- exercise 3 -------------------------------------------------------------------------------

TECHNIQUES = ("l1", "l2", "dropout", "max_norm", "early_stopping")


@exercise("05", 3, "Which remedies add a term to the loss", kind="recall",
          hints=("Section 3's plain-Keras cell compares the loss `evaluate` reports with the data loss: what "
                 "makes up the difference, and where does Keras keep it?",
                 "Build a tiny layer with each remedy and look at `layer.losses`; a callback and a layer "
                 "without weights have nothing to put there."),
          solution='answer = ["l1", "l2"]')
def check_loss_terms(answer: Any) -> Feedback:
    """Right when the learner names exactly the techniques that add a term to the training loss."""
    return check_set(answer, {"l1", "l2"}, TECHNIQUES, what="techniques",
                     why=("Only the L1 and L2 penalties add to the loss (they appear in model.losses). "
                          "Dropout changes the forward pass in training, max-norm rescales weights after "
                          "each step, and early stopping only decides when to stop."))


def measured(answer: Any) -> Optional[Measured]:
    """What the checkers measure on a Run or RunConfig (for the curious; None for anything else)."""
    if isinstance(answer, RunConfig) or hasattr(answer, "model"):
        return _measure(answer)
    return None
