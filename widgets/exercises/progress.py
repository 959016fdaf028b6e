"""Which exercises this learner has solved, kept between sessions.

A small JSON file in the user's Jupyter data directory (never in the repository); the environment
variable WORKBOOK_PROGRESS_FILE points it elsewhere (the tests use a temporary file).
"""

from __future__ import annotations

import json
import os
import time
from pathlib import Path
from typing import Any

ENV_VAR = "WORKBOOK_PROGRESS_FILE"


def progress_file() -> Path:
    """Where solved exercises are recorded."""
    override = os.environ.get(ENV_VAR)
    if override:
        return Path(override)
    from jupyter_core.paths import jupyter_data_dir
    return Path(jupyter_data_dir()) / "training-craft-workbook" / "progress.json"


def _load(path: Path) -> dict[str, Any]:
    try:
        data = json.loads(path.read_text())
    except (OSError, ValueError):
        return {}
    return data if isinstance(data, dict) else {}


def record(chapter: str, number: int, title: str) -> None:
    """Remember that exercise `number` of `chapter` was solved (first time kept)."""
    path = progress_file()
    data = _load(path)
    key = f"{chapter}.{number}"
    if key in data:
        return
    data[key] = {"title": title, "solved": time.strftime("%Y-%m-%d %H:%M")}
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        # written whole, then renamed: a kernel reading at the same moment (a second chapter open,
        # or a second test process) sees the old file or the new one, never half of one
        partial = path.with_name(f"{path.name}.{os.getpid()}.partial")
        partial.write_text(json.dumps(data, indent=1, sort_keys=True))
        os.replace(partial, path)
    except OSError:
        pass  # a read-only home must not turn a right answer into an error


def solved() -> dict[str, dict[str, str]]:
    """{"05.2": {"title": ..., "solved": "YYYY-MM-DD HH:MM"}, ...} for every solved exercise."""
    return _load(progress_file())


def reset() -> None:
    """Forget every solved exercise."""
    try:
        progress_file().unlink()
    except FileNotFoundError:
        pass


def progress():
    """A table with one row per exercise of every chapter: chapter, number, title, kind, solved."""
    import pandas as pd

    from . import all_exercises
    done = solved()
    rows = [{"chapter": e.chapter, "exercise": e.number, "title": e.title, "kind": e.kind,
             "solved": done.get(f"{e.chapter}.{e.number}", {}).get("solved", "")}
            for e in all_exercises()]
    table = pd.DataFrame(rows, columns=["chapter", "exercise", "title", "kind", "solved"])
    return table.set_index(["chapter", "exercise"])
