"""`keras_code(config)` scripts, run as standalone plain Keras, train exactly like `train(config)`.

Every generated script is executed from its full text in a separate Python process in which the
`widgets` package cannot be imported (one process runs them all, see `standalone.FreshProcess`),
while this process trains the same configs with `train`.
"""

import math

import pytest

import widgets as w
from standalone import FreshProcess

E = dict(depth=2, width=16, epochs=4, batch_size=64)  # small and fast; every case changes something on top
CASES = {
    # every optimizer, each with some other technique
    "moons-adam-baseline": w.RunConfig(dataset="moons", **E),
    "moons-sgd-dropout": w.RunConfig(dataset="moons", optimizer="sgd", learning_rate=0.1, dropout=0.3, **E),
    "moons-nesterov-clipnorm": w.RunConfig(dataset="moons", optimizer="sgd", momentum=0.9, nesterov=True,
                                           learning_rate=0.05, clipnorm=0.05, **E),
    "circles-rmsprop-bn-before-clipvalue": w.RunConfig(dataset="circles", optimizer="rmsprop", momentum=0.5,
                                                       batchnorm=True, clipvalue=0.01, **E),
    "circles-adagrad-bn-after-globalclip": w.RunConfig(dataset="circles", optimizer="adagrad", learning_rate=0.05,
                                                       batchnorm=True, batchnorm_position="after",
                                                       global_clipnorm=0.1, **E),
    "spiral-adadelta-l1-fraction": w.RunConfig(dataset="spiral", optimizer="adadelta", learning_rate=1.0,
                                               l1=1e-3, train_fraction=0.5, **E),
    "spiral-adamw-l2-maxnorm-tanh": w.RunConfig(dataset="spiral", optimizer="adamw", learning_rate=0.01,
                                                l2=1e-2, max_norm=0.5, activation="tanh", **E),
    "pima-nadam-betas-l1l2-raw-power": w.RunConfig(dataset="pima", optimizer="nadam", beta_1=0.8, beta_2=0.99,
                                                   l1=1e-4, l2=1e-3, standardize=False, schedule="power",
                                                   learning_rate=0.01, **E),
    "pima-adamax-exponential": w.RunConfig(dataset="pima", optimizer="adamax", schedule="exponential",
                                           learning_rate=0.05, **E),
    # early stopping and the plateau schedule, set up so that both act within the few epochs
    "breast-early-stopping": w.RunConfig(dataset="breast_cancer", learning_rate=0.05, width=64,
                                         early_stopping_patience=0, depth=2, epochs=8),
    "breast-plateau": w.RunConfig(dataset="breast_cancer", optimizer="sgd", learning_rate=1.0, schedule="plateau",
                                  depth=2, width=16, epochs=8),
    "breast-piecewise-bn-dropout-depth1": w.RunConfig(dataset="breast_cancer", schedule="piecewise", batchnorm=True,
                                                      dropout=0.2, learning_rate=0.01, depth=1, width=16, epochs=4),
    # multiclass: sparse labels, one-hot labels for whole-vector losses, output overrides
    "digits-1cycle": w.RunConfig(dataset="digits", schedule="1cycle", learning_rate=0.01, **E),
    "digits-onehot-elu-he": w.RunConfig(dataset="digits", loss="categorical_crossentropy", activation="elu",
                                        initializer="he_normal", **E),
    "iris-sigmoid-mse-random-normal": w.RunConfig(dataset="iris", output_activation="sigmoid",
                                                  loss="mean_squared_error", initializer="random_normal",
                                                  init_scale=0.5, **dict(E, batch_size=16)),
    "wine-selu-random-uniform": w.RunConfig(dataset="wine", activation="selu", initializer="random_uniform",
                                            init_scale=0.2, seed=3, **dict(E, batch_size=32)),
    # regression
    "diabetes-dropout-bn-after": w.RunConfig(dataset="diabetes_progression", dropout=0.1, batchnorm=True,
                                             batchnorm_position="after", **E),
    "diabetes-mae-sgd-clipnorm-early": w.RunConfig(dataset="diabetes_progression", loss="mean_absolute_error",
                                                   optimizer="sgd", learning_rate=0.3, clipnorm=1.0,
                                                   early_stopping_patience=1, **E),
    # other binary output choices and a deeper, wider-batched net
    "moons-tanh-hinge": w.RunConfig(dataset="moons", output_activation="tanh", loss="hinge", **E),
    "spiral-deep-leaky-batch128": w.RunConfig(dataset="spiral", activation="leaky_relu", depth=4, width=16,
                                              batch_size=128, epochs=5, seed=7),
}


def same_to_3_significant_digits(a: float, b: float) -> bool:
    """a and b agree to 3 significant digits of b (within half a unit of its third digit)."""
    if b == 0:
        return a == 0
    return abs(a - b) <= 0.5 * 10 ** (math.floor(math.log10(abs(b))) - 2)


@pytest.fixture(scope="module")
def script_and_train_losses(tmp_path_factory):
    """{case: (losses of the generated script, the Run from train)}, computed side by side."""
    scripts = FreshProcess([w.keras_code(cfg) for cfg in CASES.values()], 'history.history["loss"]',
                           tmp_path_factory.mktemp("keras_scripts"))
    runs = {name: w.train(cfg, probes=False) for name, cfg in CASES.items()}
    return {name: (result, runs[name]) for name, result in zip(CASES, scripts.results())}


@pytest.mark.parametrize("name", CASES)
def test_generated_script_trains_like_train(name, script_and_train_losses):
    result, run = script_and_train_losses[name]
    assert "error" not in result, result.get("error")
    got_losses, expected = result["value"], run.history["loss"].tolist()
    assert len(got_losses) == len(expected), "the script trained a different number of epochs"
    for epoch, (got, want) in enumerate(zip(got_losses, expected), start=1):
        assert same_to_3_significant_digits(got, want), f"epoch {epoch}: script loss {got!r}, train loss {want!r}"


def test_early_stopping_and_plateau_cases_really_use_them(script_and_train_losses):
    """Otherwise a script that left those callbacks out would pass the equivalence test."""
    assert script_and_train_losses["breast-early-stopping"][1].status == "early-stopped"
    assert script_and_train_losses["diabetes-mae-sgd-clipnorm-early"][1].status == "early-stopped"
    plateau = script_and_train_losses["breast-plateau"][1].history["lr"]
    assert plateau.iloc[-1] < plateau.iloc[0]


def test_every_optimizer_dataset_and_schedule_is_covered():
    covered = {field: {getattr(cfg, field) for cfg in CASES.values()}
               for field in ("optimizer", "dataset", "schedule", "batchnorm_position")}
    assert covered["optimizer"] == set(w.config.OPTIMIZERS)
    assert covered["dataset"] == set(w.config.DATASETS)
    assert covered["schedule"] == set(w.config.SCHEDULES)
    assert {c.batchnorm_position for c in CASES.values() if c.batchnorm} == set(w.config.BATCHNORM_POSITIONS)
    for field in ("clipnorm", "clipvalue", "global_clipnorm", "max_norm", "init_scale", "early_stopping_patience"):
        assert any(getattr(c, field) is not None for c in CASES.values()), field
    for field in ("dropout", "l1", "l2"):
        assert any(getattr(c, field) for c in CASES.values()), field
    assert any(not c.standardize for c in CASES.values()) and any(c.train_fraction < 1 for c in CASES.values())


@pytest.mark.parametrize("optimizer", w.config.OPTIMIZERS)
def test_script_uses_the_optimizer_class_train_uses(optimizer):
    """(AdamW differs from Adam only by a small default weight decay, too little to show in the losses.)"""
    cfg = w.RunConfig(optimizer=optimizer)
    assert f"optimizer = keras.optimizers.{type(w.build_optimizer(cfg)).__name__}(" in w.keras_code(cfg)


def test_script_is_readable_code_not_a_config_dump():
    code = w.keras_code(w.RunConfig(dataset="moons", dropout=0.2, l2=1e-3, batchnorm=True, clipnorm=1.0))
    assert "RunConfig" not in code and "import widgets" not in code and "from widgets" not in code
    assert "keras.layers.Dropout(0.2)" in code and "keras.regularizers.L2(0.001)" in code
    assert "keras.layers.BatchNormalization()" in code and "clipnorm=1.0" in code
    # Keras's defaults are left out, as a person would leave them out
    plain = w.keras_code(w.RunConfig(dataset="moons"))
    for default in ("kernel_initializer", "kernel_regularizer", "momentum", "beta_1", "callbacks", "Dropout"):
        assert default not in plain, default
    assert max(len(line) for line in code.splitlines()) <= 110


def test_keras_code_rejects_non_configs():
    with pytest.raises(TypeError, match="RunConfig"):
        w.keras_code("moons")
