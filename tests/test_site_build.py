"""Unit tests of the static site's parts (widgets/site): runs kept on disk, grids, static widgets,
figure boxes, pages and the build's guards.  tests/browser/test_site_in_browser.py builds and reads the real site."""

from __future__ import annotations

import json
from pathlib import Path

import nbformat
import pytest

import widgets as w
from widgets.config import ConfigError
from widgets.site import build, execute, figures, grids, jobs, labview, pages, runcache, snapshot
from widgets.site.widget_html import StaticWidgets


def test_a_run_read_back_from_its_record_draws_the_same_figures(tiny, tmp_path):
    run = w.train(tiny)
    record = json.loads(json.dumps(run.to_record()))  # through JSON, as the cache stores it
    again = w.training.Run.from_record(record)
    assert again.model is None and again.summary() == run.summary()
    for name in grids.FIGURES:
        assert w.plots.lab_figure(name, again).to_plotly_json() == w.plots.lab_figure(name, run).to_plotly_json(), name


def test_the_run_cache_trains_once_and_keys_on_the_config(tiny, tmp_path):
    first, seconds = runcache.cached_run(tiny, tmp_path)
    assert seconds > 0 and len(list((tmp_path / "runs").glob("*.json"))) == 1
    second, seconds = runcache.cached_run(tiny, tmp_path)
    assert seconds == 0.0 and second.history.equals(first.history)
    assert runcache.run_key(tiny) != runcache.run_key(tiny.replace(seed=1))


def test_chapter_01_grid_covers_the_chapters_point():
    grid = grids.GRIDS["01"]
    configs = grid.configs()
    assert 24 <= len(configs) <= 48 and len({grid.cell_key(c) for c in configs}) == len(configs)
    assert grid.cell_key(grid.base) == "sigmoid|glorot_uniform|8"  # where the chapter's lab starts
    assert {c.activation for c in configs} >= {"sigmoid", "relu"} and {c.depth for c in configs} >= {2, 8}


@pytest.mark.parametrize("number", sorted(grids.GRIDS))
def test_every_declared_grid_finds_its_lab_and_stays_within_budget(number):
    import nbformat
    grid = grids.GRIDS[number]
    chapter, = build.select_chapters([number])
    nb = nbformat.read(chapter.notebook, as_version=4)
    index = execute.code_cell_index(nb, grid.cell)
    assert index is not None and "TrainingLab(" in nb.cells[index].source, f"chapter {number}: no lab cell {grid.cell!r}"
    assert 24 <= len(grid.configs()) <= 48, grid.describe()
    assert set(grid.figures) <= set(w.plots.LAB_FIGURES), grid.figures


@pytest.mark.parametrize("axes, message", [
    ((("colour", ("red",)),), "'colour' is not a RunConfig field"),
    ((("depth", (2, 4)),), "the lab starts at 8"),
    ((("depth", (8, -1)),), "depth"),
])
def test_a_bad_grid_names_the_field(axes, message):
    with pytest.raises(ConfigError, match=message):
        grids.LabGrid(chapter="99", cell="lab", base=w.RunConfig(depth=8), axes=axes, point="")


def test_lab_section_has_labelled_controls_for_each_axis_and_the_note():
    grid = grids.LabGrid(chapter="99", cell="lab", base=w.RunConfig(depth=2, activation="relu"),
                         axes=(("activation", ("relu", "tanh")), ("depth", (1, 2))), point="The point.")
    start = {"figures": {n: {"data": [{"y": [1, 2]}], "layout": {"title": {"text": n}}} for n in grid.figures},
             "summary": "finished", "code": "import keras"}
    markup = labview.lab_section(grid, start, "data/x.js")
    for field in ("activation", "depth"):
        assert f'<label for="lab-99-{field}">' in markup and f'<select id="lab-99-{field}"' in markup
    assert '<option value="2" selected>' in markup and "Precomputed runs" in markup and "JupyterLab" in markup
    assert 'data-run-key="relu|2"' in markup


def test_figure_boxes_escape_their_json_and_name_the_figure():
    markup = figures.figure_html({"data": [{"y": [1], "name": "</script><b>"}], "layout": {"title": {"text": "Loss <i>x</i>"}}})
    assert "</script><b>" not in markup and 'aria-label="Loss x"' in markup
    assert figures.has_data({"data": [{"y": [1]}]}) and not figures.has_data({"data": [{"x": []}]})


def test_static_widgets_show_settings_html_and_figures_and_skip_buttons():
    state = {
        "box": {"model_name": "VBoxModel", "state": {"children": ["IPY_MODEL_html", "IPY_MODEL_drop", "IPY_MODEL_btn",
                                                                  "IPY_MODEL_fig", "IPY_MODEL_empty", "IPY_MODEL_gone"]}},
        "html": {"model_name": "HTMLModel", "state": {"value": "<b>status</b>"}},
        "drop": {"model_name": "DropdownModel", "state": {"description": "activation", "index": 1,
                                                          "_options_labels": ["sigmoid", "relu"]}},
        "btn": {"model_name": "ButtonModel", "state": {"description": "Train"}},
    }
    figs = {"fig": {"data": [{"y": [1, 2]}], "layout": {}}, "empty": {"data": [], "layout": {}}}
    markup = StaticWidgets(state, figs, lambda outputs: "").render("IPY_MODEL_box")
    assert "<b>status</b>" in markup and "activation</span> relu" in markup and "Train" not in markup
    assert markup.count('class="site-figure"') == 1  # the empty placeholder is left out


def test_markdown_math_becomes_mathml():
    exporter = pages.SiteExporter()
    out = exporter.markdown2html({}, "slope $f'(z)$ and $$0.25^{10}$$")
    assert out.count("<math") == 2 and "$" not in out


def test_build_rejects_an_unknown_chapter_and_a_foreign_folder(tmp_path):
    with pytest.raises(build.BuildError, match="no chapter 99; allowed: 00, 01, 02"):
        build.select_chapters(["99"])
    (tmp_path / "mine.txt").write_text("keep me")
    with pytest.raises(build.BuildError, match="not written by this build"):
        build.build(out=tmp_path, cache=tmp_path / "cache", numbers=["00"], say=lambda line: None)
    assert (tmp_path / "mine.txt").exists()


def test_labs_can_be_limited_to_some_chapters_and_a_wrong_one_is_named():
    chapters = build.select_chapters(["00", "01", "09"])
    assert list(build.select_labs(chapters)) == ["00", "01"]  # 09 has no TrainingLab, so no grid
    assert list(build.select_labs(chapters, ["01"])) == ["01"] and build.select_labs(chapters, []) == {}
    with pytest.raises(build.BuildError, match="--labs: no precomputed lab 03 among the chapters built; allowed: 00, 01"):
        build.select_labs(chapters, ["03"])


def _run(config: w.RunConfig, status: str, val_accuracy: float) -> w.training.Run:
    return w.training.Run(config=config, dataset=w.load_dataset(config.dataset), status=status,
                          _history=[{"epoch": 1, "loss": 0.5, "val_loss": 0.5, "val_accuracy": val_accuracy}])


def test_findings_are_computed_from_the_runs():
    grid = grids.LabGrid(chapter="99", cell="lab", base=w.RunConfig(depth=2, activation="relu"),
                         axes=(("activation", ("relu", "tanh")), ("depth", (1, 2))), point="")
    runs = [_run(grid.base.replace(activation="relu", depth=1), "finished", 0.91),
            _run(grid.base.replace(activation="relu", depth=2), "diverged", float("nan")),
            _run(grid.base.replace(activation="tanh", depth=1), "finished", 0.62),
            _run(grid.base.replace(activation="tanh", depth=2), "early-stopped", 0.88)]
    text = labview.findings(grid, runs)
    assert text == ("Of these 4 runs, 1 diverged, e.g. activation relu, hidden layers 2. Final validation "
                    "accuracy: best 0.91 (activation relu, hidden layers 1), worst 0.62 (activation tanh, "
                    "hidden layers 1)."), text
    assert labview.findings(grid, runs[:1]).startswith("Of these 1 runs, none diverged.")


def test_worker_processes_train_runs_into_the_cache_as_the_build_reads_them(tiny, tmp_path):
    configs = [tiny, tiny.replace(activation="tanh")]
    work = jobs.run_jobs(tmp_path, "lab 99", configs)
    assert len(work) == -(-len(configs) // jobs.RUNS_PER_JOB)
    lines = []
    outcomes = jobs.run(work, workers=2, say=lines.append)
    assert sum(len(o.seconds) for o in outcomes) == 2 and all(s > 0 for o in outcomes for s in o.seconds)
    assert len(lines) == len(work) and "lab 99: trained runs 1-2" in lines[0], lines
    for config in configs:  # now read from the cache, not trained
        run, seconds = runcache.cached_run(config, tmp_path)
        assert seconds == 0.0 and run.config == config and run.epochs_done == config.epochs
    here, _ = runcache.cached_run(tiny, tmp_path / "here")  # seeded: the same numbers in this process
    assert here.history.equals(runcache.cached_run(tiny, tmp_path)[0].history)


def test_a_failing_job_stops_the_build_with_its_error(tmp_path):
    missing = tmp_path / "99_missing.ipynb"
    with pytest.raises(FileNotFoundError):
        jobs.run([jobs.chapter_job(missing, tmp_path, "99")], workers=2, say=lambda line: None)


@pytest.mark.parametrize("workers", [0, -1, 1.5, True])
def test_build_rejects_a_bad_number_of_workers(tmp_path, workers):
    with pytest.raises(build.BuildError, match="--jobs"):
        build.build(out=tmp_path / "out", cache=tmp_path / "cache", numbers=["00"], say=lambda line: None,
                    workers=workers)


def test_every_chapter_with_a_training_lab_has_its_lab_precomputed():
    import nbformat
    with_lab = [c.number for c in build.select_chapters()
                if any(cell.cell_type == "code" and "w.TrainingLab(" in cell.source
                       for cell in nbformat.read(c.notebook, as_version=4).cells)]
    assert len(with_lab) >= 11 and sorted(grids.GRIDS) == with_lab, (with_lab, sorted(grids.GRIDS))


def _two_cell_notebook(folder: Path) -> Path:
    nb = nbformat.v4.new_notebook(cells=[nbformat.v4.new_markdown_cell("# A chapter"), nbformat.v4.new_code_cell("1"),
                                         nbformat.v4.new_code_cell("print('hi')")])
    path = folder / "98_two_cells.ipynb"
    nbformat.write(nb, path)
    return path


def test_an_execution_made_elsewhere_is_kept_as_the_build_reads_it(tmp_path):
    """The test run hands nbval's executions to the site build this way instead of executing again."""
    notebook = _two_cell_notebook(tmp_path)
    state = {"version_major": 2, "version_minor": 0,
             "state": {"abc": {"model_name": "HTMLModel", "state": {"value": "<b>x</b>", "_esm": "code"}}}}
    outputs = [[{"output_type": "execute_result", "data": {"text/plain": "1"}, "metadata": {}, "execution_count": 1}],
               [{"output_type": "stream", "name": "stdout", "text": "hi\n"}]]
    shown = [{snapshot.MIME_TYPE: {"fig": {"data": []}}}, {snapshot.WIDGET_STATE: state}]
    nb = execute.assemble(notebook, outputs, shown, {"name": "python", "pygments_lexer": "ipython3"})
    assert [c.execution_count for c in nb.cells if c.cell_type == "code"] == [1, 2]
    assert nb.cells[2].outputs[0].text == "hi\n"
    assert execute.figures(nb) == {"fig": {"data": []}}
    assert execute.widget_state(nb)["abc"]["state"] == {"value": "<b>x</b>"}, "front-end code is dropped"
    execute.store(notebook, nb, tmp_path / "cache")
    again, from_cache = execute.executed(notebook, tmp_path / "cache", say=lambda line: None)
    assert from_cache and again.cells[1].outputs[0].data["text/plain"] == "1"


def test_an_incomplete_execution_made_elsewhere_is_refused(tmp_path):
    notebook = _two_cell_notebook(tmp_path)
    with pytest.raises(ValueError, match="outputs for 1 code cells, the notebook has 2"):
        execute.assemble(notebook, [[]], [], {})
    with pytest.raises(RuntimeError, match="did not report its widget state"):
        execute.assemble(notebook, [[], []], [{snapshot.MIME_TYPE: {}}], {})
