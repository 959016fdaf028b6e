"""Checks for chapter 05, "Overfitting and regularization": dropout, L1/L2 and where each acts."""

from __future__ import annotations

from typing import Any

from . import Feedback, check_number, check_set

DROPOUT_RATE = 0.25
DROPOUT_INPUT = 3.0


def check_dropout_outputs(answer: Any) -> Feedback:
    """Right when `answer` is (output in training if the unit is kept, output at inference) for
    `keras.layers.Dropout(0.25)` and an input of 3.0."""
    if not isinstance(answer, (tuple, list)) or len(answer) != 2:
        return Feedback(False, "Give two numbers: (output in training when the unit is kept, output at "
                        f"inference); you gave {answer!r}.")
    kept = DROPOUT_INPUT / (1.0 - DROPOUT_RATE)
    training = check_number(answer[0], kept, rel_tol=1e-3, what="The kept unit's output in training")
    inference = check_number(answer[1], DROPOUT_INPUT, rel_tol=1e-3, what="The output at inference")
    why = (f"Keras scales kept units by 1/(1 - rate) = 1/{1 - DROPOUT_RATE:g} during training, so the "
           "expected output equals the input, and does nothing at inference.")
    if training and inference:
        return Feedback(True, f"{kept:g} in training, {DROPOUT_INPUT:g} at inference. {why}")
    wrong = [f.message for f in (training, inference) if not f]
    return Feedback(False, " ".join(wrong) + " Hint: the expected value of the output must equal the input.")


DECAY_LEARNING_RATE = 0.1
DECAY_L2 = 0.01


def decay_factor(learning_rate: float = DECAY_LEARNING_RATE, l2: float = DECAY_L2) -> float:
    """What one plain-SGD step multiplies a weight by when its data gradient is zero and the layer has
    `keras.regularizers.L2(l2)`: the penalty is l2 * w**2, its gradient 2 * l2 * w."""
    return 1.0 - 2.0 * learning_rate * l2


def check_decay_factor(answer: Any) -> Feedback:
    """Right when `answer` is the factor one SGD step (lr 0.1) with L2(0.01) multiplies a weight by."""
    expected = decay_factor()
    return check_number(answer, expected, rel_tol=0.0, abs_tol=1e-6, what="The factor",
                        why=("Keras's L2(a) adds a * w**2 to the loss (no 1/2 in front), whose gradient is "
                             f"2 * a * w, so the step is w - lr * 2 * a * w = w * (1 - 2 * {DECAY_LEARNING_RATE:g}"
                             f" * {DECAY_L2:g}). This shrinking by a constant factor is weight decay."))


TECHNIQUES = ("l1", "l2", "dropout", "max_norm", "early_stopping")


def check_loss_terms(answer: Any) -> Feedback:
    """Right when the learner names exactly the techniques that add a term to the training loss."""
    return check_set(answer, {"l1", "l2"}, TECHNIQUES, what="techniques",
                     why=("Only the L1 and L2 penalties add to the loss (they appear in model.losses). "
                          "Dropout changes the forward pass in training, max-norm rescales weights after "
                          "each step, and early stopping only decides when to stop."))
