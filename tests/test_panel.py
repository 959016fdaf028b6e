"""The panel every lab is built on: presets as whole scenarios, controls that do not apply,
labels and tooltips, muted updates, re-run cells and projector mode, for all four kinds of lab.

The preset test takes every lab the notebooks create, built from the notebooks' own code (the lab
cell and the assignments and imports it needs), and applies every ordered pair of its presets, with
and without moving every control in between: the second preset must give exactly what it gives on
a freshly opened lab.
"""

from __future__ import annotations

import ast
import json
from pathlib import Path

import ipywidgets as ipw
import pytest

import widgets as w
from widgets import panel, projector

NOTEBOOKS = Path(__file__).resolve().parents[1] / "notebooks"
LAB_CLASSES = ("TrainingLab", "TransferLab", "AugmentPreview", "SurfaceExplorer")
# Chapter 11's lab takes the random search's winner, which needs the whole search: a stand-in.
STAND_INS = {"best": dict(units=64, num_layers=2, activation="relu", dropout=0.1, optimizer="adam")}


def _code_cells(notebook: Path) -> list[str]:
    cells = json.loads(notebook.read_text())["cells"]
    return ["\n".join(line for line in "".join(c["source"]).splitlines() if not line.lstrip().startswith(("%", "!")))
            for c in cells if c["cell_type"] == "code"]


def _loaded_names(node: ast.AST) -> set[str]:
    return {n.id for n in ast.walk(node) if isinstance(n, ast.Name) and isinstance(n.ctx, ast.Load)}


def _makes_a_lab(tree: ast.AST) -> bool:
    return any(isinstance(n, ast.Call) and getattr(n.func, "attr", getattr(n.func, "id", None)) in LAB_CLASSES
               for n in ast.walk(tree))


def _lab_cells() -> list[tuple[str, list[str], str]]:
    found = []
    for notebook in sorted(NOTEBOOKS.glob("*.ipynb")):
        cells = _code_cells(notebook)
        found += [(f"{notebook.stem}:{i}", cells[:i], cell) for i, cell in enumerate(cells)
                  if _makes_a_lab(ast.parse(cell))]
    return found


def _build(before: list[str], cell: str):
    """Run the lab cell after just the earlier imports and assignments it needs; return its lab."""
    namespace = {"w": w, **STAND_INS}
    lab_cell = ast.parse(cell)
    lab_cell.body = [s for s in lab_cell.body  # the stand-ins replace their own assignment too
                     if not (isinstance(s, ast.Assign)
                             and {getattr(t, "id", None) for t in s.targets} <= set(STAND_INS))]
    needed = _loaded_names(lab_cell) - set(namespace)
    kept: list[ast.stmt] = []
    for source in reversed(before):
        for stmt in reversed(ast.parse(source).body):
            if isinstance(stmt, (ast.Import, ast.ImportFrom)):
                names = {(a.asname or a.name).split(".")[0] for a in stmt.names}
                if names & needed:
                    kept.insert(0, stmt)
                    needed -= names
            elif isinstance(stmt, ast.Assign):
                targets = {n.id for t in stmt.targets for n in ast.walk(t) if isinstance(n, ast.Name)}
                if targets & needed:
                    kept.insert(0, stmt)
                    needed = (needed - targets) | (_loaded_names(stmt.value) - set(namespace))
    exec(compile(ast.Module(body=kept, type_ignores=[]), "<earlier cells>", "exec"), namespace)
    made = dict(namespace)
    exec(compile(lab_cell, "<lab cell>", "exec"), made)
    return next(value for value in made.values() if isinstance(value, panel.Panel))


def _choices(control: ipw.Widget) -> list:
    if isinstance(control, ipw.Checkbox):
        return [False, True]
    if isinstance(control, (ipw.Dropdown, ipw.SelectionSlider)):
        return [o[1] if isinstance(o, tuple) else o for o in control.options]
    return [control.min, control.max]


def _move_every_control(lab: panel.Panel) -> None:
    """What a learner might do between two presets: every control that is enabled to another value."""
    for control in lab.controls.values():
        if not control.disabled:
            control.value = next((v for v in reversed(_choices(control)) if v != control.value), control.value)


LAB_CELLS = _lab_cells()


def test_the_notebooks_make_every_kind_of_lab():
    made = {cls for _, _, cell in LAB_CELLS for cls in LAB_CLASSES if f"{cls}(" in cell}
    assert made == set(LAB_CLASSES) and len(LAB_CELLS) >= 14


@pytest.mark.parametrize("where, before, cell", LAB_CELLS, ids=[where for where, _, _ in LAB_CELLS])
def test_every_preset_gives_the_same_scenario_whatever_came_before(where, before, cell):
    fresh = {}
    for name in _build(before, cell).presets:
        lab = _build(before, cell)
        lab.preset_menu.value = name  # as the learner does it
        fresh[name] = lab.values()
        assert "applied" in lab.status_text, f"{where}: {name}: {lab.status_text}"
        lab.close()
    lab = _build(before, cell)
    try:
        assert lab.presets, f"{where}: a lab without presets"
        for first in fresh:
            for second in fresh:
                for moves in (False, True):
                    lab.preset_menu.value = first
                    if moves:
                        _move_every_control(lab)
                    lab.preset_menu.value = second
                    assert "applied" in lab.status_text, f"{where}: {first} -> {second}: {lab.status_text}"
                    assert lab.values() == fresh[second], f"{where}: {first} -> {second} (moves: {moves})"
    finally:
        lab.close()


@pytest.fixture(scope="module")
def labs():
    from widgets import augment, surfaces, transfer
    made = [w.TrainingLab(w.RunConfig(epochs=1), controls=tuple(w.controls.CONTROL_SPECS), figures=("curves",)),
            transfer.TransferLab(steps=20), augment.AugmentPreview(copies=2),
            surfaces.SurfaceExplorer("bowl", optimizers=("sgd", "adam"), steps=10, warm=False)]
    yield made
    for lab in made:
        lab.close()


def test_every_control_has_a_visible_label_and_a_tooltip(labs):
    for lab in labs:
        for name, control in [*lab.controls.items(), ("presets", lab.preset_menu)]:
            assert control.description.strip(), f"{type(lab).__name__}.{name} has no label"
            assert control.tooltip and control.tooltip != control.description, f"{type(lab).__name__}.{name}"
        for button in [c for c in lab.widget.children[1].children if isinstance(c, ipw.Button)]:
            assert button.description and button.tooltip


def test_moving_several_controls_from_code_redraws_once(labs, monkeypatch):
    for lab in labs:
        calls = []
        monkeypatch.setattr(lab, "changed", lambda: calls.append(1))
        lab.apply_preset(next(iter(lab.presets)))
        assert calls == [1], type(lab).__name__
        monkeypatch.undo()


def test_controls_that_do_not_apply_say_why(labs):
    training, transfer_lab, _, explorer = labs
    training.set(optimizer="adam", initializer="he_normal")
    for field in ("momentum", "nesterov", "init_scale"):
        assert training.controls[field].disabled and training.controls[field].tooltip.startswith("not used now:")
    training.set(optimizer="sgd", momentum=0.5, initializer="random_uniform")
    assert not any(training.controls[f].disabled for f in ("momentum", "nesterov", "init_scale"))
    assert training.controls["beta_1"].disabled and "sgd has no beta_1" in training.controls["beta_1"].tooltip
    transfer_lab.set(source="none")
    assert transfer_lab.controls["frozen"].disabled and transfer_lab.settings["frozen"] == 0
    assert explorer.controls["momentum"].disabled and not explorer.controls["beta_1"].disabled


@pytest.mark.parametrize("kind", LAB_CLASSES)
def test_rerunning_a_cell_closes_the_lab_it_made(kind, monkeypatch):
    from widgets import augment, surfaces, transfer
    make = {"TrainingLab": lambda: w.TrainingLab(w.RunConfig(epochs=1), figures=("curves",)),
            "TransferLab": lambda: transfer.TransferLab(steps=20),
            "AugmentPreview": lambda: augment.AugmentPreview(copies=2),
            "SurfaceExplorer": lambda: surfaces.SurfaceExplorer("bowl", optimizers=("sgd",), steps=10, warm=False)}
    monkeypatch.setattr(panel, "current_cell_id", lambda: f"cell-of-{kind}")
    first = make[kind]()
    second = make[kind]()
    assert first.widget.comm is None and all(c.comm is None for c in first.controls.values())
    assert second.widget.comm is not None
    second.close()
    assert second.code_view.comm is None and all(f.comm is None for f in second.live_figures())


def test_projector_mode_enlarges_text_and_figures_of_every_lab(labs):
    try:
        w.presentation(True)
        for lab in labs:
            assert projector.CSS_CLASS in lab.widget._dom_classes and "18px" in lab._style.value
            for figure in lab.live_figures():
                assert figure.layout.font.size >= 18 and figure.layout.title.font.size >= 18
        assert w.plots.style(w.plots.go.Figure(), "t", "x", "y").layout.legend.font.size >= 18
    finally:
        w.presentation(False)
    for lab in labs:
        assert projector.CSS_CLASS not in lab.widget._dom_classes and lab._style.value == ""
        assert all(figure.layout.font.size < 18 for figure in lab.live_figures())
    with pytest.raises(TypeError):
        w.presentation("yes")


def test_figures_still_fill_their_box_after_projector_mode_and_a_run():
    """Each placeholder figure sizes itself to its box (plotly's `autosize`); projector mode's
    restyle followed by a run once reset that, and the figures fell back to plotly's fixed 700 px,
    wider than a half-width box on a 1280 px projector."""
    lab = w.TrainingLab(w.RunConfig(epochs=1, width=4), figures=("curves", "histogram"))
    try:
        w.presentation(True)
        lab.run()
        assert [f.layout.autosize for f in lab.live_figures()] == [True] * len(lab.live_figures())
        assert all(f.layout.width is None for f in lab.live_figures())
    finally:
        w.presentation(False)
        lab.close()


def test_no_lab_is_wider_than_a_projector(labs):
    for lab in labs:
        widths = [lab.widget.layout.max_width] + [getattr(c.layout, "width", None) for c in lab.controls.values()]
        pixels = [int(x[:-2]) for x in widths if isinstance(x, str) and x.endswith("px")]
        assert all(p <= 1200 for p in pixels), (type(lab).__name__, pixels)
