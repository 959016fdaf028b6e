"""Chapter 02, "Network design defaults": output activation and loss per task.

Exercise 1 repairs a mismatched config (the check trains it), exercise 2 is a few lines of Keras
whose trained model the check scores on the validation rows, exercise 3 recalls the pairs.
"""

from __future__ import annotations

from typing import Any, Mapping

from ..config import RunConfig, field_names
from . import Feedback, check_locked, exercise, solution_function

solution = solution_function("02")

# -- exercise 1: a mismatched wine model -------------------------------------------------------

MISMATCHED_START = RunConfig(dataset="wine", depth=2, width=32, batch_size=32, epochs=10, optimizer="sgd",
                             learning_rate=0.05, output_activation="sigmoid", loss="mean_squared_error")
MIN_WINE_ACCURACY = 0.9


@exercise("02", 1, "Repair the wine model's last layer and loss", kind="experiment",
          hints=("Wine has three classes, one integer label per row. What should the three output numbers "
                 "mean, and which loss compares such numbers with an integer label?",
                 "Section 4 measured what a squared error does to a classifier trained with plain SGD, and "
                 "section 1's table lists the pair that belongs to each task."),
          solution='answer = ch02.MISMATCHED_START.replace(output_activation="softmax",\n'
                   '                                         loss="sparse_categorical_crossentropy")')
def check_wine_repair(answer: Any) -> Feedback:
    """Change only `output_activation` and `loss` of the wine config so that it reaches a validation
    accuracy of 0.9 with plain SGD in its 10 epochs."""
    locked = [f for f in field_names() if f not in ("output_activation", "loss")]
    problem = check_locked(answer, MISMATCHED_START, locked)
    if problem is not None:
        return problem
    import warnings

    from ..training import train
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # Keras warns about some mismatches; the measurement speaks
        run = train(answer, probes=False)
    if run.status != "finished":
        return Feedback(False, f"Your run {run.status}: {run.message}")
    accuracy = run.final("val_accuracy")
    pair = f"output_activation={answer.output_activation!r}, loss={answer.loss!r}"
    if accuracy < MIN_WINE_ACCURACY:
        return Feedback(False, f"With {pair} the validation accuracy after {answer.epochs} epochs of SGD is "
                               f"{accuracy:.3f}.")
    if answer.output_activation not in ("softmax", "auto"):
        return Feedback(True, f"With {pair}: validation accuracy {accuracy:.3f}. It works, by the trick section 3 "
                              "uncovered: Keras's cross-entropy finds the logits your output activation attached "
                              "to its outputs and scores them as softmax logits, so the weights train as a softmax "
                              "model's would, and the largest output still marks the largest logit. But the "
                              "numbers the model reports are not probabilities that sum to 1: say softmax.")
    return Feedback(True, f"With {pair}: validation accuracy {accuracy:.3f}. Softmax turns the three outputs "
                          "into probabilities that sum to 1, and (sparse) categorical cross-entropy scores the "
                          "probability of the true class; its gradient at the logits is prediction minus "
                          "target, so plain SGD gets a push in proportion to the mistake. Squared error on "
                          "squashed outputs multiplies that push by a small slope.")


# -- exercise 2: keep softmax, make it work ----------------------------------------------------

def _last_activation(model) -> str:
    layer = model.layers[-1]
    import keras
    if isinstance(layer, keras.layers.Softmax):
        return "softmax"
    activation = getattr(layer, "activation", None)
    return getattr(activation, "__name__", str(activation))


def validation_accuracy(model, dataset) -> float:
    """Accuracy of a trained binary model on the validation rows, whatever its output layout:
    one unit (probability of class 1, threshold 0.5) or one unit per class (the largest wins)."""
    import numpy as np
    import keras
    out = keras.ops.convert_to_numpy(model(dataset.x_val, training=False))
    out = out.reshape(len(dataset.x_val), -1)
    predicted = (out[:, 0] > 0.5).astype(int) if out.shape[1] == 1 else out.argmax(axis=1)
    return float(np.mean(predicted == dataset.y_val))


@exercise("02", 2, "A Pima model that keeps its softmax", kind="experiment",
          hints=("Section 3 showed why one softmax unit is useless: what does softmax compute over a single "
                 "number? Give it something to compare.",
                 "Softmax needs one unit per class. How many classes does Pima have, and which loss takes "
                 "integer labels 0/1 for such an output?"),
          solution='import keras\n'
                   'pima = w.load_dataset("pima")\n'
                   'keras.utils.set_random_seed(0)\n'
                   'answer = keras.Sequential([keras.Input(shape=(pima.n_features,)),\n'
                   '                           keras.layers.Dense(16, activation="relu"),\n'
                   '                           keras.layers.Dense(2, activation="softmax")])\n'
                   'answer.compile(optimizer="adam", loss="sparse_categorical_crossentropy", metrics=["accuracy"])\n'
                   'answer.fit(pima.x_train, pima.y_train, epochs=20, batch_size=32, verbose=0)')
def check_softmax_model(answer: Any) -> Feedback:
    """Hand in a trained Keras model for Pima whose last layer uses softmax and which beats always
    predicting the more common class by at least 5 points of validation accuracy."""
    try:
        import keras
    except ImportError:  # pragma: no cover - keras is a dependency
        return Feedback(False, "Keras is needed for this exercise.")
    if not isinstance(answer, keras.Model):
        return Feedback(False, f"Give the trained Keras model; you gave {type(answer).__name__}.")
    from ..data import load_dataset
    pima = load_dataset("pima")
    try:
        n_inputs = answer.inputs[0].shape[-1]
    except (AttributeError, IndexError, TypeError, ValueError):
        n_inputs = None
    if n_inputs != pima.n_features:
        return Feedback(False, f"The model should take Pima's {pima.n_features} features: start it with "
                               "keras.Input(shape=(pima.n_features,)).")
    if not answer.layers or _last_activation(answer) != "softmax":
        used = _last_activation(answer) if answer.layers else "nothing"
        return Feedback(False, f"The last layer uses {used!r}: this exercise keeps softmax "
                               "as the output activation.")
    if not answer.trainable_weights or not getattr(answer, "compiled", False):
        return Feedback(False, "Compile and fit the model before handing it in.")
    accuracy = validation_accuracy(answer, pima)
    majority = float(max(pima.y_val.mean(), 1 - pima.y_val.mean()))
    try:
        units = answer.layers[-1].output.shape[-1]
    except (AttributeError, ValueError):
        units = "its"
    if accuracy < majority + 0.05:
        return Feedback(False, f"Your model's validation accuracy is {accuracy:.3f}; always answering the more "
                               f"common class would score {majority:.3f}.")
    return Feedback(True, f"Validation accuracy {accuracy:.3f} ({majority:.3f} for always answering the more "
                          f"common class), with {units} softmax units. Softmax over two units gives two "
                          "probabilities that sum to 1, and sparse categorical cross-entropy reads the 0/1 "
                          "label as the index of the true class: the same model as one sigmoid unit with "
                          "binary cross-entropy, written for k = 2.")


# -- exercise 3: the conventional pairs --------------------------------------------------------

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
_WHY = {
    "spam": "one sigmoid unit gives P(spam) in (0, 1), and binary cross-entropy scores it against 0/1",
    "species": ("softmax over 12 units gives probabilities that sum to 1, and sparse categorical "
                "cross-entropy takes the integer labels as they are (categorical_crossentropy would need "
                "one-hot rows)"),
    "price": ("a price can be any number, so the output is linear (not squashed), with a regression loss "
              "(mean squared error; mean absolute error or Huber also fit)"),
}


def _normalize(name: Any, aliases: Mapping[str, str]) -> str:
    text = str(name).strip().lower().replace(" ", "_").replace("-", "_")
    return aliases.get(text, text)


@exercise("02", 3, "Output activation and loss for three projects", kind="recall",
          hints=("For each project ask: what must the last layer's output mean (a probability, one "
                 "probability per class, any number), and which loss compares that with the label as given?",
                 "Labels that are integers 0-11 are not one-hot rows: pick the loss variant that takes integers."),
          solution='answer = {"spam": ("sigmoid", "binary_crossentropy"),\n'
                   '          "species": ("softmax", "sparse_categorical_crossentropy"),\n'
                   '          "price": ("linear", "mean_squared_error")}')
def check_project_pairs(answer: Any) -> Feedback:
    """Right when every project in `PROJECTS` gets a fitting (output activation, loss) pair.

    answer: {"spam": (activation, loss), "species": (...), "price": (...)} with Keras names.
    A wrong answer hears which project's activation or loss is off, not what it should be.
    """
    if not isinstance(answer, Mapping) or set(answer) != set(PROJECTS):
        return Feedback(False, "Give a dict with exactly the keys " + ", ".join(map(repr, PROJECTS))
                        + ", each mapped to (output activation, loss) as Keras names.")
    problems = []
    for project in PROJECTS:
        pair = answer[project]
        if not isinstance(pair, (tuple, list)) or len(pair) != 2:
            return Feedback(False, f"{project!r}: give a pair (output activation, loss); you gave {pair!r}.")
        right_activations, right_losses = _RIGHT[project]
        if _normalize(pair[0], _ACTIVATION_ALIASES) not in right_activations:
            problems.append(f"{project}: the output activation {pair[0]!r} does not fit")
        if _normalize(pair[1], _LOSS_ALIASES) not in right_losses:
            problems.append(f"{project}: the loss {pair[1]!r} does not fit")
    if problems:
        return Feedback(False, "; ".join(problems) + ".")
    return Feedback(True, "; ".join(f"{p}: {_WHY[p]}" for p in PROJECTS) + ".")
