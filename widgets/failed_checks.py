"""What a learner sees when one of a chapter's `assert` checks fails in their notebook.

A chapter's cells assert what its text claims (for example that a deep sigmoid net's first layer
gets a far smaller gradient than its last).  The chapters invite the learner to change settings and
re-run, and a changed setting can make such a check fail; a bare `AssertionError` traceback then
says neither what was expected nor what the change did.  In a Jupyter kernel, `install` makes an
`assert` that fails in a cell's own code show instead: the check's line, the values its parts had
(what the learner's settings produced), the check's own message if it has one, and what to do.
It is still an error (the cell stops, "Run All" stops, nbval fails).  Assertions raised inside
libraries keep their usual traceback.

Only side-effect-free parts of the checked expression are evaluated again for the report: names,
attributes, subscripts, arithmetic and a few read-only calls (`run.final(...)`, `len`, `max`, ...);
anything else is left out rather than re-run.
"""

from __future__ import annotations

import ast
import linecache
import sys
import textwrap
from types import FrameType, TracebackType
from typing import Any, Iterator, Optional

READ_ONLY_CALLS = frozenset({
    "final", "max", "min", "mean", "median", "sum", "std", "abs", "len", "float", "int", "round", "all", "any",
    "nunique", "item", "isfinite", "isnan", "count", "values", "keys", "allclose", "isclose", "array_equal",
    "between", "eq", "equals"})
SAFE_NODES = (ast.Name, ast.Attribute, ast.Subscript, ast.Constant, ast.Load, ast.Slice, ast.BinOp, ast.UnaryOp,
              ast.Compare, ast.operator, ast.unaryop, ast.cmpop, ast.Tuple, ast.List, ast.keyword, ast.Call)
ADVICE = ("A check states what should hold here; a chapter's checks hold for the settings it ships with. If "
          "you changed a setting above this cell, the check tells you the claim did not hold for your "
          "settings{values}. To see the chapter's own result again, undo the change, or use "
          "Kernel > Restart Kernel and Run All Cells.")
VALUE_WIDTH = 160


def _is_read_only(expr: ast.AST) -> bool:
    for node in ast.walk(expr):
        if not isinstance(node, SAFE_NODES):
            return False
        if isinstance(node, ast.Call):
            name = node.func.attr if isinstance(node.func, ast.Attribute) else getattr(node.func, "id", None)
            if name not in READ_ONLY_CALLS:
                return False
    return True


def _parts(test: ast.expr) -> Iterator[ast.expr]:
    """The pieces a reader wants to see: both sides of comparisons, each term of and/or/not, and the
    receiver and arguments of a call such as `np.allclose(a, b)` or `(x == y).all()`."""
    if isinstance(test, ast.BoolOp):
        for value in test.values:
            yield from _parts(value)
    elif isinstance(test, ast.UnaryOp) and isinstance(test.op, ast.Not):
        yield from _parts(test.operand)
    elif isinstance(test, ast.Compare):
        for operand in (test.left, *test.comparators):
            if not isinstance(operand, ast.Constant):
                yield operand
    elif isinstance(test, ast.Call):
        receiver = test.func.value if isinstance(test.func, ast.Attribute) else None
        # `np.allclose(a, b)`: the arguments matter, not the module; `flags.all()`: the receiver does
        shows_receiver = receiver is not None and not (isinstance(receiver, ast.Name) and test.args)
        for piece in ([receiver] if shows_receiver else []) + test.args:
            yield from _parts(piece)
    elif not isinstance(test, ast.Constant):
        yield test


def _show(value: Any) -> str:
    if isinstance(value, float):
        text = f"{value:.4g}"
    else:
        text = " ".join(repr(value).split())
    return text if len(text) <= VALUE_WIDTH else text[:VALUE_WIDTH - 1] + "…"


def _failing_assert(source: str, line: int) -> Optional[ast.Assert]:
    try:
        tree = ast.parse(source)
    except SyntaxError:
        return None
    found = [node for node in ast.walk(tree) if isinstance(node, ast.Assert)
             and node.lineno <= line <= (node.end_lineno or node.lineno)]
    return found[-1] if found else None


def _user_frames(tb: Optional[TracebackType], user_ns: dict) -> list[tuple[FrameType, int]]:
    """The frames of the learner's own code (the notebook's namespace), outermost first; none when the
    assertion itself was raised elsewhere (a library)."""
    frames = []
    while tb is not None:
        frames.append((tb.tb_frame, tb.tb_lineno))
        tb = tb.tb_next
    if not frames or frames[-1][0].f_globals is not user_ns:
        return []
    return [(frame, line) for frame, line in frames if frame.f_globals is user_ns]


def _message(value: AssertionError) -> Optional[str]:
    message = value.args[0] if value.args else None
    if message is None or (isinstance(message, str) and not message.strip()):
        return None
    return str(message)


def explain(value: AssertionError, tb: Optional[TracebackType], user_ns: dict) -> Optional[list[str]]:
    """The report for an `assert` that failed in the learner's own code, or None for any other one."""
    frames = _user_frames(tb, user_ns)
    if not frames:
        return None
    frame, line = frames[-1]
    filename = frame.f_code.co_filename
    source = "".join(linecache.getlines(filename))
    node = _failing_assert(source, line) if source else None
    if node is None:
        return None
    where = "this cell" if filename == frames[0][0].f_code.co_filename else "the cell that defines it"
    lines = [f"Check failed, line {node.lineno} of {where}:", "",
             textwrap.indent(ast.get_source_segment(source, node) or "", "    "), ""]
    shown = {}
    for part in _parts(node.test):
        text = ast.unparse(part)
        if text in shown or not _is_read_only(part):
            continue
        try:
            shown[text] = _show(eval(compile(ast.Expression(part), filename, "eval"), frame.f_globals, frame.f_locals))
        except Exception:  # a part that cannot be recomputed is left out of the report
            continue
    lines += [f"    {text} = {value_text}" for text, value_text in shown.items()]
    message = _message(value)
    if message is not None:
        lines += ["", "The check's message:", textwrap.indent(message, "    ")]
    values = " (the values above are what your settings produced)" if shown else ""
    lines += ["", *textwrap.wrap(ADVICE.format(values=values), 100)]
    return lines


def _on_assertion(shell: Any, etype: type, value: BaseException, tb: Optional[TracebackType],
                  tb_offset: Optional[int] = None) -> list[str]:
    try:
        report = explain(value, tb, shell.user_ns) if isinstance(value, AssertionError) else None
    except Exception:  # never lose the error itself: fall back to the usual traceback
        report = None
    stb = ([f"AssertionError: {report[0]}", *report[1:]] if report is not None
           else shell.InteractiveTB.structured_traceback(etype, value, tb, tb_offset=tb_offset))
    sys.last_type, sys.last_value, sys.last_traceback = etype, value, tb  # %debug still works
    shell._showtraceback(etype, value, stb)  # an error output, as for any exception
    return stb


def install(shell: Any) -> bool:
    """Report failed checks in `shell` (an IPython shell) as `explain` does.  Leaves any other custom
    exception handler in place (returns False then)."""
    if shell.custom_exceptions and shell.custom_exceptions != (AssertionError,):
        return False
    shell.set_custom_exc((AssertionError,), _on_assertion)
    return True
