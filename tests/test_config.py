import pytest

import widgets as w
from widgets.config import field_names

BAD_VALUES = {
    "dataset": ["mnist", 3], "standardize": ["yes", 1], "train_fraction": [0, 1.5, "half"],
    "activation": ["relu6x", None], "initializer": ["xavier", ""], "init_scale": [0.0, -1.0], "depth": [0, 2.5, True, 65],
    "width": [0, -3, "32"], "batchnorm": [1, "on"], "batchnorm_position": ["middle"],
    "output_activation": ["softplus2"], "loss": ["cross_entropy"], "dropout": [-0.1, 1.0, float("nan")],
    "l1": [-1e-3, float("inf")], "l2": [-1.0, "0.1"], "max_norm": [0.0, -1.0],
    "early_stopping_patience": [-1, 2.5], "optimizer": ["adamx", "SGD"], "learning_rate": [0.0, -1e-3, "1e-3"],
    "momentum": [1.0, -0.5], "nesterov": ["true"], "beta_1": [1.0], "beta_2": [-0.1],
    "clipnorm": [0.0, -1.0], "clipvalue": [0, "1"], "global_clipnorm": [-2.0], "schedule": ["cosine"],
    "batch_size": [0, 3.5], "epochs": [0, 20000], "seed": [-1, 1.5],
}


def test_every_field_has_bad_values_under_test():
    assert set(BAD_VALUES) == set(field_names())


@pytest.mark.parametrize("field,value", [(f, v) for f, vs in BAD_VALUES.items() for v in vs])
def test_bad_value_is_rejected_with_field_value_and_allowed(field, value):
    with pytest.raises(ValueError) as err:
        w.RunConfig(**{field: value})
    message = str(err.value)
    assert f"RunConfig.{field}" in message and repr(value) in message and "must be" in message


def test_defaults_match_the_design_card_example():
    cfg = w.RunConfig(dataset="moons", activation="sigmoid", initializer="glorot_uniform", depth=6, width=32,
                      dropout=0.0, l1=0.0, l2=0.0, max_norm=None, batchnorm=False, optimizer="adam",
                      learning_rate=1e-3, momentum=0.0, clipnorm=None, clipvalue=None, batch_size=32,
                      epochs=20, seed=0)
    assert cfg.depth == 6 and cfg.activation == "sigmoid"


def test_replace_returns_a_validated_changed_copy():
    cfg = w.RunConfig()
    other = cfg.replace(activation="tanh", depth=5)
    assert (other.activation, other.depth) == ("tanh", 5) and cfg.activation == "relu"
    with pytest.raises(ValueError, match="depth"):
        cfg.replace(depth=-1)
    with pytest.raises(ValueError, match="no field 'deepness'"):
        cfg.replace(deepness=3)


def test_frozen():
    with pytest.raises(Exception):
        w.RunConfig().depth = 4


@pytest.mark.parametrize("changes,field", [
    (dict(optimizer="adam", momentum=0.9), "momentum"),
    (dict(optimizer="adam", nesterov=True), "nesterov"),
    (dict(clipnorm=1.0, clipvalue=0.5), "clipvalue"),
    (dict(clipnorm=1.0, global_clipnorm=1.0), "global_clipnorm"),
])
def test_contradictory_fields_are_named(changes, field):
    with pytest.raises(ValueError, match=f"RunConfig.{field}"):
        w.RunConfig(**changes)


def test_describe_mentions_what_differs():
    text = w.RunConfig(dropout=0.3, clipnorm=1.0, batchnorm=True).describe()
    assert "dropout=0.3" in text and "clipnorm=1" in text and "BN" in text
