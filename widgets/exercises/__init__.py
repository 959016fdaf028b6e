"""Right-or-wrong feedback for the chapters' "check yourself" exercises.

Each chapter has a module here (`ch01`, `ch02`, ...) whose functions take the learner's answer and
return a `Feedback`: it shows as a green or red box in the notebook, says why, and is truthy only
when the answer is right, so a notebook can also `assert` it.  The core package never imports this.
"""

from __future__ import annotations

import html
import math
from dataclasses import dataclass
from typing import Any, Iterable, Mapping


@dataclass(frozen=True)
class Feedback:
    """The verdict on one answer: right or wrong, and a sentence that says why."""

    correct: bool
    message: str

    def __bool__(self) -> bool:
        return self.correct

    def __str__(self) -> str:
        return ("Right. " if self.correct else "Not yet. ") + self.message

    def _repr_html_(self) -> str:
        colour, mark = ("#e6f4ea", "&#10004; Right.") if self.correct else ("#fdecea", "&#10008; Not yet.")
        return (f'<div style="background:{colour};padding:6px 10px;border-radius:4px">'
                f"<b>{mark}</b> {html.escape(self.message)}</div>")


def _as_number(answer: Any, what: str) -> float | Feedback:
    if isinstance(answer, bool) or not isinstance(answer, (int, float)) or not math.isfinite(answer):
        return Feedback(False, f"{what} should be a finite number; you gave {answer!r}.")
    return float(answer)


def check_number(answer: Any, expected: float, *, rel_tol: float = 0.05, abs_tol: float = 0.0,
                 what: str = "The answer", why: str = "") -> Feedback:
    """Right when `answer` is within `rel_tol` (relative) or `abs_tol` (absolute) of `expected`."""
    value = _as_number(answer, what)
    if isinstance(value, Feedback):
        return value
    if math.isclose(value, expected, rel_tol=rel_tol, abs_tol=abs_tol):
        return Feedback(True, f"{what} is {expected:.4g}. {why}".strip())
    direction = "too high" if value > expected else "too low"
    return Feedback(False, f"{what}: {value:.4g} is {direction}. {why}".strip())


def check_choice(answer: Any, correct: str | Iterable[str], explanations: Mapping[str, str]) -> Feedback:
    """Right when `answer` is (one of) `correct`; `explanations` says why for every allowed option."""
    options = list(explanations)
    key = answer.strip().lower() if isinstance(answer, str) else answer
    if key not in explanations:
        return Feedback(False, f"Answer with one of {', '.join(map(repr, options))}; you gave {answer!r}.")
    right = {correct} if isinstance(correct, str) else set(correct)
    return Feedback(key in right, explanations[key])


def check_set(answer: Any, correct: Iterable[str], allowed: Iterable[str], *, what: str = "items",
              why: str = "") -> Feedback:
    """Right when the learner names exactly the `correct` subset of `allowed` names (any order)."""
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
    missing, extra = correct - given, given - correct
    parts = ([f"missing {', '.join(sorted(missing))}"] if missing else []) + \
            ([f"{', '.join(sorted(extra))} should not be there"] if extra else [])
    return Feedback(False, "; ".join(parts) + ".")
