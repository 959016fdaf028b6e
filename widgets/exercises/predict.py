"""Predict first: the learner records what they expect before a key experiment runs.

`predict(question, options)` shows the question with a choice of answers (keyboard-usable radio
buttons, nothing chosen); the experiment then calls `prediction.reveal(measured, why)`, which says
whether the prediction held and why.  Headless (nbval, Run All without a choice) the reveal says
that no prediction was recorded and still explains the measurement.
"""

from __future__ import annotations

import html
from typing import Mapping, Optional

import ipywidgets as ipw


class Prediction:
    """A recorded prediction: `choice` is the picked option's key (None until picked)."""

    def __init__(self, question: str, options: Mapping[str, str]):
        if len(options) < 2:
            raise ValueError("predict(options): give at least two options")
        self.question = question
        self.options = dict(options)
        self.buttons = ipw.RadioButtons(options=[(text, key) for key, text in self.options.items()],
                                        value=None, layout=ipw.Layout(width="auto"),
                                        style={"description_width": "initial"})
        self.widget = ipw.VBox([ipw.HTML(f"<b>Predict first.</b> {html.escape(question)}"), self.buttons])

    @property
    def choice(self) -> Optional[str]:
        return self.buttons.value

    @choice.setter
    def choice(self, key: Optional[str]) -> None:
        if key is not None and key not in self.options:
            raise ValueError(f"Prediction.choice: pick one of {list(self.options)}, not {key!r}")
        self.buttons.value = key

    def _ipython_display_(self) -> None:
        from IPython.display import display
        display(self.widget)

    def reveal(self, measured: str, why: str) -> "Verdict":
        """Compare the prediction with what the experiment measured (`measured` is an option key)."""
        if measured not in self.options:
            raise ValueError(f"Prediction.reveal(measured): one of {list(self.options)}, not {measured!r}")
        return Verdict(self.choice, measured, self.options, why)

    def close(self) -> None:
        for part in (self.buttons, *self.widget.children, self.widget):
            part.close()


class Verdict:
    """What the measurement said about a prediction."""

    def __init__(self, choice: Optional[str], measured: str, options: Mapping[str, str], why: str):
        self.choice, self.measured, self.why = choice, measured, why
        self.options = dict(options)

    @property
    def held(self) -> Optional[bool]:
        """True or False, or None when no prediction was recorded."""
        return None if self.choice is None else self.choice == self.measured

    def __str__(self) -> str:
        said = self.options[self.measured]
        if self.held is None:
            head = f"No prediction recorded. The measurement: {said}."
        elif self.held:
            head = f"Your prediction held: {said}."
        else:
            head = f"You predicted “{self.options[self.choice]}”; the measurement says: {said}."
        return f"{head} {self.why}"

    def _repr_html_(self) -> str:
        mark = {None: "&#9679;", True: "&#10004;", False: "&#10008;"}[self.held]
        colour = {None: "#eef2f7", True: "#e6f4ea", False: "#fdecea"}[self.held]
        return (f'<div style="background:{colour};padding:6px 10px;border-radius:4px;color:#111">'
                f"<b>{mark}</b> {html.escape(str(self))}</div>")


def predict(question: str, options: Mapping[str, str]) -> Prediction:
    """Ask the learner to predict an experiment's outcome; `options` maps a key to its text."""
    return Prediction(question, options)
