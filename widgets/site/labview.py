"""A precomputed lab on the page: real controls restricted to its grid, its figures, its code.

`lab_section` is the HTML that replaces the lab's cell output: one labelled <select> per grid axis,
a status line, the lab's figures and the plain-Keras code of the selected setting, with a note that
the runs were trained when the site was built.  `lab_data_js` is every grid cell's figures, summary
and code, loaded by a <script> (which works from a file:// page, where fetch does not); assets/site.js
swaps them in when a control changes.
"""

from __future__ import annotations

import html
import json
import math
from typing import Mapping, Sequence

import plotly.io as pio

from .. import plots
from ..codegen import keras_code
from ..config import RunConfig
from ..controls import CONTROL_SPECS
from ..training import Run
from .figures import figure_html, script_json
from .grids import LabGrid

_HALF_WIDTH = ("histogram", "norms")  # side by side, as TrainingLab lays them out


def _figure_json(name: str, run: Run) -> dict:
    return json.loads(pio.to_json(plots.lab_figure(name, run), validate=False))


def cell_data(grid: LabGrid, run: Run) -> dict:
    """What the page shows for one grid cell: figures by name, the run's summary and its Keras code."""
    return {"figures": {name: _figure_json(name, run) for name in grid.figures},
            "summary": run.summary(), "code": keras_code(run.config)}


def _settings(grid: LabGrid, config: RunConfig) -> str:
    """A grid cell's settings in words, e.g. 'activation relu, hidden layers 8'."""
    return ", ".join(f"{_label(field)} {getattr(config, field)}" for field in grid.fields)


def _best(runs: Sequence[Run], column: str, grid: LabGrid, highest: bool) -> str:
    ordered = sorted(runs, key=lambda run: run.final(column), reverse=highest)
    return f"{ordered[0].final(column):.3g} ({_settings(grid, ordered[0].config)})"


def findings(grid: LabGrid, runs: Sequence[Run]) -> str:
    """What the grid's runs measured, in one or two sentences computed from them: how many diverged
    and the best and worst final validation score (accuracy where the runs classify, else loss),
    each with its settings."""
    diverged = [run for run in runs if run.status == "diverged"]
    parts = [f"Of these {len(runs)} runs, {len(diverged) or 'none'} diverged"
             + (f", e.g. {_settings(grid, diverged[0].config)}." if diverged else ".")]
    finished = [run for run in runs if run.status != "diverged"]
    scored = [run for run in finished if run.metric == "accuracy" and not math.isnan(run.final("val_accuracy"))]
    if scored:
        share = "" if len(scored) == len(finished) else f" (of the {len(scored)} that classify)"
        parts.append(f"Final validation accuracy{share}: best {_best(scored, 'val_accuracy', grid, True)}, "
                     f"worst {_best(scored, 'val_accuracy', grid, False)}.")
    elif finished:
        parts.append(f"Final validation loss: lowest {_best(finished, 'val_loss', grid, False)}, "
                     f"highest {_best(finished, 'val_loss', grid, True)}.")
    return " ".join(parts)


def lab_data_js(grid: LabGrid, cells: Mapping[str, dict]) -> str:
    """The script that hands every grid cell's data to the page (window.workbookLabs[chapter])."""
    return (f"window.workbookLabs = window.workbookLabs || {{}};\n"
            f"window.workbookLabs[{json.dumps(grid.chapter)}] = {script_json({'runs': dict(cells)})};\n")


def _label(field: str) -> str:
    spec = CONTROL_SPECS.get(field)
    return spec.label if spec else field


def _control(grid: LabGrid, field: str, values: tuple) -> str:
    control_id = f"lab-{grid.chapter}-{field}"
    start = getattr(grid.base, field)
    options = "".join(f'<option value="{html.escape(str(v))}"{" selected" if v == start else ""}>'
                      f"{html.escape(str(v))}</option>" for v in values)
    tip = CONTROL_SPECS[field].tooltip if field in CONTROL_SPECS else ""
    return (f'<div class="site-lab-control"><label for="{control_id}">{html.escape(_label(field))}</label>'
            f'<select id="{control_id}" data-field="{html.escape(field)}" title="{html.escape(tip)}">{options}</select></div>')


def lab_section(grid: LabGrid, start: dict, data_script: str, measured: str = "") -> str:
    """The lab's HTML, showing the starting cell `start` (from `cell_data`); `data_script`: the
    path of the `lab_data_js` file, relative to the page; `measured`: what the runs showed (`findings`)."""
    title_id = f"lab-{grid.chapter}-title"
    findings_html = f'<p class="site-lab-findings">{html.escape(measured)}</p>\n' if measured else ""
    fixed = {k: v for k, v in grid.base.to_dict().items() if k not in grid.fields}
    fixed_text = ", ".join(f"{_label(k)} {v}" for k, v in fixed.items()
                           if k in ("dataset", "width", "optimizer", "learning_rate", "epochs", "batch_size"))
    controls = "".join(_control(grid, field, values) for field, values in grid.axes)
    wide = [n for n in grid.figures if n not in _HALF_WIDTH]
    halves = [n for n in grid.figures if n in _HALF_WIDTH]
    figures = "".join(f'<div class="site-lab-figure">{figure_html(start["figures"][n], role=n)}</div>' for n in wide)
    if halves:
        figures += ('<div class="site-lab-halves">' + "".join(
            f'<div class="site-lab-figure">{figure_html(start["figures"][n], role=n)}</div>' for n in halves) + "</div>")
    return f"""<section class="site-lab" data-lab="{grid.chapter}" data-run-key="{html.escape(grid.cell_key(grid.base))}" aria-labelledby="{title_id}">
<h3 id="{title_id}">The lab, with runs trained in advance</h3>
<p class="site-lab-note"><strong>Precomputed runs.</strong> On this page nothing trains: the controls choose
among {len(grid.configs())} runs trained with <code>w.train()</code> when the site was built
({html.escape(grid.describe())}; every other setting as the lab starts: {html.escape(fixed_text)}).
{html.escape(grid.point)} To train any setting live, with every control, open this chapter in JupyterLab
(<code>jupyter lab notebooks/</code> in a clone of the repository, see its README) and run the cells.</p>
{findings_html}<form class="site-lab-controls" aria-label="Settings of the precomputed runs">{controls}</form>
<p class="site-lab-status" role="status" aria-live="polite">{html.escape(start["summary"])}</p>
{figures}
<h4>The same run in plain Keras</h4>
<pre class="site-lab-code" tabindex="0" aria-label="Plain Keras code of the selected run"><code>{html.escape(start["code"])}</code></pre>
</section>
<script src="{html.escape(data_script)}"></script>"""
