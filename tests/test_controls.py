"""Controls and the rules that grey them out: which fields a setting makes irrelevant, and why."""

import pytest

import widgets as w
from widgets.config import RunConfig, effective_config, ignored_fields
from widgets.controls import CONTROL_SPECS, make_control


def test_every_control_has_a_label_and_a_tooltip_of_its_own():
    for field, spec in CONTROL_SPECS.items():
        control = make_control(field, getattr(RunConfig(), field))
        assert control.description == spec.label and control.tooltip == spec.tooltip and spec.tooltip != spec.label
        control.close()


@pytest.mark.parametrize("changes, ignored", [
    (dict(optimizer="adam"), {"momentum", "nesterov", "init_scale", "batchnorm_position"}),
    (dict(optimizer="sgd", momentum=0.9, initializer="random_normal", batchnorm=True), {"beta_1", "beta_2"}),
    (dict(optimizer="sgd", momentum=0.0), {"nesterov", "beta_1", "beta_2", "init_scale", "batchnorm_position"}),
    (dict(optimizer="rmsprop", clipvalue=0.5, global_clipnorm=1.0),
     {"nesterov", "beta_1", "beta_2", "init_scale", "batchnorm_position", "clipnorm", "global_clipnorm"}),
])
def test_ignored_fields_follow_what_keras_uses(changes, ignored):
    values = {**RunConfig().to_dict(), **changes}
    assert set(ignored_fields(values)) == ignored


def test_effective_config_keeps_what_applies_and_defaults_the_rest():
    values = {**RunConfig(optimizer="sgd", momentum=0.9, nesterov=True, clipnorm=1.0).to_dict(),
              "optimizer": "adam", "clipvalue": 0.5, "init_scale": 2.0}
    cfg = effective_config(values)
    assert (cfg.momentum, cfg.nesterov, cfg.clipnorm, cfg.clipvalue, cfg.init_scale) == (0.0, False, 1.0, None, None)
    with pytest.raises(ValueError, match="depth"):
        effective_config({**values, "depth": 0})  # invalid in itself: still an error
    with pytest.raises(ValueError, match="colour"):
        effective_config({"colour": "red"})


def test_chapter_01_trap_picking_he_normal_after_a_tiny_init_preset():
    lab = w.TrainingLab(w.RunConfig(depth=8, activation="sigmoid", epochs=1),
                        controls=("activation", "initializer", "init_scale", "depth"),
                        presets={"tiny": dict(activation="relu", initializer="random_normal", init_scale=0.05)})
    try:
        lab.apply_preset("tiny")
        assert lab.config.init_scale == 0.05 and not lab.controls["init_scale"].disabled
        lab.controls["initializer"].value = "he_normal"
        scale = lab.controls["init_scale"]
        assert scale.disabled and "he_normal sets its own scale" in scale.tooltip
        assert lab.config.init_scale is None and not lab.status_text.startswith("Cannot")
    finally:
        lab.close()
