"""`AugmentPreview`: the chapter 10 panel, one control per Keras augmentation layer over a photo grid.

Every change redraws the grid at once (well under a second).  The presets are whole scenarios: each
sets every layer (what it does not name is off).
"""

from __future__ import annotations

from typing import Any, Optional, Mapping

import ipywidgets as ipw
import numpy as np

from .augment import (AUGMENTATIONS, FLIP_MODES, PHOTOS, augment, augmentation_code, check_settings, describe,
                      preview_figure, sample_photo)
from .livefigures import placeholder, update_live
from .panel import Panel

PREVIEW_PRESETS: dict[str, dict[str, float]] = {
    "nothing: the photo as it is": {},
    "geometry: flip, small turns, zoom": dict(flip=1, rotation=0.05, zoom=0.2),
    "colour: hue, brightness, contrast": dict(hue=0.1, brightness=0.2, contrast=0.4),
    "every layer at a realistic setting": {name: aug.example for name, aug in AUGMENTATIONS.items()},
}
_STYLE = {"description_width": "130px"}


def _control(name: str, value: float) -> ipw.Widget:
    aug = AUGMENTATIONS[name]
    common = dict(description=aug.keras_layer, style=_STYLE, tooltip=f"{aug.label}: {aug.meaning}")
    if name == "flip":
        return ipw.Dropdown(options=[(m, i) for i, m in enumerate(FLIP_MODES)], value=int(value), **common)
    return ipw.FloatSlider(value=value, min=aug.low, max=aug.high, step=aug.step, continuous_update=False,
                           readout_format=".2f", **common)


class AugmentPreview(Panel):
    """A photo menu, one control per augmentation layer, a "new draw" button and a live image grid.

    `set(name=value)` moves controls from code (the grid redraws once) and `render()` redraws
    synchronously and returns the augmented copies (what nbval runs).
    """

    preset_hint = "the grid shows it."

    def __init__(self, photo: str = "china", copies: int = 7, seed: int = 0,
                 presets: Optional[Mapping[str, Mapping[str, float]]] = None, **settings: float):
        self.copies, self.seed = copies, seed
        start = check_settings(settings)
        controls = {"photo": ipw.Dropdown(options=PHOTOS, value=photo, description="photo", style=_STYLE,
                                          tooltip="the photograph the layers change")}
        controls.update({name: _control(name, start[name]) for name in AUGMENTATIONS})
        presets = PREVIEW_PRESETS if presets is None else presets
        super().__init__(controls, {name: check_settings(values) for name, values in presets.items()},
                         self.keras_code)
        self.redraw_button = ipw.Button(description="New random draw", icon="refresh",
                                        tooltip="draw new random augmentations of the same settings")
        self.redraw_button.on_click(lambda _b: self._new_draw())
        self.figure = placeholder("augmented copies")
        self._frame([self.redraw_button], [], [self.figure])
        self.render()
        self.show("Move a control: the grid redraws at once.")

    @property
    def settings(self) -> dict[str, float]:
        """{augmentation name: value} of the controls."""
        return {name: float(self.controls[name].value) for name in AUGMENTATIONS}

    def set(self, **settings: Any) -> "AugmentPreview":
        """Move controls from code (validated first: augmentations and `photo`); the grid redraws once."""
        photo = settings.pop("photo", self.controls["photo"].value)
        if photo not in PHOTOS:
            raise ValueError(f"photo = {photo!r}: must be one of " + ", ".join(map(repr, PHOTOS)))
        check_settings(settings)
        with self.muted():
            self.controls["photo"].value = photo
            for name, value in settings.items():
                self.controls[name].value = int(value) if name == "flip" else float(value)
        return self

    def changed(self) -> None:
        self.render()

    def live_figures(self) -> list:
        return [self.figure]

    def _new_draw(self) -> None:
        self.seed += 1
        self.render()

    def render(self) -> np.ndarray:
        """Redraw the grid with the current controls; returns the augmented copies."""
        photo = self.controls["photo"].value
        original = sample_photo(photo)
        copies = augment(original, self.settings, self.copies, self.seed)
        update_live(self.figure, preview_figure(original, copies, f"{photo}.jpg, augmentation: "
                                                f"{describe(self.settings)}"))
        return copies

    def keras_code(self) -> str:
        """The current settings as a plain Keras script (see `augmentation_code`)."""
        return augmentation_code(self.settings, self.controls["photo"].value, self.copies)
