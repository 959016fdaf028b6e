"""How long each notebook takes under nbval (a fresh kernel per notebook, as the test command runs
them), and the total.

    .venv/bin/python benchmarks/time_notebooks.py [notebooks/NN_name.ipynb ...]

Targets (issue #6): <= 60 s per notebook (chapter 11, whose keras-tuner searches are the lesson,
<= 90 s) and <= 15 minutes for all of them, on a 2-core machine.  Run it on an idle machine.
"""

from __future__ import annotations

import subprocess
import sys
import time
from pathlib import Path

from _common import machine

ROOT = Path(__file__).resolve().parents[1]
LIMITS = {"11_hyperparameter_tuning.ipynb": 90.0}
DEFAULT_LIMIT = 60.0


def time_notebook(path: Path) -> float:
    """Seconds for pytest + nbval to run every cell of `path` (kernel start-up included)."""
    start = time.perf_counter()
    # -n 0: one process and one kernel, as a learner's Run All (the test command uses two workers)
    result = subprocess.run([sys.executable, "-m", "pytest", "-q", "-n", "0", str(path)],
                            cwd=ROOT, capture_output=True, text=True)
    if result.returncode != 0:
        raise SystemExit(f"{path.name} failed under nbval:\n{result.stdout[-3000:]}")
    return time.perf_counter() - start


def main(paths: list[str]) -> None:
    print(machine())
    notebooks = [Path(p).resolve() for p in paths] or sorted((ROOT / "notebooks").glob("[0-9][0-9]_*.ipynb"))
    total, over = 0.0, []
    for path in notebooks:
        seconds = time_notebook(path)
        limit = LIMITS.get(path.name, DEFAULT_LIMIT)
        total += seconds
        over += [path.name] if seconds > limit else []
        print(f"{path.name:45s} {seconds:6.1f} s  (target <= {limit:.0f} s)", flush=True)
    print(f"{'total':45s} {total:6.1f} s  (target <= 900 s)")
    print("over target: " + (", ".join(over) if over else "none"))


if __name__ == "__main__":
    main(sys.argv[1:])
