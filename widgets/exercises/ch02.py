"""Checks for chapter 02, "Network design defaults": output activation and loss per task."""

from __future__ import annotations

from typing import Any, Mapping

from . import Feedback, check_number

# The three projects of the first exercise: what each predicts, and the pairs that fit it.
PROJECTS = {
    "spam": "flag an e-mail as spam or not spam (labels 0/1)",
    "species": "pick one of 12 bird species (labels are the integers 0-11)",
    "price": "predict a flat's price (a standardized number)",
}
_LOSS_ALIASES = {"mse": "mean_squared_error", "mae": "mean_absolute_error", "bce": "binary_crossentropy",
                 "huber_loss": "huber"}
_ACTIVATION_ALIASES = {"none": "linear", "identity": "linear"}
_RIGHT = {
    "spam": ({"sigmoid"}, {"binary_crossentropy"}),
    "species": ({"softmax"}, {"sparse_categorical_crossentropy"}),
    "price": ({"linear"}, {"mean_squared_error", "mean_absolute_error", "huber"}),
}
_WHY_ACTIVATION = {
    "spam": "one sigmoid unit gives P(spam) in (0, 1)",
    "species": "softmax over 12 units gives 12 probabilities that sum to 1",
    "price": "a price can be any number, so the output must not be squashed: use a linear output",
}
_WHY_LOSS = {
    "spam": "binary cross-entropy scores a probability against a 0/1 label",
    "species": ("sparse categorical cross-entropy takes integer labels as they are "
                "(categorical_crossentropy would need one-hot rows)"),
    "price": "a regression loss (mean squared error; mean absolute error or Huber also fit) compares numbers",
}


def _normalize(name: Any, aliases: Mapping[str, str]) -> str:
    text = str(name).strip().lower().replace(" ", "_").replace("-", "_")
    return aliases.get(text, text)


def check_project_pairs(answer: Any) -> Feedback:
    """Right when every project in `PROJECTS` gets a fitting (output activation, loss) pair.

    answer: {"spam": (activation, loss), "species": (...), "price": (...)} with Keras names.
    """
    if not isinstance(answer, Mapping) or set(answer) != set(PROJECTS):
        return Feedback(False, "Give a dict with exactly the keys " + ", ".join(map(repr, PROJECTS))
                        + ", each mapped to (output activation, loss), e.g. ('sigmoid', 'binary_crossentropy').")
    problems = []
    for project, pair in answer.items():
        if not isinstance(pair, (tuple, list)) or len(pair) != 2:
            return Feedback(False, f"{project!r}: give a pair (output activation, loss); you gave {pair!r}.")
        activation = _normalize(pair[0], _ACTIVATION_ALIASES)
        loss = _normalize(pair[1], _LOSS_ALIASES)
        right_activations, right_losses = _RIGHT[project]
        if activation not in right_activations:
            problems.append(f"{project}: not {pair[0]!r}, because {_WHY_ACTIVATION[project]}")
        if loss not in right_losses:
            problems.append(f"{project}: not {pair[1]!r}, because {_WHY_LOSS[project]}")
    if problems:
        return Feedback(False, "; ".join(problems) + ".")
    return Feedback(True, "Each output matches what is predicted, and each loss matches the output: "
                    + "; ".join(f"{p}: {_WHY_ACTIVATION[p]}" for p in PROJECTS) + ".")


def softmax_one_unit_accuracy() -> float:
    """The validation accuracy a Pima model with softmax on its one output unit must report.

    Softmax over a single unit is exp(z) / exp(z) = 1 for every input, so the model says "diabetes"
    for everybody and its accuracy is the share of diabetes cases among the validation rows.
    """
    from ..data import load_dataset
    return float(load_dataset("pima").y_val.mean())


def check_softmax_accuracy(answer: Any) -> Feedback:
    """Right when `answer` is the validation accuracy of the softmax-on-one-unit Pima model."""
    return check_number(answer, softmax_one_unit_accuracy(), rel_tol=0.0, abs_tol=0.005,
                        what="The validation accuracy",
                        why=("Every prediction is 1.0, so the model is right exactly on the diabetes cases: "
                             "the share of 1s in pima's y_val, whatever the network learned."))


def first_layer_parameters(n_features: int, units: int) -> int:
    """Trainable parameters of a Dense layer, counted by Keras itself (kernel and bias)."""
    import keras
    layer = keras.layers.Dense(units)
    layer.build((None, n_features))
    return int(layer.count_params())


def check_first_layer_parameters(answer: Any) -> Feedback:
    """Right when `answer` counts the parameters of Dense(10) fed by the 7 MASS Pima features."""
    from ..data import load_dataset
    n_features = load_dataset("pima").n_features
    expected = first_layer_parameters(n_features, 10)
    return check_number(answer, expected, rel_tol=0.0, abs_tol=0.0, what="The parameter count",
                        why=(f"A Dense layer has one weight per (input, unit) pair plus one bias per unit: "
                             f"{n_features} x 10 + 10. The article's input_dim=2 would have given "
                             f"{first_layer_parameters(2, 10)}, and Kaggle's 8 features "
                             f"{first_layer_parameters(8, 10)}."))
