"""Notebooks run offline and give the same numbers twice.

Offline: the repository's conftest.py blocks every network connection that leaves the machine in
this process and in every Python process the test run starts (tests/support/network_guard.py),
nbval's kernels included; these tests start a kernel exactly as nbval does and check that it cannot
reach the network yet still talks to its client over loopback.  So the nbval run of every chapter
is itself the proof that nothing downloads at run time.

Determinism: chapter 06 executed twice, each time in a fresh kernel, must print the same text and
draw the same figures, cell by cell.  Chapter 06 is the cheapest chapter (~16 s) that trains with
every moving part: health probes, a run that diverges to NaN, clipped runs, a plain-Keras RNN,
DataFrames of per-layer gradient statistics, a lab run and numbers quoted in its verdicts.
"""

from __future__ import annotations

import json
import os
import re
import socket
import subprocess
import sys
from pathlib import Path

import nbclient
import nbformat
import pytest

import network_guard

ROOT = Path(__file__).resolve().parents[1]
NOTEBOOKS = ROOT / "notebooks"
DETERMINISM_CHAPTER = NOTEBOOKS / "06_gradient_clipping.ipynb"

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


# -- determinism -------------------------------------------------------------------------------------

WALL_CLOCK = re.compile(r"\b\d+(?:\.\d+)? ?s\b")  # a duration in seconds, e.g. "in 1.7 s" of Run.summary()
ADDRESS = re.compile(r"\b0x[0-9a-f]+\b")  # a Python object's memory address
WIDGET = "application/vnd.jupyter.widget-view+json"  # its model id is new in every kernel
PLOTLY = "application/vnd.plotly.v1+json"


def _texts(cell) -> list[str]:
    """What a cell showed, as comparable text: printed lines, text results and figure data."""
    texts = []
    for output in cell.get("outputs", []):
        if output["output_type"] == "error":
            raise AssertionError(f"cell failed: {output['ename']}: {output['evalue']}\n{cell['source']}")
        if output["output_type"] == "stream" and output["name"] == "stdout":
            texts.append(output["text"])
        data = output.get("data", {})
        if WIDGET in data:
            continue
        if PLOTLY in data:
            texts.append(json.dumps(data[PLOTLY]["data"], sort_keys=True))
        elif "text/plain" in data:
            texts.append(data["text/plain"])
    return [ADDRESS.sub("0x…", WALL_CLOCK.sub("<seconds>", text)) for text in texts]


def _execute(path: Path) -> list[list[str]]:
    """Execute a notebook in a fresh kernel (this interpreter, offline); each code cell's texts."""
    nb = nbformat.read(path, as_version=4)
    nbclient.NotebookClient(nb, timeout=600, kernel_name="python3",
                            resources={"metadata": {"path": str(path.parent)}}).execute()
    return [_texts(cell) for cell in nb.cells if cell.cell_type == "code"]


def test_a_chapter_gives_identical_outputs_in_two_fresh_kernels():
    first, second = _execute(DETERMINISM_CHAPTER), _execute(DETERMINISM_CHAPTER)
    numbers = sum(bool(re.search(r"\d\.\d", text)) for texts in first for text in texts)
    assert numbers >= 15, "too few numeric outputs for the comparison to mean anything"
    for index, (a, b) in enumerate(zip(first, second)):
        assert a == b, f"code cell {index} of {DETERMINISM_CHAPTER.name} differs between two executions"
    assert len(first) == len(second)
