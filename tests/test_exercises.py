"""The exercise machinery: verdicts, hints instead of answers, solutions on request, progress."""

import json

import pytest

import widgets as w
from widgets.exercises import (Feedback, all_exercises, check_choice, check_locked, check_number, check_set,
                               exercise, progress, solution_function)
from widgets.exercises.predict import predict


def test_feedback_is_truthy_only_when_right_and_renders():
    right, wrong = Feedback(True, "because"), Feedback(False, "no", hint="look again")
    assert right and not wrong
    assert "Right" in right._repr_html_() and "Not yet" in wrong._repr_html_()
    assert "look again" in wrong._repr_html_() and "Hint: look again" in str(wrong)


def test_check_number_accepts_close_and_hides_the_explanation_when_wrong():
    assert check_number(0.249, 0.25, rel_tol=0.01, why="because 1/4")
    far = check_number(0.5, 0.25, why="because 1/4")
    assert not far and "too high" in far.message
    assert "1/4" not in far.message and "0.25" not in far.message
    assert not check_number("0.25", 0.25) and not check_number(float("nan"), 0.25)


def test_check_choice_explains_only_a_right_pick():
    explanations = {"a": "a is right", "b": "b is wrong because a"}
    assert check_choice("A ", "a", explanations)
    wrong = check_choice("b", "a", explanations, wrong={"b": "b overlooks the slope"})
    assert not wrong and wrong.message == "b overlooks the slope"
    assert "'a'" not in check_choice("b", "a", explanations).message
    assert "one of" in check_choice("z", "a", explanations).message


def test_check_set_counts_missing_and_extra_without_naming_them():
    allowed = {"x", "y", "z"}
    assert check_set(["y", "x"], {"x", "y"}, allowed)
    result = check_set(["x", "z"], {"x", "y"}, allowed)
    assert not result and "1 missing" in result.message and "1 that should not" in result.message
    assert "y" not in result.message.replace("Your", "")
    assert not check_set("x", {"x"}, allowed)


def test_check_locked_rejects_locked_fields_the_start_and_non_configs():
    start = w.RunConfig(depth=8, activation="sigmoid")
    assert "depth=8" in check_locked(start.replace(depth=2), start, ["depth"]).message
    assert "unchanged" in check_locked(start, start, ["depth"]).message
    assert not check_locked(None, start, ["depth"])
    assert check_locked(start.replace(activation="relu"), start, ["depth"]) is None
    assert not check_locked(start.replace(width=8), start, ["depth"], changed=["activation", "initializer"])


def test_hints_grow_stronger_and_a_right_answer_is_recorded():
    @exercise("99", 1, "test exercise", kind="recall", hints=("first hint", "second hint"),
              solution="answer = 42")
    def check_answer(answer):
        return Feedback(answer == 42, "ok" if answer == 42 else "off")

    progress.reset()
    try:
        assert check_answer(1).hint == "first hint"
        assert check_answer(2).hint == "second hint"
        assert check_answer(3).hint == "second hint"
        assert "99.1" not in progress.solved()
        assert check_answer(42) and "99.1" in progress.solved()
        table = progress.progress()
        assert {"title", "kind", "solved"} <= set(table.columns)
        solution = solution_function("99")
        assert solution(1).code == "answer = 42\nch99.check_answer(answer)\n"
        with pytest.raises(ValueError, match="chapter 99 has exercises"):
            solution(2)
    finally:
        from widgets import exercises
        exercises._REGISTRY.pop(("99", 1))
        progress.reset()


def test_progress_lives_where_the_tests_point_it(tmp_path, monkeypatch):
    monkeypatch.setenv(progress.ENV_VAR, str(tmp_path / "p.json"))
    progress.record("01", 2, "x")
    assert json.loads((tmp_path / "p.json").read_text())["01.2"]["title"] == "x"
    assert "01.2" in progress.solved()


def test_prediction_reports_held_missed_and_missing():
    p = predict("Which layer learns slowest?", {"first": "the first", "last": "the last"})
    assert p.reveal("first", "because").held is None and "No prediction" in str(p.reveal("first", "x"))
    p.choice = "last"
    assert p.reveal("first", "why").held is False
    p.choice = "first"
    verdict = p.reveal("first", "because the product of slopes")
    assert verdict.held and "held" in verdict._repr_html_()
    with pytest.raises(ValueError, match="pick one of"):
        p.choice = "middle"
    p.close()


def test_every_exercise_declares_hints_a_kind_and_a_solution():
    for e in all_exercises():
        assert e.hints and e.kind in ("experiment", "prediction", "recall") and "answer" in e.solution, e


@pytest.mark.parametrize("entry", all_exercises(), ids=lambda e: f"{e.chapter}.{e.number}")
def test_solution_passes_and_trivial_answers_fail(entry):
    """The solution a learner can ask for passes its checker; None, 0, "" and [] fail it."""
    import importlib
    module = importlib.import_module(f"widgets.exercises.ch{entry.chapter}")
    namespace = {"w": w, f"ch{entry.chapter}": module}
    exec(entry.solution, namespace)
    assert entry.checker(namespace["answer"]), f"the solution of {entry.chapter}.{entry.number} fails its checker"
    for trivial in (None, 0, "", []):
        assert not entry.checker(trivial), f"exercise {entry.chapter}.{entry.number} accepts {trivial!r}"


@pytest.mark.parametrize("chapter", [f"{n:02d}" for n in range(1, 13)])
def test_each_chapter_has_three_exercises_two_of_them_experiments_and_a_prediction(chapter):
    """What issue #12 asks of every chapter 01-12: mostly experiments, and predict first."""
    from pathlib import Path
    kinds = [e.kind for e in all_exercises() if e.chapter == chapter]
    assert len(kinds) >= 3 and kinds.count("experiment") >= 2, f"chapter {chapter}: {kinds}"
    notebook = next((Path(__file__).parents[1] / "notebooks").glob(f"{chapter}_*.ipynb")).read_text()
    assert "predict(" in notebook and ".reveal(" in notebook, f"chapter {chapter} has no predict-first"
    assert "# Solution" not in notebook, f"chapter {chapter} shows a solution cell"
