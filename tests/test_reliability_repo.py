"""Safe defaults and no litter: what an instructor starts and what a test run leaves behind.

Safe defaults: the README's command to open the workbook is read, checked for options that would
expose the server, and then run as written (on a free port, with throw-away Jupyter folders): the
server must listen on loopback only and refuse the API without its token.

No litter: conftest.py fails the whole run when it leaves paths in the repository (ignored ones
included); these tests check that hook on a throw-away repository.
"""

from __future__ import annotations

import http.client
import ipaddress
import json
import os
import re
import shlex
import shutil
import socket
import subprocess
import sys
import time
from pathlib import Path

import pytest

import repo_litter

ROOT = Path(__file__).resolve().parents[1]
SERVER_START_TIMEOUT = 120  # s; JupyterLab starts in a few seconds on an idle machine


# -- safe defaults -----------------------------------------------------------------------------------

def readme_open_command() -> list[str]:
    """The arguments the README passes to `jupyter lab` in its command to open the workbook."""
    blocks = re.findall(r"```bash\n(.*?)\n```", (ROOT / "README.md").read_text(), flags=re.S)
    command = next(block for block in blocks if "jupyter lab" in block)
    words = shlex.split(next(part for part in command.split("&&") if "jupyter" in part))
    return words[words.index("lab") + 1:]


def unsafe_options(args: list[str]) -> list[str]:
    """Options that would open the server to other machines or switch its authentication off."""
    unsafe = []
    for index, arg in enumerate(args):
        if not arg.startswith("--"):
            continue
        name, _, value = arg[2:].partition("=")
        if not value and index + 1 < len(args) and not args[index + 1].startswith("--"):
            value = args[index + 1]
        key = name.rsplit(".", 1)[-1].lower().replace("-", "_")
        if key == "ip" and value not in ("localhost", "127.0.0.1", "::1"):
            unsafe.append(f"{arg}: listens beyond this machine")
        elif key in ("token", "password", "hashed_password", "password_required"):
            unsafe.append(f"{arg}: changes the server's authentication")
        elif key in ("allow_remote_access", "disable_check_xsrf", "allow_origin", "allow_origin_pat"):
            unsafe.append(f"{arg}: lifts a protection against other sites and machines")
    return unsafe


def test_unsafe_options_are_recognised():
    assert unsafe_options(["notebooks/00_start_here.ipynb", "--ServerApp.ip=127.0.0.1", "--no-browser"]) == []
    for args in (["--ip=0.0.0.0"], ["--ip", "*"], ["--ServerApp.token="], ["--IdentityProvider.token=''"],
                 ["--NotebookApp.password="], ["--ServerApp.allow_remote_access=True"],
                 ["--ServerApp.disable_check_xsrf=True"], ["--ServerApp.allow_origin=*"]):
        assert unsafe_options(args), args


def test_the_readme_command_sets_nothing_unsafe():
    args = readme_open_command()
    assert any(arg.endswith(".ipynb") for arg in args), args  # it is the command that opens the workbook
    assert unsafe_options(args) == []


def _listening_addresses(port: int) -> set[ipaddress.IPv4Address | ipaddress.IPv6Address]:
    """Local addresses of the TCP sockets listening on `port`, from /proc/net/tcp and tcp6."""
    found = set()
    for table in ("/proc/net/tcp", "/proc/net/tcp6"):
        with open(table) as lines:
            for line in list(lines)[1:]:
                local, state = line.split()[1], line.split()[3]
                address, port_hex = local.split(":")
                if state != "0A" or int(port_hex, 16) != port:  # 0A: LISTEN
                    continue
                raw = bytes.fromhex(address)  # 32-bit words in host (little-endian) order
                raw = b"".join(raw[i:i + 4][::-1] for i in range(0, len(raw), 4))
                found.add(ipaddress.ip_address(raw))
    return found


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def _get(port: int, path: str, token: str | None = None) -> tuple[int, str]:
    connection = http.client.HTTPConnection("127.0.0.1", port, timeout=30)
    connection.request("GET", path, headers={"Authorization": f"token {token}"} if token else {})
    response = connection.getresponse()
    connection.close()
    return response.status, response.getheader("Location") or ""


@pytest.mark.skipif(not os.path.exists("/proc/net/tcp"), reason="reads Linux's /proc")
def test_the_readme_command_serves_on_localhost_with_token_authentication(tmp_path):
    port = _free_port()
    jupyter = Path(sys.executable).with_name("jupyter")  # the README's .venv/bin/jupyter
    command = [str(jupyter), "lab", *readme_open_command(), "--no-browser", f"--port={port}",
               "--ServerApp.port_retries=0"]
    if os.geteuid() == 0:  # containers run as root; Jupyter refuses that unless told
        command.append("--allow-root")
    folders = {var: tmp_path / var.lower() for var in ("JUPYTER_CONFIG_DIR", "JUPYTER_DATA_DIR", "JUPYTER_RUNTIME_DIR",
                                                        "JUPYTERLAB_SETTINGS_DIR", "JUPYTERLAB_WORKSPACES_DIR",
                                                        "IPYTHONDIR")}
    env = dict(os.environ, **{var: str(path) for var, path in folders.items()})
    runtime = folders["JUPYTER_RUNTIME_DIR"]
    with open(tmp_path / "server.log", "wb") as log:
        server = subprocess.Popen(command, cwd=ROOT, env=env, stdout=log, stderr=subprocess.STDOUT)
    try:
        deadline = time.monotonic() + SERVER_START_TIMEOUT
        while not list(runtime.glob("jpserver-*.json")) or not _listening_addresses(port):
            assert server.poll() is None, (tmp_path / "server.log").read_text()[-3000:]
            assert time.monotonic() < deadline, "JupyterLab did not start"
            time.sleep(0.2)
        info = json.loads(next(runtime.glob("jpserver-*.json")).read_text())
        addresses = _listening_addresses(port)
        assert addresses and all(a.is_loopback for a in addresses), addresses
        assert info["token"], "the server runs without a token"
        assert _get(port, "/api/contents")[0] == 403  # the API refuses a request without the token
        status, location = _get(port, "/lab")
        assert status == 302 and location.startswith("/login")  # the page asks for it
        assert _get(port, "/api/contents", token=info["token"])[0] == 200
    finally:
        server.terminate()
        try:
            server.wait(timeout=20)
        except subprocess.TimeoutExpired:
            server.kill()
            server.wait()


# -- no litter ---------------------------------------------------------------------------------------

def _git(repo: Path, *args: str) -> None:
    subprocess.run(["git", *args], cwd=repo, check=True, capture_output=True)


@pytest.fixture
def repo(tmp_path) -> Path:
    """A throw-away repository with this one's .gitignore, a tracked file and its test-run guards."""
    if shutil.which("git") is None:
        pytest.skip("git is not installed")
    repo = tmp_path / "repo"
    (repo / "tests").mkdir(parents=True)
    shutil.copy(ROOT / ".gitignore", repo / ".gitignore")
    shutil.copy(ROOT / "conftest.py", repo / "conftest.py")
    shutil.copytree(ROOT / "tests" / "support", repo / "tests" / "support",
                    ignore=shutil.ignore_patterns("__pycache__"))
    (repo / "README.md").write_text("tracked\n")
    _git(repo, "init", "-q")
    _git(repo, "add", ".")
    _git(repo, "-c", "user.name=t", "-c", "user.email=t@t", "commit", "-q", "-m", "start")
    return repo


def test_litter_is_listed_ignored_files_included(repo):
    before = repo_litter.snapshot(repo)
    for path in ("search_tuning/trial_0/trial.json", "model.keras", "notes.txt", "widgets/__pycache__/x.pyc",
                 ".venv/lib/site.py"):
        (repo / path).parent.mkdir(parents=True, exist_ok=True)
        (repo / path).write_text("x")
    (repo / "README.md").write_text("changed by a test\n")
    assert repo_litter.new_entries(before, repo_litter.snapshot(repo)) == [
        " M README.md", "!! model.keras", "!! search_tuning/trial_0/trial.json", "?? notes.txt"]


def _pytest_in(repo: Path, test_body: str) -> subprocess.CompletedProcess:
    (repo / "tests" / "test_example.py").write_text(f"def test_example():\n    {test_body}\n")
    _git(repo, "add", "tests/test_example.py")
    _git(repo, "-c", "user.name=t", "-c", "user.email=t@t", "commit", "-q", "-m", "test")
    return subprocess.run([sys.executable, "-m", "pytest", "-q", "-p", "no:cacheprovider", "tests"],
                          cwd=repo, capture_output=True, text=True, timeout=120)


def test_a_run_that_leaves_a_file_fails(repo):
    done = _pytest_in(repo, "open('untitled_project_tuning.keras', 'w').write('weights')")
    assert done.returncode == 1, done.stdout
    assert "1 passed" in done.stdout and "untitled_project_tuning.keras" in done.stdout
    assert "tests must write only to temporary folders" in done.stdout


def test_a_clean_run_passes(repo):
    done = _pytest_in(repo, "assert True")
    assert done.returncode == 0, done.stdout
