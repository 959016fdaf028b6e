from widgets.exercises import Feedback, check_choice, check_number, check_set


def test_feedback_is_truthy_only_when_right_and_renders():
    right, wrong = Feedback(True, "because"), Feedback(False, "no")
    assert right and not wrong
    assert "Right" in right._repr_html_() and "Not yet" in wrong._repr_html_()


def test_check_number_accepts_close_and_rejects_far_or_non_numbers():
    assert check_number(0.249, 0.25, rel_tol=0.01)
    far = check_number(0.5, 0.25)
    assert not far and "too high" in far.message
    assert not check_number("0.25", 0.25) and not check_number(float("nan"), 0.25)


def test_check_choice_explains_every_option():
    explanations = {"a": "a is right", "b": "b is wrong because"}
    assert check_choice("A ", "a", explanations)
    wrong = check_choice("b", "a", explanations)
    assert not wrong and "because" in wrong.message
    assert "one of" in check_choice("z", "a", explanations).message


def test_check_set_names_missing_and_extra():
    allowed = {"x", "y", "z"}
    assert check_set(["y", "x"], {"x", "y"}, allowed)
    result = check_set(["x", "z"], {"x", "y"}, allowed)
    assert not result and "missing y" in result.message and "z should not be there" in result.message
    assert not check_set("x", {"x"}, allowed)
