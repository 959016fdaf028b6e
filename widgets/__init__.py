"""The workbook's shared library: one pipeline from a `RunConfig` to live figures.

config -> data -> model -> training (+ probes) -> Run -> plots; `TrainingLab` wires controls to the
config and runs to the figures.  Import it as `import widgets as w`.

Names are imported on first use (PEP 562), so `import widgets.config` loads neither TensorFlow nor
plotly nor ipywidgets: the core can be used and tested without a front end.
"""

from __future__ import annotations

import importlib
from typing import Any

from . import _quiet  # noqa: F401  (sets TensorFlow's log level before anything imports it)

# public name -> the module that defines it
_LAZY = {
    "ConfigError": "config", "RunConfig": "config",
    "Dataset": "data", "DatasetIntegrityError": "data", "dataset_table": "data", "load_dataset": "data",
    "build_model": "model", "build_optimizer": "model",
    "Run": "training", "train": "training",
    "keras_code": "codegen",
    "CodeView": "codeview",
    "TrainingLab": "lab",
    "LiveFigure": "livefigure",
    "presentation": "projector",
    "paired_verdict": "seeds",
}
_SUBMODULES = {"plots", "exercises", "initialization", "surfaces", "lr_finder", "transfer", "augment",
               "tuning", "diagnose", "sweep", "schedules", "probes", "controls", "livefigure",
               "panel", "projector", "livefigures", "runner", "seeds"}

__all__ = sorted([*_LAZY, "plots", "progress"])


def __getattr__(name: str) -> Any:
    if name in _LAZY:
        value = getattr(importlib.import_module(f".{_LAZY[name]}", __name__), name)
    elif name in _SUBMODULES:
        value = importlib.import_module(f".{name}", __name__)
    else:
        raise AttributeError(f"module 'widgets' has no attribute {name!r}")
    globals()[name] = value  # later look-ups skip this function
    return value


def __dir__() -> list[str]:
    return sorted(set(globals()) | set(_LAZY) | _SUBMODULES)


def progress():
    """Per chapter, the exercises this learner has solved (kept in the Jupyter data directory)."""
    from .exercises.progress import progress as table
    return table()


def _kernel_shell() -> Any:
    """The IPython shell of the Jupyter kernel this runs in, or None (a script, a test, a terminal)."""
    import sys
    if "ipykernel" not in sys.modules:
        return None
    from IPython import get_ipython
    shell = get_ipython()
    return shell if shell is not None and hasattr(shell, "kernel") else None


def _prepare_kernel(shell: Any) -> None:
    """Report the chapters' failed checks readably (see `failed_checks`), give widgets time to load
    on a busy page (see `initlimit`), and send plotly's front-end code to the page once the
    importing cell ends, so that the first live figure finds it compiled (see `livefigure`)."""
    from .failed_checks import install
    from .initlimit import show_on_page
    install(shell)
    show_on_page()

    def preload_once(*_args: Any) -> None:
        shell.events.unregister("post_run_cell", preload_once)
        try:
            from .livefigure import preload
            preload()
        except Exception:  # a missing front end must not break the learner's cell
            pass

    shell.events.register("post_run_cell", preload_once)


if (_shell := _kernel_shell()) is not None:
    _prepare_kernel(_shell)
