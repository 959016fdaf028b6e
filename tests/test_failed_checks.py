"""A chapter check that fails in a learner's notebook says what it expected and what their settings
gave, as an error without a traceback wall (widgets.failed_checks), and nothing is re-run to say it."""

from __future__ import annotations

import sys

import pandas as pd
import pytest
from IPython.core.interactiveshell import InteractiveShell
from traitlets.config import Config

from widgets import failed_checks


def new_shell(monkeypatch) -> InteractiveShell:
    """An IPython shell for this test only: no history database, and pytest's __main__ left in place."""
    monkeypatch.setitem(sys.modules, "__main__", sys.modules["__main__"])
    config = Config()
    config.HistoryManager.enabled = False
    return InteractiveShell(config=config)


@pytest.fixture
def shell(monkeypatch):
    shell = new_shell(monkeypatch)
    assert failed_checks.install(shell)
    yield shell
    shell.set_custom_exc((), None)


def run(shell, capsys, code: str):
    result = shell.run_cell(code)
    return result, capsys.readouterr().out


def test_a_failed_cell_check_shows_its_line_the_values_and_the_way_back(shell, capsys):
    code = ("class Run:\n"
            "    def final(self, column):\n"
            "        return {'val_accuracy': 0.912}[column]\n"
            "high, limit = Run(), 0.3\n"
            "assert high.final('val_accuracy') < limit, 'at rate 2 the net should stay near chance'\n")
    result, out = run(shell, capsys, code)
    assert isinstance(result.error_in_exec, AssertionError)  # still an error: the cell and Run All stop
    assert "Check failed, line 5 of this cell" in out
    assert "assert high.final('val_accuracy') < limit" in out
    assert "high.final('val_accuracy') = 0.912" in out and "limit = 0.3" in out
    assert "The check's message:" in out and "at rate 2 the net should stay near chance" in out
    prose = " ".join(out.split())  # the advice is wrapped at 100 columns
    assert "the values above are what your settings produced" in prose
    assert "Restart Kernel and Run All Cells" in prose
    assert "Traceback" not in out


def test_a_table_as_the_message_and_array_comparisons_are_reported(shell, capsys):
    shell.user_ns.update(pd=pd)
    result, out = run(shell, capsys, "import numpy as np\n"
                                     "measured, expected = np.array([1.0, 2.5]), np.array([1.0, 2.0])\n"
                                     "assert np.allclose(measured, expected), pd.DataFrame({'x': [1, 2]})\n")
    assert isinstance(result.error_in_exec, AssertionError)
    assert "Check failed, line 3 of this cell" in out
    assert "measured = array([1. , 2.5])" in out and "expected = array([1., 2.])" in out
    assert "The check's message:" in out and "Custom TB Handler failed" not in out
    assert shell.custom_exceptions == (AssertionError,), "the handler must stay installed"


def test_a_check_inside_a_function_points_at_the_cell_that_defines_it(shell, capsys):
    run(shell, capsys, "def check(x):\n    assert x > 1\n")
    result, out = run(shell, capsys, "check(0)\n")
    assert isinstance(result.error_in_exec, AssertionError)
    assert "line 2 of the cell that defines it" in out and "x = 0" in out


def test_parts_with_side_effects_are_not_run_again_for_the_report(shell, capsys):
    code = ("calls = []\n"
            "def train():\n"
            "    calls.append(1)\n"
            "    return 1.0\n"
            "level = 2.0\n"
            "assert train() > level and level < 0\n")
    result, out = run(shell, capsys, code)
    assert isinstance(result.error_in_exec, AssertionError)
    assert shell.user_ns["calls"] == [1], "the report must not call train() again"
    assert out.count("level = 2") == 1 and "train() =" not in out


def test_an_assertion_inside_library_code_keeps_its_traceback(shell, capsys, tmp_path, monkeypatch):
    (tmp_path / "some_library.py").write_text("def check(x):\n    assert x > 0, 'deep inside'\n")
    monkeypatch.syspath_prepend(str(tmp_path))
    result, out = run(shell, capsys, "import some_library\nsome_library.check(-1)\n")
    assert isinstance(result.error_in_exec, AssertionError)
    assert "Check failed" not in out and "deep inside" in out and "some_library" in out


def test_another_custom_handler_is_left_alone(monkeypatch):
    shell = new_shell(monkeypatch)
    shell.set_custom_exc((KeyError,), lambda *args, **kwargs: None)
    assert not failed_checks.install(shell)
    assert shell.custom_exceptions == (KeyError,)
    shell.set_custom_exc((), None)
