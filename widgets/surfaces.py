"""Two-dimensional loss surfaces and the paths the real Keras optimizers take across them.

A point (x, y) plays the role of a network's weights: it lives in a `keras.Variable`, its gradient
comes from `tf.GradientTape`, and a genuine `keras.optimizers.SGD / Adagrad / RMSprop / Adam / Nadam`
moves it with `apply_gradients`.  Nothing about the optimizers is re-implemented here, so what the
learner sees on the contour plot is exactly what those classes do inside `model.fit`.

Speed matters because sliders redraw the paths: each (surface, optimizer, hyperparameters) gets one
optimizer and one traced `tf.function` loop, cached; a new learning rate is only assigned to the
optimizer's learning-rate variable, and the optimizer's slots are reset from a snapshot, so moving
the learning-rate slider reruns compiled loops without tracing again.

`SurfaceExplorer` (the slider panel, in `surface_explorer`, importable from here) is loaded only when
asked for, so this module needs no front end.
"""

from __future__ import annotations

import inspect
import logging
import math
from collections import OrderedDict
from dataclasses import dataclass
from typing import Any, Callable, Mapping, Optional, Sequence

import keras
import numpy as np
import plotly.graph_objects as go
import tensorflow as tf

from .codegen import literal, script_header
from .plots import OKABE_ITO, style

# -- surfaces ----------------------------------------------------------------------------------

_COS, _SIN = math.cos(math.radians(30)), math.sin(math.radians(30))


def _bowl(x, y):
    # A quadratic whose curvature is 20 times larger across the valley (u) than along it (v),
    # turned by 30 degrees so that the steep direction mixes both parameters.
    u = _COS * x + _SIN * y
    v = -_SIN * x + _COS * y
    return 2.0 * u * u + 0.1 * v * v


def _ravine(x, y):
    # Rosenbrock's banana-shaped valley (Rosenbrock 1960): walls 10 times steeper than the floor
    # (the classic function has 100), scaled so that one learning rate suits every optimizer here.
    return 0.1 * (1.0 - x) ** 2 + (y - x * x) ** 2


def _saddle(x, y):
    # A saddle point at the origin between two minima at (0, +1) and (0, -1); the way down from the
    # saddle (along y) is five times flatter than the way in (along x).
    return 0.5 * x * x + 0.05 * y ** 4 - 0.1 * y * y


@dataclass(frozen=True)
class Surface:
    """A differentiable loss of two parameters, the window to draw and where descent starts.

    `loss` uses only arithmetic operators, so it evaluates NumPy grids and TensorFlow tensors alike.
    """

    name: str
    title: str
    formula: str
    loss: Callable
    x_range: tuple[float, float]
    y_range: tuple[float, float]
    start: tuple[float, float]
    minimum: tuple[float, float]
    learning_rate: float  # a rate at which every optimizer makes visible progress here
    log_contours: bool = False

    def __call__(self, x, y):
        return self.loss(x, y)

    @property
    def min_value(self) -> float:
        """The loss at the global minimum."""
        return float(self.loss(*self.minimum))

    def grid(self, n: int = 120) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
        """x values, y values and the loss on an n-by-n grid covering the drawing window."""
        xs = np.linspace(*self.x_range, n)
        ys = np.linspace(*self.y_range, n)
        gx, gy = np.meshgrid(xs, ys)
        return xs, ys, self.loss(gx, gy)


SURFACES: dict[str, Surface] = {s.name: s for s in (
    Surface("bowl", "Ill-conditioned bowl", "2u² + 0.1v², (u, v) = (x, y) turned by 30°", _bowl,
            (-5.0, 5.0), (-3.5, 3.5), (-4.0, 3.0), (0.0, 0.0), learning_rate=0.1),
    Surface("ravine", "Rosenbrock ravine", "0.1 (1 − x)² + (y − x²)²", _ravine,
            (-2.0, 2.0), (-1.0, 3.0), (-1.5, 2.5), (1.0, 1.0), learning_rate=0.1, log_contours=True),
    Surface("saddle", "Saddle between two minima", "x²/2 + 0.05 y⁴ − 0.1 y²", _saddle,
            (-2.5, 2.5), (-1.6, 1.6), (-2.3, 0.001), (0.0, 1.0), learning_rate=0.1),
)}


def get_surface(surface: str | Surface) -> Surface:
    """A `Surface` from its name (or the surface itself); a bad name lists the known ones."""
    if isinstance(surface, Surface):
        return surface
    if surface not in SURFACES:
        raise ValueError(f"surface = {surface!r} is unknown; choose one of {', '.join(map(repr, SURFACES))}")
    return SURFACES[surface]


# -- optimizers --------------------------------------------------------------------------------

OPTIMIZERS = ("sgd", "momentum", "nesterov", "adagrad", "rmsprop", "adam", "nadam")
LABELS = {"sgd": "SGD", "momentum": "momentum", "nesterov": "Nesterov", "adagrad": "AdaGrad",
          "rmsprop": "RMSProp", "adam": "Adam", "nadam": "Nadam"}
# Okabe-Ito colours, and a dash and marker each: the paths are told apart without colour too.
COLOURS = dict(zip(OPTIMIZERS, OKABE_ITO))
DASHES = dict(zip(OPTIMIZERS, ("solid", "dash", "dot", "dashdot", "longdash", "solid", "dash")))
SYMBOLS = dict(zip(OPTIMIZERS, ("circle", "square", "diamond", "triangle-up", "x", "star", "cross")))


def _hyperparameters(kind: str, momentum: float, beta_1: float, beta_2: float) -> tuple:
    """The hyperparameters (besides the learning rate) that the optimizer `kind` actually uses."""
    if kind in ("momentum", "nesterov"):
        return (("momentum", float(momentum)),)
    if kind in ("adam", "nadam"):
        return (("beta_1", float(beta_1)), ("beta_2", float(beta_2)))
    return ()


def make_optimizer(kind: str, learning_rate: float, momentum: float = 0.9, beta_1: float = 0.9,
                   beta_2: float = 0.999) -> keras.optimizers.Optimizer:
    """The Keras optimizer a short name stands for ("momentum" and "nesterov" are SGD variants)."""
    if kind not in OPTIMIZERS:
        raise ValueError(f"optimizer = {kind!r} is unknown; choose one of {', '.join(map(repr, OPTIMIZERS))}")
    if not learning_rate > 0:
        raise ValueError(f"learning_rate = {learning_rate!r} must be a positive number")
    lr = float(learning_rate)
    hyper = dict(_hyperparameters(kind, momentum, beta_1, beta_2))
    if kind == "sgd":
        return keras.optimizers.SGD(learning_rate=lr)
    if kind in ("momentum", "nesterov"):
        return keras.optimizers.SGD(learning_rate=lr, nesterov=kind == "nesterov", **hyper)
    if kind == "adagrad":
        return keras.optimizers.Adagrad(learning_rate=lr)
    if kind == "rmsprop":
        return keras.optimizers.RMSprop(learning_rate=lr)
    cls = keras.optimizers.Adam if kind == "adam" else keras.optimizers.Nadam
    return cls(learning_rate=lr, **hyper)


class _Stepper:
    """One Keras optimizer bound to one 2-D point, with a traced loop of `steps` updates."""

    def __init__(self, surface: Surface, kind: str, hyper: tuple):
        self.surface = surface
        self.point = keras.Variable(np.zeros(2, np.float32), name="point")
        self.optimizer = make_optimizer(kind, 0.01, **dict(hyper))
        self.optimizer.build([self.point])
        self.fresh_state = [v.numpy() for v in self.optimizer.variables]
        self._loop = tf.function(self._descend)

    def _descend(self, start, steps):
        self.point.assign(start)
        points = tf.TensorArray(tf.float32, size=steps + 1).write(0, start)
        for i in tf.range(steps):
            with tf.GradientTape() as tape:
                xy = self.point.value
                loss = self.surface(xy[0], xy[1])
            self.optimizer.apply_gradients([(tape.gradient(loss, xy), self.point)])
            points = points.write(i + 1, self.point.value)
        return points.stack()

    def run(self, start: tuple[float, float], learning_rate: float, steps: int) -> np.ndarray:
        self.optimizer.set_weights(self.fresh_state)  # iteration count and slots back to new
        self.optimizer.learning_rate = float(learning_rate)
        return self._loop(tf.constant(start, tf.float32), tf.constant(steps, tf.int32)).numpy()


_CACHE: "OrderedDict[tuple, _Stepper]" = OrderedDict()
_CACHE_SIZE = 64


def _stepper(surface: Surface, kind: str, hyper: tuple) -> _Stepper:
    key = (surface.name, surface.loss, kind, hyper)
    if key in _CACHE:
        _CACHE.move_to_end(key)
        return _CACHE[key]
    tf_logger = logging.getLogger("tensorflow")
    level = tf_logger.level
    tf_logger.setLevel(logging.ERROR)  # every new stepper traces once: that is expected, not a bug
    try:
        stepper = _Stepper(surface, kind, hyper)
        stepper.run(surface.start, surface.learning_rate, 1)
    finally:
        tf_logger.setLevel(level)
    _CACHE[key] = stepper
    if len(_CACHE) > _CACHE_SIZE:
        _CACHE.popitem(last=False)
    return stepper


@dataclass(frozen=True)
class Trajectory:
    """Where one optimizer went: the points visited and the loss at each."""

    optimizer: str
    points: np.ndarray  # (steps + 1, 2); row 0 is the start
    losses: np.ndarray  # (steps + 1,)
    min_value: float  # the surface's lowest loss, to measure the remaining gap

    @property
    def diverged(self) -> bool:
        """True when the point ran off to infinity (or NaN) within the budget."""
        return not np.all(np.isfinite(self.losses)) or bool(np.max(np.abs(self.points)) > 1e6)

    @property
    def final_loss(self) -> float:
        return float(self.losses[-1]) if not self.diverged else float("inf")

    @property
    def gap(self) -> float:
        """Final loss minus the surface's minimum (0 means the optimizer reached the bottom)."""
        return self.final_loss - self.min_value

    def steps_to(self, gap: float) -> Optional[int]:
        """The first step at which the loss is within `gap` of the minimum (None if never)."""
        hits = np.flatnonzero(self.losses - self.min_value <= gap)
        return int(hits[0]) if hits.size else None


def optimizer_path(surface: str | Surface, optimizer: str, *, learning_rate: Optional[float] = None,
                   steps: int = 150, momentum: float = 0.9, beta_1: float = 0.9, beta_2: float = 0.999,
                   start: Optional[tuple[float, float]] = None) -> Trajectory:
    """Let a real Keras optimizer take `steps` steps on `surface` from `start` and record the path.

    learning_rate: defaults to the surface's own `learning_rate`.  momentum applies to "momentum"
    and "nesterov"; beta_1 and beta_2 to "adam" and "nadam" (the others ignore them).
    """
    surface = get_surface(surface)
    if isinstance(steps, bool) or not isinstance(steps, int) or not 1 <= steps <= 10000:
        raise ValueError(f"steps = {steps!r} must be an integer from 1 to 10000")
    for name, value in (("momentum", momentum), ("beta_1", beta_1), ("beta_2", beta_2)):
        if not 0.0 <= value < 1.0:
            raise ValueError(f"{name} = {value!r} must be in [0, 1)")
    lr = surface.learning_rate if learning_rate is None else learning_rate
    if optimizer not in OPTIMIZERS:
        raise ValueError(f"optimizer = {optimizer!r} is unknown; choose one of {', '.join(map(repr, OPTIMIZERS))}")
    if not (isinstance(lr, (int, float)) and lr > 0 and math.isfinite(lr)):
        raise ValueError(f"learning_rate = {lr!r} must be a positive number")
    hyper = _hyperparameters(optimizer, momentum, beta_1, beta_2)
    points = _stepper(surface, optimizer, hyper).run(start or surface.start, lr, steps)
    with np.errstate(all="ignore"):
        losses = np.asarray(surface(points[:, 0].astype(np.float64), points[:, 1].astype(np.float64)))
    return Trajectory(optimizer, points, losses, surface.min_value)


def optimizer_paths(surface: str | Surface, optimizers: Sequence[str] = OPTIMIZERS,
                    **settings) -> dict[str, Trajectory]:
    """`optimizer_path` for several optimizers with the same settings, keyed by optimizer name."""
    return {kind: optimizer_path(surface, kind, **settings) for kind in optimizers}


def best_over_rates(surface: str | Surface, optimizer: str, rates: Sequence[float],
                    **settings) -> tuple[float, Trajectory]:
    """Try each learning rate and keep the one whose path ends lowest: a fair, tuned comparison."""
    paths = {lr: optimizer_path(surface, optimizer, learning_rate=lr, **settings) for lr in rates}
    best = min(paths, key=lambda lr: paths[lr].final_loss)
    return best, paths[best]


# -- figures -----------------------------------------------------------------------------------

def _visible(surface: Surface, points: np.ndarray) -> np.ndarray:
    """The path up to where it leaves a generous box around the window (a diverging path)."""
    (x0, x1), (y0, y1) = surface.x_range, surface.y_range
    wx, wy = x1 - x0, y1 - y0
    inside = (np.isfinite(points).all(axis=1) & (points[:, 0] > x0 - wx) & (points[:, 0] < x1 + wx)
              & (points[:, 1] > y0 - wy) & (points[:, 1] < y1 + wy))
    cut = np.flatnonzero(~inside)
    return points[: cut[0]] if cut.size else points


def _legend_name(path: Trajectory) -> str:
    ending = "diverged" if path.diverged else f"final loss {path.final_loss:.3g}"
    return f"{LABELS[path.optimizer]} ({ending})"


def path_figure(surface: str | Surface, paths: Mapping[str, Trajectory], title: Optional[str] = None,
                height: int = 480) -> go.Figure:
    """Contours of the surface with each optimizer's path drawn on top, start and minimum marked."""
    surface = get_surface(surface)
    xs, ys, z = surface.grid()
    shown = np.log10(z - z.min() + 1e-3) if surface.log_contours else z
    label = "log10(loss − min)" if surface.log_contours else "loss"
    # light grey (low) to mid grey (high): the coloured paths stay visible on every part of it
    fig = go.Figure(go.Contour(x=xs, y=ys, z=shown, colorscale=[[0, "#ffffff"], [1, "#8c8c8c"]], ncontours=25,
                               showscale=True, colorbar=dict(title=label, x=1.0, len=0.9),
                               contours=dict(showlines=True), line=dict(width=0.5),
                               name="loss surface", showlegend=False, hoverinfo="skip"))
    for kind, path in paths.items():
        pts = _visible(surface, path.points)
        fig.add_trace(go.Scatter(x=pts[:, 0], y=pts[:, 1], mode="lines+markers", name=_legend_name(path),
                                 line=dict(color=COLOURS[kind], dash=DASHES[kind], width=2),
                                 marker=dict(color=COLOURS[kind], symbol=SYMBOLS[kind], size=6, maxdisplayed=25)))
    fig.add_trace(go.Scatter(x=[surface.start[0]], y=[surface.start[1]], mode="markers", name="start",
                             marker=dict(symbol="circle-open", size=12, color="black", line=dict(width=2))))
    fig.add_trace(go.Scatter(x=[surface.minimum[0]], y=[surface.minimum[1]], mode="markers", name="minimum",
                             marker=dict(symbol="star", size=14, color="gold", line=dict(color="black", width=1))))
    style(fig, title or f"{surface.title}: {surface.formula}", "parameter x (unitless)",
          "parameter y (unitless)", height=height)
    fig.update_xaxes(range=list(surface.x_range))
    fig.update_yaxes(range=list(surface.y_range))
    fig.update_layout(legend=dict(x=1.12, y=1.0))
    return fig


def loss_figure(surface: str | Surface, paths: Mapping[str, Trajectory], title: Optional[str] = None) -> go.Figure:
    """Loss above the minimum per step (log scale), one line per optimizer: who gets lowest, when."""
    surface = get_surface(surface)
    fig = go.Figure()
    for kind, path in paths.items():
        gap = np.maximum(path.losses - path.min_value, 1e-12)
        fig.add_trace(go.Scatter(x=np.arange(len(gap)), y=gap, mode="lines+markers", name=_legend_name(path),
                                 line=dict(color=COLOURS[kind], dash=DASHES[kind], width=2),
                                 marker=dict(color=COLOURS[kind], symbol=SYMBOLS[kind], size=6, maxdisplayed=15)))
    fig.update_yaxes(type="log", exponentformat="power")
    return style(fig, title or f"{surface.title}: loss above the minimum per step", "optimizer step",
                 "loss − minimum (log scale)")


# -- the same experiment in plain Keras --------------------------------------------------------

def optimizer_code(kind: str, learning_rate: float, momentum: float = 0.9, beta_1: float = 0.9,
                   beta_2: float = 0.999) -> str:
    """The Keras expression that creates the optimizer `make_optimizer` gives for these settings."""
    optimizer = make_optimizer(kind, learning_rate, momentum, beta_1, beta_2)
    args = [f"learning_rate={literal(float(learning_rate))}"]
    args += [f"{name}={literal(value)}" for name, value in _hyperparameters(kind, momentum, beta_1, beta_2)]
    if getattr(optimizer, "nesterov", False):
        args.append("nesterov=True")
    return f"keras.optimizers.{type(optimizer).__name__}({', '.join(args)})"


def surface_code(surface: str | Surface, optimizers: Sequence[str] = OPTIMIZERS, *,
                 learning_rate: Optional[float] = None, steps: int = 150, momentum: float = 0.9,
                 beta_1: float = 0.9, beta_2: float = 0.999) -> str:
    """A plain Keras + TensorFlow script in which these optimizers step on the surface's loss.

    It gives the same paths as `optimizer_paths` with the same settings (its `paths` dict holds
    them), written the way one steps any Keras optimizer by hand: a variable, a gradient tape and
    `apply_gradients`.
    """
    surface = get_surface(surface)
    lr = surface.learning_rate if learning_rate is None else learning_rate
    loss_source = inspect.getsource(surface.loss).rstrip().replace(f"def {surface.loss.__name__}(", "def loss(", 1)
    turned = "_COS" in loss_source  # the bowl's two constants, written as surfaces.py defines them
    lines = [f'"""Keras optimizers stepping on a 2-D loss: the {surface.title.lower()}."""',
             *script_header(["math"] if turned else []), "import numpy as np", "import tensorflow as tf", "", "",
             *(["_COS, _SIN = math.cos(math.radians(30)), math.sin(math.radians(30))", "", ""] if turned else []),
             f"# {surface.formula}, lowest at {tuple(surface.minimum)}", loss_source, "", "",
             f"def descend(optimizer, start={tuple(surface.start)}, steps={steps}):",
             '    """Let a Keras optimizer move the point (x, y) downhill; returns the points visited."""',
             '    point = keras.Variable(start, dtype="float32")  # two numbers in place of a network\'s weights',
             "    visited = [point.numpy()]",
             "    for _ in range(steps):",
             "        with tf.GradientTape() as tape:",
             "            xy = point.value",
             "            value = loss(xy[0], xy[1])",
             "        optimizer.apply_gradients([(tape.gradient(value, xy), point)])",
             "        visited.append(point.numpy())",
             "    return np.array(visited)",
             "", "",
             "optimizers = {",
             *(f"    {literal(LABELS[kind])}: {optimizer_code(kind, lr, momentum, beta_1, beta_2)},"
               for kind in optimizers),
             "}",
             "paths = {name: descend(optimizer) for name, optimizer in optimizers.items()}",
             "for name, path in paths.items():",
             "    x, y = path[-1]",
             '    print(f"{name:>9}: ends at ({x:.3f}, {y:.3f}), loss {loss(x, y):.3g}")']
    return "\n".join(lines) + "\n"


def __getattr__(name: str) -> Any:
    if name in ("SurfaceExplorer", "EXPLORER_PRESETS"):  # the panel needs ipywidgets: loaded when asked for
        from . import surface_explorer
        return getattr(surface_explorer, name)
    raise AttributeError(f"module 'widgets.surfaces' has no attribute {name!r}")
