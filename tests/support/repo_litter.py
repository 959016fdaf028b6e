"""What a test run left in the repository: paths `git status` shows afterwards that it did not before.

Ignored files count too (`--ignored`): keras-tuner folders, checkpoints, logs and `.ipynb_checkpoints`
are in .gitignore, so a plain `git status` would stay clean while a test litters.  Only these are
exempt: the virtual environment, Python's bytecode caches (written by the interpreter on import,
not by a test), the browser suite's declared screenshot folder, and a file a maintainer asked the
run to refresh (docs/lab.png and docs/lab-projector.png with WORKBOOK_UPDATE_DOCS_SCREENSHOT=1).
"""

from __future__ import annotations

import os
import subprocess
from pathlib import Path
from typing import Optional

EXEMPT_PREFIXES = (".venv/", "tests/browser/artifacts/")
EXEMPT_PARTS = ("__pycache__",)
REQUESTED = {"WORKBOOK_UPDATE_DOCS_SCREENSHOT": ("docs/lab.png", "docs/lab-projector.png")}  # variable "1" -> files


def snapshot(repo: Path) -> Optional[frozenset[str]]:
    """Every path `git status --ignored --untracked-files=all` lists, with its status (None: not a git checkout)."""
    try:
        out = subprocess.run(["git", "status", "--porcelain=v1", "-z", "--ignored", "--untracked-files=all",
                              "--", ".", ":(exclude).venv"],
                             cwd=repo, capture_output=True, check=True, timeout=120).stdout
    except (OSError, subprocess.SubprocessError):
        return None
    requested = {path for variable, paths in REQUESTED.items() if os.environ.get(variable) == "1" for path in paths}
    entries = set()
    for entry in out.decode(errors="replace").split("\0"):
        path = entry[3:]
        if entry and path not in requested and not path.startswith(EXEMPT_PREFIXES) and not any(
                part in EXEMPT_PARTS for part in Path(path).parts):
            entries.add(entry)
    return frozenset(entries)


def new_entries(before: frozenset[str], after: frozenset[str]) -> list[str]:
    """Entries present after the run but not before, sorted (e.g. '?? x.keras', ' M README.md')."""
    return sorted(after - before)
