"""Checks for chapter 04, "Normalization": input scaling and batch normalization."""

from __future__ import annotations

from typing import Any

from . import Feedback, check_choice


def batchnorm_counts(units: int) -> tuple[int, int]:
    """(all values, trainable values) of a `BatchNormalization` layer after a Dense layer of `units`,
    counted by Keras itself: gamma and beta train, the moving mean and variance do not."""
    import keras
    layer = keras.layers.BatchNormalization()
    layer.build((None, units))
    trainable = sum(int(v.numpy().size) for v in layer.trainable_weights)
    return layer.count_params(), trainable


EXERCISE_UNITS = 48  # the Dense layer in front of the batch norm in exercise 1


def check_bn_counts(answer: Any) -> Feedback:
    """Right when `answer` is (total, trainable) for batch norm after a Dense(48) layer."""
    if not isinstance(answer, (tuple, list)) or len(answer) != 2 or not all(
            isinstance(a, int) and not isinstance(a, bool) for a in answer):
        return Feedback(False, "Give two whole numbers, (total values, trainable values), e.g. (10, 5); "
                        f"you gave {answer!r}.")
    total, trainable = batchnorm_counts(EXERCISE_UNITS)
    why = (f"Batch norm keeps four numbers for each of the {EXERCISE_UNITS} units it normalizes: gamma and "
           "beta, which gradient descent trains, and the moving mean and moving variance, which are "
           "running averages used at inference. The size of the layer before the Dense layer plays no part.")
    given_total, given_trainable = answer
    if (given_total, given_trainable) == (total, trainable):
        return Feedback(True, f"{total} values, {trainable} of them trainable. {why}")
    hints = []
    if given_total != total:
        hints.append(f"the total is not {given_total}")
    if given_trainable != trainable:
        hints.append(f"the trainable count is not {given_trainable}")
    return Feedback(False, "; ".join(hints).capitalize() + ". Count per unit: how many numbers does batch "
                    "norm keep for one unit, and how many of them does the optimizer update?")


SCALER_ROWS = {
    "training": ("Fit the scaler on the training rows only, then apply that same transformation to the "
                 "validation and test rows (and to new data in production): the model must never see "
                 "statistics computed from data it is evaluated on."),
    "all": ("Fitting on all rows lets the validation rows' mean and spread leak into the training "
            "inputs, so the validation score is no longer an honest preview of new data."),
    "validation": ("The validation rows are for measuring; statistics from them would leak what the model "
                   "is judged on into its inputs (and they are the smaller sample)."),
    "each": ("Scaling each split with its own statistics changes what a given raw value means between "
             "training and inference: the same patient would get different inputs."),
}


def check_scaler_rows(answer: Any) -> Feedback:
    """Right when the learner fits the StandardScaler on the training rows only."""
    return check_choice(answer, "training", SCALER_ROWS)


BIAS_BEFORE_BN = {
    "cancelled": ("Batch norm subtracts the mean over the batch from every unit, and a bias adds the same "
                  "constant to every row, so it is removed again at once; beta, added after the "
                  "normalization, does the bias's job. use_bias=False saves the useless weights."),
    "needed": ("Without a bias the layer still gets an offset: batch norm's beta is added after the "
               "normalization. A bias in front of batch norm is subtracted away with the batch mean."),
    "diverges": ("Keeping the bias does not make training diverge; it is merely wasted: batch norm "
                 "subtracts it again with the batch mean."),
}


def check_bias_before_bn(answer: Any) -> Feedback:
    """Right when the learner says the Dense bias in front of batch norm is cancelled."""
    return check_choice(answer, "cancelled", BIAS_BEFORE_BN)
