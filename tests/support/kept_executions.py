"""Chapters that nbval executes whole, kept for the course site's test build.

The site test (tests/browser/test_site_in_browser.py) builds chapters 00 and 01.  nbval and the
browser's Run All already execute each chapter once; so that no chapter is executed a third time,
the root conftest.py hands every nbval cell of KEPT to `after_cell`, which collects the cells'
outputs and, after the last one, has nbval's kernel report its widget state and live figures
(widgets.site.snapshot).  The chapter is then written in the form the site build caches
(widgets.site.execute.assemble), into this run's folder, where the site test's fixture finds it
(`path`).  A chapter with a failing cell is not kept: the site build then executes it itself.
"""

from __future__ import annotations

import os
import warnings
from pathlib import Path
from typing import Any, Optional

import nbformat

import notebook_outputs

KEPT = ("00_start_here.ipynb", "01_vanishing_exploding_gradients.ipynb")
SNAPSHOT_TIMEOUT = 120  # s: the kernel serializes every figure and widget once

# notebook -> code cell number -> its outputs (None: the cell did not run), while nbval runs it
_cells: dict[str, dict[int, Optional[list]]] = {}


def path(notebook: str) -> Optional[Path]:
    """Where nbval's execution of `notebook` is kept in this run (None outside a test run)."""
    folder = os.environ.get(notebook_outputs.ENV_VAR)
    return Path(folder) / "executed" / notebook if folder else None


def after_cell(item: Any) -> None:
    """Collect what nbval's cell `item` showed; after a KEPT chapter's last cell, keep the chapter."""
    name = Path(str(item.fspath)).name
    target = path(name)
    if name not in KEPT or target is None:
        return
    _cells.setdefault(name, {})[item.cell_num] = item.test_outputs
    code_cells = sum(cell.cell_type == "code" for cell in item.parent.nb.cells)
    if item.cell_num != code_cells - 1:
        return
    cells = _cells.pop(name)
    ran = [cells.get(i) for i in range(code_cells)]
    if any(outputs is None or any(o.get("output_type") == "error" for o in outputs) for outputs in ran):
        return
    from widgets.site import execute, snapshot

    try:
        displayed = _run_in_kernel(item, snapshot.CELL_SOURCE) + _run_in_kernel(item, snapshot.STATE_SOURCE)
        info = item.parent.kernel.kc.kernel_info(reply=True, timeout=SNAPSHOT_TIMEOUT)["content"]["language_info"]
        nb = execute.assemble(Path(str(item.fspath)), ran, displayed, info)
    except Exception as error:  # the site build then executes the chapter itself, and meets the same error
        warnings.warn(f"{name}: nbval's execution was not kept for the site test: {error}", stacklevel=1)
        return
    target.parent.mkdir(parents=True, exist_ok=True)
    nbformat.write(nb, target)


def _run_in_kernel(item: Any, source: str) -> list[dict]:
    """Run `source` in the kernel nbval executes `item`'s notebook in; the data it displayed."""
    kernel = item.parent.kernel
    msg_id = kernel.execute_cell_input(source, allow_stdin=False)
    kernel.await_reply(msg_id, timeout=SNAPSHOT_TIMEOUT)
    displayed = []
    while True:
        msg = item.parent.get_kernel_message(timeout=SNAPSHOT_TIMEOUT)
        if msg["parent_header"].get("msg_id") != msg_id:
            continue
        kind, content = msg["msg_type"], msg["content"]
        if kind == "status" and content["execution_state"] == "idle":
            return displayed
        if kind == "error":
            raise RuntimeError(f"{source!r} failed in nbval's kernel: {content['ename']}: {content['evalue']}")
        if kind in ("display_data", "execute_result"):
            displayed.append(content["data"])
