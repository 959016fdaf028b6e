"""Chapter 10 checks: the experiments measure what the learner's own Keras layers do."""

import keras
import numpy as np
import pytest

from widgets.exercises import ch10

L = keras.layers
TRIVIAL = (None, 0, "", [])


def test_helpful_augmentation_rejects_the_starting_block():
    start = ch10.check_helpful_augmentation([L.RandomFlip("horizontal", seed=0), L.RandomRotation(0.5, seed=0)])
    assert not start and "seed 0:" in start.message and "seed 1:" in start.message


def test_helpful_augmentation_accepts_whole_pixel_shifts_as_a_list_or_a_sequential():
    shift = dict(fill_mode="constant", interpolation="nearest", seed=0)
    assert ch10.check_helpful_augmentation([L.RandomTranslation(0.125, 0.125, **shift)])
    assert ch10.check_helpful_augmentation(keras.Sequential([L.RandomTranslation(0.125, 0.125, **shift)]))


def test_helpful_augmentation_refuses_shape_changes_and_non_layers_before_training():
    assert "(6, 6, 1)" in ch10.check_helpful_augmentation([L.RandomCrop(6, 6)]).message
    assert "Keras layer" in ch10.check_helpful_augmentation(["RandomFlip"]).message


def _rotation(factor):
    return L.RandomRotation(factor, fill_mode="constant", seed=1)


def test_rotation_range_measures_the_angle_of_the_learners_layer():
    assert ch10.check_rotation_range(_rotation(9 / 360))
    assert ch10.check_rotation_range(_rotation((-0.026, 0.026)))
    angles = ch10.measured_turns(_rotation(9 / 360))
    assert 8.5 < np.abs(angles).max() <= 9.05


@pytest.mark.parametrize("factor", [0.1, 0.05, 0.03, 0.01, 0.0])
def test_rotation_range_rejects_the_start_and_settings_printed_in_the_chapter(factor):
    # 0.1: the starting cell; 0.05 (18 degrees): the table's example; 0.03 (10.8 degrees): section 4
    assert not ch10.check_rotation_range(_rotation(factor))


def test_rotation_range_wants_a_rotation_layer():
    for wrong in (0.025, 9, L.RandomTranslation(0.1, 0.1), "RandomRotation(0.025)"):
        assert not ch10.check_rotation_range(wrong)


def test_label_preserving_accepts_exactly_the_small_changes():
    assert ch10.check_label_preserving(sorted(ch10.LABEL_PRESERVING))
    assert ch10.check_label_preserving([c.upper() for c in ch10.LABEL_PRESERVING])
    assert not ch10.check_label_preserving(sorted(ch10.LABEL_PRESERVING) + ["horizontal flip"])
    assert not ch10.check_label_preserving(["shift by one pixel", "rotation by 10 degrees"])   # the prose's two
    assert not ch10.check_label_preserving(sorted(ch10.LABEL_PRESERVING - {"zoom in by 10 %"}) + ["shift by four pixels"])
    assert "not among" in ch10.check_label_preserving(["hue shift"]).message


@pytest.mark.parametrize("trivial", TRIVIAL)
def test_every_checker_refuses_trivial_answers(trivial):
    assert not ch10.check_helpful_augmentation(trivial)
    assert not ch10.check_rotation_range(trivial)
    assert not ch10.check_label_preserving(trivial)
