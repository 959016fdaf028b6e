"""Chapter 09 checks, tested against what Keras itself does."""

import numpy as np

from widgets import transfer as T
from widgets.exercises import ch09


def test_trainable_layers_match_a_reused_model():
    model = T.reuse(T.build_classifier(5), 5, frozen=ch09.FROZEN_IN_EXERCISE)
    trained = [layer.name for layer in model.layers if layer.trainable]
    assert ch09.check_trainable_layers(trained)
    assert ch09.check_trainable_layers(list(reversed(trained)))


def test_trainable_layers_rejects_wrong_sets_and_formats():
    assert not ch09.check_trainable_layers(["output"])
    assert not ch09.check_trainable_layers(["hidden_1", "hidden_2"])
    assert "list" in ch09.check_trainable_layers("hidden_3").message
    assert "not among" in ch09.check_trainable_layers(["hidden_3", "softmax"]).message


def test_still_changes_is_what_keras_does():
    task = T.digit_task(T.TARGET_DIGITS, 3)
    model = T.reuse(None, 5, frozen=0)
    model.fit(task.x_train, task.y_train, epochs=1, verbose=0)
    model.get_layer("hidden_1").trainable = False
    before = model.get_layer("hidden_1").kernel.numpy().copy()
    model.fit(task.x_train, task.y_train, epochs=1, verbose=0)
    changed = not np.array_equal(before, model.get_layer("hidden_1").kernel.numpy())
    assert ch09.check_still_changes("yes" if changed else "no")
    assert not ch09.check_still_changes("no")
    assert not ch09.check_still_changes("maybe")


def test_trainable_count_matches_keras():
    model = T.reuse(T.build_classifier(5), 5, frozen=3)
    count = int(sum(np.prod(v.shape) for v in model.trainable_weights))
    assert count == ch09.output_layer_weights()
    assert ch09.check_trainable_count(count)
    everything = int(sum(np.prod(v.shape) for v in model.weights))
    assert not ch09.check_trainable_count(everything)
    assert not ch09.check_trainable_count(32 * 5)            # forgot the biases
    assert not ch09.check_trainable_count("165")
