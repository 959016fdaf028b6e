"""Run generated plain-Keras code the way a learner would: without the `widgets` package.

`exec_without_widgets` runs code in this process (cheap: TensorFlow is already loaded) with an
`import` that refuses `widgets`; `run_in_fresh_process` runs whole scripts in a new Python process
where `widgets` cannot be imported at all, one after the other (TensorFlow starts once), each from
its full text with a clean Keras session, as if it were the only script run.
"""

from __future__ import annotations

import builtins
import json
import subprocess
import sys
from pathlib import Path
from typing import Any, Sequence


def _refuse_widgets(name: str, *args: Any, **kwargs: Any):
    if name == "widgets" or name.startswith("widgets."):
        raise ImportError(f"generated code must not import {name!r}")
    return builtins.__import__(name, *args, **kwargs)


def exec_without_widgets(code: str) -> dict[str, Any]:
    """Execute `code` as a script (`__name__ == "__main__"`) and return its global namespace."""
    namespace = {"__name__": "__main__", "__builtins__": {**vars(builtins), "__import__": _refuse_widgets}}
    exec(compile(code, "<generated script>", "exec"), namespace)
    return namespace


_RUNNER = r"""
import json, runpy, sys, traceback
sys.modules["widgets"] = None  # `import widgets` fails from here on
expression = sys.argv[1]
results = []
for path in sys.argv[2:]:
    if "keras" in sys.modules:
        # as in a fresh process (without Python's full garbage collection, a third of a second per
        # script here, which changes no number)
        sys.modules["keras"].backend.clear_session(free_memory=False)
    try:
        namespace = runpy.run_path(path, run_name="__main__")
        results.append({"value": eval(expression, namespace)})
    except Exception:
        results.append({"error": traceback.format_exc()})
loaded = sorted(m for m in sys.modules if m.split(".")[0] == "widgets" and sys.modules[m] is not None)
print("RESULTS" + json.dumps({"results": results, "widgets_modules": loaded}))
"""


class FreshProcess:
    """Scripts running in a separate process; start it, do other work, then `results()`."""

    def __init__(self, scripts: Sequence[str], expression: str, folder: Path):
        paths = []
        for i, code in enumerate(scripts):
            path = Path(folder) / f"script_{i}.py"
            path.write_text(code)
            paths.append(str(path))
        self._process = subprocess.Popen([sys.executable, "-c", _RUNNER, expression, *paths], cwd=folder,
                                         text=True, stdout=subprocess.PIPE, stderr=subprocess.PIPE)

    def results(self, timeout: float = 600) -> list[dict[str, Any]]:
        """Per script {"value": expression evaluated in its namespace} or {"error": traceback}."""
        try:
            stdout, stderr = self._process.communicate(timeout=timeout)
        finally:
            self._process.kill()
        assert self._process.returncode == 0, stderr[-3000:]
        report = json.loads(stdout.split("RESULTS")[-1])
        assert report["widgets_modules"] == [], f"the scripts imported {report['widgets_modules']}"
        return report["results"]
