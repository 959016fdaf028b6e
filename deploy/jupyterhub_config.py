"""JupyterHub for a class: every learner gets their own JupyterLab server and their own copy of the workbook.

One machine runs the hub, its proxy (configurable-http-proxy, from deploy/package.json) and one
JupyterLab server per learner, each started as a local process in the learner's own folder under
`$WORKBOOK_HUB_STATE/home/<name>`; the first start copies notebooks/ there, later starts keep the
learner's edits.  Learners log in with any name and the class password.  A learner's server that
has been idle for `WORKBOOK_HUB_IDLE_TIMEOUT` seconds is stopped by jupyterhub-idle-culler, which
frees its memory; the learner's files stay, and logging in again starts a new server.

    WORKBOOK_HUB_PASSWORD=<class password> jupyterhub -f deploy/jupyterhub_config.py [--ip=0.0.0.0]

Settings, from the environment (the README's "Teaching a class" section shows them in use):

    WORKBOOK_HUB_PASSWORD      the class password, 8 characters or more (required)
    WORKBOOK_HUB_STATE         folder for the hub's database, cookie secret and the learners' homes
                               (default: deploy/state, git-ignored)
    WORKBOOK_HUB_IDLE_TIMEOUT  seconds of inactivity after which a learner's server stops (default 3600)
    WORKBOOK_HUB_API_TOKEN     if set, a token an instructor's scripts can use with the hub's REST
                               API to create learners, start and stop their servers, and make tokens

Ports and addresses are JupyterHub's own options, so they go on the command line: `--ip`, `--port`
(default 127.0.0.1:8000, this machine only), `--JupyterHub.hub_port` and
`--ConfigurableHTTPProxy.api_url`.

The local-process spawner runs every learner's server as the operating-system user that started
the hub, without isolation between learners: right for a trusted room or a workshop on one machine.
For a class that needs isolation and more machines, use Zero to JupyterHub on Kubernetes
(deploy/z2jh-values.yaml) or BinderHub, which build the same environment from environment.yml.
"""

import os
import shutil
import sys
from pathlib import Path

# `c` is the config object JupyterHub passes to this file.
c = get_config()  # noqa: F821  (defined by JupyterHub when it loads the file)

DEPLOY = Path(__file__).resolve().parent
REPOSITORY = DEPLOY.parent
NOTEBOOKS = REPOSITORY / "notebooks"


def _setting(name: str, default: "str | None" = None) -> str:
    """An environment setting, or a clear error naming it when it is required and missing."""
    value = os.environ.get(name, default)
    if value is None:
        raise SystemExit(f"{name} is not set: set it to the class password (8 characters or more) "
                         f"before starting the hub, e.g. `{name}=... jupyterhub -f {__file__}`")
    return value


def _idle_timeout() -> int:
    text = _setting("WORKBOOK_HUB_IDLE_TIMEOUT", "3600")
    if not text.isdigit() or int(text) < 1:
        raise SystemExit(f"WORKBOOK_HUB_IDLE_TIMEOUT={text!r}: give a whole number of seconds, 1 or more")
    return int(text)


PASSWORD = _setting("WORKBOOK_HUB_PASSWORD")
STATE = Path(_setting("WORKBOOK_HUB_STATE", str(DEPLOY / "state"))).resolve()
HOMES = STATE / "home"
IDLE_TIMEOUT = _idle_timeout()
# How often activity is reported and idleness checked: ten times per idle timeout, at most every
# five minutes (JupyterHub's default), so a learner at work is never taken for an idle one and an
# idle server stops within about 1.2 timeouts.
TICK = max(1, min(300, IDLE_TIMEOUT // 10))
STATE.mkdir(parents=True, exist_ok=True)

# --- the hub and its proxy -------------------------------------------------------------------
c.JupyterHub.ip = "127.0.0.1"
c.JupyterHub.port = 8000
c.JupyterHub.hub_ip = "127.0.0.1"
c.JupyterHub.db_url = f"sqlite:///{STATE / 'jupyterhub.sqlite'}"
c.JupyterHub.cookie_secret_file = str(STATE / "jupyterhub_cookie_secret")
c.JupyterHub.last_activity_interval = TICK
c.ConfigurableHTTPProxy.pid_file = str(STATE / "jupyterhub-proxy.pid")
_proxy = DEPLOY / "node_modules" / ".bin" / "configurable-http-proxy"  # `npm ci --prefix deploy`
if _proxy.exists():
    c.ConfigurableHTTPProxy.command = [str(_proxy)]

# --- who may log in -----------------------------------------------------------------------------
c.JupyterHub.authenticator_class = "shared-password"
c.SharedPasswordAuthenticator.user_password = PASSWORD
c.Authenticator.allow_all = True  # any name with the class password: each name is one learner

# --- each learner's server ----------------------------------------------------------------------
c.JupyterHub.spawner_class = "simple"
c.SimpleLocalProcessSpawner.home_dir_template = str(HOMES / "{username}")
c.Spawner.cmd = [sys.executable, "-m", "jupyterhub.singleuser"]  # this environment's, not PATH's
c.Spawner.default_url = "/lab/tree/notebooks/00_start_here.ipynb"
c.Spawner.environment = {"JUPYTERHUB_ACTIVITY_INTERVAL": str(TICK)}
c.Spawner.start_timeout = 120
c.Spawner.http_timeout = 120
if hasattr(os, "geteuid") and os.geteuid() == 0:  # in a container, as root: Jupyter Server asks for this
    c.Spawner.args = ["--allow-root"]


def copy_workbook(spawner) -> None:
    """Give a learner their own copy of notebooks/ on their first start; keep it on later starts."""
    target = Path(spawner.home_dir) / "notebooks"
    if not target.exists():
        shutil.copytree(NOTEBOOKS, target, ignore=shutil.ignore_patterns(".ipynb_checkpoints"))


c.Spawner.pre_spawn_hook = copy_workbook

# --- stopping idle servers, and the instructor's API token ---------------------------------------
c.JupyterHub.services = [{
    "name": "idle-culler",
    "command": [sys.executable, "-m", "jupyterhub_idle_culler",
                f"--timeout={IDLE_TIMEOUT}", f"--cull-every={TICK}"],
}]
c.JupyterHub.load_roles = [{
    "name": "idle-culler",
    "scopes": ["list:users", "read:users:activity", "read:servers", "delete:servers"],
    "services": ["idle-culler"],
}]
if os.environ.get("WORKBOOK_HUB_API_TOKEN"):
    c.JupyterHub.services.append({"name": "instructor", "api_token": os.environ["WORKBOOK_HUB_API_TOKEN"]})
    c.JupyterHub.load_roles.append({
        "name": "instructor",
        "scopes": ["admin:users", "admin:servers", "tokens", "list:users"],
        "services": ["instructor"],
    })
