"""Plotly figure builders: each takes a `Run` (finished or still training) and returns a figure.

They never train and never hold state, so the lab can rebuild a figure from a half-finished run and
copy its data into the live widget.  Every figure has a title, labelled axes with units and a legend.
No figure relies on colour alone: categories take the Okabe-Ito palette (safe for every common
colour-vision deficiency) and ordered layers viridis, and both also differ in dash and marker.
Log axes are labelled with whole numbers (1, 2, 5 per decade, or powers of ten over a wide range).
"""

from __future__ import annotations

import functools
import math
from typing import Any, Callable, Mapping, Optional, Sequence

import numpy as np
import plotly.graph_objects as go
import plotly.io as pio
from plotly.colors import sample_colorscale
from plotly.subplots import make_subplots

from . import projector
from .training import Run

FIGURE_HEIGHT = 340
PINNED_OPACITY = 0.35
# Okabe & Ito (2008): eight colours told apart with any common colour-vision deficiency.
OKABE_ITO = ("#0072B2", "#D55E00", "#009E73", "#E69F00", "#CC79A7", "#56B4E9", "#000000", "#F0E442")
TRAIN_COLOUR, VAL_COLOUR = OKABE_ITO[0], OKABE_ITO[1]
DEPTH_SCALE = "Viridis"  # layer colour: dark = near the input, yellow = near the output
DASHES = ("solid", "dash", "dot", "dashdot", "longdash", "longdashdot")
SYMBOLS = ("circle", "square", "diamond", "triangle-up", "x", "triangle-down", "star", "cross")


TEMPLATE = "workbook"


def _register_template() -> None:
    """Register plotly_white's 2-D look as a small template of its own.

    plotly_white also carries defaults for 3-D scenes, maps, colour scales and every trace type;
    copying and validating all that costs ~8 ms per figure, which the lab pays on every live redraw.
    """
    layout = pio.templates["plotly_white"].layout.to_plotly_json()
    keep = ("xaxis", "yaxis", "paper_bgcolor", "plot_bgcolor", "colorway", "font", "hovermode", "hoverlabel",
            "title")  # every colour scale is named where it is used
    pio.templates[TEMPLATE] = go.layout.Template(layout={key: layout[key] for key in keep if key in layout})


_register_template()


def finite(values) -> list:
    """Values with NaN and infinities replaced by None: plotly draws a gap, and JSON stays valid."""
    return [float(v) if v is not None and np.isfinite(v) else None for v in values]


def _merged(base: dict, extra: Mapping) -> dict:
    """`base` with `extra` laid over it, nested dicts merged key by key."""
    out = dict(base)
    for key, value in extra.items():
        out[key] = _merged(out[key], value) if isinstance(value, Mapping) and isinstance(out.get(key), dict) else value
    return out


def style(fig: go.Figure, title: str, x: str, y: str, height: int = FIGURE_HEIGHT,
          layout: Optional[Mapping] = None) -> go.Figure:
    """Give a figure the workbook's look: title, axis labels (on every subplot), compact margins,
    legend on the right; `layout` (e.g. a second panel's axis title) is laid over that.

    The layout is replaced in one assignment: plotly's `update_layout` costs ~3x as much, and the
    lab restyles every figure on each live redraw.
    """
    current = fig.layout.to_plotly_json()
    axes = {"xaxis", "yaxis"} | {key for key in current if key.startswith(("xaxis", "yaxis"))}
    sizes = projector.font_sizes()
    grow = sizes["base"] / projector.NORMAL_FONTS["base"]  # larger fonts need wider margins
    ours = _merged(font_layout(), dict(
        title=dict(text=title, x=0.01), height=round(height * (1 + (grow - 1) / 3)),
        margin=dict(l=round(60 * grow), r=20, t=round(50 * grow), b=round(45 * grow)), template=TEMPLATE,
        **{axis: dict(title=dict(text=x if axis.startswith("x") else y)) for axis in axes}))
    fig.layout = _merged(_merged(current, ours), layout or {})
    readable_log_ticks(fig)
    return fig


def font_layout() -> dict[str, Any]:
    """The layout fonts of the current mode (larger in projector mode, see `projector`)."""
    sizes = projector.font_sizes()
    return dict(font=dict(size=sizes["base"]), title=dict(font=dict(size=sizes["title"])),
                legend=dict(font=dict(size=sizes["legend"])))


_SUPERSCRIPT = str.maketrans("-0123456789", "⁻⁰¹²³⁴⁵⁶⁷⁸⁹")


def log_ticks(low: float, high: float) -> tuple[list[float], list[str]]:
    """Tick values and labels for a log axis from `low` to `high` (both > 0).

    Over a wide range, one tick per power of ten labelled "10⁻³"; over three decades or fewer,
    1, 2 and 5 of each decade labelled as plain numbers ("0.002"), never plotly's bare minor "2".
    """
    first, last = math.floor(math.log10(low)), math.ceil(math.log10(high))
    if last - first > 3:
        step = max(1, (last - first) // 8)
        values = [10.0 ** k for k in range(first, last + 1, step)]
        return values, [f"10{str(int(math.log10(v))).translate(_SUPERSCRIPT)}" for v in values]
    values = [m * 10.0 ** k for k in range(first, last + 1) for m in (1, 2, 5)]
    values = [v for v in values if low / 2.5 <= v <= high * 2.5]
    return values, [f"{v:.12g}" for v in values]


def readable_log_ticks(fig: go.Figure) -> go.Figure:
    """Give every log axis of `fig` readable tick labels (see `log_ticks`) for the data it shows."""
    for name in [key for key in fig.layout.to_plotly_json() if key.startswith(("xaxis", "yaxis"))]:
        axis, letter = fig.layout[name], name[0]
        if axis.type != "log":
            continue
        ref = letter + name[5:]  # "yaxis2" -> "y2"
        values = [v for t in fig.data if letter in t and (t[f"{letter}axis"] or letter) == ref
                  for v in np.ravel(np.asarray([u for u in (t[letter] if t[letter] is not None else ())
                                                if u is not None], dtype=float))
                  if np.isfinite(v) and v > 0]
        if values:
            ticks, labels = log_ticks(min(values), max(values))
            axis.update(tickmode="array", tickvals=ticks, ticktext=labels)
        # No `minor` ticks: with array ticks, plotly.js 3 runs out of memory (the page crashes) when a
        # live figure's axis turns from linear to log, as a lab's placeholder does on its first run.
        axis.update(exponentformat="power")
    return fig


def categorical_style(index: int) -> dict[str, Any]:
    """Colour, dash and marker of the `index`-th category: each differs from its neighbours in all three."""
    return dict(line=dict(color=OKABE_ITO[index % len(OKABE_ITO)], dash=DASHES[index % len(DASHES)]),
                marker=dict(color=OKABE_ITO[index % len(OKABE_ITO)], symbol=SYMBOLS[index % len(SYMBOLS)]))


def layer_style(index: int, n_layers: int) -> dict[str, Any]:
    """Colour (viridis by depth), dash and marker of layer `index` of `n_layers`."""
    colour = layer_colours(n_layers)[index]
    return dict(line=dict(color=colour, dash=DASHES[index % len(DASHES)]),
                marker=dict(color=colour, symbol=SYMBOLS[index % len(SYMBOLS)]))


@functools.lru_cache(maxsize=16)
def _panels_layout(titles: tuple[str, ...]) -> dict:
    """The layout of side-by-side panels with these titles (built once: make_subplots is slow)."""
    layout = make_subplots(rows=1, cols=len(titles), subplot_titles=titles, horizontal_spacing=0.1).layout.to_plotly_json()
    layout.pop("template", None)  # plotly's default, replaced by `style` anyway
    return layout


def _panel_axes(panel: int) -> dict:
    """The axis references that put a trace into panel 1, 2, ... of a `_panels_layout` figure."""
    suffix = "" if panel == 1 else str(panel)
    return dict(xaxis=f"x{suffix}", yaxis=f"y{suffix}")


@functools.lru_cache(maxsize=32)
def layer_colours(n_layers: int) -> tuple[str, ...]:
    """One colour per layer, ordered from the input (dark) to the output (bright)."""
    return tuple(sample_colorscale(DEPTH_SCALE, list(np.linspace(0.0, 0.9, max(n_layers, 2))))[:n_layers])


def _metric_label(run: Run) -> str:
    return "mean absolute error" if run.metric == "mae" else "accuracy"


def curves_figure(run: Run, pinned: Sequence[Run] = ()) -> go.Figure:
    """Loss (left) and accuracy or MAE (right) per epoch, training solid and validation dashed.

    Each pinned run is drawn first in the same colours, faded, as a reference to compare against.
    """
    metric = run.metric
    fig = go.Figure(layout=_panels_layout(("loss", _metric_label(run))))
    for number, ref in enumerate(pinned, start=1):
        _add_curves(fig, ref, metric, opacity=PINNED_OPACITY, prefix=f"pinned: #{number} ", width=1.5)
    _add_curves(fig, run, metric, opacity=1.0, prefix="", width=2.5)
    extra: dict = {"yaxis2": {"title": {"text": _metric_label(run)}}}
    if pinned:  # the pinned runs' settings, under the plots, so the legend stays narrow
        notes = "<br>".join(f"pinned #{n}: {ref.config.describe()}" for n, ref in enumerate(pinned, start=1))
        fig.add_annotation(text=notes, xref="paper", yref="paper", x=0, y=-0.22, xanchor="left",
                           yanchor="top", showarrow=False, align="left",
                           font=dict(size=projector.font_sizes()["annotation"], color="#555"))
        extra["margin"] = dict(b=60 + 18 * len(pinned))
    return style(fig, f"Learning curves: {run.config.describe()}", "epoch (0 = untrained)", "loss",
                 height=FIGURE_HEIGHT + 18 * len(pinned), layout=extra)


def _add_curves(fig: go.Figure, run: Run, metric: str, opacity: float, prefix: str, width: float) -> None:
    hist = run.history
    start = [0] if run.initial else []  # epoch 0: the untrained model
    epochs = start + (hist["epoch"].tolist() if "epoch" in hist else [])
    for panel, base in ((1, "loss"), (2, metric)):
        for split, colour, dash, symbol in (("train", TRAIN_COLOUR, "solid", "circle"),
                                            ("validation", VAL_COLOUR, "dash", "square")):
            column = base if split == "train" else f"val_{base}"
            values = [run.initial[column]] if start else []
            values += hist[column].tolist() if column in hist else []
            fig.add_trace(go.Scatter(x=epochs, y=finite(values), mode="lines+markers", name=f"{prefix}{split}",
                                     legendgroup=f"{prefix}{split}", showlegend=panel == 1,
                                     opacity=opacity, marker=dict(size=5, symbol=symbol),
                                     line=dict(color=colour, dash=dash, width=width),
                                     **_panel_axes(panel)))


def gradient_histogram_figure(run: Run, epoch: int = -1) -> go.Figure:
    """Distribution of log10 |gradient| of every layer's kernel at one epoch, one line per layer.

    Vanishing gradients show as the early (dark) layers' curves sitting decades left of the late
    (bright) ones; exploding ones as curves drifting right.
    """
    hists = run.gradient_histograms
    edges = run.histogram_edges
    centres = (edges[:-1] + edges[1:]) / 2
    fig = go.Figure()
    shown = None
    if not hists.empty:
        shown = int(hists["epoch"].max()) if epoch == -1 else epoch
        rows = hists[hists["epoch"] == shown].sort_values("layer_index")
        for index, (_, row) in enumerate(rows.iterrows()):
            counts = np.asarray(row["counts"], dtype=float)
            share = counts / max(counts.sum() + row["zeros"] + row["nonfinite"], 1) * 100
            look = layer_style(index, len(rows))
            fig.add_trace(go.Scatter(x=centres, y=share, mode="lines+markers", name=row["layer"],
                                     line=dict(look["line"], width=2, shape="spline"),
                                     marker=dict(look["marker"], size=7, maxdisplayed=12)))
    title = "Gradient magnitudes per layer" + (f" (epoch {shown})" if shown is not None else "")
    return style(fig, title, "log10 |gradient of loss w.r.t. weight|", "% of the layer's weights")


def gradient_norm_figure(run: Run, column: str = "grad_mean_abs") -> go.Figure:
    """One gradient statistic per layer across epochs (log scale), a line per layer."""
    grads = run.gradients
    fig = go.Figure()
    if not grads.empty:
        layers = grads.drop_duplicates("layer_index").sort_values("layer_index")
        for index, (_, layer) in enumerate(layers.iterrows()):
            rows = grads[grads["layer_index"] == layer["layer_index"]]
            look = layer_style(index, len(layers))
            fig.add_trace(go.Scatter(x=rows["epoch"], y=finite(rows[column]), mode="lines+markers",
                                     name=layer["layer"], line=dict(look["line"], width=2),
                                     marker=dict(look["marker"], size=6)))
    return style(fig, f"{_COLUMN_LABELS.get(column, column)} per layer over training",
                 "epoch (0 = at initialization)", _COLUMN_LABELS.get(column, column) + " (log scale)",
                 layout={"yaxis": {"type": "log"}})


_COLUMN_LABELS = {"grad_mean_abs": "mean |gradient|", "grad_norm": "gradient norm",
                  "grad_norm_clipped": "gradient norm after clipping", "weight_norm": "weight norm",
                  "update_ratio": "update ratio ||ΔW||/||W|| per epoch", "std": "activation std",
                  "mean": "activation mean", "saturated": "fraction saturated", "dead": "fraction of dead units"}


def layer_profile_figure(runs: Mapping[str, Run], column: str = "grad_mean_abs", epoch: int = -1,
                         source: str = "gradients", log: bool = True) -> go.Figure:
    """One statistic against layer depth, a line per run: the classic vanishing-gradient picture.

    source: "gradients" (kernel gradient statistics) or "activations" (hidden-layer activations).
    """
    fig = go.Figure()
    for index, (label, run) in enumerate(runs.items()):
        frame = run.gradients if source == "gradients" else run.activations
        if frame.empty:
            continue
        at = int(frame["epoch"].max()) if epoch == -1 else epoch
        rows = frame[frame["epoch"] == at].sort_values("layer_index")
        look = categorical_style(index)
        fig.add_trace(go.Scatter(x=rows["layer"], y=finite(rows[column]), mode="lines+markers", name=label,
                                 line=dict(look["line"], width=2.5), marker=dict(look["marker"], size=8)))
    if log:
        fig.update_yaxes(type="log")
    which = "at initialization" if epoch == 0 else ("after training" if epoch == -1 else f"at epoch {epoch}")
    name = _COLUMN_LABELS.get(column, column)
    return style(fig, f"{name} by layer, {which}", "layer (input → output)",
                 name + (" (log scale)" if log else ""))


def activation_figure(run: Run) -> go.Figure:
    """Per hidden layer at the last epoch: activation spread (bars) and fraction saturated / dead."""
    acts = run.activations
    fig = go.Figure(layout=_panels_layout(("activation std", "saturated and dead")))
    if not acts.empty:
        rows = acts[acts["epoch"] == acts["epoch"].max()].sort_values("layer_index")
        fig.add_trace(go.Bar(x=rows["layer"], y=rows["std"], name="std of activations",
                             marker=dict(color=OKABE_ITO[0]), **_panel_axes(1)))
        fig.add_trace(go.Bar(x=rows["layer"], y=rows["saturated"] * 100, name="% values saturated",
                             marker=dict(color=OKABE_ITO[1], pattern=dict(shape="/")), **_panel_axes(2)))
        fig.add_trace(go.Bar(x=rows["layer"], y=rows["dead"] * 100, name="% units dead",
                             marker=dict(color=OKABE_ITO[2], pattern=dict(shape="x")), **_panel_axes(2)))
    return style(fig, "Hidden-layer activations on the probe batch", "layer (input → output)", "std",
                 layout={"yaxis2": {"title": {"text": "% of values / units"}, "range": [0, 100]}})


def decision_boundary_figure(run: Run, resolution: int = 80) -> go.Figure:
    """Predicted probability over the plane with the validation points, for 2-D binary datasets."""
    ds = run.dataset
    if ds.n_features != 2 or ds.task != "binary":
        raise ValueError(f"decision_boundary_figure needs a 2-D binary dataset; {ds.name!r} has "
                         f"{ds.n_features} features and task {ds.task!r}")
    x_all = np.concatenate([ds.x_train, ds.x_val])
    lo, hi = x_all.min(axis=0) - 0.5, x_all.max(axis=0) + 0.5
    gx, gy = np.linspace(lo[0], hi[0], resolution), np.linspace(lo[1], hi[1], resolution)
    grid = np.stack(np.meshgrid(gx, gy), axis=-1).reshape(-1, 2).astype(np.float32)
    prob = np.asarray(run.model(grid, training=False)).reshape(resolution, resolution)
    fig = go.Figure(go.Contour(x=gx, y=gy, z=prob, zmin=0, zmax=1, colorscale="RdBu", opacity=0.7,
                               contours=dict(start=0, end=1, size=0.1),
                               colorbar=dict(title="P(class 1)"), name="prediction"))
    for label, colour, symbol in ((0, OKABE_ITO[1], "circle"), (1, OKABE_ITO[0], "diamond")):
        pts = ds.x_val[ds.y_val == label]
        fig.add_trace(go.Scatter(x=pts[:, 0], y=pts[:, 1], mode="markers", name=f"class {ds.class_names[label]}",
                                 marker=dict(color=colour, symbol=symbol, size=6, line=dict(color="white", width=0.5))))
    unit = " (standardized)" if ds.standardized else ""
    style(fig, f"Decision boundary on {ds.name} (validation points)", ds.feature_names[0] + unit,
          ds.feature_names[1] + unit)
    fig.update_layout(legend=dict(orientation="h", x=1, xanchor="right", y=1.02, yanchor="bottom"))
    return fig


def compare_figure(runs: Mapping[str, Run], column: str = "val_loss", log: bool = False) -> go.Figure:
    """One history column of several runs on the same axes, a line per run."""
    fig = go.Figure()
    for index, (label, run) in enumerate(runs.items()):
        hist = run.history
        if column in hist:
            look = categorical_style(index)
            fig.add_trace(go.Scatter(x=hist["epoch"], y=finite(hist[column]), mode="lines+markers", name=label,
                                     line=look["line"], marker=dict(look["marker"], size=5)))
    if log:
        fig.update_yaxes(type="log")
    pretty = column.replace("val_", "validation ").replace("_", " ")
    return style(fig, f"{pretty} per epoch", "epoch", pretty + (" (log scale)" if log else ""))


# A training lab's figures by name (TrainingLab's `figures`, the site's precomputed labs), each drawn
# from a run and the runs pinned beside it.
LAB_FIGURES: dict[str, Callable[[Run, Sequence[Run]], go.Figure]] = {
    "curves": lambda run, pinned: curves_figure(run, pinned),
    "histogram": lambda run, pinned: gradient_histogram_figure(run),
    "norms": lambda run, pinned: gradient_norm_figure(run),
    "activations": lambda run, pinned: activation_figure(run),
    "boundary": lambda run, pinned: decision_boundary_figure(run),
}


def lab_figure(name: str, run: Run, pinned: Sequence[Run] = ()) -> go.Figure:
    """The lab figure `name` (one of LAB_FIGURES) of `run`, with `pinned` runs where it shows them."""
    if name not in LAB_FIGURES:
        raise ValueError(f"lab_figure(name): unknown figure {name!r}; allowed: {', '.join(LAB_FIGURES)}")
    return LAB_FIGURES[name](run, pinned)
