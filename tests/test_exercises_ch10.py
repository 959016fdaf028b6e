"""Chapter 10 checks, tested against what Keras itself does."""

import keras
import numpy as np

from widgets.exercises import ch10


def test_label_preserving_accepts_exactly_the_small_changes():
    assert ch10.check_label_preserving(sorted(ch10.LABEL_PRESERVING))
    assert not ch10.check_label_preserving(sorted(ch10.LABEL_PRESERVING) + ["horizontal flip"])
    assert not ch10.check_label_preserving(["shift by one pixel"])
    assert "not among" in ch10.check_label_preserving(["hue shift"]).message


def test_rotation_limit_matches_the_largest_measured_turn():
    size, radius = 101, 45
    dots = np.zeros((300, size, size, 1), "float32")
    dots[:, size // 2, size // 2 + radius] = 1.0
    turned = np.asarray(keras.layers.RandomRotation(ch10.ROTATION_FACTOR, fill_mode="constant", seed=1)(
        dots, training=True))[..., 0]
    rows, cols = np.mgrid[0:size, 0:size] - size // 2
    mass = turned.sum(axis=(1, 2))
    angles = np.degrees(np.arctan2((turned * rows).sum(axis=(1, 2)) / mass, (turned * cols).sum(axis=(1, 2)) / mass))
    assert abs(np.abs(angles).max() - ch10.rotation_limit_degrees()) < 1.0
    assert ch10.check_rotation_limit(round(float(np.abs(angles).max())))
    assert not ch10.check_rotation_limit(0.05)               # the factor itself, not degrees
    assert not ch10.check_rotation_limit(36)                 # the whole range, not the limit


def test_inference_behaviour_matches_keras():
    x = np.random.default_rng(0).random((2, 16, 16, 3)).astype("float32")
    unchanged = np.array_equal(np.asarray(keras.layers.RandomRotation(0.2)(x, training=False)), x)
    assert ch10.check_inference_behaviour("unchanged" if unchanged else "rotated")
    assert not ch10.check_inference_behaviour("rotated")
    assert not ch10.check_inference_behaviour("averaged")
    assert not ch10.check_inference_behaviour(None)
