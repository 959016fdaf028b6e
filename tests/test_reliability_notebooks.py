"""Notebooks run offline.

Offline: the repository's conftest.py blocks every network connection that leaves the machine in
this process and in every Python process the test run starts (tests/support/network_guard.py),
nbval's kernels included; these tests start a kernel exactly as nbval does and check that it cannot
reach the network yet still talks to its client over loopback.  So the nbval run of every chapter
is itself the proof that nothing downloads at run time.

Determinism ("Restart and Run All" gives the same numbers twice) is checked for every chapter by
the browser suite, which compares its own execution of each chapter with nbval's, cell by cell
(tests/support/notebook_outputs.py), so no notebook runs a third time for it.  The test command's
two processes keep each chapter's nbval cells and its browser run together, nbval first.
"""

from __future__ import annotations

import json
import os
import socket
import subprocess
import sys
from pathlib import Path

import pytest

import kept_executions
import kernel_start
import network_guard
import notebook_outputs

ROOT = Path(__file__).resolve().parents[1]
NOTEBOOKS = ROOT / "notebooks"

# Run inside a kernel or a subprocess: try to reach the network, and loopback; print what happened.
NETWORK_PROBE = r'''
import json, socket, urllib.request
def attempt(action):
    try:
        action()
        return "connected"
    except Exception as error:
        return f"{type(error).__name__}: {error}"
def loopback():
    server = socket.socket()
    server.bind(("127.0.0.1", 0))
    server.listen()
    client = socket.create_connection(server.getsockname(), timeout=5)
    client.close(); server.close()
print(json.dumps({
    "download": attempt(lambda: urllib.request.urlopen("http://example.com/", timeout=10)),
    "name look-up": attempt(lambda: socket.getaddrinfo("pypi.org", 443)),
    "connect by address": attempt(lambda: socket.create_connection(("1.1.1.1", 443), timeout=10)),
    "loopback": attempt(loopback),
}))
'''


def _check_probe(report: dict) -> None:
    assert report.pop("loopback") == "connected"
    for action, outcome in report.items():
        assert network_guard.MESSAGE in outcome, f"{action}: {outcome}"


def test_an_nbval_kernel_cannot_reach_the_network_but_uses_loopback():
    from nbval.kernel import CURRENT_ENV_KERNEL_NAME, RunningKernel
    kernel = RunningKernel(CURRENT_ENV_KERNEL_NAME, cwd=str(NOTEBOOKS))  # as --nbval-current-env does
    printed = []
    try:
        reply = kernel.kc.execute_interactive(
            NETWORK_PROBE, timeout=120,
            output_hook=lambda msg: printed.append(msg["content"].get("text", "")))
    finally:
        kernel.stop()
    assert reply["content"]["status"] == "ok", reply["content"]
    _check_probe(json.loads("".join(printed)))


def test_subprocesses_and_this_process_are_offline_too():
    done = subprocess.run([sys.executable, "-c", NETWORK_PROBE], capture_output=True, text=True, timeout=120)
    _check_probe(json.loads(done.stdout))
    with pytest.raises(network_guard.NetworkBlockedError, match=network_guard.MESSAGE):
        socket.getaddrinfo("example.com", 80)


def test_the_installation_s_own_sitecustomize_still_runs(tmp_path):
    """Debian's Python has a sitecustomize that the offline one would hide; it is run after it."""
    (tmp_path / "sitecustomize.py").write_text("import builtins\nbuiltins.OWN_SITECUSTOMIZE_RAN = True\n")
    env = dict(os.environ, PYTHONPATH=os.pathsep.join([os.environ["PYTHONPATH"], str(tmp_path)]))
    code = "import builtins, socket; print(builtins.OWN_SITECUSTOMIZE_RAN, socket.socket.connect.__module__)"
    done = subprocess.run([sys.executable, "-c", code], env=env, capture_output=True, text=True, timeout=60)
    assert done.stdout.split() == ["True", "network_guard"], done.stderr



class _Worker:
    """What xdist's scheduler needs of a worker: it is sent test indexes, and may be shut down."""

    def __init__(self, name: str) -> None:
        self.gateway = type("Gateway", (), {"id": name})()
        self.sent: list[int] = []
        self.shutting_down = False

    def send_runtest_some(self, indexes: list[int]) -> None:
        self.sent.extend(indexes)

    def shutdown(self) -> None:
        self.shutting_down = True


def _schedule(collection: list[str]) -> list[list[str]]:
    """What each of two workers runs, in order, under the suite's scheduler."""
    config = type("TwoWorkers", (), {"option": type("Options", (), {"loadscopereorder": True})(),
                                     "getvalue": lambda self, name: ["2*popen"]})()
    scheduler = notebook_outputs.chapter_scheduler(config, None)
    workers = [_Worker("gw0"), _Worker("gw1")]
    for worker in workers:
        scheduler.add_node(worker)
        scheduler.add_node_collection(worker, collection)
    scheduler.schedule()
    done: set[int] = set()
    while scheduler.workqueue:  # each worker finishes what it was sent, then asks for more
        for worker in workers:
            for index in [i for i in worker.sent if i not in done]:
                done.add(index)
                scheduler.mark_test_complete(worker, index)
    ran = [[collection[i] for i in w.sent] for w in workers]
    assert sorted(t for tests in ran for t in tests) == sorted(collection)
    return ran


def _in_one_worker(ran: list[list[str]], part: str) -> list[str]:
    """The tests whose id contains `part`, in the order they ran, checking that one worker ran them all."""
    owners = [tests for tests in ran if any(part in t for t in tests)]
    assert len(owners) == 1, f"{part} was split between workers"
    return [t for t in owners[0] if part in t]


BROWSER_RUN = "tests/browser/test_notebooks_in_browser.py::test_chapter_runs_in_jupyterlab[{}]"


def test_a_chapters_nbval_cells_then_its_browser_run_go_to_one_worker():
    """The test command's two processes: a chapter's browser run finds nbval's outputs recorded."""
    chapters = ["02_b.ipynb", "03_c.ipynb", "04_d.ipynb"]
    ran = _schedule([f"notebooks/{c}::Cell {k}" for c in chapters for k in range(4)]  # notebooks first
                    + [f"tests/test_unit.py::test_{k}" for k in range(6)] + [BROWSER_RUN.format(c) for c in chapters])
    for chapter in chapters:
        assert _in_one_worker(ran, chapter) == [f"notebooks/{chapter}::Cell {k}" for k in range(4)] + [BROWSER_RUN.format(chapter)]


def test_the_site_test_runs_after_the_chapters_it_builds_and_a_shared_fixture_is_made_once():
    """The site test takes nbval's executions of its chapters (kept_executions.py); a module-scoped
    fixture such as test_codegen's would be made twice if its tests went to both workers."""
    kept = list(kept_executions.KEPT)
    site = [f"{notebook_outputs.SITE_TEST}::test_{k}" for k in range(3)]
    codegen = [f"tests/test_codegen.py::test_generated_script_trains_like_train[{k}]" for k in range(6)]
    ran = _schedule([f"notebooks/{c}::Cell {k}" for c in kept for k in range(3)] + ["notebooks/05_e.ipynb::Cell 0"]
                    + codegen + [f"tests/test_unit.py::test_{k}" for k in range(6)]
                    + [BROWSER_RUN.format(c) for c in kept] + site)
    owner = next(tests for tests in ran if site[0] in tests)
    mine = [t for t in owner if any(part in t for part in kept + site)]
    assert mine == ([f"notebooks/{c}::Cell {k}" for c in kept for k in range(3)]
                    + [BROWSER_RUN.format(c) for c in kept] + site)
    assert _in_one_worker(ran, "tests/test_codegen.py") == codegen
    assert "tests/test_codegen.py" in notebook_outputs.shared_fixture_modules()
    assert "tests/test_unit.py" not in notebook_outputs.shared_fixture_modules()


def test_a_kernel_that_dies_while_starting_gets_one_more_try_and_no_more():
    attempts = []

    def dies(times):
        def start(**kwargs):
            attempts.append(kwargs)
            if len(attempts) <= times:
                raise RuntimeError("Kernel died before replying to kernel_info")
            return "manager", "client"
        return start

    assert kernel_start.with_one_retry(dies(1))(kernel_name="python") == ("manager", "client")
    assert attempts == [{"kernel_name": "python"}] * 2
    attempts.clear()
    with pytest.raises(RuntimeError, match="Kernel died"):
        kernel_start.with_one_retry(dies(2))(kernel_name="python")
    assert len(attempts) == 2
    import nbval.kernel
    assert getattr(nbval.kernel.start_new_kernel, "_retries", False), "conftest did not install the retry"
