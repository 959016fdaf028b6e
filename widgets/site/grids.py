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
from ..plots import LAB_FIGURES

FIGURES = ("curves", "histogram", "norms")  # what a TrainingLab shows by default


@dataclass(frozen=True)
class LabGrid:
    """A chapter's main lab, trained on every combination of `axes` (field -> values to train).

    chapter: the notebook's number ("01"); cell: text that occurs in the lab's code cell (the first
    code cell containing it gets the precomputed lab as its output); base: every other setting, and
    the starting value of each axis; point: one sentence on what the grid shows.
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


GRIDS: dict[str, LabGrid] = {grid.chapter: grid for grid in (
    LabGrid(
        chapter="01", cell="lab = w.TrainingLab(",
        base=RunConfig(dataset="moons", depth=8, width=32, epochs=15, batch_size=64, activation="sigmoid",
                       initializer="glorot_uniform"),
        axes=(("activation", ("sigmoid", "tanh", "relu", "leaky_relu")),
              ("initializer", ("glorot_uniform", "he_normal", "random_normal")),
              ("depth", (2, 5, 8))),
        point="Deep sigmoid and tanh nets starve their first layers and barely learn, ReLU with He "
              "initialization stays healthy at every depth, and Keras's small random_normal (std 0.05) "
              "makes even ReLU vanish as the net gets deeper."),
    LabGrid(
        chapter="03", cell="lab = w.TrainingLab(",
        base=RunConfig(dataset="moons", depth=8, width=32, batch_size=64, epochs=10, optimizer="sgd",
                       learning_rate=0.05, momentum=0.9, initializer="glorot_uniform", activation="tanh"),
        axes=(("initializer", ("zeros", "random_normal", "glorot_uniform", "he_normal")),
              ("activation", ("sigmoid", "tanh", "relu")),
              ("depth", (2, 8))),
        figures=("curves", "norms", "activations"),
        point="Zeros never break the symmetry, Keras's small random_normal starves a deep net, Glorot "
              "suits sigmoid and tanh and He suits ReLU: compare the per-layer gradients and activations."),
)}
