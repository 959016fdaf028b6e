"""Chapter 05 checks, tested against what Keras itself does."""

import keras
import numpy as np
import tensorflow as tf

from widgets.exercises import ch05


def test_dropout_answer_matches_keras_dropout():
    layer = keras.layers.Dropout(ch05.DROPOUT_RATE, seed=1)
    x = np.full((1, 2000), ch05.DROPOUT_INPUT, dtype="float32")
    trained = np.asarray(layer(x, training=True))
    kept = np.unique(trained[trained != 0])
    inference = np.unique(np.asarray(layer(x, training=False)))
    assert len(kept) == 1 and len(inference) == 1
    assert ch05.check_dropout_outputs((float(kept[0]), float(inference[0])))


def test_dropout_rejects_unscaled_or_swapped_answers():
    assert not ch05.check_dropout_outputs((3.0, 3.0))  # forgot the 1/(1-rate) scaling
    assert not ch05.check_dropout_outputs((3.0, 4.0))
    assert "two numbers" in ch05.check_dropout_outputs(4.0).message


def test_decay_factor_matches_one_keras_sgd_step():
    w0 = np.array([[2.0], [-0.5]], dtype="float32")
    layer = keras.layers.Dense(1, use_bias=False, kernel_regularizer=keras.regularizers.L2(ch05.DECAY_L2))
    layer.build((None, 2))
    layer.kernel.assign(w0)
    optimizer = keras.optimizers.SGD(learning_rate=ch05.DECAY_LEARNING_RATE)
    with tf.GradientTape() as tape:
        layer(np.zeros((1, 2), "float32"))  # zero input: the data term has zero gradient
        penalty = keras.ops.sum(layer.losses)
    optimizer.apply_gradients(zip(tape.gradient(penalty, [layer.kernel]), [layer.kernel]))
    measured = layer.kernel.numpy() / w0
    assert np.allclose(measured, ch05.decay_factor(), atol=1e-6)
    assert ch05.check_decay_factor(float(measured[0, 0]))


def test_decay_factor_rejects_the_formula_without_the_factor_two():
    assert not ch05.check_decay_factor(1 - ch05.DECAY_LEARNING_RATE * ch05.DECAY_L2)
    assert not ch05.check_decay_factor("0.998")


def test_loss_terms_are_the_penalties_only():
    assert ch05.check_loss_terms(["L2", "l1"])
    wrong = ch05.check_loss_terms(["l1", "l2", "dropout"])
    assert not wrong and "dropout should not be there" in wrong.message
    assert not ch05.check_loss_terms(["l1"])
    assert not ch05.check_loss_terms(["weight_decay"])
