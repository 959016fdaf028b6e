"""`keras_code(config)`: the same run written as a plain-Keras script that does not import widgets.

The lab is for comparing; a learner's own project uses Keras directly.  The script loads the same
rows with the same split and scaling, builds the same layers in the same order, seeds Keras the same
way, and so reproduces `train(config)`'s history.
"""

from __future__ import annotations

import inspect

from .config import RunConfig
from .data import DATA_DIR, GENERATED_ROWS, SPLIT_SEED, VALIDATION_FRACTION, Dataset, load_dataset, make_spiral
from .model import _OPTIMIZER_CLASSES, needs_one_hot, output_and_loss, output_units
from .schedules import PLATEAU_FACTOR, PLATEAU_PATIENCE, OneCycle

_SKLEARN_LOADERS = {"breast_cancer": "load_breast_cancer", "digits": "load_digits", "iris": "load_iris",
                    "wine": "load_wine", "diabetes_progression": "load_diabetes"}


def _data_lines(config: RunConfig, dataset: Dataset) -> list[str]:
    name = config.dataset
    lines = []
    if name == "moons":
        lines += ["from sklearn.datasets import make_moons",
                  f"x, y = make_moons(n_samples={GENERATED_ROWS}, noise=0.25, random_state={SPLIT_SEED})"]
    elif name == "circles":
        lines += ["from sklearn.datasets import make_circles",
                  f"x, y = make_circles(n_samples={GENERATED_ROWS}, noise=0.1, factor=0.5, "
                  f"random_state={SPLIT_SEED})"]
    elif name == "spiral":
        lines += [inspect.getsource(make_spiral).replace("GENERATED_ROWS", str(GENERATED_ROWS))
                  .replace("SPLIT_SEED", str(SPLIT_SEED)).rstrip(), "", "x, y = make_spiral()"]
    elif name == "pima":
        lines += ["import pandas as pd",
                  f"pima = pd.read_csv({str(DATA_DIR / 'pima.csv')!r})",
                  "x = pima[['npreg', 'glu', 'bp', 'skin', 'bmi', 'ped', 'age']].to_numpy('float32')",
                  "y = pima['type'].to_numpy('int32')"]
    else:
        lines += [f"from sklearn.datasets import {_SKLEARN_LOADERS[name]}",
                  f"x, y = {_SKLEARN_LOADERS[name]}(return_X_y=True)"]
    regression = dataset.task == "regression"
    lines += ["x = x.astype('float32')", f"y = y.astype('{'float32' if regression else 'int32'}')",
              "x_train, x_val, y_train, y_val = train_test_split(",
              f"    x, y, test_size={VALIDATION_FRACTION}, random_state={SPLIT_SEED}"
              + ("" if regression else ", stratify=y") + ")"]
    if regression:
        lines += ["mean, std = y_train.mean(), y_train.std()  # standardize the target too",
                  "y_train, y_val = (y_train - mean) / std, (y_val - mean) / std"]
    if config.standardize:
        lines += ["scaler = StandardScaler().fit(x_train)  # statistics of the training rows only",
                  "x_train, x_val = scaler.transform(x_train), scaler.transform(x_val)"]
    if config.train_fraction < 1.0:
        lines += [f"keep = max(2, round(len(x_train) * {config.train_fraction}))  # a fraction of the training rows",
                  "x_train, y_train = x_train[:keep], y_train[:keep]"]
    return lines


def _initializer_expr(config: RunConfig) -> str:
    if config.init_scale is None:
        return repr(config.initializer)
    if config.initializer == "random_normal":
        return f"keras.initializers.RandomNormal(stddev={config.init_scale!r})"
    return f"keras.initializers.RandomUniform({-config.init_scale!r}, {config.init_scale!r})"


def _hidden_lines(config: RunConfig) -> list[str]:
    bn_before = config.batchnorm and config.batchnorm_position == "before"
    args = [str(config.width), f"kernel_initializer={_initializer_expr(config)}"]
    if config.l1 or config.l2:
        args.insert(2, f"kernel_regularizer=keras.regularizers.L1L2(l1={config.l1!r}, l2={config.l2!r})")
    if config.max_norm is not None:
        args.insert(2, f"kernel_constraint=keras.constraints.MaxNorm({config.max_norm!r})")
    block = ["    layers.append(keras.layers.Dense(" + ", ".join(args)
             + (", use_bias=False))  # batch norm's beta replaces the bias" if bn_before else "))")]
    if bn_before:
        block.append("    layers.append(keras.layers.BatchNormalization())")
    block.append(f"    layers.append(keras.layers.Activation({config.activation!r}))")
    if config.batchnorm and config.batchnorm_position == "after":
        block.append("    layers.append(keras.layers.BatchNormalization())")
    if config.dropout:
        block.append(f"    layers.append(keras.layers.Dropout({config.dropout!r}))")
    return [f"for _ in range({config.depth}):"] + block


def _learning_rate_expr(config: RunConfig) -> tuple[list[str], str]:
    """Lines defining the learning rate (or schedule) and the expression that names it."""
    lr, sched = config.learning_rate, config.schedule
    total = f"{config.epochs} * steps_per_epoch"
    steps = [f"steps_per_epoch = -(-len(x_train) // {config.batch_size})  # batches per epoch"]
    if sched in ("constant", "plateau"):
        return [], repr(lr)
    if sched == "power":
        return steps + [f"learning_rate = keras.optimizers.schedules.InverseTimeDecay(\n"
                        f"    {lr!r}, decay_steps=max(1, ({total}) // 10), decay_rate=1.0)"], "learning_rate"
    if sched == "exponential":
        return steps + [f"learning_rate = keras.optimizers.schedules.ExponentialDecay(\n"
                        f"    {lr!r}, decay_steps={total}, decay_rate=0.1)"], "learning_rate"
    if sched == "piecewise":
        return steps + [f"total_steps = {total}",
                        "learning_rate = keras.optimizers.schedules.PiecewiseConstantDecay(\n"
                        f"    [total_steps // 2, (3 * total_steps) // 4], [{lr!r}, {lr / 10!r}, {lr / 100!r}])"], \
            "learning_rate"
    source = inspect.getsource(OneCycle).rstrip()
    return [source, ""] + steps + [f"learning_rate = OneCycle({lr!r}, {total})"], "learning_rate"


def _optimizer_expr(config: RunConfig, lr_expr: str) -> str:
    args = [f"learning_rate={lr_expr}"]
    if config.optimizer == "sgd":
        args += [f"momentum={config.momentum!r}"] + (["nesterov=True"] if config.nesterov else [])
    elif config.optimizer == "rmsprop" and config.momentum:
        args.append(f"momentum={config.momentum!r}")
    elif config.optimizer in ("adam", "adamw", "nadam", "adamax") and (config.beta_1, config.beta_2) != (0.9, 0.999):
        args += [f"beta_1={config.beta_1!r}", f"beta_2={config.beta_2!r}"]
    for name in ("clipnorm", "clipvalue", "global_clipnorm"):
        if getattr(config, name) is not None:
            args.append(f"{name}={getattr(config, name)!r}")
    return f"keras.optimizers.{_OPTIMIZER_CLASSES[config.optimizer]}({', '.join(args)})"


def keras_code(config: RunConfig) -> str:
    """A runnable plain-Keras script equivalent to `train(config)` (same data, layers, seed)."""
    if not isinstance(config, RunConfig):
        raise TypeError(f"keras_code(config): config must be a RunConfig, got {type(config).__name__}")
    dataset = load_dataset(config.dataset, config.standardize, config.train_fraction)
    out_act, loss = output_and_loss(config, dataset)
    metric = "mae" if dataset.task == "regression" else "accuracy"
    units = output_units(dataset)
    lr_lines, lr_expr = _learning_rate_expr(config)
    callbacks = []
    if config.early_stopping_patience is not None:
        callbacks.append(f"keras.callbacks.EarlyStopping(monitor='val_loss', "
                         f"patience={config.early_stopping_patience}, restore_best_weights=True)")
    if config.schedule == "plateau":
        callbacks.append(f"keras.callbacks.ReduceLROnPlateau(monitor='val_loss', factor={PLATEAU_FACTOR}, "
                         f"patience={PLATEAU_PATIENCE}, min_lr=1e-7)")
    lines = [f'"""{config.describe()} on {config.dataset}: plain Keras, no workbook code."""',
             "import os", "", "os.environ.setdefault('TF_CPP_MIN_LOG_LEVEL', '2')  # quieter TensorFlow",
             "os.environ.setdefault('TF_ENABLE_ONEDNN_OPTS', '0')  # the workbook's numerics, bit for bit",
             "",
             "import keras"] + (["import numpy as np"] if config.dataset == "spiral" else []) + [
             "from sklearn.model_selection import train_test_split"]
    if config.standardize:
        lines.append("from sklearn.preprocessing import StandardScaler")
    lines += ["", f"keras.utils.set_random_seed({config.seed})  # same weights, dropout and shuffling every run",
              "", "# Data", *_data_lines(config, dataset)]
    if needs_one_hot(config, dataset):
        lines += [f"y_train, y_val = keras.utils.to_categorical(y_train, {units}), "
                  f"keras.utils.to_categorical(y_val, {units})  # {loss} compares whole vectors"]
    lines += ["", "# Model", "layers = [keras.Input(shape=(x_train.shape[1],))]", *_hidden_lines(config),
              f"layers.append(keras.layers.Dense({units}, activation={out_act!r}, "
              f"kernel_initializer={_initializer_expr(config)}))",
              "model = keras.Sequential(layers)", ""] + lr_lines + [
              "model.compile(", f"    optimizer={_optimizer_expr(config, lr_expr)},",
              f"    loss={loss!r}, metrics=[{metric!r}], jit_compile=False)", "",
              "# Training",
              "history = model.fit(x_train, y_train, validation_data=(x_val, y_val),",
              f"                    epochs={config.epochs}, batch_size={config.batch_size}, verbose=0"
              + (",\n                    callbacks=[" + ", ".join(callbacks) + "])" if callbacks else ")"),
              "final = {k: round(v[-1], 4) for k, v in history.history.items() if k != 'learning_rate'}",
              "print(final)"]
    return "\n".join(lines) + "\n"
