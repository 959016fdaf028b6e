"""Content hashes and library versions: what decides whether a cached result is still valid.

A chapter's execution or a lab's run is reused only while everything that could change its numbers
is the same: its own input, the workbook's code and data, and the versions of the libraries that
compute it.
"""

from __future__ import annotations

import hashlib
import json
import platform
from importlib import metadata
from pathlib import Path
from typing import Any, Iterable

PACKAGE = Path(__file__).resolve().parents[1]  # widgets/
# Libraries whose version can change a run's numbers or a chapter's outputs.
LIBRARIES = ("tensorflow-cpu", "tensorflow", "keras", "numpy", "pandas", "scikit-learn", "plotly", "ipywidgets",
             "nbclient", "nbconvert")


def library_versions() -> dict[str, str]:
    """Installed versions of LIBRARIES (those installed) and of Python."""
    versions = {"python": platform.python_version()}
    for name in LIBRARIES:
        try:
            versions[name] = metadata.version(name)
        except metadata.PackageNotFoundError:
            pass
    return versions


def files_digest(paths: Iterable[Path]) -> str:
    """One hash of the names and contents of `paths` (sorted, so the order given does not matter)."""
    digest = hashlib.sha256()
    for path in sorted(Path(p) for p in paths):
        digest.update(path.name.encode() + b"\0" + path.read_bytes() + b"\0")
    return digest.hexdigest()


def package_sources(*modules: str) -> list[Path]:
    """The workbook's Python sources: the named modules of widgets/ (e.g. "training"), or every one."""
    if modules:
        return [PACKAGE / f"{name}.py" for name in modules]
    return [p for p in PACKAGE.rglob("*.py") if "__pycache__" not in p.parts]


def key(*parts: Any) -> str:
    """A short stable hash of JSON-able parts."""
    text = json.dumps(parts, sort_keys=True, default=str)
    return hashlib.sha256(text.encode()).hexdigest()[:24]
