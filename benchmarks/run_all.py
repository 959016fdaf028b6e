"""Every performance figure the README quotes, one script after another, each in a fresh process.

    .venv/bin/python benchmarks/run_all.py [--quick]

Run it on an otherwise idle machine; it takes about 20 minutes (--quick: fewer repeats, no
notebooks and no browser, about 5).  The full run needs what the browser tests need (Chromium,
Playwright) for `browser_latency.py`.
"""

from __future__ import annotations

import argparse
import subprocess
import sys
import time
from pathlib import Path

HERE = Path(__file__).resolve().parent

FULL = [["training_overhead.py", "--pairs", "7"], ["lab_latency.py", "--repeats", "5"],
        ["browser_latency.py", "--repeats", "5"], ["memory.py", "--runs", "30"],
        ["import_time.py", "--repeats", "5"], ["time_notebooks.py"]]
QUICK = [["training_overhead.py", "--pairs", "5"], ["lab_latency.py", "--repeats", "3"],
         ["memory.py", "--runs", "30"], ["import_time.py", "--repeats", "3"]]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--quick", action="store_true", help="fewer repeats and no notebook timings")
    args = parser.parse_args()
    for script, *options in QUICK if args.quick else FULL:
        print(f"\n== {script} {' '.join(options)}", flush=True)
        start = time.perf_counter()
        subprocess.run([sys.executable, str(HERE / script), *options], check=True, cwd=HERE.parent)
        print(f"({time.perf_counter() - start:.0f} s)", flush=True)


if __name__ == "__main__":
    main()
