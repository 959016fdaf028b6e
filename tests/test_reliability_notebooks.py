"""Notebooks run offline.

Offline: the repository's conftest.py blocks every network connection that leaves the machine in
this process and in every Python process the test run starts (tests/support/network_guard.py),
nbval's kernels included; these tests start a kernel exactly as nbval does and check that it cannot
reach the network yet still talks to its client over loopback.  So the nbval run of every chapter
is itself the proof that nothing downloads at run time.

Determinism ("Restart and Run All" gives the same numbers twice) is checked for every chapter by
the browser suite, which compares its own execution of each chapter with nbval's, cell by cell
(tests/support/notebook_outputs.py), so no notebook runs a third time for it.
"""

from __future__ import annotations

import json
import os
import socket
import subprocess
import sys
from pathlib import Path

import pytest

import network_guard

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
