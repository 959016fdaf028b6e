"""`SurfaceExplorer`: the chapter 07 panel, optimizers' paths over a 2-D loss surface, live.

Every change recomputes all paths (real Keras optimizers, cached traced loops) and redraws the
figure in one update.  A new learning rate reruns compiled loops; a new momentum or beta builds and
traces the two optimizers that use it.  Choosing another surface brings that surface's own learning
rate.  Momentum and the betas are greyed out when no optimizer shown uses them.
"""

from __future__ import annotations

import time
from typing import Any, Mapping, Optional, Sequence

import ipywidgets as ipw

from .livefigures import placeholder, update_live
from .panel import Panel
from .surfaces import OPTIMIZERS, SURFACES, Trajectory, get_surface, optimizer_paths, path_figure, surface_code

KERAS_DEFAULTS = dict(momentum=0.9, beta_1=0.9, beta_2=0.999)
EXPLORER_PRESETS: dict[str, dict[str, Any]] = {
    **{f"{s.title}, at its own learning rate": dict(surface=s.name, learning_rate=s.learning_rate, **KERAS_DEFAULTS)
       for s in SURFACES.values()},
    "Rosenbrock ravine without momentum (beta_1 = 0)": dict(surface="ravine", learning_rate=0.1, momentum=0.0,
                                                            beta_1=0.0, beta_2=0.999),
}
_USERS = {"momentum": ("momentum", "nesterov"), "beta_1": ("adam", "nadam"), "beta_2": ("adam", "nadam")}


def _controls(surface: str, learning_rate: float, momentum: float, beta_1: float, beta_2: float) -> dict:
    style = {"description_width": "110px"}
    slider = dict(continuous_update=False, style=style)
    return {
        "surface": ipw.Dropdown(options=[(s.title, s.name) for s in SURFACES.values()], value=surface,
                                description="surface", style=style, tooltip="the loss the optimizers descend"),
        "learning_rate": ipw.FloatLogSlider(value=learning_rate, base=10, min=-4, max=0, step=0.125,
                                            description="learning rate", readout_format=".2g",
                                            tooltip="the step size of every optimizer (log scale)", **slider),
        "momentum": ipw.FloatSlider(value=momentum, min=0.0, max=0.99, step=0.01, description="momentum",
                                    tooltip="momentum of SGD's momentum and Nesterov variants", **slider),
        "beta_1": ipw.FloatSlider(value=beta_1, min=0.0, max=0.99, step=0.01, description="beta_1",
                                  tooltip="Adam's and Nadam's decay rate of the mean gradient", **slider),
        "beta_2": ipw.FloatSlider(value=beta_2, min=0.9, max=0.9999, step=0.0001, readout_format=".4f",
                                  description="beta_2", tooltip="Adam's and Nadam's decay rate of the mean "
                                  "squared gradient", **slider),
    }


class SurfaceExplorer(Panel):
    """Sliders for the surface, learning rate, momentum and Adam's betas over a live contour plot.

    `last_seconds` holds how long the last recompute and redraw took.  warm: trace every surface's
    loops up front (a few seconds), so that switching surfaces later is as quick as moving a slider.
    Call `update(...)` to drive it from code.
    """

    preset_hint = "the paths are redrawn."

    def __init__(self, surface: str = "ravine", optimizers: Sequence[str] = OPTIMIZERS, steps: int = 150,
                 learning_rate: Optional[float] = None, momentum: float = 0.9, beta_1: float = 0.9,
                 beta_2: float = 0.999, warm: bool = True,
                 presets: Optional[Mapping[str, Mapping[str, Any]]] = None):
        unknown = [o for o in optimizers if o not in OPTIMIZERS]
        if unknown:
            raise ValueError(f"optimizers: {unknown} unknown; choose from {', '.join(OPTIMIZERS)}")
        self.optimizers, self.steps = tuple(optimizers), steps
        first = get_surface(surface)
        controls = _controls(first.name, learning_rate or first.learning_rate, momentum, beta_1, beta_2)
        # Before the panel's own observer: a surface picked by hand brings its learning rate, in one redraw.
        controls["surface"].observe(self._on_surface, names="value")
        super().__init__(controls, EXPLORER_PRESETS if presets is None else presets, self.keras_code)
        self.timing = ipw.HTML()
        self.figure = placeholder("optimizer paths")
        self.paths: dict[str, Trajectory] = {}
        self.last_seconds = float("nan")
        if warm:  # trace every surface's loops now, so that switching surface later is quick
            for other in SURFACES.values():
                optimizer_paths(other, self.optimizers, steps=1, momentum=momentum, beta_1=beta_1, beta_2=beta_2)
        self._frame([], [self.timing], [self.figure])
        self._redraw()
        self.show("Move a slider: every path is recomputed at once.")

    def _on_surface(self, change: Mapping[str, Any]) -> None:
        if not self._mute_depth:  # moved by hand (`set` takes the rate it is given)
            self._mute_depth += 1
            self.controls["learning_rate"].value = SURFACES[change["new"]].learning_rate
            self._mute_depth -= 1

    def _settings(self) -> dict:
        return {name: self.controls[name].value for name in ("learning_rate", "momentum", "beta_1", "beta_2")}

    def ignored(self) -> dict[str, str]:
        return {name: f"none of the optimizers shown ({', '.join(self.optimizers)}) uses {name}"
                for name, users in _USERS.items() if not set(users) & set(self.optimizers)}

    def set(self, **values: Any) -> "SurfaceExplorer":
        """Set controls from code; a new surface without a learning rate brings its own."""
        unknown = sorted(set(values) - set(self.controls))
        if unknown:
            raise ValueError(f"SurfaceExplorer.update: unknown control(s) {unknown}; controls: "
                             + ", ".join(self.controls))
        if "surface" in values and "learning_rate" not in values:
            values["learning_rate"] = get_surface(values["surface"]).learning_rate
        with self.muted():
            for name, value in values.items():
                self.controls[name].value = value
        return self

    def update(self, **values: Any) -> float:
        """Set controls from code (surface, learning_rate, momentum, beta_1, beta_2), recompute once
        and return the seconds the recompute and redraw took."""
        self.set(**values)
        return self.last_seconds

    def changed(self) -> None:
        self._redraw()

    def live_figures(self) -> list:
        return [self.figure]

    def _redraw(self) -> None:
        began = time.perf_counter()
        surface = SURFACES[self.controls["surface"].value]
        self.paths = optimizer_paths(surface, self.optimizers, steps=self.steps, **self._settings())
        update_live(self.figure, path_figure(surface, self.paths))
        self.last_seconds = time.perf_counter() - began
        self.timing.value = (f"recomputed {len(self.paths)} paths of {self.steps} steps in "
                             f"{self.last_seconds * 1000:.0f} ms")

    def keras_code(self) -> str:
        """The current comparison as a plain Keras script (see `surface_code`)."""
        return surface_code(self.controls["surface"].value, self.optimizers, steps=self.steps, **self._settings())
