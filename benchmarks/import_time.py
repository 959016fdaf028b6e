"""How long `import widgets` takes beyond TensorFlow's own import, in fresh interpreters.

    .venv/bin/python benchmarks/import_time.py [--repeats 5]

The setup cell of every chapter pays this once per kernel.
"""

from __future__ import annotations

import argparse
import json
import statistics
import subprocess
import sys
from pathlib import Path

import widgets  # noqa: F401  (here only so that `machine()` imports TensorFlow quietly)

from _common import machine

QUIET = Path(__file__).resolve().parents[1] / "widgets" / "_quiet.py"
PROBE = """
import importlib.util, json, time
t0 = time.perf_counter()
spec = importlib.util.spec_from_file_location("quiet", {quiet!r})  # the settings `import widgets` makes
spec.loader.exec_module(importlib.util.module_from_spec(spec))  # first, without importing widgets
import tensorflow, keras
t1 = time.perf_counter()
import widgets
t2 = time.perf_counter()
print(json.dumps({{"tensorflow": t1 - t0, "widgets": t2 - t1}}))
"""


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--repeats", type=int, default=5)
    args = parser.parse_args()
    print(machine())
    samples = []
    for _ in range(args.repeats):
        out = subprocess.run([sys.executable, "-c", PROBE.format(quiet=str(QUIET))], capture_output=True, text=True, check=True)
        samples.append(json.loads(out.stdout.strip().splitlines()[-1]))
    tf_time = statistics.median(s["tensorflow"] for s in samples)
    ours = statistics.median(s["widgets"] for s in samples)
    print(f"import tensorflow + keras: {tf_time:.2f} s; import widgets beyond that: {ours:.2f} s "
          f"(medians of {args.repeats} fresh interpreters)")


if __name__ == "__main__":
    main()
