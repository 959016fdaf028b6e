"""Chapter 01: vanishing and exploding gradients, dying ReLUs.

All three exercises are experiments: the learner changes a config from the chapter, and the checker
trains it briefly (seeded, so the numbers are the learner's own) and measures the gradients, the
accuracy or the dead units.
"""

from __future__ import annotations

import functools
from typing import Any

from ..config import RunConfig, field_names
from . import Feedback, check_locked, exercise, solution_function

solution = solution_function("01")

# The starting configs the notebook hands out (exercise cells build the same ones).
SIGMOID_START = RunConfig(dataset="moons", depth=8, width=32, epochs=10, batch_size=64,
                          activation="sigmoid", initializer="glorot_uniform")
WIDE_START = RunConfig(dataset="moons", depth=8, width=32, epochs=1, batch_size=64,
                       activation="relu", initializer="random_normal", init_scale=1.0)
RECKLESS_START = RunConfig(dataset="moons", depth=6, width=32, epochs=10, batch_size=64,
                           activation="relu", initializer="he_normal", learning_rate=0.05)

MIN_ACCURACY = 0.85          # exercise 1: the repaired sigmoid net must learn the moons
MAX_LAYER_RATIO = 10.0       # exercise 1: last / first hidden layer gradient, and its inverse
HE_FACTOR = 10.0             # exercise 2: every layer within this factor of the He network's gradient
MAX_DEAD = 0.10              # exercise 3: largest share of dead units allowed in any hidden layer
MIN_ACCURACY_ALIVE = 0.85    # exercise 3


def _train(config: RunConfig):
    from ..training import train  # TensorFlow is imported only when a check runs
    return train(config)


def _layer_ratio(run) -> float:
    grads = run.layer_gradient("grad_mean_abs", epoch=0)
    return float(grads[f"hidden {run.config.depth}"] / grads["hidden 1"])


@exercise("01", 1, "Make the deep sigmoid net learn, at full depth", kind="experiment",
          hints=("Section 3 compared two networks of this depth; the per-layer view showed which factor in "
                 "the chain of derivatives starves the first layer. Change that factor, not the depth.",
                 "A larger learning rate can push the accuracy up while the first layer still gets a "
                 "thousandth of the last one's gradient: both numbers must be right. Look at the slope "
                 "curves of section 1 again and at the initializer that suits the activation you pick."),
          solution="answer = ch01.SIGMOID_START.replace(activation=\"relu\", initializer=\"he_normal\")")
def check_deep_net_learns(answer: Any) -> Feedback:
    """Change the 8-layer sigmoid config so that it learns the moons (validation accuracy >= 0.85)
    with no vanishing gradient (last and first hidden layer within a factor 10 at initialization),
    without changing the data, the depth, the width or the budget."""
    problem = check_locked(answer, SIGMOID_START,
                           ["dataset", "depth", "width", "epochs", "batch_size", "seed", "train_fraction"])
    if problem is not None:
        return problem
    run = _train(answer)
    if run.status != "finished":
        return Feedback(False, f"Your run {run.status}: {run.message}")
    ratio, accuracy = _layer_ratio(run), run.final("val_accuracy")
    vanishing = not (1 / MAX_LAYER_RATIO <= ratio <= MAX_LAYER_RATIO)
    if vanishing and accuracy >= MIN_ACCURACY:
        return Feedback(False, f"Your net reached validation accuracy {accuracy:.3f}, but at initialization "
                               f"its last hidden layer's mean |gradient| is {ratio:.3g}x the first's: the early "
                               "layers still starve, the rest of the network compensates.")
    if vanishing:
        return Feedback(False, f"Validation accuracy {accuracy:.3f}, and the last hidden layer's mean |gradient| "
                               f"is {ratio:.3g}x the first's at initialization: the signal still fades on its "
                               "way back.")
    if accuracy < MIN_ACCURACY:
        return Feedback(False, f"The gradients are level now (last / first hidden layer {ratio:.2g}x), but the "
                               f"validation accuracy is only {accuracy:.3f} after {answer.epochs} epochs.")
    return Feedback(True, f"Validation accuracy {accuracy:.3f}, and the last hidden layer's gradient is "
                          f"{ratio:.2g}x the first's. The sigmoid's slope (at most 0.25) was one factor per "
                          "layer in the chain of derivatives; an activation whose slope is about 1 where it "
                          "is active, with weights scaled for it, keeps the product near 1, so all eight "
                          "layers learn at the same pace.")


@functools.lru_cache(maxsize=1)
def _he_reference() -> tuple[tuple[str, float], ...]:
    run = _train(WIDE_START.replace(initializer="he_normal", init_scale=None))
    return tuple(run.layer_gradient("grad_mean_abs", epoch=0).items())


@exercise("01", 2, "A spread that neither vanishes nor explodes", kind="experiment",
          hints=("Section 4 used init_scale=1.0 and exploded; section 6 used Keras's default 0.05 and vanished. "
                 "The right spread lies in between: try values and compute, as in section 4, each layer's "
                 "gradient divided by the He network's.",
                 "Every layer multiplies the signal by roughly the same factor, so a small change of init_scale "
                 "moves the deep layers a lot: search on a log scale (halve the gap each try) and watch the "
                 "smallest and the largest of the per-layer ratios."),
          solution="answer = ch01.WIDE_START.replace(init_scale=0.28)")
def check_init_scale(answer: Any) -> Feedback:
    """Keep everything of the exploding 8-layer ReLU config but `init_scale`: pick a spread for
    `random_normal` at which every layer's gradient at initialization is within a factor 10 of the
    He-initialized network's."""
    locked = [f for f in field_names() if f != "init_scale"]
    problem = check_locked(answer, WIDE_START, locked)
    if problem is not None:
        return problem
    reference = dict(_he_reference())
    grads = _train(answer).layer_gradient("grad_mean_abs", epoch=0)
    ratios = {layer: float(grads[layer] / reference[layer]) for layer in reference}
    low, high = min(ratios.values()), max(ratios.values())
    scale = "Keras's default 0.05" if answer.init_scale is None else f"init_scale={answer.init_scale:g}"
    if high > HE_FACTOR and low < 1 / HE_FACTOR:
        return Feedback(False, f"With {scale} some layers' gradients are over {HE_FACTOR:g}x the He network's "
                               f"and others under 1/{HE_FACTOR:g} (from {low:.2g}x to {high:.2g}x).")
    if high > HE_FACTOR:
        worst = max(ratios, key=ratios.get)
        return Feedback(False, f"With {scale} the gradients still explode: {worst}'s is {high:.3g}x the He "
                               "network's.")
    if low < 1 / HE_FACTOR:
        worst = min(ratios, key=ratios.get)
        return Feedback(False, f"With {scale} the gradients vanish: {worst}'s is only {low:.2g}x the He "
                               "network's.")
    return Feedback(True, f"With {scale} every layer's gradient is between {low:.2g}x and {high:.2g}x the He "
                          "network's. Each ReLU layer multiplies the signal's spread by about "
                          "sqrt(fan_in / 2) x its weights' standard deviation; only near the spread that makes "
                          "this factor 1 (He's sqrt(2 / fan_in)) does the product over eight layers stay "
                          "level. Chapter 03 derives it.")


@exercise("01", 3, "Keep ReLU, keep the reckless rate, keep the units alive", kind="experiment",
          hints=("A ReLU unit dies when its pre-activation is negative for every input. Which RunConfig field "
                 "acts between a Dense layer and its activation?",
                 "Something that re-centres and rescales every unit's pre-activations on each batch keeps "
                 "some rows positive whatever the last step did: look at the `batchnorm` field (chapter 04)."),
          solution="answer = ch01.RECKLESS_START.replace(batchnorm=True)")
def check_units_alive(answer: Any) -> Feedback:
    """Keep activation='relu', Adam and learning rate 0.05: change something else so that no hidden
    layer ends with more than 10 % dead units and the validation accuracy reaches 0.85."""
    problem = check_locked(answer, RECKLESS_START,
                           ["activation", "optimizer", "learning_rate", "dataset", "depth", "width", "epochs",
                            "batch_size", "seed", "train_fraction", "schedule"])
    if problem is not None:
        return problem
    run = _train(answer)
    if run.status != "finished":
        return Feedback(False, f"Your run {run.status}: {run.message}")
    dead = run.activations.query("epoch == @run.epochs_done").set_index("layer")["dead"]
    worst, accuracy = dead.idxmax(), run.final("val_accuracy")
    if dead.max() > MAX_DEAD:
        return Feedback(False, f"After training, {dead.max():.0%} of {worst}'s units are dead "
                               f"(validation accuracy {accuracy:.3f}).")
    if accuracy < MIN_ACCURACY_ALIVE:
        return Feedback(False, f"The units stay alive (at most {dead.max():.0%} dead per layer), but the "
                               f"validation accuracy is only {accuracy:.3f}.")
    why = ("Batch normalization re-centres every unit's pre-activations on each batch, so a unit cannot "
           "stay negative for every row whatever one large step did to its weights."
           if answer.batchnorm else
           "Whatever you changed kept every unit's pre-activation positive on some rows, so each unit still "
           "receives a gradient.")
    return Feedback(True, f"At most {dead.max():.0%} dead units in any layer, validation accuracy {accuracy:.3f}. "
                          + why + " Leaky ReLU would also have worked, but that changes the activation.")
