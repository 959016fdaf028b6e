"""Chapter 12, putting it together: name what is wrong with five broken runs, repair them, and
cause a problem on purpose in a healthy run.

Each challenge is a broken `RunConfig`.  Exercise 1 asks which problem the diagnostic views of each
show.  Exercise 2 trains the learner's repaired configs and accepts one when `diagnose` finds nothing
wrong and the validation accuracy reaches the challenge's bar, without touching the fields the
challenge locks (the point is to repair the cause, not to pick an easier task).  Exercise 3 trains
the learner's config and asks the diagnosis to find exploding gradients in a ReLU net whose shape is
kept.
"""

from __future__ import annotations

from dataclasses import dataclass
import functools
from typing import Any, Optional

from ..config import RunConfig
from ..diagnose import PROBLEMS, diagnose
from ..diagnose_rules import EXPLODING_REL_GRAD
from ..training import Run, train
from . import Feedback, check_locked, exercise, solution_function

solution = solution_function("12")

HEALTHY = "nothing wrong"

# What each problem looks like in the lab's views, used to explain a wrong guess.
SIGNS = {
    "divergence": "a loss that shoots up to huge values or NaN and a run that stops early with status 'diverged'",
    "exploding gradients": "gradient histograms far to the right from the first epoch: a layer's gradient many "
                           "times larger than its weights",
    "vanishing gradients": "early layers' gradient curves decades below the late layers', or all of them tiny "
                           "from the start while the loss stays near its starting value",
    "saturated units": "sigmoid/tanh activations piled at their limits: a high 'saturated' bar in the "
                       "activation view",
    "dead units": "a high '% units dead' bar for ReLU layers: units that output 0 for every input",
    "learning rate too low": "healthy-looking gradients but weights that hardly move and a flat loss",
    "overfitting": "a validation loss well above the training loss that climbs from its best or has stopped "
                   "falling",
    "underfitting": "training and validation loss together, both high, with nothing else wrong",
    HEALTHY: "falling training and validation curves, gradients of similar size in every layer, few "
             "saturated or dead units",
}


@dataclass(frozen=True)
class Challenge:
    """A broken run to diagnose and repair."""

    title: str
    broken: RunConfig
    problem: str                 # what the broken run was made to have (diagnose finds it)
    locked: tuple[str, ...]      # fields the repair must leave as they are
    min_val_accuracy: float      # the repaired run must reach this (final model, validation rows)
    hint: str


_BASE = RunConfig(batch_size=64, epochs=10, seed=0)
# Neutral names and titles: they say what the run is for, never what is wrong with it.
CHALLENGES: dict[str, Challenge] = {
    "patient A": Challenge(
        "a moons classifier",
        _BASE.replace(dataset="moons", activation="sigmoid", depth=8, epochs=6),
        "vanishing gradients", ("dataset", "depth", "epochs"), 0.85,
        "Keep eight layers and six epochs; what does each layer do to the backward signal?"),
    "patient B": Challenge(
        "a diabetes screen",
        _BASE.replace(dataset="pima", initializer="he_normal", depth=4, optimizer="sgd", learning_rate=3.0,
                      epochs=8),
        "divergence", ("dataset", "optimizer", "depth"), 0.72,
        "Keep plain SGD; how big is each step?"),
    "patient C": Challenge(
        "a breast-cancer classifier",
        _BASE.replace(dataset="breast_cancer", standardize=False, activation="tanh", epochs=8),
        "saturated units", ("dataset", "activation"), 0.93,
        "Keep tanh; what do inputs in the thousands do to it?"),
    "patient D": Challenge(
        "a diabetes screen from a small clinic",
        _BASE.replace(dataset="pima", depth=3, width=256, train_fraction=0.25, batch_size=32, epochs=15),
        "overfitting", ("dataset", "train_fraction", "depth", "width", "epochs"), 0.72,
        "Keep the data, the network and the 15 epochs; what stops it from memorizing?"),
    "patient E": Challenge(
        "another moons classifier",
        _BASE.replace(dataset="moons", learning_rate=0.3, epochs=8),
        "dead units", ("dataset", "activation", "optimizer"), 0.88,
        "Keep ReLU and Adam; the curves look fine, so read the activation view."),
}


@dataclass(frozen=True)
class RepairFeedback(Feedback):
    """The verdict on a repair, plus the run it trained (None when it refused before training)."""

    run: Optional[Run] = None


def _challenge(name: Any) -> Challenge | Feedback:
    if not isinstance(name, str) or name not in CHALLENGES:
        return Feedback(False, f"Unknown challenge {name!r}; the challenges are: "
                               + ", ".join(map(repr, CHALLENGES)) + ".")
    return CHALLENGES[name]


def broken(name: str) -> RunConfig:
    """The broken config of a challenge (raises ValueError naming the challenges for a bad name)."""
    challenge = _challenge(name)
    if isinstance(challenge, Feedback):
        raise ValueError(challenge.message)
    return challenge.broken


@functools.lru_cache(maxsize=None)
def broken_run(name: str) -> Run:
    """The trained broken run of a challenge, trained once per session (seeded, so always the same):
    the chapter looks at it, and exercise 1 judges a name by what `diagnose` finds in it."""
    return train(broken(name))


def _as_dict(answer: Any, what: str) -> dict | Feedback:
    if not isinstance(answer, dict) or not answer:
        return Feedback(False, f"Give a dict from challenge name to {what}, e.g. {{'patient A': ...}}; "
                               f"you gave {answer!r}.")
    unknown = [name for name in answer if name not in CHALLENGES]
    if unknown:
        return Feedback(False, f"Unknown challenge(s) {', '.join(map(repr, unknown))}; the challenges are: "
                               + ", ".join(map(repr, CHALLENGES)) + ".")
    return answer


# -- exercise 1 -------------------------------------------------------------------------------------

def problem_verdict(name: str, answer: Any) -> Feedback:
    """Whether `answer` names a problem that `diagnose` reports for challenge `name`'s run (or
    "nothing wrong" for a run it finds healthy); a wrong pick hears what it would look like."""
    challenge = _challenge(name)
    if isinstance(challenge, Feedback):
        return challenge
    key = answer.strip().lower() if isinstance(answer, str) else None
    if key not in SIGNS:
        return Feedback(False, f"{name}: answer with one of {', '.join(map(repr, SIGNS))}; you gave {answer!r}.")
    found = diagnose(broken_run(name)).problems or [HEALTHY]
    if key in found:
        also = [p for p in found if p != key]
        return Feedback(True, f"{name}: {key}; the views show {SIGNS[key]}."
                              + (f" The diagnosis also reports {', '.join(also)}." if also else ""))
    return Feedback(False, f"{name}: not {key}, which would show {SIGNS[key]}. Do its views show that?")


@exercise("12", 1, "Name the problem of each broken run", kind="recall",
          hints=("For each challenge, look at the three views (change `pick`) before reading any diagnosis: "
                 "the loss curves, the gradient of every layer, the activations. Which picture is unusual?",
                 "Section 1's table says which number each problem is judged by; find that number in the "
                 "challenge's views."),
          solution='answer = {"patient A": "vanishing gradients", "patient B": "divergence",\n'
                   '          "patient C": "saturated units", "patient D": "overfitting",\n'
                   '          "patient E": "dead units"}')
def check_problems(answer: Any) -> Feedback:
    """Which problem does each broken run have? A dict {challenge name: one of `PROBLEMS` or
    'nothing wrong'}; a name is right when `diagnose` reports it for that run (any of its findings),
    and the answer is right when all five are."""
    answers = _as_dict(answer, "a problem name")
    if isinstance(answers, Feedback):
        return answers
    missing = [name for name in CHALLENGES if answers.get(name) is None]
    verdicts = [problem_verdict(name, answers[name]) for name in CHALLENGES if name not in missing]
    right = sum(v.correct for v in verdicts)
    if right < len(CHALLENGES):
        parts = [v.message for v in verdicts if not v.correct]
        parts += [f"Not answered yet: {', '.join(missing)}."] if missing else []
        return Feedback(False, " ".join([f"{right} of {len(CHALLENGES)} named right."] + parts))
    return Feedback(True, " ".join(v.message for v in verdicts))


# -- exercise 2 -------------------------------------------------------------------------------------

@functools.lru_cache(maxsize=64)
def _repair_verdict(name: str, config: RunConfig) -> RepairFeedback:
    """Train a repair and judge it (training is seeded and deterministic, so a verdict is kept)."""
    challenge = CHALLENGES[name]
    changed = [f for f, v in config.to_dict().items() if v != getattr(challenge.broken, f)]
    run = train(config)
    diagnosis = diagnose(run)
    if not diagnosis.healthy:
        details = " ".join(f"{f.problem}: {f.evidence}" for f in diagnosis.findings)
        return RepairFeedback(False, f"{name}: you changed {', '.join(changed)}, but the diagnosis still finds "
                                     f"{', '.join(diagnosis.problems)}. {details}", run=run)
    ds = run.dataset
    accuracy = float(run.model.evaluate(ds.x_val, ds.y_val, verbose=0, return_dict=True)["accuracy"])
    if accuracy < challenge.min_val_accuracy:
        return RepairFeedback(False, f"{name}: healthy now, but the validation accuracy is {accuracy:.3f}; this "
                                     f"challenge needs {challenge.min_val_accuracy:.2f}.", run=run)
    return RepairFeedback(True, f"{name}: repaired by changing {', '.join(changed)}: no diagnostic rule fires "
                                f"and the validation accuracy is {accuracy:.3f} (needed "
                                f"{challenge.min_val_accuracy:.2f}).", run=run)


def check_repair(name: str, config: Any) -> Feedback:
    """Train the repaired `config` and say whether challenge `name` is solved, and why (not).

    The answer is a `RepairFeedback` whose `.run` is the trained run (to look at its figures)."""
    challenge = _challenge(name)
    if isinstance(challenge, Feedback):
        return challenge
    if not isinstance(config, RunConfig):
        return Feedback(False, f"{name}: give the repaired run as a RunConfig, e.g. "
                               f"ch12.broken({name!r}).replace(field=value); you gave {config!r}.")
    refused = check_locked(config, challenge.broken, challenge.locked)
    if refused is not None:
        return Feedback(False, f"{name}: {refused.message} (The challenge's own hint: {challenge.hint})")
    return _repair_verdict(name, config)


@exercise("12", 2, "Repair the five broken runs", kind="experiment",
          hints=("Repair the cause the diagnosis names, not the symptom: each challenge's own hint "
                 "(ch12.CHALLENGES[name].hint, quoted when a repair is refused) says what you must keep. A repair that trades one problem for another is refused.",
                 "For each problem, the chapter that introduced it measured a cure: 01 and 03 (gradients), 04 "
                 "(inputs), 05 (overfitting), 08 (step size)."),
          solution='answer = {\n'
                   '    "patient A": ch12.broken("patient A").replace(activation="relu", initializer="he_normal"),\n'
                   '    "patient B": ch12.broken("patient B").replace(learning_rate=0.03),\n'
                   '    "patient C": ch12.broken("patient C").replace(standardize=True),\n'
                   '    "patient D": ch12.broken("patient D").replace(dropout=0.5, l2=0.01),\n'
                   '    "patient E": ch12.broken("patient E").replace(learning_rate=0.01),\n'
                   '}')
def check_repairs(answer: Any) -> Feedback:
    """A dict {challenge name: repaired RunConfig or None}.  Each config given is trained (a few
    seconds) and judged; right when all five challenges are repaired."""
    repairs = _as_dict(answer, "a repaired RunConfig")
    if isinstance(repairs, Feedback):
        return repairs
    verdicts = {name: check_repair(name, config) for name, config in repairs.items() if config is not None}
    done = [name for name, v in verdicts.items() if v.correct]
    if len(done) < len(CHALLENGES):
        open_ = [name for name in CHALLENGES if name not in verdicts]
        parts = [v.message for v in verdicts.values() if not v.correct]
        parts += [f"Not tried yet: {', '.join(open_)}."] if open_ else []
        return Feedback(False, " ".join([f"{len(done)} of {len(CHALLENGES)} repaired."] + parts))
    return Feedback(True, " ".join(v.message for v in verdicts.values()))


# -- exercise 3 -------------------------------------------------------------------------------------

HEALTHY_START = RunConfig(dataset="moons", initializer="he_normal", batch_size=64, epochs=3, seed=0)
KEEP_SHAPE = ("dataset", "activation", "depth", "width", "epochs", "batch_size", "batchnorm")


@exercise("12", 3, "Make a healthy ReLU net's gradients explode", kind="experiment",
          hints=("Keep the network and its ReLU: what else decides how large the signal gets on its way through "
                 "three layers, and so how large the gradients are? Chapter 03 measured it layer by layer.",
                 "A run that blows up to NaN is divergence, not exploding gradients: the gradients must be "
                 "large from the start while the loss stays finite."),
          solution='answer = ch12.HEALTHY_START.replace(initializer="random_normal", init_scale=3.0)')
def check_exploding_on_purpose(answer: Any) -> Feedback:
    """Train the learner's change of `HEALTHY_START` (a 3 x 32 ReLU net, He init, on the moons) and
    diagnose it: right when the diagnosis finds exploding gradients and the run did not diverge."""
    refused = check_locked(answer, HEALTHY_START, KEEP_SHAPE)
    if refused is not None:
        return refused
    run = train(answer)
    diagnosis = diagnose(run)
    found = ", ".join(diagnosis.problems) or "nothing wrong"
    if run.status == "diverged":
        return Feedback(False, f"Your run diverged ({run.message}); the diagnosis finds {found}. The exercise "
                               "asks for gradients that explode in a run that stays finite.")
    if "exploding gradients" not in diagnosis:
        m = diagnosis.measurements
        largest = max(m.get("rel_grad_init", 0.0), m.get("rel_grad_final", 0.0))
        return Feedback(False, f"Your run ended '{run.status}'; the diagnosis finds {found}. The largest gradient of "
                               f"a layer was {largest:.3g} times its weights (exploding means above "
                               f"{EXPLODING_REL_GRAD:g}).")
    return Feedback(True, f"The diagnosis finds {found}. With the same ReLU network, the scale of the initial "
                          "weights decides whether each layer amplifies the signal: He's scale keeps it level "
                          "for ReLU, a much larger one multiplies it at every layer, forward and backward.")


assert set(SIGNS) == set(PROBLEMS) | {HEALTHY}, "every problem needs a sign"
