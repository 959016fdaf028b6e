import html
import re

import pytest

import widgets as w
from widgets.codeview import highlight_python


def _visible_text(markup: str) -> str:
    return html.unescape(re.sub(r"<[^>]+>", "", markup))


def test_code_is_computed_only_while_open_and_on_refresh():
    calls = []

    def source():
        calls.append(1)
        return f"print({len(calls)})\n"

    view = w.CodeView(source)
    view.refresh()
    view.refresh()
    assert calls == [] and view.code == "" and view.panel.layout.display == "none"
    view.button.value = True  # what a click on the toggle does
    assert view.code == "print(1)\n" and view.panel.layout.display != "none"
    view.refresh()
    assert view.code == "print(2)\n"
    view.hide()
    view.refresh()
    assert len(calls) == 2 and view.panel.layout.display == "none"


def test_button_label_says_what_a_click_does():
    view = w.CodeView("x = 1\n")
    assert view.button.description == "Show Keras code"
    view.show()
    assert view.button.description == "Hide Keras code"
    view.hide()
    assert view.button.description == "Show Keras code"


def test_highlighted_code_has_inline_colours_and_the_exact_text():
    code = "import keras\nmodel = keras.Sequential([keras.layers.Dense(3, activation='relu')])  # a < b & c\n"
    view = w.CodeView(code).show()
    assert view.panel.code == code  # what Copy puts on the clipboard
    assert 'style="color:' in view.panel.html  # coloured without a stylesheet
    assert _visible_text(view.panel.html) == code
    assert view.panel.html == highlight_python(code)
    assert "without the workbook" in view.panel.note  # says what the learner may do with it
    assert w.CodeView(code, note="Run it after cell 3.").panel.note == "Run it after cell 3."


def test_a_failing_source_shows_its_error_instead_of_code():
    settings = {"depth": 2}

    def source():
        if settings["depth"] < 1:
            raise ValueError("depth must be >= 1")
        return f"depth = {settings['depth']}\n"

    view = w.CodeView(source).show()
    assert view.code == "depth = 2\n"
    settings["depth"] = 0
    view.refresh()
    assert view.code == ""  # nothing stale left to copy
    assert "depth must be &gt;= 1" in view.panel.html and "ValueError" in view.panel.html


def test_rejects_a_source_that_is_not_code():
    with pytest.raises(TypeError, match="source must be a str or a function"):
        w.CodeView(42)
