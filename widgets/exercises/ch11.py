"""Chapter 11, hyperparameter tuning with keras-tuner: a learning-rate search space whose draws
cover every decade equally, a Bayesian search whose model really picks trials at a small budget,
and whether a search's winner beats the seed noise.

The experiments inspect what the learner built, without training: exercise 1 calls the learner's
model-building function and measures where its learning-rate draws land; exercise 2 reads how many
of the learner's tuner's trials will be drawn at random before its Gaussian-process model takes over.
"""

from __future__ import annotations

import math
from typing import Any

import keras
import keras_tuner as kt
import numpy as np

from . import Feedback, check_choice, exercise, solution_function

solution = solution_function("11")


# -- exercise 1 -------------------------------------------------------------------------------------

LR_LOW, LR_HIGH = 1e-4, 1e-1   # the range the learning-rate exercise asks for
PROBE_RATE = 3e-3              # a value inside it, used to see whether the builder really uses the choice
DRAWS = 3000                   # evenly spaced quantiles of the tuner's draw, mapped to rates
DECADE_SHARE = (0.30, 0.37)    # each of the three decades must get this share of the draws


def decade_shares(hyperparameter: Any) -> list[float]:
    """Share of a hyperparameter's draws in [1e-4, 1e-3), [1e-3, 1e-2) and [1e-2, 1e-1], measured
    by mapping `DRAWS` evenly spaced probabilities through keras-tuner's own `prob_to_value`."""
    values = np.array([hyperparameter.prob_to_value((k + 0.5) / DRAWS) for k in range(DRAWS)], float)
    edges = [LR_LOW, 1e-3, 1e-2, LR_HIGH * (1 + 1e-9)]
    return [float(np.mean((values >= a) & (values < b))) for a, b in zip(edges[:-1], edges[1:])]


def _learning_rate_of(model: keras.Model) -> float:
    return float(keras.ops.convert_to_numpy(model.optimizer.learning_rate))


def _built(build_fn: Any, hp: kt.HyperParameters) -> keras.Model | Feedback:
    try:
        model = build_fn(hp)
    except Exception as exc:  # the learner's code: report what went wrong in words
        return Feedback(False, f"Calling your function with kt.HyperParameters() failed: {type(exc).__name__}: {exc}")
    if not isinstance(model, keras.Model) or getattr(model, "optimizer", None) is None:
        return Feedback(False, "The function must return a compiled keras model (compile it with an optimizer "
                               "whose learning rate is the tuned value).")
    return model


@exercise("11", 1, "A learning-rate search that covers every decade", kind="experiment",
          hints=("Over [1e-4, 1e-1], how would a uniform draw split between the three decades? Which argument "
                 "of keras-tuner's hp.Float decides how the draws spread over the range?",
                 "Read keras-tuner's documentation of hp.Float: one of its arguments names the scale on which "
                 "values are drawn uniformly."),
          solution='import keras\n'
                   'import keras_tuner as kt\n'
                   '\n'
                   'def build_lr_search(hp):\n'
                   '    rate = hp.Float("learning_rate", min_value=1e-4, max_value=1e-1, sampling="log")\n'
                   '    model = keras.Sequential([keras.Input(shape=(7,)), keras.layers.Dense(32, activation="relu"),\n'
                   '                              keras.layers.Dense(1, activation="sigmoid")])\n'
                   '    model.compile(optimizer=keras.optimizers.Adam(learning_rate=rate), loss="binary_crossentropy",\n'
                   '                  metrics=["accuracy"])\n'
                   '    return model\n'
                   '\n'
                   'answer = build_lr_search')
def check_lr_builder(build_fn: Any) -> Feedback:
    """A model-building function that tunes Adam's learning rate over [1e-4, 1e-1], each decade
    drawn equally often.

    The check builds the model twice, once with fresh `HyperParameters` (to read the search space and
    measure where its draws land) and once with the rate preset to `PROBE_RATE` (to see that the
    optimizer really uses the drawn value).  No training.
    """
    if not callable(build_fn):
        return Feedback(False, "Pass your model-building function itself (build_lr_search, no brackets); "
                               f"you gave {type(build_fn).__name__}.")
    hp = kt.HyperParameters()
    model = _built(build_fn, hp)
    if isinstance(model, Feedback):
        return model
    spaces = {p.name: p for p in hp.space}
    lr = spaces.get("learning_rate")
    if lr is None:
        return Feedback(False, "No hyperparameter named 'learning_rate' was declared; found: "
                               f"{sorted(spaces) or 'none'}.")
    if not isinstance(lr, kt.engine.hyperparameters.Float):
        return Feedback(False, f"'learning_rate' is declared with hp.{type(lr).__name__}: the exercise asks "
                               "for any rate in the range to be possible, not a list or whole numbers.")
    if not (math.isclose(lr.min_value, LR_LOW, rel_tol=1e-6) and math.isclose(lr.max_value, LR_HIGH, rel_tol=1e-6)):
        return Feedback(False, f"Your range is [{lr.min_value:g}, {lr.max_value:g}]; the exercise asks for "
                               f"[{LR_LOW:g}, {LR_HIGH:g}].")
    shares = decade_shares(lr)
    low, high = DECADE_SHARE
    if not all(low <= s <= high for s in shares):
        return Feedback(False, "Measured on your search space: of the rates it draws, "
                               f"{shares[0]:.1%} fall in 1e-4 to 1e-3, {shares[1]:.1%} in 1e-3 to 1e-2 and "
                               f"{shares[2]:.1%} in 1e-2 to 1e-1. The exercise asks for each decade equally often.")
    preset = kt.HyperParameters()
    preset.values["learning_rate"] = PROBE_RATE
    probe = _built(build_fn, preset)
    if isinstance(probe, Feedback):
        return probe
    used = _learning_rate_of(probe)
    if not math.isclose(used, PROBE_RATE, rel_tol=1e-4):
        return Feedback(False, f"With learning_rate set to {PROBE_RATE:g} by the tuner, your model's optimizer "
                               f"uses {used:g}: the drawn value never reaches the optimizer.")
    return Feedback(True, "Measured on your space: " + ", ".join(f"{s:.0%}" for s in shares) + " of the draws "
                          "per decade, and the optimizer uses the drawn rate. A uniform draw over [1e-4, 1e-1] "
                          "would put 90 % of the trials above 0.01; drawing the logarithm uniformly "
                          "(sampling='log') gives each decade a third, which suits a knob whose effect "
                          "depends on its order of magnitude.")


# -- exercise 2 -------------------------------------------------------------------------------------

BUDGET = 10                 # trials
MIN_MODEL_TRIALS = 6        # trials the Gaussian-process model must choose
MIN_RANDOM_TRIALS = 2       # it needs a few random trials to fit on
FULL_SPACE = {"units", "num_layers", "activation", "dropout", "optimizer"}


def random_trials(tuner: Any) -> int:
    """How many trials the tuner's oracle draws at random before its model chooses (keras-tuner's rule)."""
    oracle = tuner.oracle
    dimensions = len(oracle.hyperparameters.space)
    initial = oracle.num_initial_points or max(3 * dimensions, 3)
    return min(oracle.max_trials, initial)


@exercise("11", 2, "A Bayesian search whose model picks most of the trials", kind="experiment",
          hints=("Count how many trials your tuner draws at random before its model takes over: section 7 "
                 "says what keras-tuner does by default, and with how many hyperparameters this space has.",
                 "BayesianOptimization has an argument for the number of random trials it starts from; "
                 "choose it so that both conditions of the exercise hold."),
          solution='import tempfile\n'
                   'import keras_tuner as kt\n'
                   'from widgets.exercises.ch11 import example_full_search\n'
                   'with tempfile.TemporaryDirectory() as folder:\n'
                   '    answer = kt.BayesianOptimization(example_full_search, objective="val_accuracy", max_trials=10,\n'
                   '                                     num_initial_points=3, seed=0, directory=folder,\n'
                   '                                     project_name="bayes", overwrite=True)')
def check_bayesian_budget(answer: Any) -> Feedback:
    """A `kt.BayesianOptimization` tuner over the five hyperparameters of section 5 with a budget of
    `BUDGET` trials, of which its model chooses at least `MIN_MODEL_TRIALS` after at least
    `MIN_RANDOM_TRIALS` random ones."""
    if not isinstance(answer, kt.Tuner):
        return Feedback(False, f"Hand in the tuner object itself (answer = tuner); you gave {type(answer).__name__}.")
    oracle = answer.oracle
    if not isinstance(oracle, kt.oracles.BayesianOptimizationOracle):
        return Feedback(False, f"Your tuner's oracle is a {type(oracle).__name__}: it never fits a model of "
                               "score versus hyperparameters. Use the Bayesian tuner.")
    names = {p.name for p in oracle.hyperparameters.space}
    if names != FULL_SPACE:
        return Feedback(False, f"Your tuner searches {sorted(names) or 'nothing'}; the exercise keeps the "
                               f"search space of section 5 ({', '.join(sorted(FULL_SPACE))}).")
    if oracle.max_trials != BUDGET:
        return Feedback(False, f"Your tuner's budget is {oracle.max_trials} trials; the exercise keeps it at "
                               f"{BUDGET}.")
    if oracle.objective.name != "val_accuracy" or oracle.objective.direction != "max":
        return Feedback(False, f"Your tuner optimizes {oracle.objective}; the exercise keeps the objective "
                               "'val_accuracy' (higher is better).")
    drawn = random_trials(answer)
    chosen = BUDGET - drawn
    if drawn < MIN_RANDOM_TRIALS or chosen < MIN_MODEL_TRIALS:
        return Feedback(False, f"Your tuner would draw {drawn} of its {BUDGET} trials at random and let its "
                               f"model choose {chosen}; the exercise asks for at least {MIN_MODEL_TRIALS} chosen "
                               f"by the model, after at least {MIN_RANDOM_TRIALS} random ones.")
    return Feedback(True, f"{drawn} random trials, then {chosen} chosen by the Gaussian-process model. keras-tuner "
                          "starts Bayesian optimization with 3 random trials per hyperparameter unless told "
                          "otherwise: 15 for these five, more than the whole budget, so the default would have "
                          "been a random search under another name.")


def example_full_search(hp: kt.HyperParameters) -> keras.Model:
    """Section 5's search space (units, num_layers, activation, dropout, optimizer) on Pima's 7 inputs."""
    model = keras.Sequential([keras.Input(shape=(7,))])
    for _ in range(hp.Int("num_layers", min_value=1, max_value=4)):
        model.add(keras.layers.Dense(hp.Int("units", min_value=8, max_value=128, step=8),
                                     activation=hp.Choice("activation", ["relu", "tanh", "sigmoid"])))
        model.add(keras.layers.Dropout(hp.Choice("dropout", [0.0, 0.1, 0.2, 0.3, 0.4, 0.5])))
    model.add(keras.layers.Dense(1, activation="sigmoid"))
    model.compile(optimizer=hp.Choice("optimizer", ["rmsprop", "adam", "sgd", "nadam", "adadelta"]),
                  loss="binary_crossentropy", metrics=["accuracy"])
    return model


# -- exercise 3 -------------------------------------------------------------------------------------

@exercise("11", 3, "Does the winning width beat the seed noise?", kind="recall",
          hints=("Put the gap next to how far one configuration's score moves when only its seed changes "
                 "(section 6), and remember that both the winner's and the runner-up's scores carry that noise.",
                 "Section 7's claim check compared a difference of two best scores with the seed noise in "
                 "the same way."),
          solution='import numpy as np\n'
                   'gap, noise_std = 0.0075, 0.012   # the numbers your notebook printed go here\n'
                   'answer = "cannot tell" if gap < 2 * np.sqrt(2) * noise_std else "winner is better"\n'
                   'answer = (answer, gap, noise_std)')
def check_noise_verdict(answer: Any, gap: float = float("nan"), noise_std: float = float("nan")) -> Feedback:
    """Is a winner that beats the runner-up by `gap` really better, when retraining one configuration
    with other seeds scatters its score with standard deviation `noise_std`?

    Rule used: the difference of two independent scores has standard deviation about sqrt(2) times
    `noise_std`; a gap under twice that is within the noise.  `answer` may also be the tuple
    (answer, gap, noise_std).
    """
    if isinstance(answer, tuple) and len(answer) == 3:
        answer, gap, noise_std = answer
    if not all(isinstance(v, (int, float)) and math.isfinite(v) for v in (gap, noise_std)) or noise_std <= 0:
        return Feedback(False, f"Pass the measured gap and noise_std as well, as in the exercise cell; got "
                               f"gap={gap!r}, noise_std={noise_std!r}.")
    threshold = 2 * math.sqrt(2) * noise_std
    within = gap < threshold
    numbers = f"the gap is {gap:.3f}; two scores that differ only by seed differ by up to about {threshold:.3f}"
    return check_choice(answer, "cannot tell" if within else "winner is better", {
        "winner is better": (f"{numbers}, so " + ("the data cannot separate them: the winner may just have had "
                                                  "a luckier seed." if within else "the gap stands out of "
                                                  "the seed noise.")),
        "cannot tell": (f"{numbers}, so " + ("this is the honest answer: re-run both with several seeds "
                                             "before believing the ranking." if within else
                                             "this gap is larger than the seed noise; the winner is better.")),
    }, wrong={"winner is better": "A higher score alone does not make a better configuration: compare the gap "
                                  "with what the seed alone does to a score.",
              "cannot tell": "Compare the gap with what the seed alone does to a score: is it really as small?"})
