"""Guards over the whole test run (unit tests, nbval over notebooks/, browser tests).

1. Offline: every Python process the run starts, above all nbval's kernels, gets
   tests/support/offline_site on PYTHONPATH, whose sitecustomize refuses network connections that
   leave the machine; the test process itself is guarded the same way.  A notebook that downloads
   anything fails with "network blocked by the workbook's offline test".
2. No litter: the run fails if it leaves new paths in the repository, ignored ones included
   (tests/support/repo_litter.py says what is exempt).

3. A notebook's kernel that dies while starting is started once more (tests/support/kernel_start.py).

It also prints how long each notebook took under nbval, the time per part and the slowest test files
(a report, not a test: the performance targets are checked with benchmarks/time_notebooks.py on an
idle machine).
"""

from __future__ import annotations

import collections
import os
import sys
import tempfile
from pathlib import Path
from typing import Any

import pytest

ROOT = Path(__file__).resolve().parent
SUPPORT = ROOT / "tests" / "support"
OFFLINE_SITE = SUPPORT / "offline_site"
sys.path.insert(0, str(SUPPORT))

import kept_executions  # noqa: E402
import kernel_start  # noqa: E402
import network_guard  # noqa: E402
import notebook_outputs  # noqa: E402
import repo_litter  # noqa: E402

_litter_before: "frozenset[str] | None" = None
_checks_litter = False  # True in the process that runs the session (not in xdist workers)


def pytest_configure(config: pytest.Config) -> None:
    global _litter_before, _checks_litter
    paths = [p for p in os.environ.get("PYTHONPATH", "").split(os.pathsep) if p and p != str(OFFLINE_SITE)]
    os.environ["PYTHONPATH"] = os.pathsep.join([str(OFFLINE_SITE), *paths])  # inherited by every subprocess
    network_guard.install()
    kernel_start.install()
    # Solved exercises are recorded in a file; keep the learner's own (and the repository) clean.
    # One file per process that runs tests (each xdist worker its own), so that one worker's
    # `progress.reset()` never meets another's notebook kernel.
    if hasattr(config, "workerinput") or "WORKBOOK_PROGRESS_FILE" not in os.environ:
        os.environ["WORKBOOK_PROGRESS_FILE"] = os.path.join(
            tempfile.mkdtemp(prefix="workbook-progress-"), "progress.json")
    # One folder for the whole run: the controller makes it before it starts the xdist workers,
    # which inherit it, so a chapter's browser test finds what nbval recorded in any worker.
    os.environ.setdefault(notebook_outputs.ENV_VAR, tempfile.mkdtemp(prefix="workbook-nbval-outputs-"))
    if not hasattr(config, "workerinput"):  # the controller checks once, not each xdist worker
        _checks_litter = True
        _litter_before = repo_litter.snapshot(ROOT)


def pytest_sessionfinish(session: pytest.Session, exitstatus: int) -> None:
    if not _checks_litter:
        return
    reporter = session.config.pluginmanager.get_plugin("terminalreporter")
    say = reporter.write_line if reporter is not None else lambda text: sys.stderr.write(text + "\n")
    after = repo_litter.snapshot(ROOT) if _litter_before is not None else None
    if after is None:
        say("no-litter check skipped: the repository is not a git checkout, or git is missing")
        return
    litter = repo_litter.new_entries(_litter_before, after)
    if litter:
        if reporter is not None:
            reporter.write_sep("=", "files left in the repository", red=True)
        say("FAILED (no litter): the test run left these paths in the repository; tests must write "
            "only to temporary folders:\n  " + "\n  ".join(litter))
        session.exitstatus = pytest.ExitCode.TESTS_FAILED


def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    """Notebooks first: the browser tests compare their own execution of each chapter with nbval's."""
    items.sort(key=lambda item: 0 if str(item.fspath).endswith(".ipynb") else 1)


@pytest.hookimpl(optionalhook=True)  # a pytest-xdist hook: unused when xdist is not installed
def pytest_xdist_make_scheduler(config: pytest.Config, log: Any) -> Any:
    """Each notebook's nbval cells, then its browser Run All, in one worker (notebook_outputs.py)."""
    return notebook_outputs.chapter_scheduler(config, log)


@pytest.hookimpl(wrapper=True)
def pytest_runtest_call(item: pytest.Item):
    """Keep what each nbval cell showed (tests/support/notebook_outputs.py), pass or fail, and the
    chapters the site test builds whole (tests/support/kept_executions.py)."""
    try:
        return (yield)
    finally:
        outputs = getattr(item, "test_outputs", None)
        if outputs is not None and hasattr(item, "cell_num"):
            notebook_outputs.record(Path(str(item.fspath)).name, item.cell_num, outputs)
        if hasattr(item, "cell_num"):
            kept_executions.after_cell(item)


_notebook_seconds: "collections.Counter[str]" = collections.Counter()
_part_seconds: "collections.Counter[str]" = collections.Counter()  # setup, call and teardown of every test
_file_seconds: "collections.Counter[str]" = collections.Counter()  # the same, per test file (not notebooks)


def _part(path: str) -> str:
    """Which part of the suite a test file belongs to."""
    if path.endswith(".ipynb"):
        return "nbval"
    return "browser" if path.startswith("tests/browser/") else "unit"


def pytest_runtest_logreport(report: pytest.TestReport) -> None:
    path = report.nodeid.split("::", 1)[0]
    _part_seconds[_part(path)] += report.duration
    if path.endswith(".ipynb"):
        _notebook_seconds[path] += report.duration
    else:
        _file_seconds[path] += report.duration


def pytest_terminal_summary(terminalreporter) -> None:
    if _notebook_seconds:
        terminalreporter.write_sep("-", "notebook times under nbval (cells only)")
        for path, seconds in sorted(_notebook_seconds.items()):
            terminalreporter.write_line(f"{path:60s} {seconds:6.1f} s")
        terminalreporter.write_line(f"{'total':60s} {sum(_notebook_seconds.values()):6.1f} s")
    if _part_seconds:
        # summed over the test processes, which run side by side: more than the wall time
        terminalreporter.write_sep("-", "time per part, summed over the test processes")
        terminalreporter.write_line(", ".join(f"{part} {_part_seconds[part] / 60:.1f} min"
                                              for part in ("unit", "nbval", "browser") if part in _part_seconds))
    if _file_seconds:  # where a maintainer looks first when the suite gets slower
        terminalreporter.write_sep("-", "slowest test files")
        for path, seconds in _file_seconds.most_common(12):
            terminalreporter.write_line(f"{path:60s} {seconds:6.1f} s")
