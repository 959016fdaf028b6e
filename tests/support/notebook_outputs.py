"""What a notebook's code cells showed, as comparable text, so two executions can be compared.

nbval executes every chapter once and the browser suite runs every chapter once more in
JupyterLab; comparing the two, cell by cell, proves "Restart and Run All gives the same numbers
twice" for every chapter without executing any notebook a third time.  The root conftest.py
records what nbval's kernel showed for each notebook (`record`), into a folder of this run
(WORKBOOK_NBVAL_OUTPUTS, one JSON file per notebook); the browser test saves its executed copy and
compares (`recorded`, `comparable`).
"""

from __future__ import annotations

import json
import os
import re
import tempfile
from pathlib import Path
from typing import Any, Iterable, Optional

ENV_VAR = "WORKBOOK_NBVAL_OUTPUTS"
# A duration, e.g. "in 1.7 s" of Run.summary() or "40 ms", with the spaces that pad it in a table column
WALL_CLOCK = re.compile(r" *\b\d+(?:\.\d+)? ?m?s\b")
TEMP_PATH = re.compile(re.escape(tempfile.gettempdir()) + r"/[\w.-]+")  # a folder made for one execution
ADDRESS = re.compile(r"\b0x[0-9a-f]+\b")  # a Python object's memory address
WIDGET = "application/vnd.jupyter.widget-view+json"  # its model id is new in every kernel
PLOTLY = "application/vnd.plotly.v1+json"
# The course site's test, whose one costly fixture (the build) reuses nbval's executions of the
# chapters it builds (kept_executions.py).
SITE_TEST = "tests/browser/test_site_in_browser.py"
REPO = Path(__file__).resolve().parents[2]


def comparable(outputs: Iterable[Any]) -> list[str]:
    """One cell's outputs as text: printed lines, text results and plotly figures' data.

    Left out, because they legitimately differ between two executions: widgets (their model ids),
    stderr, durations, temporary folders' names and memory addresses.  An error output raises.
    """
    texts = []
    for output in outputs:
        if output["output_type"] == "error":
            raise AssertionError(f"cell failed: {output['ename']}: {output['evalue']}")
        if output["output_type"] == "stream":
            if output["name"] == "stdout":
                texts.append(output["text"] if isinstance(output["text"], str) else "".join(output["text"]))
            continue
        data = output.get("data", {})
        if WIDGET in data:
            continue
        if PLOTLY in data:
            texts.append(json.dumps(_plain_numbers(data[PLOTLY]["data"]), sort_keys=True))
        elif "text/plain" in data:
            plain = data["text/plain"]
            texts.append(plain if isinstance(plain, str) else "".join(plain))
    joined = "".join(t for t in texts)  # JupyterLab and nbval split a cell's stdout differently
    masked = TEMP_PATH.sub("<temporary folder>", WALL_CLOCK.sub(" <duration>", joined))
    return [ADDRESS.sub("0x…", masked)] if joined else []


def _plain_numbers(value: Any) -> Any:
    """Whole floats as ints: JupyterLab saves 1.0 as 1, nbval keeps what the kernel sent."""
    if isinstance(value, float) and value.is_integer():
        return int(value)
    if isinstance(value, dict):
        return {key: _plain_numbers(item) for key, item in value.items()}
    if isinstance(value, list):
        return [_plain_numbers(item) for item in value]
    return value


_NBVAL_CELL = re.compile(r"(?:^|/)(\w+\.ipynb)::Cell \d+$")
_BROWSER_RUN_ALL = re.compile(r"::test_chapter_runs_in_jupyterlab\[(\w+\.ipynb)\]$")


def notebook_of(nodeid: str) -> Optional[str]:
    """The notebook file a test executes: an nbval cell's, or a browser Run All's; else None."""
    match = _NBVAL_CELL.search(nodeid) or _BROWSER_RUN_ALL.search(nodeid)
    return match.group(1) if match else None


def _folder() -> Optional[Path]:
    folder = os.environ.get(ENV_VAR)
    return Path(folder) if folder else None


def record(notebook: str, cell_num: int, outputs: list) -> None:
    """Keep what nbval's kernel showed for code cell `cell_num` of `notebook` (a file name)."""
    folder = _folder()
    if folder is None:
        return
    path = folder / f"{notebook}.json"
    cells = json.loads(path.read_text()) if path.exists() else {}
    try:
        cells[str(cell_num)] = comparable(outputs)
    except AssertionError as error:
        cells[str(cell_num)] = [f"<{error}>"]
    path.write_text(json.dumps(cells))


def recorded(notebook: str) -> Optional[list[list[str]]]:
    """What nbval recorded for `notebook` in this run, per code cell; None if it was not run."""
    folder = _folder()
    path = folder / f"{notebook}.json" if folder else None
    if path is None or not path.exists():
        return None
    cells = json.loads(path.read_text())
    return [cells.get(str(i), []) for i in range(max(map(int, cells)) + 1)] if cells else []


def shared_fixture_modules(root: Path = REPO) -> frozenset[str]:
    """Test modules (paths from `root`) that define a module-scoped fixture: split between two
    workers, each worker would make it (e.g. test_codegen's 20 trainings and scripts, ~2 min)."""
    return frozenset(str(path.relative_to(root)) for path in (root / "tests").rglob("test_*.py")
                     if 'scope="module"' in path.read_text(encoding="utf-8"))


def chapter_scheduler(config: Any, log: Any) -> Any:
    """pytest-xdist's scheduler for this suite: a notebook's nbval cells and its browser Run All
    are one unit of work, run by one worker in collection order (nbval first); the chapters the
    site test builds and that test's module are one unit together; so are the tests of a module
    with a module-scoped fixture (`shared_fixture_modules`); every other test is a unit of its own.

    The browser test compares its execution with what nbval recorded, so it must come after
    nbval's last cell of that notebook; the site test builds from nbval's executions, so it must
    come after them too, in the same run.  (xdist's `--dist loadgroup` would do this by rewriting
    node ids, which pytest 9.2 ignores: pytest-xdist issue #1386.)
    """
    from xdist.scheduler import LoadScopeScheduling

    from kept_executions import KEPT

    shared = shared_fixture_modules()

    class ChapterScheduling(LoadScopeScheduling):
        def _split_scope(self, nodeid: str) -> str:
            notebook, module = notebook_of(nodeid), nodeid.split("::", 1)[0]
            if notebook in KEPT or module == SITE_TEST:
                return "the course site's test and the chapters it builds"
            if notebook:
                return f"chapter {notebook}"
            return module if module in shared else nodeid

    return ChapterScheduling(config, log)
