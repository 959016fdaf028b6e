"""RunConfig rejects every bad value with a ValueError naming the field, the value and what is allowed."""

import dataclasses

import pytest

import widgets as w
from widgets import config as C


def names(choices):
    """The accepted names as the message quotes them."""
    return [repr(c) for c in choices]


# Every RunConfig field: (a value of the wrong type, a value out of range or an unknown name, what the
# message must offer instead: every accepted name of a choice, the interval or range of a number).
BAD_INPUT = {
    "dataset": (3, "mnist", names(C.DATASETS)),
    "standardize": ("yes", 1, ["True or False"]),
    "train_fraction": ("half", 1.5, ["(0, 1]"]),
    "activation": (None, "relu6x", names(C.ACTIVATIONS)),
    "initializer": (1.0, "xavier", names(C.INITIALIZERS)),
    "init_scale": ("0.1", 0.0, ["(0, 1000]"]),  # with initializer="random_normal" (see BASE)
    "depth": (2.5, 65, ["from 1 to 64"]),
    "width": ("32", 0, ["from 1 to 1024"]),
    "batchnorm": ("on", 1, ["True or False"]),
    "batchnorm_position": (0, "middle", names(C.BATCHNORM_POSITIONS)),
    "output_activation": (None, "softplus2", names(C.OUTPUT_ACTIVATIONS)),
    "loss": (1, "cross_entropy", names(C.LOSSES)),
    "dropout": ("0.5", 1.0, ["[0, 1)"]),
    "l1": ("0.1", -1e-3, ["[0, 10]"]),
    "l2": ("0.1", float("inf"), ["[0, 10]"]),
    "max_norm": ("1", 0.0, ["(0, 1e+09]"]),
    "early_stopping_patience": (2.5, -1, ["from 0 to 10000"]),
    "optimizer": (None, "SGD", names(C.OPTIMIZERS)),
    "learning_rate": ("1e-3", 0.0, ["(0, 1e+06]"]),
    "momentum": ("0.9", 1.0, ["[0, 1)"]),
    "nesterov": ("true", 1, ["True or False"]),
    "beta_1": ("0.9", 1.0, ["[0, 1)"]),
    "beta_2": (None, -0.1, ["[0, 1)"]),
    "clipnorm": ("1", 0.0, ["(0, 1e+09]"]),
    "clipvalue": ([1.0], -1.0, ["(0, 1e+09]"]),
    "global_clipnorm": (True, float("nan"), ["(0, 1e+09]"]),
    "schedule": (None, "cosine", names(C.SCHEDULES)),
    "batch_size": (3.5, 0, ["from 1 to 65536"]),
    "epochs": ("20", 20000, ["from 1 to 10000"]),
    "seed": (1.5, -1, ["from 0 to 2147483647"]),
}
# Fields whose bad values are tried on a config where the field is otherwise allowed.
BASE = {"init_scale": dict(initializer="random_normal"), "momentum": dict(optimizer="sgd"),
        "nesterov": dict(optimizer="sgd")}
# Values that slip past a careless check: a bool is an int to Python, NaN fails no comparison.
EDGE_CASES = [("depth", "bool for int", True), ("learning_rate", "bool for number", True),
              ("dropout", "nan", float("nan")), ("l1", "inf", float("inf"))]
CASES = [(field, kind, value) for field, (wrong_type, out_of_range, _) in BAD_INPUT.items()
         for kind, value in (("wrong type", wrong_type), ("out of range or unknown", out_of_range))] + EDGE_CASES


def test_the_table_covers_every_field():
    """A new RunConfig field without a row here fails this test."""
    assert set(BAD_INPUT) == {f.name for f in dataclasses.fields(w.RunConfig)}


@pytest.mark.parametrize("field,kind,value", CASES, ids=[f"{f}-{k}" for f, k, _ in CASES])
def test_bad_value_raises_valueerror_naming_field_value_and_what_is_allowed(field, kind, value):
    with pytest.raises(ValueError) as err:
        w.RunConfig(**BASE.get(field, {}), **{field: value})
    message = str(err.value)
    assert f"RunConfig.{field} = {value!r}" in message, message
    missing = [allowed for allowed in BAD_INPUT[field][2] if allowed not in message]
    assert not missing, f"{message!r} does not offer {missing}"


def test_the_bad_values_are_the_only_problem():
    """Each row's base config is valid, so the error above comes from the bad value alone."""
    for field in BAD_INPUT:
        w.RunConfig(**BASE.get(field, {}))


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
    with pytest.raises(ValueError, match="no field 'deepness'.*known fields: dataset, standardize"):
        cfg.replace(deepness=3)


def test_frozen():
    with pytest.raises(Exception):
        w.RunConfig().depth = 4


@pytest.mark.parametrize("changes,field", [
    (dict(optimizer="adam", momentum=0.9), "momentum"),
    (dict(optimizer="adam", nesterov=True), "nesterov"),
    (dict(clipnorm=1.0, clipvalue=0.5), "clipvalue"),
    (dict(clipnorm=1.0, global_clipnorm=1.0), "global_clipnorm"),
    (dict(initializer="he_normal", init_scale=0.1), "init_scale"),
])
def test_contradictory_fields_are_named(changes, field):
    with pytest.raises(ValueError, match=f"RunConfig.{field} = {changes[field]!r} is not allowed"):
        w.RunConfig(**changes)


def test_describe_mentions_what_differs():
    text = w.RunConfig(dropout=0.3, clipnorm=1.0, batchnorm=True).describe()
    assert "dropout=0.3" in text and "clipnorm=1" in text and "BN" in text

