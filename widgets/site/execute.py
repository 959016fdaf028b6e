"""Execute a chapter notebook with nbclient, as "Restart and Run All" would, and keep the result.

The executed notebook is cached under `cache/notebooks/` by a key of the notebook's content, the
workbook's code and data, and the library versions (`fingerprint`), so an unchanged chapter is not
run again.  The kernel's live figures are captured after the last cell (`snapshot`), and the bulky
front-end code that widget state carries (~5 MB per plotly widget) is dropped before caching.
An execution made by another runner (nbval, in the test run) can be kept the same way (`assemble`,
`store`), so that the build does not execute that chapter again.
"""

from __future__ import annotations

import os
import tempfile
import time
from pathlib import Path
from typing import Any, Callable, Mapping, Optional, Sequence

import nbformat
from nbclient import NotebookClient

from . import fingerprint, snapshot

WIDGET_STATE = snapshot.WIDGET_STATE
CELL_TIMEOUT = 900  # s per cell: a chapter's longest cell takes ~1 min on an idle 2-core machine
DATA_FOLDER = fingerprint.PACKAGE.parent / "datasets"


def execution_key(notebook: Path) -> str:
    """What decides whether a chapter's cached execution is still valid: the notebook, the workbook's
    code (of the site builder only what runs or keeps the execution), its data, the library versions."""
    data = list(DATA_FOLDER.glob("*")) if DATA_FOLDER.is_dir() else []
    here = Path(__file__).resolve()
    code = [p for p in fingerprint.package_sources() if here.parent not in p.parents] + [here, Path(snapshot.__file__)]
    return fingerprint.key(notebook.name, fingerprint.files_digest([notebook]), fingerprint.files_digest(code),
                           fingerprint.files_digest([p for p in data if p.is_file()]), fingerprint.library_versions())


def cached_path(notebook: Path, cache: Path) -> Path:
    """Where the cache keeps `notebook` executed (the file exists only while it is valid)."""
    return cache / "notebooks" / f"{notebook.stem}-{execution_key(notebook)}.ipynb"


def executed(notebook: Path, cache: Path, say: Callable[[str], None] = print) -> tuple[nbformat.NotebookNode, bool]:
    """The notebook executed (from the cache when valid) and whether it came from the cache."""
    cached = cached_path(notebook, cache)
    if cached.exists():
        return nbformat.read(cached, as_version=4), True
    say(f"  executing {notebook.name} (about a minute on 2 cores)")
    start = time.monotonic()
    nb = execute(notebook)
    store(notebook, nb, cache)
    say(f"  executed {notebook.name} in {time.monotonic() - start:.0f} s")
    return nb, False


def store(notebook: Path, nb: nbformat.NotebookNode, cache: Path) -> Path:
    """Keep `nb` in `cache` as the valid execution of `notebook` (replacing older ones); its path."""
    cached = cached_path(notebook, cache)
    cached.parent.mkdir(parents=True, exist_ok=True)
    for stale in cached.parent.glob(f"{notebook.stem}-*.ipynb"):
        stale.unlink()
    temporary = cached.with_suffix(".tmp")
    nbformat.write(nb, temporary)
    temporary.replace(cached)
    return cached


def execute(notebook: Path) -> nbformat.NotebookNode:
    """Run every cell of `notebook` in a fresh kernel in its own folder; fails on the first error.

    Returns the notebook with its outputs, its widget state (without front-end code) and, in
    metadata["workbook_site"]["figures"], every live figure's final data by widget model id.
    """
    nb = nbformat.read(notebook, as_version=4)
    nb.cells.append(nbformat.v4.new_code_cell(snapshot.CELL_SOURCE))
    with tempfile.TemporaryDirectory(prefix="workbook-site-progress-") as scratch:
        # exercises solved while building must not land in the maintainer's own progress file
        saved = os.environ.get("WORKBOOK_PROGRESS_FILE")
        os.environ["WORKBOOK_PROGRESS_FILE"] = str(Path(scratch) / "progress.json")
        try:
            NotebookClient(nb, timeout=CELL_TIMEOUT, kernel_name="python3", store_widget_state=True,
                           resources={"metadata": {"path": str(notebook.parent)}}).execute()
        finally:
            if saved is None:
                os.environ.pop("WORKBOOK_PROGRESS_FILE", None)
            else:
                os.environ["WORKBOOK_PROGRESS_FILE"] = saved
    last = nb.cells.pop()
    _finish(notebook, nb, [o.get("data", {}) for o in last.get("outputs", [])])
    return nb


def assemble(notebook: Path, outputs: Sequence[list], after_last_cell: Sequence[Mapping[str, Any]],
             language_info: Mapping[str, Any]) -> nbformat.NotebookNode:
    """`notebook` as executed by another runner, in the form `execute` returns.

    outputs: each code cell's outputs, in order (nbformat output dicts).
    after_last_cell: the data of what the kernel displayed when it then ran snapshot.CELL_SOURCE and
    snapshot.STATE_SOURCE.
    language_info: the kernel's, from its kernel_info reply (it picks the code's highlighting).
    """
    nb = nbformat.read(notebook, as_version=4)
    nb.metadata["language_info"] = dict(language_info)
    code = [cell for cell in nb.cells if cell.cell_type == "code"]
    if len(outputs) != len(code):
        raise ValueError(f"{notebook.name}: outputs for {len(outputs)} code cells, the notebook has {len(code)}")
    for count, (cell, cell_outputs) in enumerate(zip(code, outputs), start=1):  # as Restart and Run All numbers them
        cell.outputs = [nbformat.from_dict(dict(output)) for output in cell_outputs]
        cell.execution_count = count
    state = _reported(after_last_cell, WIDGET_STATE)
    if state is None:
        raise RuntimeError(f"{notebook.name}: the kernel did not report its widget state")
    nb.metadata["widgets"] = {WIDGET_STATE: state}
    _finish(notebook, nb, after_last_cell)
    return nb


def _finish(notebook: Path, nb: nbformat.NotebookNode, displayed: Sequence[Mapping[str, Any]]) -> None:
    """Put the figures the kernel reported after the last cell (snapshot.MIME_TYPE) into nb's
    metadata, and drop the front-end code from its widget state."""
    figures = _reported(displayed, snapshot.MIME_TYPE)
    if figures is None:
        raise RuntimeError(f"{notebook.name}: the kernel did not report its figures: {list(displayed)}")
    nb.metadata["workbook_site"] = {"figures": figures}
    for model in widget_state(nb).values():
        snapshot.drop_front_end_code(model)


def _reported(displayed: Sequence[Mapping[str, Any]], mime_type: str) -> Any:
    """The first displayed data of `mime_type` (None if the kernel displayed none)."""
    return next((data[mime_type] for data in displayed if mime_type in data), None)


def widget_state(nb: nbformat.NotebookNode) -> dict:
    """Model id -> model of the widget state nbclient stored in the notebook ({} if none)."""
    return nb.metadata.get("widgets", {}).get(WIDGET_STATE, {}).get("state", {})


def figures(nb: nbformat.NotebookNode) -> dict:
    """Model id -> plotly figure JSON of the live figures the kernel reported after the last cell."""
    return nb.metadata.get("workbook_site", {}).get("figures", {})


def code_cell_index(nb: nbformat.NotebookNode, marker: str) -> Optional[int]:
    """Index of the first code cell whose source contains `marker`, or None."""
    return next((i for i, cell in enumerate(nb.cells) if cell.cell_type == "code" and marker in cell.source), None)
