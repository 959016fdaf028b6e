"""Run at start-up by every Python process whose PYTHONPATH holds this folder: no network.

The repository's conftest.py puts this folder on PYTHONPATH for everything the test suite starts
(nbval's kernels above all); ../network_guard.py does the blocking.  A Python installation may
have its own sitecustomize (Debian's does), which this file hides, so that one is run afterwards.
"""

import importlib.machinery
import importlib.util
import os
import sys


def _load(name: str, path: str):
    spec = importlib.util.spec_from_file_location(name, path)
    module = importlib.util.module_from_spec(spec)
    sys.modules[name] = module  # a later `import network_guard` (the test suite's own) gets this one
    spec.loader.exec_module(module)
    return module


def _next_sitecustomize_path():
    others = [p for p in sys.path if os.path.abspath(p or os.curdir) != HERE]
    spec = importlib.machinery.PathFinder.find_spec("sitecustomize", others)
    return spec.origin if spec is not None and spec.has_location else None


HERE = os.path.dirname(os.path.abspath(__file__))
_load("network_guard", os.path.join(os.path.dirname(HERE), "network_guard.py")).install()
_chained = _next_sitecustomize_path()
if _chained:
    _load("_chained_sitecustomize", _chained)
