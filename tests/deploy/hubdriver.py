"""Run deploy/jupyterhub_config.py on loopback for a test, and talk to it as learners do.

`Hub.start()` runs JupyterHub with the deployment's own config file, only the ports (random free
ones on 127.0.0.1) and the state folder (a temp folder) changed, and `Hub.stop()` ends the hub,
its proxy, the learners' servers and their kernels, even when the hub does not stop by itself.
`Kernel` executes code in a learner's kernel through the learner's server, over the hub's proxy,
with the learner's own token: the REST and WebSocket API JupyterLab itself uses.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
import time
import urllib.error
import urllib.request
import uuid
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Callable, Optional

import psutil
from processes import free_port, terminate  # tests/support, on sys.path through the repository's conftest.py

ROOT = Path(__file__).resolve().parents[2]
DEPLOY = ROOT / "deploy"
CONFIG = DEPLOY / "jupyterhub_config.py"
PROXY = DEPLOY / "node_modules" / ".bin" / "configurable-http-proxy"
HUB_START_TIMEOUT = 90  # s: the hub answers, proxy included
REQUEST_TIMEOUT = 30
KERNEL_CONNECT_TIMEOUT = 120  # s: see Kernel.__init__


class HubError(RuntimeError):
    """The hub did not start, stopped, or answered a request unexpectedly (with its log's tail)."""


def missing_requirements() -> Optional[str]:
    """What is missing to run a hub here, with the command that installs it (None: nothing)."""
    try:
        import jupyterhub  # noqa: F401
        import jupyterhub_idle_culler  # noqa: F401
    except ImportError as exc:
        return f"{exc.name} is not installed (pip install -c constraints.txt -e \".[dev]\")"
    if not PROXY.exists():
        return (f"configurable-http-proxy is not installed at {PROXY.relative_to(ROOT)} "
                "(run `npm ci --prefix deploy`; it needs Node.js 20 or newer)")
    return None


def wait_for(condition: Callable[[], Any], timeout: float, what: str, interval: float = 0.25) -> Any:
    """Poll `condition` until it returns something truthy; TimeoutError naming `what` after `timeout` s."""
    deadline = time.monotonic() + timeout
    while True:
        result = condition()
        if result:
            return result
        if time.monotonic() > deadline:
            raise TimeoutError(f"{what}: not within {timeout:.0f} s")
        time.sleep(interval)


@dataclass
class Hub:
    """A JupyterHub on 127.0.0.1 started from the deployment's config file."""

    state: Path
    password: str
    api_token: str
    idle_timeout: int
    url: str = ""
    process: Optional[subprocess.Popen] = None
    timings: dict = field(default_factory=dict)   # what the test measured, in seconds, for its report
    _descendants: dict = field(default_factory=dict)

    @property
    def log(self) -> Path:
        return self.state / "jupyterhub.log"

    def start(self) -> "Hub":
        port, hub_port, api_port = free_port(), free_port(), free_port()
        self.url = f"http://127.0.0.1:{port}"
        env = dict(os.environ, WORKBOOK_HUB_STATE=str(self.state), WORKBOOK_HUB_PASSWORD=self.password,
                   WORKBOOK_HUB_API_TOKEN=self.api_token, WORKBOOK_HUB_IDLE_TIMEOUT=str(self.idle_timeout),
                   PYTHONUNBUFFERED="1")
        command = [sys.executable, "-m", "jupyterhub", "-f", str(CONFIG), f"--port={port}",
                   f"--JupyterHub.hub_port={hub_port}",
                   f"--ConfigurableHTTPProxy.api_url=http://127.0.0.1:{api_port}"]
        self.state.mkdir(parents=True, exist_ok=True)
        with open(self.log, "w") as log_file:
            self.process = subprocess.Popen(command, cwd=self.state, env=env, stdout=log_file,
                                            stderr=subprocess.STDOUT, start_new_session=True)
        try:
            wait_for(self._answers, HUB_START_TIMEOUT, "JupyterHub answering through its proxy")
        except TimeoutError as exc:
            self.stop()
            raise HubError(f"{exc}\n{self.log_tail()}") from None
        return self

    def _answers(self) -> bool:
        if self.process.poll() is not None:
            raise HubError(f"JupyterHub exited with code {self.process.returncode}:\n{self.log_tail()}")
        try:
            return self.request("GET", "/hub/api/", token=None)[0] == 200
        except (urllib.error.URLError, ConnectionError, TimeoutError):
            return False

    def request(self, method: str, path: str, token: Optional[str] = "", body: Any = None) -> tuple[int, Any]:
        """(status, parsed JSON or text) of a request to the hub's address; token "" means the API token."""
        self._remember_descendants()
        headers = {"Content-Type": "application/json"}
        if token is not None:
            headers["Authorization"] = f"token {token or self.api_token}"
        data = None if body is None else json.dumps(body).encode()
        req = urllib.request.Request(self.url + path, data=data, method=method, headers=headers)
        try:
            with urllib.request.urlopen(req, timeout=REQUEST_TIMEOUT) as response:
                status, text = response.status, response.read().decode()
        except urllib.error.HTTPError as exc:
            status, text = exc.code, exc.read().decode(errors="replace")
        try:
            return status, json.loads(text) if text else None
        except json.JSONDecodeError:
            return status, text

    def api(self, method: str, path: str, body: Any = None, expect: tuple[int, ...] = (200, 201, 202, 204)) -> Any:
        """A hub REST API call with the instructor's token; HubError unless the status is expected."""
        status, payload = self.request(method, "/hub/api" + path, body=body)
        if status not in expect:
            raise HubError(f"{method} /hub/api{path} answered {status}: {payload}\n{self.log_tail()}")
        return payload

    def server_running(self, name: str) -> bool:
        """True once the learner's default server is up (the hub's `ready` flag)."""
        server = self.api("GET", f"/users/{name}").get("servers", {}).get("")
        return bool(server and server.get("ready"))

    def _remember_descendants(self) -> None:
        """Note every process under the hub (proxy, servers, kernels, culler), to end them in stop()."""
        if self.process is None or self.process.poll() is not None:
            return
        try:
            for proc in psutil.Process(self.process.pid).children(recursive=True):
                self._descendants[proc.pid] = proc
        except psutil.Error:
            pass

    def stop(self) -> list[int]:
        """Stop the hub (which stops servers and proxy); kill whatever is left. Returns the pids killed."""
        if self.process is None:
            return []
        self._remember_descendants()
        # The hub stops each server in turn, and a server with a kernel can take half a minute on
        # busy cores; nothing a test checks needs that order, so wait briefly, then kill the rest.
        terminate(self.process, timeout=10)
        left = [proc for proc in self._descendants.values() if proc.is_running()]
        for proc in left:
            try:
                proc.kill()
            except psutil.Error:
                pass
        psutil.wait_procs(left, timeout=10)
        return [proc.pid for proc in left]

    def log_tail(self, lines: int = 40) -> str:
        try:
            return "\n".join(self.log.read_text(errors="replace").splitlines()[-lines:])
        except OSError:
            return "(no hub log)"


class Kernel:
    """A kernel in a learner's server, driven over the hub's proxy with the learner's token."""

    def __init__(self, hub: Hub, user: str, token: str, path: str = "notebooks") -> None:
        import websocket  # websocket-client, which Jupyter Server itself depends on

        self.hub, self.user, self.token = hub, user, token
        status, model = hub.request("POST", f"/user/{user}/api/kernels", token=token,
                                    body={"name": "python3", "path": path})
        if status != 201:
            raise HubError(f"starting {user}'s kernel answered {status}: {model}")
        self.id = model["id"]
        ws_url = hub.url.replace("http", "ws", 1) + f"/user/{user}/api/kernels/{self.id}/channels"
        # The server answers the WebSocket's handshake once the new kernel replies, which takes
        # longer than a plain request while three kernels start on 2 busy cores.
        self.socket = websocket.create_connection(ws_url, header=[f"Authorization: token {token}"],
                                                  timeout=KERNEL_CONNECT_TIMEOUT)
        self.session = uuid.uuid4().hex

    def execute(self, code: str, timeout: float) -> str:
        """Run `code`; return its printed text, or raise HubError with the kernel's traceback."""
        msg_id = uuid.uuid4().hex
        self.socket.send(json.dumps({
            "header": {"msg_id": msg_id, "msg_type": "execute_request", "session": self.session,
                       "username": self.user, "version": "5.3"},
            "parent_header": {}, "metadata": {}, "channel": "shell", "buffers": [],
            "content": {"code": code, "silent": False, "store_history": True, "user_expressions": {},
                        "allow_stdin": False, "stop_on_error": True},
        }))
        text, error, replied, idle = [], None, False, False
        deadline = time.monotonic() + timeout
        while not (replied and idle):
            self.socket.settimeout(max(0.1, deadline - time.monotonic()))
            frame = self.socket.recv()
            if time.monotonic() > deadline:
                raise TimeoutError(f"{self.user}'s kernel did not finish a cell within {timeout:.0f} s")
            if not isinstance(frame, str):
                continue  # binary frames: widget messages with buffers
            msg = json.loads(frame)
            if msg.get("parent_header", {}).get("msg_id") != msg_id:
                continue
            kind, content = msg["msg_type"], msg["content"]
            if kind == "stream":
                text.append(content["text"])
            elif kind == "error":
                error = "\n".join(content["traceback"])
            elif kind == "execute_reply":
                replied = True
            elif kind == "status" and content["execution_state"] == "idle":
                idle = True
        if error is not None:
            raise HubError(f"{self.user}'s cell failed:\n{error}")
        return "".join(text)

    def close(self) -> None:
        self.socket.close()
