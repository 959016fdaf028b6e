"""The lab's front end on its own: a one-cell scratch lab (written by the server fixture), so the
lab is tested in the browser independently of any chapter.  Chapter 01's lab gets the same session
right after that chapter's Run All (test_notebooks_in_browser.py).
"""

from __future__ import annotations

import pytest

from lab_session import check_lab_session
from labdriver import SCRATCH_LAB

pytestmark = pytest.mark.browser


def test_lab_trains_live_stops_and_pins(notebook):
    notebook.open(SCRATCH_LAB)
    notebook.run_all()
    check_lab_session(notebook, SCRATCH_LAB, notebook.labs().first)
