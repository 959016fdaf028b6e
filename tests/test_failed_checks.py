"""A chapter check that fails in a learner's notebook says what it expected and what their settings
gave, as an error without a traceback wall (widgets.failed_checks), and nothing is re-run to say it."""

from __future__ import annotations

import pytest
from IPython.core.interactiveshell import InteractiveShell

from widgets import failed_checks


@pytest.fixture
def shell():
    shell = InteractiveShell()
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
    assert "at rate 2 the net should stay near chance" in out
    assert "Restart Kernel and Run All Cells" in out
    assert "Traceback" not in out


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
    assert "level = 2" in out and "train() =" not in out


def test_an_assertion_inside_library_code_keeps_its_traceback(shell, capsys, tmp_path, monkeypatch):
    (tmp_path / "some_library.py").write_text("def check(x):\n    assert x > 0, 'deep inside'\n")
    monkeypatch.syspath_prepend(str(tmp_path))
    result, out = run(shell, capsys, "import some_library\nsome_library.check(-1)\n")
    assert isinstance(result.error_in_exec, AssertionError)
    assert "Check failed" not in out and "deep inside" in out and "some_library" in out


def test_another_custom_handler_is_left_alone():
    shell = InteractiveShell()
    shell.set_custom_exc((KeyError,), lambda *args, **kwargs: None)
    assert not failed_checks.install(shell)
    assert shell.custom_exceptions == (KeyError,)
    shell.set_custom_exc((), None)
