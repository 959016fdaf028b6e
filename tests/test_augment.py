"""widgets.augment: the sample photographs, the augmentation preview and the small-data experiment."""

import keras
import numpy as np
import pytest

from standalone import exec_without_widgets
from widgets import augment as A
from widgets import transfer as T


def test_sample_photos_are_downscaled_floats_in_0_1():
    for name in A.PHOTOS:
        photo = A.sample_photo(name)
        assert photo.shape == (A.PREVIEW_HEIGHT, A.PREVIEW_WIDTH, 3) and photo.dtype == np.float32
        assert 0.0 <= photo.min() and photo.max() <= 1.0
    with pytest.raises(ValueError, match="photo"):
        A.sample_photo("dog")


@pytest.mark.parametrize("settings, field", [({"blur": 0.1}, "unknown"), ({"rotation": 0.9}, "rotation"),
                                             ({"flip": 1.5}, "flip"), ({"crop": 0.1}, "crop"),
                                             ({"noise": True}, "noise")])
def test_check_settings_names_the_bad_field(settings, field):
    with pytest.raises(ValueError, match=field):
        A.check_settings(settings)


def test_every_augmentation_builds_its_named_keras_layer():
    for name, aug in A.AUGMENTATIONS.items():
        layers = aug.build(aug.example, seed=0)
        assert type(layers[0]).__name__ == aug.keras_layer
        assert aug.build(aug.off, seed=0) == []


def test_augment_with_everything_off_returns_the_original():
    photo = A.sample_photo("china")
    copies = A.augment(photo, {}, copies=3)
    assert all(np.array_equal(copy, photo) for copy in copies)


def test_augment_is_seeded_and_each_copy_differs():
    photo = A.sample_photo("flower")
    settings = {"rotation": 0.1, "contrast": 0.3}
    a, b = A.augment(photo, settings, 4, seed=1), A.augment(photo, settings, 4, seed=1)
    assert np.array_equal(a, b)
    assert not np.array_equal(a, A.augment(photo, settings, 4, seed=2))
    assert len({copy.tobytes() for copy in a}) == 4


def test_crop_draws_a_window_per_copy_although_keras_crops_a_batch_alike():
    photo = A.sample_photo("china")
    batch = np.asarray(keras.layers.RandomCrop(60, 90, seed=0)(np.stack([photo] * 4), training=True))
    assert all(np.array_equal(batch[0], c) for c in batch)          # Keras: one window per batch
    copies = A.augment(photo, {"crop": 0.6}, copies=4, seed=0)
    assert copies.shape == (4, *photo.shape) and len({c.tobytes() for c in copies}) > 1


def test_flip_only_mirrors():
    photo = A.sample_photo("china")
    for copy in A.augment(photo, {"flip": 1}, copies=6, seed=0):
        assert np.array_equal(copy, photo) or np.array_equal(copy, photo[:, ::-1])


def test_describe_lists_what_is_switched_on():
    assert A.describe({}) == "none"
    assert A.describe({"flip": 2, "noise": 0.1}) == "flip vertical, noise 0.1"


def test_preview_renders_and_moves_controls_from_code():
    preview = A.AugmentPreview(photo="china", copies=3, rotation=0.05)
    assert len(preview.figure.data) == 4 and "rotation 0.05" in preview.figure.layout.title.text
    copies = preview.set(flip=1, hue=0.2).render()
    assert copies.shape == (3, A.PREVIEW_HEIGHT, A.PREVIEW_WIDTH, 3)
    assert preview.settings["flip"] == 1 and preview.settings["hue"] == 0.2
    with pytest.raises(ValueError, match="rotation"):
        preview.set(rotation=3)
    before = preview.render()
    preview._new_draw()
    assert not np.array_equal(before, preview.render())


def test_digit_augmentation_nearest_moves_whole_pixels_and_bilinear_blends():
    x = T.digit_task(T.TARGET_DIGITS, 2).x_train[:8].reshape(-1, 8, 8, 1)
    values = set(np.round(x.ravel(), 5))
    nearest = A.digit_augmentation(shift=0.125, seed=0)[0]
    bilinear = A.digit_augmentation(shift=0.125, interpolation="bilinear", seed=0)[0]
    assert set(np.round(np.asarray(nearest(x, training=True)).ravel(), 5)) <= values | {0.0}
    assert not set(np.round(np.asarray(bilinear(x, training=True)).ravel(), 5)) <= values | {0.0}
    assert np.array_equal(np.asarray(nearest(x, training=False)), x)
    assert [l.name for l in A.digit_augmentation(shift=0.1, rotation=0.02, zoom=0.1)] == ["rotate", "zoom", "shift"]


def test_digit_model_puts_augmentation_first():
    model = A.digit_model(A.digit_augmentation(shift=0.125))
    assert model.layers[1].name == "shift" and model.output_shape == (None, 10)
    assert A.digit_model().name == "plain"


def test_augmentation_effect_table_has_one_row_per_variant_and_a_mean():
    table = A.augmentation_effect({"none": {}, "shift": dict(shift=0.125)}, labels_per_class=2, seeds=(0, 1),
                                  steps=20)
    assert list(table.index) == ["none", "shift"] and list(table.columns) == ["seed 0", "seed 1", "mean"]
    assert np.allclose(table["mean"], table[["seed 0", "seed 1"]].mean(axis=1))
    assert ((table >= 0) & (table <= 1)).all().all()


@pytest.mark.parametrize("settings", [
    {}, {"flip": 3, "zoom": 0.2, "hue": 0.1, "brightness": 0.2},
    {"flip": 1, "rotation": 0.05, "crop": 0.7, "contrast": 0.4, "noise": 0.05}])
def test_augmentation_code_builds_the_previewed_layers_in_plain_keras(settings):
    script = exec_without_widgets(A.augmentation_code(settings, photo="flower", copies=3))
    assert np.array_equal(script["image"], A.sample_photo("flower"))
    assert script["augmented"].shape == (3, A.PREVIEW_HEIGHT, A.PREVIEW_WIDTH, 3)
    expected = [layer for name, aug in A.AUGMENTATIONS.items()
                for layer in aug.build(A.check_settings(settings)[name], seed=0)]
    written = [layer for layer in script["augment"].layers if type(layer).__name__ != "Identity"]

    def described(layer):
        return type(layer).__name__, {k: v for k, v in layer.get_config().items() if k not in ("name", "seed")}

    assert [described(layer) for layer in written] == [described(layer) for layer in expected]
    if not settings:
        assert np.array_equal(script["augmented"][0], script["image"])


def test_preview_shows_the_code_of_its_controls():
    preview = A.AugmentPreview(photo="china", copies=2, rotation=0.05)
    preview.code_view.show()
    assert preview.code_view.code == A.augmentation_code({"rotation": 0.05}, "china", 2)
    preview.set(noise=0.1)
    assert "GaussianNoise(stddev=0.1)" in preview.code_view.code
    preview.controls["rotation"].value = 0.0  # a slider moved by the learner
    assert "RandomRotation" not in preview.code_view.code
