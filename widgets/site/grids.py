"""Which chapter labs the site precomputes, and on which grid of settings.

A precomputed lab is declared in a few lines: the chapter, a piece of text that finds the lab's cell,
the lab's starting config, and the fields its controls may take with the values to train.  The site
trains every combination at build time (`runcache`) and the page lets the reader switch among them.
"""

from __future__ import annotations

import itertools
from dataclasses import dataclass
from typing import Any

from ..config import ConfigError, RunConfig
from ..data import load_dataset
from ..exercises import ch12
from ..tuning import split_test_rows
from ..plots import LAB_FIGURES

FIGURES = ("curves", "histogram", "norms")  # what a TrainingLab shows by default


@dataclass(frozen=True)
class LabGrid:
    """A chapter's main lab, trained on every combination of `axes` (field -> values to train).

    chapter: the notebook's number ("01"); cell: text that occurs in the lab's code cell (the first
    code cell containing it gets the precomputed lab as its output); base: every other setting, and
    the starting value of each axis; point: one sentence on what to compare (the page adds what the
    runs measured, computed from them: `labview.findings`).
    """

    chapter: str
    cell: str
    base: RunConfig
    axes: tuple[tuple[str, tuple[Any, ...]], ...]
    point: str
    figures: tuple[str, ...] = FIGURES

    def __post_init__(self) -> None:
        fields = self.base.to_dict()
        for field, values in self.axes:
            if field not in fields:
                raise ConfigError(f"LabGrid({self.chapter}).axes: {field!r} is not a RunConfig field; "
                                  f"allowed: {', '.join(sorted(fields))}")
            if not values:
                raise ConfigError(f"LabGrid({self.chapter}).axes[{field!r}]: give at least one value")
            if fields[field] not in values:
                raise ConfigError(f"LabGrid({self.chapter}).axes[{field!r}]: the lab starts at "
                                  f"{fields[field]!r}, which must be one of the values {values}")
        unknown = [name for name in self.figures if name not in LAB_FIGURES]
        if unknown:
            raise ValueError(f"LabGrid({self.chapter}).figures: unknown {unknown}; allowed: {', '.join(LAB_FIGURES)}")
        self.configs()  # every cell must be a valid config: RunConfig raises ConfigError naming the field

    @property
    def fields(self) -> tuple[str, ...]:
        return tuple(field for field, _ in self.axes)

    def configs(self) -> list[RunConfig]:
        """Every combination of the axes' values over `base`, in a fixed order."""
        return [self.base.replace(**dict(zip(self.fields, values)))
                for values in itertools.product(*(values for _, values in self.axes))]

    def cell_key(self, config: RunConfig) -> str:
        """The key of the grid cell `config` stands on: its axis values joined by '|'."""
        return "|".join(str(getattr(config, field)) for field in self.fields)

    def describe(self) -> str:
        """E.g. 'activation (4) x initializer (3) x depth (3): 36 runs'."""
        sizes = " × ".join(f"{field} ({len(values)})" for field, values in self.axes)
        return f"{sizes}: {len(self.configs())} runs"


def _chapter_11_fraction() -> float:
    """The train_fraction of chapter 11's lab: as many training rows as its searches had (the usual
    pima training rows less the quarter held out as test rows), computed as the chapter does."""
    searched, _ = split_test_rows("pima", test_fraction=0.25)
    return len(searched.y_train) / len(load_dataset("pima").y_train)


# Each base is the config the chapter's lab cell starts from (the test below the grids checks the
# cell is found; the chapter's own variables are restated here because the site cannot run the
# chapter's cells before the lab).
GRIDS: dict[str, LabGrid] = {grid.chapter: grid for grid in (
    LabGrid(
        chapter="00", cell="lab = w.TrainingLab(",
        base=RunConfig(dataset="moons", activation="relu", initializer="he_normal", depth=4, width=32, epochs=10),
        axes=(("activation", ("sigmoid", "tanh", "relu")),
              ("depth", (2, 4, 8)),
              ("learning_rate", (1e-4, 1e-3, 1e-2))),
        point="Change one setting at a time and watch the learning curves, the gradient histogram and "
              "the per-layer gradient norms move together."),
    LabGrid(
        chapter="01", cell="lab = w.TrainingLab(",
        base=RunConfig(dataset="moons", depth=8, width=32, epochs=15, batch_size=64, activation="sigmoid",
                       initializer="glorot_uniform"),
        axes=(("activation", ("sigmoid", "tanh", "relu", "leaky_relu")),
              ("initializer", ("glorot_uniform", "he_normal", "random_normal")),
              ("depth", (2, 5, 8))),
        point="Compare each activation's per-layer gradient norms at depth 2 and at depth 8, and "
              "Keras's small random_normal (std 0.05) with Glorot and He."),
    LabGrid(
        chapter="02", cell="lab = w.TrainingLab(",
        base=RunConfig(dataset="pima", depth=2, width=32, batch_size=32, epochs=5, seed=0),
        axes=(("dataset", ("pima", "digits")),
              ("output_activation", ("auto", "sigmoid", "softmax")),
              ("loss", ("auto", "mean_squared_error")),
              ("learning_rate", (1e-3, 1e-2))),
        figures=("curves",),
        point="Pair each output activation with each loss, on a two-class and a ten-class task: 'auto' "
              "picks the matching pair (sigmoid or softmax with cross-entropy)."),
    LabGrid(
        chapter="03", cell="lab = w.TrainingLab(",
        base=RunConfig(dataset="moons", depth=8, width=32, batch_size=64, epochs=10, optimizer="sgd",
                       learning_rate=0.05, momentum=0.9, initializer="glorot_uniform", activation="tanh"),
        axes=(("initializer", ("zeros", "random_normal", "glorot_uniform", "he_normal")),
              ("activation", ("sigmoid", "tanh", "relu")),
              ("depth", (2, 8))),
        figures=("curves", "norms", "activations"),
        point="Compare the per-layer gradients and activations of each initializer with each activation, "
              "in a shallow and a deep net."),
    LabGrid(
        chapter="04", cell="lab = w.TrainingLab(",
        base=RunConfig(dataset="pima", depth=2, width=16, batch_size=32, epochs=25, standardize=False),
        axes=(("standardize", (False, True)),
              ("batchnorm", (False, True)),
              ("initializer", ("glorot_uniform", "random_normal")),
              ("learning_rate", (1e-3, 1e-2, 1e-1))),
        figures=("curves", "norms"),
        point="Compare raw and standardized inputs, with and without batch normalization, across "
              "initializers and learning rates."),
    LabGrid(
        chapter="05", cell="lab = w.TrainingLab(",
        base=RunConfig(dataset="pima", depth=3, width=128, learning_rate=3e-3, batch_size=64, epochs=20),
        axes=(("train_fraction", (0.3, 1.0)),
              ("dropout", (0.0, 0.2, 0.5)),
              ("l2", (0.0, 1e-3)),
              ("early_stopping_patience", (None, 5))),
        figures=("curves",),
        point="Watch the gap between the training and validation curves as data, dropout, L2 and early "
              "stopping change."),
    LabGrid(
        chapter="06", cell="lab = w.TrainingLab(",
        base=RunConfig(dataset="moons", depth=8, width=32, activation="relu", initializer="he_normal",
                       optimizer="sgd", momentum=0.9, learning_rate=0.3, batch_size=64, epochs=10),
        axes=(("global_clipnorm", (None, 0.5, 1.0, 5.0)),
              ("learning_rate", (0.03, 0.1, 0.3)),
              ("momentum", (0.0, 0.9))),
        figures=("curves", "norms"),
        point="Compare each learning rate and momentum with and without a global gradient-norm limit."),
    LabGrid(
        chapter="07", cell="lab = w.TrainingLab(",
        base=RunConfig(dataset="digits", depth=6, width=64, initializer="he_normal", batch_size=128, epochs=10),
        axes=(("optimizer", ("sgd", "rmsprop", "adagrad", "adadelta", "adam", "adamw", "nadam", "adamax")),
              ("learning_rate", (1e-3, 1e-2, 1e-1))),
        figures=("curves", "norms"),
        point="Compare every Keras optimizer at three learning rates: the ranking depends on the rate."),
    LabGrid(
        chapter="08", cell="lab = w.TrainingLab(",
        base=RunConfig(dataset="digits", depth=3, width=64, optimizer="sgd", batch_size=128, epochs=10,
                       learning_rate=0.3),
        axes=(("learning_rate", (0.001, 0.01, 0.1, 0.3, 2.0, 10.0)),
              ("schedule", ("constant", "power", "exponential", "1cycle"))),
        figures=("curves", "norms"),
        point="Compare learning rates from too low to far too high, each constant and under three schedules."),
    LabGrid(
        chapter="11", cell="lab = w.TrainingLab(",
        base=RunConfig(dataset="pima", train_fraction=_chapter_11_fraction(), depth=1, width=32,
                       optimizer="rmsprop", epochs=8, batch_size=32, seed=0),
        axes=(("width", (8, 32, 72)),
              ("depth", (1, 3, 6)),
              ("seed", (0, 1, 2))),
        point="Change only the seed and see how far one setting's score moves: a search's best is one draw."),
    LabGrid(
        chapter="12", cell="lab = w.TrainingLab(",
        base=ch12.broken("patient E"),
        axes=(("learning_rate", (0.001, 0.01, 0.03, 0.3)),
              ("initializer", ("glorot_uniform", "he_normal")),
              ("batchnorm", (False, True)),
              ("clipnorm", (None, 1.0))),
        figures=("curves", "histogram", "norms", "activations"),
        point="Patient E, a ReLU net trained with Adam at 0.3: read the activation view, then try the "
              "fixes that keep ReLU and Adam."),
)}
