"""Print how long each notebook takes to run top to bottom in a fresh kernel (as nbval runs it).

    .venv/bin/python benchmarks/time_notebooks.py [notebooks/NN_name.ipynb ...]

Run it on a quiet machine: the figures quoted in the README come from here.
"""

from __future__ import annotations

import sys
import time
from pathlib import Path

import nbformat
from nbclient import NotebookClient

ROOT = Path(__file__).resolve().parents[1]


def time_notebook(path: Path) -> float:
    """Seconds to execute every cell of `path` in a new kernel (kernel start-up included)."""
    nb = nbformat.read(path, as_version=4)
    client = NotebookClient(nb, timeout=900, kernel_name="python3", resources={"metadata": {"path": str(path.parent)}})
    start = time.perf_counter()
    client.execute()
    return time.perf_counter() - start


def main(paths: list[str]) -> None:
    notebooks = [Path(p) for p in paths] or sorted((ROOT / "notebooks").glob("[0-9][0-9]_*.ipynb"))
    total = 0.0
    for path in notebooks:
        seconds = time_notebook(path)
        total += seconds
        print(f"{path.name:45s} {seconds:6.1f} s", flush=True)
    print(f"{'total':45s} {total:6.1f} s")


if __name__ == "__main__":
    main(sys.argv[1:])
