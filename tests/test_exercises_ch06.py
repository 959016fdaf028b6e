"""Chapter 06 checks: the clipping rules they use must be the ones Keras's optimizers apply."""

import numpy as np
import keras
import pytest

from widgets.exercises import ch06


def keras_update(gradients, **clipping):
    """The step SGD(learning_rate=1) takes from zero variables, negated: the clipped gradients."""
    variables = [keras.Variable(np.zeros(len(g), "float32")) for g in gradients]
    optimizer = keras.optimizers.SGD(learning_rate=1.0, **clipping)
    optimizer.apply_gradients([(keras.ops.convert_to_tensor(np.asarray(g, "float32")), v)
                               for g, v in zip(gradients, variables)])
    return [-v.numpy() for v in variables]


@pytest.mark.parametrize("gradient", [[0.9, 100.0], [3.0, 4.0], [0.1, -0.2], [-5.0, 0.5, 3.0]])
@pytest.mark.parametrize("limit", [0.5, 1.0, 2.0])
def test_rules_match_keras(gradient, limit):
    assert np.allclose(keras_update([gradient], clipvalue=limit)[0], ch06.clip_by_value(gradient, limit),
                       rtol=1e-6)
    assert np.allclose(keras_update([gradient], clipnorm=limit)[0], ch06.clip_by_norm(gradient, limit),
                       rtol=1e-5)


def test_global_scale_matches_keras_and_differs_from_per_variable():
    gradients, limit = ch06.GLOBAL_EXERCISE
    scale = ch06.global_scale(gradients, limit)
    clipped = keras_update(gradients, global_clipnorm=limit)
    for g, c in zip(gradients, clipped):
        assert np.allclose(c, np.asarray(g) * scale, rtol=1e-5)
    per_variable = keras_update(gradients, clipnorm=limit)
    assert all(np.isclose(np.linalg.norm(c), limit, rtol=1e-5) for c in per_variable)


def test_checks_accept_right_and_reject_wrong():
    assert ch06.check_clip_by_norm([0.6, 0.8])
    assert not ch06.check_clip_by_norm([1.0, 1.0])  # that is clipping by value
    assert ch06.check_clip_by_value([-2, 0.5, 2])
    assert not ch06.check_clip_by_value([-2, 0.2, 1.2])  # that is clipping the norm
    assert ch06.check_global_scale(1 / 13)
    assert not ch06.check_global_scale(1 / 5)


def test_checks_explain_malformed_answers():
    assert "list of 2 numbers" in ch06.check_clip_by_norm(None).message
    assert "list of 3 numbers" in ch06.check_clip_by_value([1, 2]).message
    assert not ch06.check_global_scale("1/13")
