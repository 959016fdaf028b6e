"""`keras_code(config)`: the same run written as a plain-Keras script that does not import widgets.

The lab is for comparing; a learner's own project uses Keras directly.  The script reads like code
one would write by hand (a Sequential model built layer by layer, the optimizer, the callbacks,
`fit`) and yet reproduces `train(config)`: it loads the same rows with the same split and scaling,
creates the same layers in the same order and seeds Keras the same way.  Only settings that differ
from Keras's defaults are written out.
"""

from __future__ import annotations

import inspect
from typing import Sequence

from .config import RunConfig
from .data import (DATA_DIR, GENERATED_ROWS, PIMA_FEATURES, SPLIT_SEED, VALIDATION_FRACTION, Dataset,
                   load_dataset, make_spiral)
from .model import _OPTIMIZER_CLASSES, needs_one_hot, output_and_loss, output_units
from .schedules import PLATEAU_FACTOR, PLATEAU_PATIENCE, OneCycle

_SKLEARN_LOADERS = {"breast_cancer": "load_breast_cancer", "digits": "load_digits", "iris": "load_iris",
                    "wine": "load_wine", "diabetes_progression": "load_diabetes"}
_KERAS_DEFAULT_INITIALIZER = "glorot_uniform"
_LINE = 100  # wrap calls longer than this
_STEPPED_SCHEDULES = ("power", "exponential", "piecewise", "1cycle")  # functions of the step count


def literal(value: object) -> str:
    """A Python literal as a person would type it: "relu", 0.001, 1e-5, True, None."""
    if isinstance(value, str):
        return '"' + value.replace("\\", "\\\\").replace('"', '\\"') + '"'
    text = repr(value)
    if isinstance(value, float) and "e" in text:
        mantissa, exponent = text.split("e")
        text = f"{mantissa}e{int(exponent)}"
    return text


def script_header(stdlib: Sequence[str] = ()) -> list[str]:
    """The opening lines of every generated script: imports, quieter TensorFlow, `import keras`.

    stdlib: further standard-library modules to import (e.g. "math").
    """
    return [*(f"import {name}" for name in sorted({"os", *stdlib})), "",
            'os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "2")  # fewer TensorFlow start-up messages',
            'os.environ.setdefault("TF_ENABLE_ONEDNN_OPTS", "0")  # the workbook\'s float rounding, bit for bit',
            "", "import keras"]


def call(head: str, args: list[str], indent: str = "", comment: str = "", close: str = "") -> list[str]:
    """`head(arg, ...)` + close on one line, or one argument per line when that is too long."""
    tail = f"  # {comment}" if comment else ""
    one_line = f"{indent}{head}({', '.join(args)}){close}{tail}"
    if len(one_line) <= _LINE or not args:
        return [one_line]
    hugged = f"{indent}    {', '.join(args)},"
    if len(hugged) <= _LINE:
        return [f"{indent}{head}({tail}", hugged, f"{indent}){close}"]
    return [f"{indent}{head}({tail}"] + [f"{indent}    {a}," for a in args] + [f"{indent}){close}"]


# -- data ------------------------------------------------------------------------------------------

def _load_lines(name: str) -> tuple[list[str], list[str], list[str]]:
    """Imports, definitions (top-level functions) and the lines that produce a dataset's raw x, y."""
    if name == "moons":
        return ["from sklearn.datasets import make_moons"], [], [
            f"x, y = make_moons(n_samples={GENERATED_ROWS}, noise=0.25, random_state={SPLIT_SEED})"]
    if name == "circles":
        return ["from sklearn.datasets import make_circles"], [], [
            f"x, y = make_circles(n_samples={GENERATED_ROWS}, noise=0.1, factor=0.5, random_state={SPLIT_SEED})"]
    if name == "spiral":
        source = (inspect.getsource(make_spiral).replace("GENERATED_ROWS", str(GENERATED_ROWS))
                  .replace("SPLIT_SEED", str(SPLIT_SEED)).rstrip())
        return ["import numpy as np"], [source], ["x, y = make_spiral()"]
    if name == "pima":
        path = DATA_DIR / "pima.csv"
        return ["import pandas as pd"], [], [
            f"pima = pd.read_csv({literal(str(path))})  # datasets/pima.csv, shipped with the workbook",
            f"x = pima[[{', '.join(map(literal, PIMA_FEATURES))}]].to_numpy()",
            'y = pima["type"].to_numpy()']
    loader = _SKLEARN_LOADERS[name]
    return [f"from sklearn.datasets import {loader}"], [], [f"x, y = {loader}(return_X_y=True)"]


def _data_lines(config: RunConfig, dataset: Dataset) -> tuple[list[str], list[str], list[str]]:
    """Imports, definitions and the lines that leave x_train, y_train, x_val, y_val as `train` sees them."""
    imports, definitions, lines = _load_lines(config.dataset)
    imports.append("from sklearn.model_selection import train_test_split")
    regression = dataset.task == "regression"
    held_out = f"{VALIDATION_FRACTION:.0%}"
    lines += [f'x, y = x.astype("float32"), y.astype("{"float32" if regression else "int32"}")',
              *call("x_train, x_val, y_train, y_val = train_test_split",
                    ["x", "y", f"test_size={VALIDATION_FRACTION}", f"random_state={SPLIT_SEED}"]
                    + ([] if regression else ["stratify=y"]),
                    comment=f"{held_out} held out" + ("" if regression else ", same class balance"))]
    if regression:
        lines += ["mean, std = y_train.mean(), y_train.std()  # standardize the target too",
                  "y_train, y_val = (y_train - mean) / std, (y_val - mean) / std"]
    if config.standardize:
        imports.append("from sklearn.preprocessing import StandardScaler")
        lines += ["scaler = StandardScaler().fit(x_train)  # statistics of the training rows only",
                  "x_train, x_val = scaler.transform(x_train), scaler.transform(x_val)"]
    if config.train_fraction < 1.0:
        lines += [f"keep = max(2, round(len(x_train) * {literal(config.train_fraction)}))"
                  f"  # only {config.train_fraction:.0%} of the training rows",
                  "x_train, y_train = x_train[:keep], y_train[:keep]"]
    if needs_one_hot(config, dataset):
        loss = output_and_loss(config, dataset)[1]
        units = output_units(dataset)
        lines += [f"y_train = keras.utils.to_categorical(y_train, {units})  # {loss} compares whole vectors",
                  f"y_val = keras.utils.to_categorical(y_val, {units})"]
    return imports, definitions, lines


# -- model -----------------------------------------------------------------------------------------

def _initializer_arg(config: RunConfig) -> list[str]:
    if config.init_scale is not None:
        scale = literal(config.init_scale)
        init = (f"keras.initializers.RandomNormal(stddev={scale})" if config.initializer == "random_normal"
                else f"keras.initializers.RandomUniform(-{scale}, {scale})")
    elif config.initializer != _KERAS_DEFAULT_INITIALIZER:
        init = literal(config.initializer)
    else:
        return []
    return [f"kernel_initializer={init}"]


def _regularizer_arg(config: RunConfig) -> list[str]:
    if config.l1 and config.l2:
        reg = f"keras.regularizers.L1L2(l1={literal(config.l1)}, l2={literal(config.l2)})"
    elif config.l1:
        reg = f"keras.regularizers.L1({literal(config.l1)})"
    elif config.l2:
        reg = f"keras.regularizers.L2({literal(config.l2)})"
    else:
        return []
    return [f"kernel_regularizer={reg}"]


def _hidden_layer_lines(config: RunConfig, indent: str) -> list[str]:
    """One hidden block: Dense [-> BatchNormalization] [-> Activation] [-> Dropout]."""
    bn_before = config.batchnorm and config.batchnorm_position == "before"
    args = [str(config.width)] + ([] if bn_before else [f"activation={literal(config.activation)}"])
    args += _initializer_arg(config) + _regularizer_arg(config)
    if config.max_norm is not None:
        args.append(f"kernel_constraint=keras.constraints.MaxNorm({literal(config.max_norm)})")
    if bn_before:
        args.append("use_bias=False")
    lines = call("model.add(keras.layers.Dense", args, indent,
                 "no bias: batch norm's beta does its job" if bn_before else "", close=")")
    if bn_before:
        lines += [f"{indent}model.add(keras.layers.BatchNormalization())  # normalize, then activate",
                  f"{indent}model.add(keras.layers.Activation({literal(config.activation)}))"]
    elif config.batchnorm:
        lines.append(f"{indent}model.add(keras.layers.BatchNormalization())  # normalize the activations")
    if config.dropout:
        lines.append(f"{indent}model.add(keras.layers.Dropout({literal(config.dropout)}))"
                     f"  # drop {config.dropout:.0%} of the units at each training step")
    return lines


def _model_lines(config: RunConfig, dataset: Dataset) -> list[str]:
    out_activation, _ = output_and_loss(config, dataset)
    lines = ["model = keras.Sequential([keras.Input(shape=(x_train.shape[1],))])"]
    if config.depth == 1:
        lines += _hidden_layer_lines(config, "")
    else:
        lines += [f"for _ in range({config.depth}):", *_hidden_layer_lines(config, "    ")]
    return lines + call("model.add(keras.layers.Dense",
                        [str(output_units(dataset)), f"activation={literal(out_activation)}"]
                        + _initializer_arg(config), close=")")


# -- optimizer, schedule and callbacks -------------------------------------------------------------

def _schedule_lines(config: RunConfig) -> list[str]:
    """Lines defining `learning_rate`, a Keras schedule, when the rate is a function of the step."""
    lr = literal(config.learning_rate)
    schedules = "keras.optimizers.schedules"
    if config.schedule not in _STEPPED_SCHEDULES:
        return []
    lines = [f"steps_per_epoch = math.ceil(len(x_train) / {config.batch_size})",
             f"total_steps = {config.epochs} * steps_per_epoch  # the schedule spans the whole run"]
    if config.schedule == "power":
        return lines + call(f"learning_rate = {schedules}.InverseTimeDecay",
                            [lr, "decay_steps=max(1, total_steps // 10)", "decay_rate=1.0"],
                            comment="halved after a tenth of the run")
    if config.schedule == "exponential":
        return lines + call(f"learning_rate = {schedules}.ExponentialDecay",
                            [lr, "decay_steps=total_steps", "decay_rate=0.1"], comment="10x smaller at the end")
    if config.schedule == "piecewise":
        return lines + [f"lr = {lr}"] + call(f"learning_rate = {schedules}.PiecewiseConstantDecay", [
            "[total_steps // 2, 3 * total_steps // 4]", "[lr, lr / 10, lr / 100]"],
            comment="/10 at half-way, /100 at three quarters")
    if config.schedule == "1cycle":
        return lines + [f"learning_rate = OneCycle({lr}, total_steps)"]
    raise ValueError(f"keras_code: RunConfig.schedule = {config.schedule!r} has no generated code")


def _optimizer_lines(config: RunConfig) -> list[str]:
    stepped = config.schedule in _STEPPED_SCHEDULES
    args = [f"learning_rate={'learning_rate' if stepped else literal(config.learning_rate)}"]
    if config.optimizer == "sgd" and config.momentum:
        args.append(f"momentum={literal(config.momentum)}")
    if config.nesterov:
        args.append("nesterov=True")
    if config.optimizer == "rmsprop" and config.momentum:
        args.append(f"momentum={literal(config.momentum)}")
    if config.optimizer in ("adam", "adamw", "nadam", "adamax"):
        if config.beta_1 != 0.9:
            args.append(f"beta_1={literal(config.beta_1)}")
        if config.beta_2 != 0.999:
            args.append(f"beta_2={literal(config.beta_2)}")
    comment = ""
    for name, what in (("clipnorm", "each weight's gradient rescaled to norm <= {}"),
                       ("clipvalue", "every gradient entry clipped to [-{0}, {0}]"),
                       ("global_clipnorm", "all gradients rescaled together to norm <= {}")):
        value = getattr(config, name)
        if value is not None:
            args.append(f"{name}={literal(value)}")
            comment = what.format(literal(value))
    return call(f"optimizer = keras.optimizers.{_OPTIMIZER_CLASSES[config.optimizer]}", args, comment=comment)


def _callback_lines(config: RunConfig) -> list[str]:
    callbacks = []
    if config.early_stopping_patience is not None:
        callbacks += [f"    # stop once val_loss has not improved for {config.early_stopping_patience} epochs, "
                      "keep the best weights",
                      f'    keras.callbacks.EarlyStopping(monitor="val_loss", '
                      f"patience={config.early_stopping_patience}, restore_best_weights=True),"]
    if config.schedule == "plateau":
        callbacks += [f"    # multiply the learning rate by {PLATEAU_FACTOR} when val_loss stalls for "
                      f"{PLATEAU_PATIENCE} epochs",
                      f'    keras.callbacks.ReduceLROnPlateau(monitor="val_loss", factor={PLATEAU_FACTOR}, '
                      f"patience={PLATEAU_PATIENCE}, min_lr=1e-7),"]
    return ["callbacks = ["] + callbacks + ["]"] if callbacks else []


# -- the script ------------------------------------------------------------------------------------

def _title(config: RunConfig) -> str:
    return (f"A {config.depth} x {config.width} {config.activation} network on {config.dataset}, "
            f"trained with {_OPTIMIZER_CLASSES[config.optimizer]}")


def keras_code(config: RunConfig) -> str:
    """A runnable plain-Keras script equivalent to `train(config)` (same data, layers, seed).

    It does not import `widgets`; its last `history` is the Keras History of the fit.
    """
    if not isinstance(config, RunConfig):
        raise TypeError(f"keras_code(config): config must be a RunConfig, got {type(config).__name__}")
    dataset = load_dataset(config.dataset, config.standardize, config.train_fraction)
    _, loss = output_and_loss(config, dataset)
    metric = "mae" if dataset.task == "regression" else "accuracy"
    data_imports, definitions, data_lines = _data_lines(config, dataset)
    if config.schedule == "1cycle":
        definitions.append(inspect.getsource(OneCycle).rstrip())
    callbacks = _callback_lines(config)
    schedule = "" if config.schedule == "constant" else f", with the {config.schedule} learning-rate schedule"
    lines = [f'"""{_title(config)}: plain Keras."""',
             *script_header(["math"] if config.schedule in _STEPPED_SCHEDULES else []),
             *sorted(data_imports, key=lambda line: (line.startswith("from"), line))]
    for definition in definitions:  # top-level functions and classes, two blank lines around each
        lines += ["", "", definition]
    lines += [""] * (2 if definitions else 1) + [
        f"keras.utils.set_random_seed({config.seed})  # the same weights, shuffling and dropout every run",
        "", f"# Data: {dataset.description}", *data_lines,
        "", f"# Model: {config.depth} x {config.width} {config.activation}", *_model_lines(config, dataset),
        "", f"# Optimizer{schedule}", *_schedule_lines(config), *_optimizer_lines(config),
        f"model.compile(optimizer=optimizer, loss={literal(loss)}, metrics=[{literal(metric)}])",
        "", "# Training", *callbacks,
        *call("history = model.fit", ["x_train", "y_train", "validation_data=(x_val, y_val)",
                                      f"epochs={config.epochs}", f"batch_size={config.batch_size}"]
              + (["callbacks=callbacks"] if callbacks else []) + ["verbose=0"]),
        f'print(f"after {{len(history.epoch)}} epochs:")',
        "for name, values in history.history.items():",
        '    print(f"  {name} {values[-1]:.4f}")']
    return "\n".join(lines) + "\n"
