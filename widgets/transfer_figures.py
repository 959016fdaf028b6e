"""Figures of chapter 09 (and the image grids chapter 10 reuses): images, curves, the freeze table."""

from __future__ import annotations

import base64
import functools
import io
import json
from typing import Sequence

import numpy as np
import pandas as pd
import plotly.graph_objects as go
from plotly.subplots import make_subplots

from . import plots
from .transfer_experiments import TransferResult, freeze_summary
from .transfer_tasks import IMAGE_SIDE


def _png_uri(image: np.ndarray) -> str:
    """A PNG data URI of an image of floats in [0, 1] (grey HxW or colour HxWx3)."""
    pixels = np.round(image * 255).astype(np.uint8)
    return _encoded_png(pixels.tobytes(), pixels.shape)


@functools.lru_cache(maxsize=32)
def _encoded_png(pixels: bytes, shape: tuple[int, ...]) -> str:
    """`_png_uri` of 8-bit pixels, remembered: encoding costs more than the rest of a grid, and
    chapter 10's preview shows the same original (and unchanged copies) on every redraw."""
    from PIL import Image
    buffer = io.BytesIO()
    Image.fromarray(np.frombuffer(pixels, np.uint8).reshape(shape)).save(buffer, format="PNG")
    return "data:image/png;base64," + base64.b64encode(buffer.getvalue()).decode()


@functools.lru_cache(maxsize=16)
def _grid_layout(titles: tuple[str, ...], columns: int) -> str:
    """The layout `make_subplots` makes for a grid of these titled subplots, as JSON.

    Chapter 10's preview redraws the same grid on every control move, and `make_subplots` cost about
    as much as its images; kept as text so that no caller can change the cached layout."""
    rows = -(-len(titles) // columns)
    fig = make_subplots(rows=rows, cols=columns, horizontal_spacing=0.01, vertical_spacing=0.3 / rows,
                        subplot_titles=list(titles))
    made = fig.layout.to_plotly_json()
    made.pop("template", None)  # `plots.style` sets the workbook's own
    return json.dumps(made)


def image_grid(images: Sequence[np.ndarray], titles: Sequence[str], title: str, columns: int = 4) -> go.Figure:
    """Images (floats in [0, 1]) in a grid, each with its own title, in the workbook's style."""
    if len(images) != len(titles):
        raise ValueError(f"image_grid: {len(images)} images but {len(titles)} titles")
    columns = min(columns, len(images))
    rows = -(-len(images) // columns)
    made = json.loads(_grid_layout(tuple(titles), columns))
    # Subplot i (from 0, row by row) has the axes x{i+1} and y{i+1}; the first ones are x and y.
    axes = [("" if i == 0 else str(i + 1)) for i in range(len(images))]
    fig = go.Figure([go.Image(source=_png_uri(image), name=name, hoverinfo="skip", xaxis="x" + axis, yaxis="y" + axis)
                     for image, name, axis in zip(images, titles, axes)],
                    layout=dict(made, template="none"))  # not plotly's default, which `style` replaces at once
    # The axes and subplot titles in the one layout assignment `style` makes: chapter 10's preview
    # redraws this grid on every slider move, and each plotly update call costs more than the images.
    layout: dict = {axis: dict(showticklabels=False, showgrid=False) for axis in made if axis.startswith(("xaxis", "yaxis"))}
    corner = "" if rows == 1 else str((rows - 1) * columns + 1)  # the axes of the last row's first subplot
    height, width = images[0].shape[:2]
    layout["xaxis" + corner]["title"] = dict(text=f"{width} pixels wide")
    layout["yaxis" + corner]["title"] = dict(text=f"{height} pixels high")
    layout["annotations"] = [dict(note, font=dict(note.get("font", {}), size=11)) for note in made.get("annotations", [])]
    return plots.style(fig, title, "", "", height=int(190 * rows * min(1.0, 4 / columns) + 80), layout=layout)


def digit_images(x: np.ndarray) -> list[np.ndarray]:
    """Flattened 8x8 digits (0 = blank) as dark-on-white images for `image_grid`."""
    return [1.0 - np.asarray(row, np.float32).reshape(IMAGE_SIDE, IMAGE_SIDE) for row in x]


def curves_figure(results: Sequence[TransferResult], title: str = "Validation accuracy on digits 5-9",
                  faded: Sequence[TransferResult] = ()) -> go.Figure:
    """Validation accuracy against optimizer steps, one line per run; `faded` runs drawn pale first.

    A dotted marker shows where a run's fine-tuning phase (everything unfrozen) starts.
    """
    fig = go.Figure()
    shown = [(0.3, result) for result in faded] + [(1.0, result) for result in results]
    for index, (opacity, result) in enumerate(shown):
        look = plots.categorical_style(index)  # colour, dash and marker: told apart without colour
        fig.add_trace(go.Scatter(x=result.curve["step"], y=result.curve["val_accuracy"], opacity=opacity,
                                 mode="lines+markers", name=("earlier: " if opacity < 1 else "") + result.label(),
                                 line=look["line"], marker=dict(look["marker"], size=6)))
        if opacity == 1.0:
            tuned = result.curve[result.curve["phase"] == "fine-tune"]
            if len(tuned):
                start = int(result.curve["step"].iloc[len(result.curve) - len(tuned) - 1])
                fig.add_vline(x=start, line=dict(dash="dot", color="grey"))
    fig.update_layout(legend=dict(orientation="h", y=-0.3))
    return plots.style(fig, title, "optimizer steps (batches of 32)", "validation accuracy (0-1)", height=420)


def freeze_figure(runs: pd.DataFrame) -> go.Figure:
    """A `freeze_table` as bars of the mean over seeds, whiskers from the lowest to the highest seed:
    one panel per label count, bars per source and frozen depth, training from scratch as a dashed
    line to beat."""
    table, _ = freeze_summary(runs)
    by_count = runs.groupby(level="labels per class", sort=False)
    low, high = table - by_count.min(), by_count.max() - table
    counts = list(table.index)
    seeds = runs.index.get_level_values("seed").nunique()
    fig = make_subplots(rows=1, cols=len(counts), shared_yaxes=True,
                        subplot_titles=[f"{c} label{'s' if c != 1 else ''} per class" for c in counts])
    sources = [s for s in table.columns.get_level_values(0).unique() if s != "scratch"]
    looks = {source: (plots.OKABE_ITO[i % len(plots.OKABE_ITO)], ("", "/", "x", ".")[i % 4])
             for i, source in enumerate(sources)}  # colour and hatching: told apart without colour
    for col, count in enumerate(counts, start=1):
        for source in sources:
            row = table.loc[count, source]
            fig.add_trace(go.Bar(x=[str(k) for k in row.index], y=row.values, name=f"body from {source}",
                                 marker=dict(color=looks[source][0], pattern=dict(shape=looks[source][1])),
                                 error_y=dict(type="data", symmetric=False, array=high.loc[count, source].values,
                                              arrayminus=low.loc[count, source].values, color="black"),
                                 showlegend=col == 1, legendgroup=source),
                          row=1, col=col)
        depths = [str(k) for k in table[sources[0]].columns]
        scratch = runs.loc[count, ("scratch", 0)]
        fig.add_trace(go.Scatter(x=depths + depths[::-1], y=[scratch.max()] * len(depths) + [scratch.min()] * len(depths),
                                 fill="toself", fillcolor="rgba(0, 0, 0, 0.08)", line=dict(width=0), hoverinfo="skip",
                                 name="from scratch, lowest to highest seed", showlegend=col == 1,
                                 legendgroup="scratch range"), row=1, col=col)
        fig.add_trace(go.Scatter(x=depths, y=[scratch.mean()] * len(depths), mode="lines",
                                 line=dict(dash="dash", color="black"), name="from scratch (mean)",
                                 showlegend=col == 1, legendgroup="scratch"), row=1, col=col)
        fig.update_xaxes(title_text="layers frozen (from the input)", row=1, col=col)
    bottom = float(np.nanmin(runs.values))
    fig.update_yaxes(range=[max(0.0, bottom - 0.05), 1.0])
    plots.style(fig, f"How much to freeze: validation accuracy on digits 5-9 (mean of {seeds} seeds, whiskers: "
                "lowest to highest)", "layers frozen (from the input)", "validation accuracy (0-1)", height=420)
    fig.update_layout(barmode="group")
    return fig


def seeds_figure(table: pd.DataFrame, title: str) -> go.Figure:
    """A `compare_starts` table: one line per seed across the starts, so paired runs read as a
    slope, and the mean over seeds as a thick black line."""
    fig = go.Figure()
    starts = [str(name) for name in table.columns]
    for index, (seed, row) in enumerate(table.iterrows()):
        look = plots.categorical_style(index)  # colour, dash and marker: told apart without colour
        fig.add_trace(go.Scatter(x=starts, y=row.values, mode="lines+markers", name=f"seed {seed}",
                                 line=dict(look["line"], width=1.5), marker=dict(look["marker"], size=9)))
    fig.add_trace(go.Scatter(x=starts, y=table.mean().values, mode="lines+markers", name=f"mean of {len(table)} seeds",
                             line=dict(color="black", width=4), marker=dict(symbol="diamond", size=12, color="black")))
    return plots.style(fig, title, "how the network starts", "validation accuracy (0-1)", height=420)
