"""Right-or-wrong feedback for the chapters' "check yourself" exercises.

Each chapter has a module here (`ch01`, `ch02`, ...).  Its checkers take the learner's answer (a
number, a choice, or most often a config or result the learner produced by running something) and
return a `Feedback`: a green or red box in the notebook that is truthy only when the answer is
right.  A wrong answer gets a *hint* that points at what to look at again, stronger on later
tries; the answer itself lives only in the solution, which a learner asks for
(`ch05.solution(2)`), so "Run All" never shows it.  Solved exercises are remembered for
`widgets.progress()`.

A chapter declares each checker with `@exercise(...)`, giving its number, title, hints and
solution code.  The core package never imports this.
"""

from __future__ import annotations

import functools
import html
import math
from dataclasses import dataclass, field
from typing import Any, Callable, Iterable, Mapping, Optional, Sequence

from . import progress as _progress
from .predict import Prediction, predict


@dataclass(frozen=True)
class Feedback:
    """The verdict on one answer: right or wrong, why (when right) or what is off, and a hint."""

    correct: bool
    message: str
    hint: str = ""

    def __bool__(self) -> bool:
        return self.correct

    def __str__(self) -> str:
        text = ("Right. " if self.correct else "Not yet. ") + self.message
        return text + (f" Hint: {self.hint}" if self.hint else "")

    def with_hint(self, hint: str) -> "Feedback":
        return Feedback(self.correct, self.message, hint)

    def _repr_html_(self) -> str:
        # Not colour alone: the tick/cross and the words carry the verdict too.
        colour, mark = ("#e6f4ea", "&#10004; Right.") if self.correct else ("#fdecea", "&#10008; Not yet.")
        hint = f"<br><i>Hint:</i> {html.escape(self.hint)}" if self.hint else ""
        return (f'<div style="background:{colour};padding:6px 10px;border-radius:4px;color:#111">'
                f"<b>{mark}</b> {html.escape(self.message)}{hint}</div>")


# -- declaring exercises ------------------------------------------------------------------------

@dataclass
class Exercise:
    """One "check yourself" exercise: where it is, how it is checked, its hints and its solution.

    solution: Python code, as a learner would type it in the exercise cell, that sets `answer`
        (it may train).  The checker call is appended when the solution is shown, and the tests
        run the code and pass `answer` to the checker.
    kind: "experiment" (the learner runs something and the checker measures it), "prediction" or
        "recall".
    """

    chapter: str
    number: int
    title: str
    kind: str
    hints: Sequence[str]
    solution: str
    checker: Callable[..., Feedback]
    wrong_tries: int = field(default=0)

    @property
    def call(self) -> str:
        return f"ch{self.chapter}.{self.checker.__name__}(answer)"

    def solution_code(self) -> str:
        return self.solution.strip("\n") + "\n" + self.call + "\n"


_REGISTRY: dict[tuple[str, int], Exercise] = {}
KINDS = ("experiment", "prediction", "recall")


def exercise(chapter: str, number: int, title: str, *, kind: str, hints: Sequence[str],
             solution: str) -> Callable[[Callable[..., Feedback]], Callable[..., Feedback]]:
    """Declare a checker as exercise `number` of chapter `chapter` (e.g. "05").

    The wrapped checker adds the hint for the learner's try (the first hint on the first wrong
    try, the next one after that) and records a right answer for `widgets.progress()`.
    """
    if kind not in KINDS:
        raise ValueError(f"exercise kind must be one of {KINDS}, got {kind!r}")
    if not hints:
        raise ValueError(f"exercise {chapter}.{number} needs at least one hint")

    def decorate(checker: Callable[..., Feedback]) -> Callable[..., Feedback]:
        entry = Exercise(chapter, number, title, kind, tuple(hints), solution, checker)

        @functools.wraps(checker)
        def check(*args: Any, **kwargs: Any) -> Feedback:
            result = checker(*args, **kwargs)
            if result.correct:
                _progress.record(chapter, number, title)
                return result
            entry.wrong_tries += 1
            hint = entry.hints[min(entry.wrong_tries, len(entry.hints)) - 1]
            return result if result.hint else result.with_hint(hint)

        check.exercise = entry  # type: ignore[attr-defined]
        entry.checker = check
        _REGISTRY[(chapter, number)] = entry
        return check

    return decorate


def exercises_of(chapter: str) -> list[Exercise]:
    """The declared exercises of one chapter ("05"), in order (its module must be imported)."""
    return sorted((e for (c, _n), e in _REGISTRY.items() if c == chapter), key=lambda e: e.number)


def all_exercises() -> list[Exercise]:
    """Every declared exercise of every chapter, importing each chapter's module."""
    import importlib
    import pkgutil
    for info in pkgutil.iter_modules(__path__):
        if info.name.startswith("ch"):
            importlib.import_module(f"{__name__}.{info.name}")
    return sorted(_REGISTRY.values(), key=lambda e: (e.chapter, e.number))


@dataclass(frozen=True)
class Solution:
    """A solution's code, shown highlighted in a notebook (and as plain text elsewhere)."""

    exercise: Exercise

    @property
    def code(self) -> str:
        return self.exercise.solution_code()

    def __str__(self) -> str:
        return self.code

    def _repr_html_(self) -> str:
        from ..codeview import highlight_python
        e = self.exercise
        return (f'<div style="border:1px solid #ccc;border-radius:4px;padding:6px 10px">'
                f"<b>Solution to exercise {e.number}: {html.escape(e.title)}</b>"
                f'<pre style="margin:6px 0 0 0;white-space:pre-wrap">{highlight_python(self.code)}</pre></div>')


def solution_function(chapter: str) -> Callable[..., Solution]:
    """The `solution(n, load=False)` function a chapter module exports."""

    def solution(number: int, load: bool = False) -> Solution:
        """Exercise `number`'s solution; `load=True` also puts its code into a new cell below."""
        found = _REGISTRY.get((chapter, number))
        if found is None:
            numbers = [e.number for e in exercises_of(chapter)]
            raise ValueError(f"solution(number): chapter {chapter} has exercises {numbers}, not {number!r}")
        result = Solution(found)
        if load:
            from IPython import get_ipython
            shell = get_ipython()
            if shell is None:
                raise RuntimeError("solution(load=True) needs a notebook; print(solution(n)) shows the code")
            shell.set_next_input(result.code, replace=False)
        return result

    solution.__name__ = "solution"
    return solution


# -- building blocks for checkers ---------------------------------------------------------------

def _as_number(answer: Any, what: str) -> float | Feedback:
    if isinstance(answer, bool) or not isinstance(answer, (int, float)) or not math.isfinite(answer):
        return Feedback(False, f"{what} should be a finite number; you gave {answer!r}.")
    return float(answer)


def check_number(answer: Any, expected: float, *, rel_tol: float = 0.05, abs_tol: float = 0.0,
                 what: str = "The answer", why: str = "") -> Feedback:
    """Right when `answer` is within `rel_tol` (relative) or `abs_tol` (absolute) of `expected`.

    `why` is shown only with a right answer: it explains the result, so it would give it away.
    A wrong answer learns only whether it is too high or too low.
    """
    value = _as_number(answer, what)
    if isinstance(value, Feedback):
        return value
    if math.isclose(value, expected, rel_tol=rel_tol, abs_tol=abs_tol):
        return Feedback(True, f"{what} is {expected:.4g}. {why}".strip())
    direction = "too high" if value > expected else "too low"
    return Feedback(False, f"{what}: {value:.4g} is {direction}.")


def check_choice(answer: Any, correct: str | Iterable[str], explanations: Mapping[str, str],
                 wrong: Optional[Mapping[str, str]] = None) -> Feedback:
    """Right when `answer` is (one of) `correct`.

    explanations: why each option is right or wrong, shown only for a right answer (for a wrong
        one it would name the right option by elimination).
    wrong: optional per-option text shown for that wrong pick (say what that pick overlooks,
        without naming the answer).
    """
    options = list(explanations)
    key = answer.strip().lower() if isinstance(answer, str) else None
    if key not in explanations:
        return Feedback(False, f"Answer with one of {', '.join(map(repr, options))}; you gave {answer!r}.")
    right = {correct} if isinstance(correct, str) else set(correct)
    if key in right:
        return Feedback(True, explanations[key])
    return Feedback(False, (wrong or {}).get(key, f"{answer!r} is not it."))


def check_set(answer: Any, correct: Iterable[str], allowed: Iterable[str], *, what: str = "items",
              why: str = "") -> Feedback:
    """Right when the learner names exactly the `correct` subset of `allowed` names (any order).

    A wrong answer hears how many are missing or extra, not which.
    """
    allowed = set(allowed)
    if isinstance(answer, str) or not isinstance(answer, Iterable):
        return Feedback(False, f"Give the {what} as a list, e.g. ['{sorted(allowed)[0]}'].")
    given = {str(a).strip().lower() for a in answer}
    unknown = given - allowed
    if unknown:
        return Feedback(False, f"{', '.join(sorted(unknown))} not among the allowed {what}: "
                        + ", ".join(sorted(allowed)) + ".")
    correct = set(correct)
    if given == correct:
        return Feedback(True, why or f"Those are the {what}.")
    missing, extra = len(correct - given), len(given - correct)
    parts = ([f"{missing} missing"] if missing else []) + ([f"{extra} that should not be there"] if extra else [])
    return Feedback(False, f"Your {what}: " + " and ".join(parts) + ".")


def check_locked(answer: Any, start: Any, locked: Iterable[str], *, changed: Iterable[str] = ()) -> Optional[Feedback]:
    """For experiments on a `RunConfig`: None when `answer` is usable, else the Feedback saying why.

    start: the config the exercise hands out.  locked: fields the exercise says not to touch.
    changed: fields of which at least one must differ from `start` (empty: any change will do).
    Rejects a non-config, a touched locked field and the unchanged starting config.
    A Feedback saying "wrong" is falsy, so test the result with `is not None`:
    `if (problem := check_locked(answer, START, ["depth"])) is not None: return problem`.
    """
    from ..config import RunConfig
    if not isinstance(answer, RunConfig):
        return Feedback(False, f"Give a RunConfig (start from the one in the cell); you gave {type(answer).__name__}.")
    touched = [f for f in locked if getattr(answer, f) != getattr(start, f)]
    if touched:
        return Feedback(False, "This exercise keeps " + ", ".join(
            f"{f}={getattr(start, f)!r}" for f in touched) + "; you changed it. Put it back and try "
            "another setting.")
    if answer == start:
        return Feedback(False, "That is the starting config, unchanged: change a setting and run it.")
    changed = tuple(changed)
    if changed and all(getattr(answer, f) == getattr(start, f) for f in changed):
        return Feedback(False, "Change at least one of: " + ", ".join(changed) + ".")
    return None


__all__ = ["Feedback", "Exercise", "Solution", "exercise", "exercises_of", "all_exercises",
           "solution_function", "check_number", "check_choice", "check_set", "check_locked", "KINDS",
           "Prediction", "predict"]
