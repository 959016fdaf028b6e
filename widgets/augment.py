"""Data augmentation with Keras's own preprocessing layers (chapter 10).

Two parts:
- a preview: scikit-learn's two sample photographs (china.jpg, flower.jpg, shipped inside the
  package, downscaled here for speed) go through the augmentation layers the learner switches on,
  and a grid shows the original next to several augmented copies; `AugmentPreview` (in
  `augment_preview`, importable from here) puts one control per layer on top of that grid;
- an experiment: a small network learns the 8x8 digits from a few labelled images per class, with
  and without small rotations, shifts and zooms, and `augmentation_effect` measures the validation
  accuracy of both over several seeds.

Every random layer acts only when called with `training=True` (inside `fit`, or explicitly as in the
preview); at inference it passes images through unchanged.  Images are floats in [0, 1] throughout:
`GaussianNoise` accepts a standard deviation of at most 1, so it needs this scale.
"""

from __future__ import annotations

import dataclasses
import functools
from typing import Any, Mapping, Sequence

import keras
import numpy as np
import pandas as pd
import plotly.graph_objects as go

from .codegen import literal, script_header
from .transfer_figures import image_grid
from .transfer_fit import accuracy, fit_cached
from .transfer_tasks import IMAGE_SIDE, digit_task

PREVIEW_HEIGHT, PREVIEW_WIDTH = 107, 160  # the 427x640 photographs scaled down by 4
PHOTOS = ("china", "flower")


@functools.lru_cache(maxsize=None)
def sample_photo(name: str = "china") -> np.ndarray:
    """One of scikit-learn's bundled photographs, downscaled to 107x160 pixels, RGB floats in [0, 1]."""
    if name not in PHOTOS:
        raise ValueError(f"photo = {name!r}: must be one of " + ", ".join(map(repr, PHOTOS)))
    from PIL import Image
    from sklearn.datasets import load_sample_image
    full = Image.fromarray(load_sample_image(f"{name}.jpg"))
    small = full.resize((PREVIEW_WIDTH, PREVIEW_HEIGHT), Image.Resampling.BILINEAR)
    return np.asarray(small, dtype=np.float32) / 255.0


# -- the augmentations the preview offers ----------------------------------------------------------

@dataclasses.dataclass(frozen=True)
class Augmentation:
    """One preprocessing layer of the preview: its control's range and how to build the layer."""

    name: str
    keras_layer: str  # the Keras class it uses
    label: str
    low: float
    high: float
    step: float
    example: float  # a clearly visible but realistic setting
    meaning: str

    def layer_specs(self, value: float) -> list[tuple[str, dict[str, Any]]]:
        """(Keras layer class, its arguments) for this setting, in order; [] when it is off (0 or,
        for crop, 1).  `build` and `augmentation_code` both read these, so they cannot disagree."""
        if value == self.off:
            return []
        if self.name == "rotation":
            return [("RandomRotation", dict(factor=value, fill_mode="reflect"))]
        if self.name == "flip":
            return [("RandomFlip", dict(mode=FLIP_MODES[int(value)]))]
        if self.name == "zoom":
            return [("RandomZoom", dict(height_factor=(-value, value), fill_mode="reflect"))]
        if self.name == "crop":  # a random window of this fraction, scaled back to the preview size
            return [("RandomCrop", dict(height=round(PREVIEW_HEIGHT * value), width=round(PREVIEW_WIDTH * value))),
                    ("Resizing", dict(height=PREVIEW_HEIGHT, width=PREVIEW_WIDTH))]
        if self.name in ("hue", "brightness", "contrast"):
            return [(self.keras_layer, dict(factor=value, value_range=(0, 1)))]
        return [("GaussianNoise", dict(stddev=value))]  # "noise"

    def build(self, value: float, seed: int) -> list[keras.layers.Layer]:
        """The Keras layer(s) for this setting, the random ones seeded with `seed`."""
        return [getattr(keras.layers, name)(**args, **({} if name == "Resizing" else {"seed": seed}))
                for name, args in self.layer_specs(value)]

    @property
    def off(self) -> float:
        return 1.0 if self.name == "crop" else 0.0


FLIP_MODES = ("off", "horizontal", "vertical", "horizontal_and_vertical")

# In the order they are applied: geometry first, then colour, noise last.
AUGMENTATIONS: dict[str, Augmentation] = {a.name: a for a in (
    Augmentation("flip", "RandomFlip", "flip mode", 0, 3, 1, 1,
                 "mirror left-right and/or upside down, each with probability 1/2"),
    Augmentation("rotation", "RandomRotation", "rotation factor", 0.0, 0.5, 0.01, 0.05,
                 "turn by up to factor x 360 degrees either way (0.05 = 18 degrees)"),
    Augmentation("zoom", "RandomZoom", "zoom factor", 0.0, 0.6, 0.02, 0.2,
                 "zoom in or out by up to this fraction of the size"),
    Augmentation("crop", "RandomCrop", "crop: kept fraction", 0.4, 1.0, 0.05, 0.7,
                 "cut a random window of this fraction of height and width (1 = off)"),
    Augmentation("hue", "RandomHue", "hue factor", 0.0, 1.0, 0.02, 0.1,
                 "rotate colours around the colour wheel by up to factor x 180 degrees"),
    Augmentation("brightness", "RandomBrightness", "brightness factor", 0.0, 1.0, 0.02, 0.2,
                 "add up to this fraction of the value range to every pixel, either way"),
    Augmentation("contrast", "RandomContrast", "contrast factor", 0.0, 1.0, 0.02, 0.4,
                 "scale each channel's distance from its mean by 1 - factor to 1 + factor"),
    Augmentation("noise", "GaussianNoise", "noise std", 0.0, 0.5, 0.01, 0.05,
                 "add Gaussian noise with this standard deviation (pixel values are 0-1)"),
)}


def check_settings(settings: Mapping[str, float]) -> dict[str, float]:
    """Validate {augmentation name: value}; unnamed augmentations are off."""
    out = {name: aug.off for name, aug in AUGMENTATIONS.items()}
    for name, value in settings.items():
        if name not in AUGMENTATIONS:
            raise ValueError(f"unknown augmentation {name!r}; known: " + ", ".join(AUGMENTATIONS))
        aug = AUGMENTATIONS[name]
        if isinstance(value, bool) or not isinstance(value, (int, float)) or not aug.low <= value <= aug.high \
                or (name == "flip" and value != int(value)):
            allowed = ("0 (off), 1 (horizontal), 2 (vertical) or 3 (both)" if name == "flip"
                       else f"a number from {aug.low:g} to {aug.high:g}")
            raise ValueError(f"{name} = {value!r}: must be {allowed}")
        out[name] = float(value)
    return out


def augment(image: np.ndarray, settings: Mapping[str, float], copies: int = 7, seed: int = 0) -> np.ndarray:
    """`copies` augmented versions of one image (floats in [0, 1]), drawn with a fixed seed.

    The layers are called with `training=True`, as `fit` does.  RandomCrop picks one window for a
    whole batch, so the crop is applied to each copy separately to give each its own window.
    """
    settings = check_settings(settings)
    batch = np.repeat(np.asarray(image, np.float32)[None], copies, axis=0)
    for name, aug in AUGMENTATIONS.items():
        layers = _fresh_layers(name, settings[name], seed + 101 * len(name))
        if not layers:
            continue
        if name == "crop":
            crop, resize = layers
            batch = np.concatenate([np.asarray(resize(crop(img[None], training=True))) for img in batch])
        else:
            batch = np.asarray(layers[0](batch, training=True))
    return np.clip(batch, 0.0, 1.0)


@functools.lru_cache(maxsize=64)
def _built_layers(name: str, value: float, seed: int) -> tuple[tuple[keras.layers.Layer, ...], tuple[np.ndarray, ...]]:
    """`AUGMENTATIONS[name].build(value, seed)` and the layers' variables as built (their random
    generators' seeds): the preview's redraws ask for the same few layers again and again, and
    building them took a fifth of each redraw's `augment`."""
    layers = tuple(AUGMENTATIONS[name].build(value, seed=seed))
    return layers, tuple(np.array(v) for layer in layers for v in layer.variables)


def _fresh_layers(name: str, value: float, seed: int) -> tuple[keras.layers.Layer, ...]:
    """The layers of `_built_layers`, their variables reset to those of freshly built ones, so that
    they draw exactly what new layers would."""
    layers, built = _built_layers(name, value, seed)
    for variable, start in zip([v for layer in layers for v in layer.variables], built):
        variable.assign(start)
    return layers


def preview_figure(original: np.ndarray, copies: np.ndarray, title: str, columns: int = 4) -> go.Figure:
    """The original image followed by its augmented copies."""
    return image_grid([original, *copies], ["original"] + [f"augmented copy {i}" for i in range(1, len(copies) + 1)],
                      title, columns)


def describe(settings: Mapping[str, float]) -> str:
    """The switched-on augmentations in words, e.g. 'rotation 0.05, noise 0.1' ('none' if all off)."""
    settings = check_settings(settings)
    parts = [(f"flip {FLIP_MODES[int(v)]}" if n == "flip" else f"{n} {v:g}")
             for n, v in settings.items() if v != AUGMENTATIONS[n].off]
    return ", ".join(parts) or "none"


def augmentation_code(settings: Mapping[str, float], photo: str = "china", copies: int = 7) -> str:
    """A plain Keras script: the switched-on augmentations as one `keras.Sequential`, applied to
    copies of the preview's photograph (its `augment`, `image` and `augmented` are what the preview
    uses and shows)."""
    settings = check_settings(settings)
    if photo not in PHOTOS:
        raise ValueError(f"photo = {photo!r}: must be one of " + ", ".join(map(repr, PHOTOS)))
    layers = [f"    keras.layers.{name}({', '.join(f'{k}={literal(v)}' for k, v in args.items())}),"
              for aug_name, aug in AUGMENTATIONS.items() for name, args in aug.layer_specs(settings[aug_name])]
    if not layers:
        layers = ["    keras.layers.Identity(),  # nothing switched on: images pass unchanged"]
    crop_note = (["# (RandomCrop cuts the same window out of every image of a batch.)"]
                 if settings["crop"] != AUGMENTATIONS["crop"].off else [])
    lines = ['"""Data augmentation with Keras preprocessing layers.', "",
             f'Switched on: {describe(settings)}."""', *script_header(),
             "import numpy as np", "from PIL import Image", "from sklearn.datasets import load_sample_image",
             "", "keras.utils.set_random_seed(0)", "",
             f"# The photograph, scaled down to {PREVIEW_WIDTH} x {PREVIEW_HEIGHT} pixels, as floats in [0, 1]",
             f'photo = Image.fromarray(load_sample_image("{photo}.jpg"))',
             f"photo = photo.resize(({PREVIEW_WIDTH}, {PREVIEW_HEIGHT}), Image.Resampling.BILINEAR)",
             'image = np.asarray(photo, dtype="float32") / 255.0', "",
             "# The augmentation layers, in the order they are applied: geometry, colour, noise",
             "augment = keras.Sequential([", *layers, "])", *crop_note, "",
             "# Random layers change images only when called with training=True, as fit() does;",
             "# when the model predicts, they pass images through unchanged.",
             f"batch = np.repeat(image[None], {copies}, axis=0)  # {copies} copies of the photo",
             "augmented = np.clip(np.asarray(augment(batch, training=True)), 0.0, 1.0)",
             'print("augmented batch:", augmented.shape)', "",
             "# In a model of your own, put the layers first, e.g.",
             "# model = keras.Sequential([keras.Input(shape=image.shape), augment, ...])"]
    return "\n".join(lines) + "\n"


# -- the small-training-set experiment -------------------------------------------------------------

def digit_augmentation(shift: float = 0.0, rotation: float = 0.0, zoom: float = 0.0,
                       interpolation: str = "nearest", seed: int = 0) -> list[keras.layers.Layer]:
    """Label-preserving changes for 8x8 digits, as Keras layers (factors in Keras's own units).

    shift: RandomTranslation factor, a fraction of the side (0.125 = up to one pixel each way).
    rotation: RandomRotation factor, a fraction of a full turn (0.03 = up to 11 degrees).
    zoom: RandomZoom factor (0.2 = up to 20 % in or out).
    interpolation: "nearest" moves whole pixels; "bilinear" blends neighbours, which on an 8x8
        image blurs the strokes.  Empty borders are filled with 0, the digits' blank background,
        not with Keras's default reflection, which would mirror strokes into the border.
    No flips: a mirrored 2 is not a 2.
    """
    common = dict(fill_mode="constant", fill_value=0.0, interpolation=interpolation)
    layers: list[keras.layers.Layer] = []
    if rotation:
        layers.append(keras.layers.RandomRotation(rotation, seed=seed, name="rotate", **common))
    if zoom:
        layers.append(keras.layers.RandomZoom(zoom, seed=seed + 1, name="zoom", **common))
    if shift:
        layers.append(keras.layers.RandomTranslation(shift, shift, seed=seed + 2, name="shift", **common))
    return layers


DIGIT_VARIANTS: dict[str, dict[str, Any]] = {
    "none": {},
    "shift 1 px (nearest)": dict(shift=0.125),
    "shift 1 px (bilinear)": dict(shift=0.125, interpolation="bilinear"),
    "rotation 11 deg": dict(rotation=0.03),
    "zoom 20 %": dict(zoom=0.2),
}


def digit_model(augmentation: Sequence[keras.layers.Layer] = (), seed: int = 0,
                learning_rate: float = 3e-3) -> keras.Sequential:
    """A small compiled convolutional classifier of the 10 digits; `augmentation` layers go first.

    It takes flattened 8x8 images (as `transfer.digit_task` gives them) and reshapes them.
    """
    keras.utils.set_random_seed(seed)
    model = keras.Sequential([
        keras.Input(shape=(IMAGE_SIDE ** 2,), name="pixels"),
        keras.layers.Reshape((IMAGE_SIDE, IMAGE_SIDE, 1), name="image"),
        *augmentation,
        keras.layers.Conv2D(16, 3, padding="same", activation="relu", name="conv"),
        keras.layers.MaxPooling2D(2, name="pool"),
        keras.layers.Flatten(name="flatten"),
        keras.layers.Dense(32, activation="relu", name="hidden"),
        keras.layers.Dense(10, activation="softmax", name="output"),
    ], name="augmented" if augmentation else "plain")
    model.compile(optimizer=keras.optimizers.Adam(learning_rate), loss="sparse_categorical_crossentropy",
                  metrics=["accuracy"])
    return model


def augmentation_effect(variants: Mapping[str, Mapping[str, Any]] = DIGIT_VARIANTS,
                        labels_per_class: int = 5, seeds: Sequence[int] = (0, 1, 2, 3),
                        steps: int = 500) -> pd.DataFrame:
    """Validation accuracy on all 10 digits for each augmentation variant (rows) and seed (columns).

    variants: name -> keyword arguments of `digit_augmentation` ({} = no augmentation).
    Each seed draws its own `labels_per_class` labelled images per digit, initial weights and batch
    order, shared by every variant, so differences within a column come from the augmentation.
    """
    table = {}
    for name, kwargs in variants.items():
        row = {}
        for seed in seeds:
            task = digit_task(range(10), labels_per_class, seed=seed)
            model = digit_model(digit_augmentation(seed=seed, **kwargs), seed=seed)
            fit_cached(model, task.x_train, task.y_train, steps, seed=seed, points=1)
            row[seed] = accuracy(model, task.x_val, task.y_val)
        table[name] = row
    frame = pd.DataFrame.from_dict(table, orient="index")
    frame.columns = [f"seed {s}" for s in seeds]
    frame.index.name = f"augmentation ({labels_per_class} labels per digit)"
    return frame.assign(mean=frame.mean(axis=1))


def __getattr__(name: str) -> Any:
    if name in ("AugmentPreview", "PREVIEW_PRESETS"):  # the panel needs ipywidgets: loaded when asked for
        from . import augment_preview
        return getattr(augment_preview, name)
    raise AttributeError(f"module 'widgets.augment' has no attribute {name!r}")
