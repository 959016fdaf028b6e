"""Execute a chapter notebook with nbclient, as "Restart and Run All" would, and keep the result.

The executed notebook is cached under `cache/notebooks/` by a key of the notebook's content, the
workbook's code and data, and the library versions (`fingerprint`), so an unchanged chapter is not
run again.  The kernel's live figures are captured after the last cell (`snapshot`), and the bulky
front-end code that widget state carries (~5 MB per plotly widget) is dropped before caching.
"""

from __future__ import annotations

import os
import tempfile
import time
from pathlib import Path
from typing import Callable, Optional

import nbformat
from nbclient import NotebookClient

from . import fingerprint, snapshot

WIDGET_STATE = "application/vnd.jupyter.widget-state+json"
CELL_TIMEOUT = 900  # s per cell: a chapter's longest cell takes ~1 min on an idle 2-core machine
_FRONT_END_CODE = ("_esm", "_css", "_bundle", "_widget_data", "_widget_layout")
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
    cached.parent.mkdir(parents=True, exist_ok=True)
    for stale in cached.parent.glob(f"{notebook.stem}-*.ipynb"):
        stale.unlink()
    temporary = cached.with_suffix(".tmp")
    nbformat.write(nb, temporary)
    temporary.replace(cached)
    say(f"  executed {notebook.name} in {time.monotonic() - start:.0f} s")
    return nb, False


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
    figures = next((o["data"][snapshot.MIME_TYPE] for o in last.get("outputs", [])
                    if snapshot.MIME_TYPE in o.get("data", {})), None)
    if figures is None:
        raise RuntimeError(f"{notebook.name}: the kernel did not report its figures: {last.get('outputs')}")
    nb.metadata["workbook_site"] = {"figures": figures}
    for model in widget_state(nb).values():
        for key in _FRONT_END_CODE:
            model.get("state", {}).pop(key, None)
    return nb


def widget_state(nb: nbformat.NotebookNode) -> dict:
    """Model id -> model of the widget state nbclient stored in the notebook ({} if none)."""
    return nb.metadata.get("widgets", {}).get(WIDGET_STATE, {}).get("state", {})


def figures(nb: nbformat.NotebookNode) -> dict:
    """Model id -> plotly figure JSON of the live figures the kernel reported after the last cell."""
    return nb.metadata.get("workbook_site", {}).get("figures", {})


def code_cell_index(nb: nbformat.NotebookNode, marker: str) -> Optional[int]:
    """Index of the first code cell whose source contains `marker`, or None."""
    return next((i for i, cell in enumerate(nb.cells) if cell.cell_type == "code" and marker in cell.source), None)
