"""Chapter 11's figures of searches: every trial's validation against test score, and a
parallel-coordinates view of one search's trials."""

from __future__ import annotations

from typing import Optional, Sequence

import pandas as pd
import plotly.graph_objects as go

from .plots import OKABE_ITO, style
from .tuning_search import OBJECTIVE, SearchResult


def holdout_figure(results: Sequence[SearchResult], names: Sequence[str], title: str) -> go.Figure:
    """Every trial of the searches as a point: validation accuracy (what the search chose by) across,
    test accuracy up.  Winners are filled stars, the other trials open circles; the dotted diagonal is
    "test = validation", so a point below it scored lower on the test rows.  Hover names the search."""
    points = {True: ([], [], []), False: ([], [], [])}
    for result, name in zip(results, names):
        if result.test_scores is None:
            raise ValueError(f"holdout_figure: the search {name!r} was run without test rows")
        for trial, test_score in result.test_scores.items():
            xs, ys, labels = points[trial == result.best_trial]
            xs.append(float(result.table.loc[trial, OBJECTIVE]))
            ys.append(float(test_score))
            labels.append(f"{name}, trial {trial}")
    every = points[True][0] + points[False][0] + points[True][1] + points[False][1]
    low, high = min(every) - 0.02, max(every) + 0.02
    fig = go.Figure()
    fig.add_trace(go.Scatter(x=[low, high], y=[low, high], mode="lines", name="test = validation",
                             line=dict(color="grey", dash="dot")))
    for winner, (symbol, size, colour, label) in {
            False: ("circle-open", 9, OKABE_ITO[0], "trials that did not win"),
            True: ("star", 16, OKABE_ITO[1], "each search's winner")}.items():
        xs, ys, labels = points[winner]
        fig.add_trace(go.Scatter(x=xs, y=ys, mode="markers", name=label, text=labels,
                                 hovertemplate="%{text}<br>validation %{x:.3f}, test %{y:.3f}<extra></extra>",
                                 marker=dict(symbol=symbol, size=size, color=colour,
                                             line=dict(width=1.5, color=colour))))
    style(fig, title, "validation accuracy, best epoch (fraction)", "test accuracy, same model (fraction)")
    fig.update_xaxes(range=[low, high])
    fig.update_yaxes(range=[low, high])
    return fig


def parallel_coordinates_figure(table: pd.DataFrame, title: str,
                                labels: Optional[dict[str, str]] = None) -> go.Figure:
    """One line per trial across one axis per hyperparameter, coloured by validation accuracy.

    Text-valued hyperparameters (optimizer, activation) get one tick per value.  `labels` maps a
    column to its axis label (give units, e.g. {"units": "units (neurons)"}).
    """
    labels = labels or {}
    columns = [c for c in table.columns if c not in (OBJECTIVE, "epochs", "status")]
    dimensions = []
    for column in columns + [OBJECTIVE]:
        values = table[column]
        label = labels.get(column, column if column != OBJECTIVE else "validation accuracy (fraction)")
        if values.dtype == object or isinstance(values.dtype, pd.StringDtype):
            categories = sorted(values.astype(str).unique())
            codes = values.astype(str).map({c: i for i, c in enumerate(categories)})
            dimensions.append(dict(label=label, values=codes.to_numpy(), tickvals=list(range(len(categories))),
                                   ticktext=categories))
        else:
            dimensions.append(dict(label=label, values=values.to_numpy(float)))
    scores = table[OBJECTIVE].to_numpy(float)
    fig = go.Figure(go.Parcoords(
        dimensions=dimensions, name="trials",
        line=dict(color=scores, colorscale="Viridis", showscale=True,
                  colorbar=dict(title="val. accuracy"))))
    style(fig, title, "", "")
    fig.update_layout(margin=dict(l=80, r=40, t=90, b=30))
    return fig
