"""Chapter 06 checkers: the clipping rules match Keras; measured right answers pass; wrong ones, the
starting config, trivial answers and the limits the notebook prints fail."""

import keras
import numpy as np
import pytest

import widgets as w
from widgets.exercises import ch06

TRIVIAL = (None, 0, "", [])


def keras_update(gradients, **clipping):
    """The step SGD(learning_rate=1) takes from zero variables, negated: the clipped gradients."""
    variables = [keras.Variable(np.zeros(len(g), "float32")) for g in gradients]
    optimizer = keras.optimizers.SGD(learning_rate=1.0, **clipping)
    optimizer.apply_gradients([(keras.ops.convert_to_tensor(np.asarray(g, "float32")), v)
                               for g, v in zip(gradients, variables)])
    return [-v.numpy() for v in variables]


@pytest.mark.parametrize("gradient", [[0.9, 100.0], [3.0, 4.0], [-5.0, 0.5, 3.0]])
@pytest.mark.parametrize("limit", [0.5, 2.0])
def test_rules_match_keras(gradient, limit):
    assert np.allclose(keras_update([gradient], clipvalue=limit)[0], ch06.clip_by_value(gradient, limit), rtol=1e-6)
    assert np.allclose(keras_update([gradient], clipnorm=limit)[0], ch06.clip_by_norm(gradient, limit), rtol=1e-5)
    scale = ch06.global_scale([gradient], limit)
    assert np.allclose(keras_update([gradient], global_clipnorm=limit)[0], np.asarray(gradient) * scale, rtol=1e-5)


@pytest.mark.parametrize("checker", [ch06.check_loosest_clipnorm, ch06.check_whole_update_clipping,
                                     ch06.check_clip_by_value])
def test_trivial_answers_fail_without_raising(checker):
    for answer in TRIVIAL:
        result = checker(answer)
        assert not result and result.message


def test_loosest_clipnorm_accepts_a_limit_whose_double_diverges():
    result = ch06.check_loosest_clipnorm(ch06.EXPLODING.replace(clipnorm=8.0))
    assert result, result.message
    assert "validation accuracy" in result.message


def test_loosest_clipnorm_rejects_tight_loose_start_and_other_fields():
    tight = ch06.check_loosest_clipnorm(ch06.EXPLODING.replace(clipnorm=1.0))  # the lab's preset: learns, but 2 holds too
    assert not tight and "did not either" in tight.message
    loose = ch06.check_loosest_clipnorm(ch06.EXPLODING.replace(clipnorm=32.0))
    assert not loose and "diverged" in loose.message
    assert "unchanged" in ch06.check_loosest_clipnorm(ch06.EXPLODING).message
    assert not ch06.check_loosest_clipnorm(ch06.EXPLODING.replace(global_clipnorm=1.0))  # the notebook's cure
    assert not ch06.check_loosest_clipnorm(ch06.EXPLODING.replace(clipnorm=8.0, learning_rate=0.1))


def test_loosest_clipnorm_measures_a_run_handed_in():
    run = w.train(ch06.EXPLODING.replace(clipnorm=32.0), probes=False)
    assert run.status == "diverged" and not ch06.check_loosest_clipnorm(run)


def test_whole_update_clipping_needs_global_clipnorm_one():
    assert ch06.check_whole_update_clipping(keras.optimizers.SGD(learning_rate=1.0, global_clipnorm=1.0))
    per_variable = ch06.check_whole_update_clipping(keras.optimizers.SGD(learning_rate=1.0, clipnorm=1.0))
    assert not per_variable and "direction changed" in per_variable.message
    assert not ch06.check_whole_update_clipping(keras.optimizers.SGD(learning_rate=1.0, clipvalue=1.0))
    assert not ch06.check_whole_update_clipping(keras.optimizers.SGD(learning_rate=1.0, global_clipnorm=5.0))
    unclipped = ch06.check_whole_update_clipping(keras.optimizers.SGD(learning_rate=1.0))
    assert not unclipped and "length 13" in unclipped.message
    assert not ch06.check_whole_update_clipping(keras.optimizers.Adam(learning_rate=1.0, global_clipnorm=1.0))
    assert not ch06.check_whole_update_clipping(keras.optimizers.SGD(learning_rate=0.01, global_clipnorm=1.0))
    assert not ch06.check_whole_update_clipping(keras.optimizers.SGD(learning_rate=1.0, momentum=0.9,
                                                                     global_clipnorm=1.0))


def test_clip_by_value_counts_wrong_components_without_naming_them():
    assert ch06.check_clip_by_value([-2, 0.5, 2])
    wrong = ch06.check_clip_by_value([-2, 0.2, 1.2])  # that is clipping the norm
    assert not wrong and "2 of the 3" in wrong.message and "0.5" not in wrong.message
    assert not ch06.check_clip_by_value([-5.0, 0.5, 3.0])  # the gradient itself, unclipped
    assert "list of 3 numbers" in ch06.check_clip_by_value([1, 2]).message
