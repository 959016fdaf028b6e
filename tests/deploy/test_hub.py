"""A class on JupyterHub: deploy/jupyterhub_config.py serving the workbook to three learners.

Everything runs on 127.0.0.1 with random free ports and a temp state folder; the fixture stops the
hub, the proxy, the learners' servers and their kernels however the test ends.  Learners act
through the hub's REST API with tokens (the instructor's API token creates them and starts their
servers, as a script before a lesson would), then through their own servers' REST and WebSocket
API with their own tokens, as JupyterLab does in their browsers.

One test, because its steps share one hub (pytest-xdist would give separate tests separate hubs).
It needs jupyterhub and jupyterhub-idle-culler (`.[dev]`) and configurable-http-proxy
(`npm ci --prefix deploy`): without them it is skipped with that advice, and fails under CI=true.
About 70 s on a 2-core machine, most of it the three kernels training at once and the idle timeout.
"""

from __future__ import annotations

import os
import secrets
import threading
import time
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import Iterator

import pytest

from hubdriver import Hub, HubError, Kernel, missing_requirements, wait_for

LEARNERS = ("ada", "grace", "alan")
ACTIVE, IDLE = LEARNERS[0], LEARNERS[1:]
IDLE_TIMEOUT = 45   # s: longer than a silent cell (importing TensorFlow) takes with three kernels on 2 cores
SPAWN_TIMEOUT = 120
CELL_TIMEOUT = 240


@pytest.fixture
def hub(tmp_path: Path) -> Iterator[Hub]:
    reason = missing_requirements()
    if reason is not None:
        if os.environ.get("CI", "").lower() == "true":
            pytest.fail(f"CI=true, and {reason}: the JupyterHub test must run in CI", pytrace=False)
        pytest.skip(reason)
    hub = Hub(tmp_path / "hub", password=secrets.token_urlsafe(12), api_token=secrets.token_hex(32),
              idle_timeout=IDLE_TIMEOUT)
    started = time.monotonic()
    try:
        hub.start()
    except HubError as exc:
        pytest.fail(str(exc))
    hub.timings["hub start"] = time.monotonic() - started
    try:
        yield hub
    finally:
        killed = hub.stop()
        print(f"hub timings (s): {', '.join(f'{k} {v:.1f}' for k, v in hub.timings.items())}; "
              f"processes killed after the hub stopped: {len(killed)}")


def _lab_cells(notebook: dict) -> list[str]:
    """Chapter 00 up to its first lab: the setup cell, the config it uses, the lab, and its headless run."""
    code = ["".join(cell["source"]) for cell in notebook["cells"] if cell["cell_type"] == "code"]

    def first(marker: str) -> str:
        return next(source for source in code if marker in source)

    return [code[0], first("cfg = w.RunConfig("), first("w.TrainingLab("), first("lab.run()")]


def _learner_runs_chapter_00(hub: Hub, name: str, token: str, keep_active: threading.Event) -> dict:
    """As soon as the learner's server is up: open their copy of chapter 00 and run it to the first
    lab's run in their own kernel; ACTIVE then keeps using the kernel until `keep_active` is cleared."""
    wait_for(lambda: hub.server_running(name), SPAWN_TIMEOUT, f"{name}'s server starting")
    ready = time.monotonic()
    status, model = hub.request("GET", f"/user/{name}/api/contents/notebooks/00_start_here.ipynb", token=token)
    assert status == 200, f"{name} cannot open their copy of chapter 00: {status} {model}"
    kernel = Kernel(hub, name, token)
    try:
        outputs = [kernel.execute(cell, CELL_TIMEOUT) for cell in _lab_cells(model["content"])]
        where = kernel.execute("import os; print(os.getcwd())", CELL_TIMEOUT).strip()
        result = {"ready": ready, "run": outputs[-1], "cwd": where, "done": time.monotonic()}
        while name == ACTIVE and keep_active.is_set():
            kernel.execute("1 + 1", CELL_TIMEOUT)   # a learner at work: activity the hub hears about
            time.sleep(1)
        return result
    finally:
        kernel.close()


def test_a_class_on_jupyterhub(hub: Hub) -> None:
    # The instructor's script: three learners, a token each, their servers started.
    hub.api("POST", "/users", {"usernames": list(LEARNERS)})
    tokens = {name: hub.api("POST", f"/users/{name}/tokens", {"note": "test"})["token"] for name in LEARNERS}
    started = time.monotonic()
    for name in LEARNERS:
        hub.api("POST", f"/users/{name}/server")

    # Each learner runs chapter 00's setup and first lab in their own kernel, on their own copy,
    # starting as soon as their server is up (a server that is up and unused counts as idle).
    keep_active = threading.Event()
    keep_active.set()
    with ThreadPoolExecutor(len(LEARNERS)) as pool:
        futures = {name: pool.submit(_learner_runs_chapter_00, hub, name, tokens[name], keep_active)
                   for name in LEARNERS}
        try:
            for name in LEARNERS:
                wait_for(lambda: hub.server_running(name), SPAWN_TIMEOUT, f"{name}'s server starting")
            hub.timings["three spawns"] = time.monotonic() - started

            # Each learner's server is theirs alone: another learner's token is refused.  (Asked of
            # /api/me, which names who the server sees; /api/status lists the kernels, and Jupyter
            # Server answers 500 if it is asked while a kernel is finishing its start.)
            for name, other in zip(LEARNERS, LEARNERS[1:] + LEARNERS[:1]):
                status, answer = hub.request("GET", f"/user/{name}/api/me", token=tokens[name])
                assert status == 200, f"{name}'s own server answered {status}: {answer}"
                assert answer["identity"]["username"] == name, f"{name}'s server sees {answer['identity']}"
                status, _ = hub.request("GET", f"/user/{other}/api/me", token=tokens[name])
                assert status == 403, f"{name}'s token on {other}'s server answered {status}, not 403"

            results = {name: futures[name].result(timeout=CELL_TIMEOUT * 2) for name in IDLE}
            hub.timings["chapter 00 in each kernel (longest)"] = max(r["done"] - r["ready"] for r in results.values())
            for name in LEARNERS:
                home = hub.state / "home" / name / "notebooks"
                assert (home / "00_start_here.ipynb").exists(), f"{name} has no copy of the workbook"
                if name in results:
                    assert results[name]["cwd"] == str(home), f"{name}'s kernel runs in {results[name]['cwd']}"
                    assert results[name]["run"].startswith("finished: 10 of 10 epochs"), results[name]["run"]

            # The idle servers are stopped by jupyterhub-idle-culler; the active one is not.
            idle_since = max(r["done"] for r in results.values())
            for name in IDLE:
                wait_for(lambda: "" not in hub.api("GET", f"/users/{name}")["servers"],
                         IDLE_TIMEOUT * 3, f"{name}'s idle server being culled", interval=1)
            hub.timings["culling after the last cell"] = time.monotonic() - idle_since
            log = hub.log.read_text(errors="replace")
            for name in IDLE:
                assert f"Culling server {name} " in log, f"{name}'s server stopped, but not by the idle culler"
            assert hub.server_running(ACTIVE), f"{ACTIVE}'s server was culled while in use"
            assert not futures[ACTIVE].done(), "the active learner's kernel stopped answering"
        except BaseException:
            hub.stop()  # ends the kernels, so that the learners' threads stop waiting on them at once
            raise
        finally:
            keep_active.clear()
        active = futures[ACTIVE].result(timeout=CELL_TIMEOUT)
    assert active["run"].startswith("finished: 10 of 10 epochs"), active["run"]
    for name in IDLE:  # stopping a server keeps the learner's files for their next login
        assert (hub.state / "home" / name / "notebooks" / "00_start_here.ipynb").exists()
