"""Plotly figure builders: each takes a `Run` (finished or still training) and returns a figure.

They never train and never hold state, so the lab can rebuild a figure from a half-finished run and
copy its data into the live widget.  Every figure has a title, labelled axes with units and a legend.
"""

from __future__ import annotations

import functools
from typing import Mapping, Optional, Sequence

import numpy as np
import plotly.graph_objects as go
import plotly.io as pio
from plotly.colors import sample_colorscale
from plotly.subplots import make_subplots

from .training import Run

FIGURE_HEIGHT = 340
PINNED_OPACITY = 0.35
TRAIN_COLOUR, VAL_COLOUR = "#1f77b4", "#ff7f0e"
DEPTH_SCALE = "Viridis"  # layer colour: dark = near the input, yellow = near the output


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
    ours = dict(title=dict(text=title, x=0.01, font=dict(size=15)), height=height,
                margin=dict(l=60, r=20, t=50, b=45), template=TEMPLATE, legend=dict(font=dict(size=11)),
                **{axis: dict(title=dict(text=x if axis.startswith("x") else y)) for axis in axes})
    fig.layout = _merged(_merged(current, ours), layout or {})
    return fig


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
                           yanchor="top", showarrow=False, align="left", font=dict(size=11, color="#555"))
        extra["margin"] = dict(b=60 + 18 * len(pinned))
    return style(fig, f"Learning curves: {run.config.describe()}", "epoch (0 = before training)", "loss",
                 height=FIGURE_HEIGHT + 18 * len(pinned), layout=extra)


def _add_curves(fig: go.Figure, run: Run, metric: str, opacity: float, prefix: str, width: float) -> None:
    hist = run.history
    start = [0] if run.initial else []  # epoch 0: the untrained model
    epochs = start + (hist["epoch"].tolist() if "epoch" in hist else [])
    for panel, base in ((1, "loss"), (2, metric)):
        for split, colour, dash in (("train", TRAIN_COLOUR, "solid"), ("validation", VAL_COLOUR, "dash")):
            column = base if split == "train" else f"val_{base}"
            values = [run.initial[column]] if start else []
            values += hist[column].tolist() if column in hist else []
            fig.add_trace(go.Scatter(x=epochs, y=finite(values), mode="lines+markers", name=f"{prefix}{split}",
                                     legendgroup=f"{prefix}{split}", showlegend=panel == 1,
                                     opacity=opacity, marker=dict(size=4),
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
        colours = layer_colours(len(rows))
        for colour, (_, row) in zip(colours, rows.iterrows()):
            counts = np.asarray(row["counts"], dtype=float)
            share = counts / max(counts.sum() + row["zeros"], 1) * 100
            fig.add_trace(go.Scatter(x=centres, y=share, mode="lines", name=row["layer"],
                                     line=dict(color=colour, width=2, shape="spline")))
    title = "Gradient magnitudes per layer" + (f" (epoch {shown})" if shown is not None else "")
    return style(fig, title, "log10 |gradient of loss w.r.t. weight|", "% of the layer's weights")


def gradient_norm_figure(run: Run, column: str = "grad_mean_abs") -> go.Figure:
    """One gradient statistic per layer across epochs (log scale), a line per layer."""
    grads = run.gradients
    fig = go.Figure()
    if not grads.empty:
        layers = grads.drop_duplicates("layer_index").sort_values("layer_index")
        for colour, (_, layer) in zip(layer_colours(len(layers)), layers.iterrows()):
            rows = grads[grads["layer_index"] == layer["layer_index"]]
            fig.add_trace(go.Scatter(x=rows["epoch"], y=finite(rows[column]), mode="lines+markers",
                                     name=layer["layer"], line=dict(color=colour, width=2),
                                     marker=dict(size=4)))
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
    for label, run in runs.items():
        frame = run.gradients if source == "gradients" else run.activations
        if frame.empty:
            continue
        at = int(frame["epoch"].max()) if epoch == -1 else epoch
        rows = frame[frame["epoch"] == at].sort_values("layer_index")
        fig.add_trace(go.Scatter(x=rows["layer"], y=finite(rows[column]), mode="lines+markers", name=label,
                                 line=dict(width=2.5), marker=dict(size=7)))
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
                             marker_color=TRAIN_COLOUR, **_panel_axes(1)))
        fig.add_trace(go.Bar(x=rows["layer"], y=rows["saturated"] * 100, name="% values saturated",
                             marker_color=VAL_COLOUR, **_panel_axes(2)))
        fig.add_trace(go.Bar(x=rows["layer"], y=rows["dead"] * 100, name="% units dead",
                             marker_color="#d62728", **_panel_axes(2)))
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
    for label, colour in ((0, "#b2182b"), (1, "#2166ac")):
        pts = ds.x_val[ds.y_val == label]
        fig.add_trace(go.Scatter(x=pts[:, 0], y=pts[:, 1], mode="markers", name=f"class {ds.class_names[label]}",
                                 marker=dict(color=colour, size=5, line=dict(color="white", width=0.5))))
    unit = " (standardized)" if ds.standardized else ""
    style(fig, f"Decision boundary on {ds.name} (validation points)", ds.feature_names[0] + unit,
          ds.feature_names[1] + unit)
    fig.update_layout(legend=dict(orientation="h", x=1, xanchor="right", y=1.02, yanchor="bottom"))
    return fig


def compare_figure(runs: Mapping[str, Run], column: str = "val_loss", log: bool = False) -> go.Figure:
    """One history column of several runs on the same axes, a line per run."""
    fig = go.Figure()
    for label, run in runs.items():
        hist = run.history
        if column in hist:
            fig.add_trace(go.Scatter(x=hist["epoch"], y=finite(hist[column]), mode="lines+markers", name=label,
                                     marker=dict(size=4)))
    if log:
        fig.update_yaxes(type="log")
    pretty = column.replace("val_", "validation ").replace("_", " ")
    return style(fig, f"{pretty} per epoch", "epoch", pretty + (" (log scale)" if log else ""))
