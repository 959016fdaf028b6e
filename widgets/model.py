"""Turn a `RunConfig` into the compiled Keras model and optimizer that `train` fits.

Only Keras's own layers, initializers, regularizers, constraints, losses and optimizers are used, so
what a learner sees here is what they would write in their own project (see `keras_code`).

Layer names are fixed so probes and plots can find them: hidden layer k (1-based) is the Dense layer
`hidden_k`, followed by `bn_k` (batch norm, when on), `act_k` (its activation) and `dropout_k`.
"""

from __future__ import annotations

import math

import keras
import numpy as np

from .config import RunConfig
from .data import Dataset
from .schedules import make_learning_rate

_DEFAULT_OUTPUT = {"binary": ("sigmoid", "binary_crossentropy"),
                   "multiclass": ("softmax", "sparse_categorical_crossentropy"),
                   "regression": ("linear", "mean_squared_error")}

_OPTIMIZER_CLASSES = {"sgd": "SGD", "rmsprop": "RMSprop", "adagrad": "Adagrad", "adadelta": "Adadelta",
                      "adam": "Adam", "adamw": "AdamW", "nadam": "Nadam", "adamax": "Adamax"}


def output_and_loss(config: RunConfig, dataset: Dataset) -> tuple[str, str]:
    """The output activation and loss for this task, unless the config overrides them."""
    activation, loss = _DEFAULT_OUTPUT[dataset.task]
    if config.output_activation != "auto":
        activation = config.output_activation
    if config.loss != "auto":
        loss = config.loss
    return activation, loss


def output_units(dataset: Dataset) -> int:
    return dataset.n_classes if dataset.task == "multiclass" else 1


def needs_one_hot(config: RunConfig, dataset: Dataset) -> bool:
    """A multiclass task trained with a loss that compares whole probability vectors."""
    return dataset.task == "multiclass" and output_and_loss(config, dataset)[1] != \
        "sparse_categorical_crossentropy"


def targets(config: RunConfig, dataset: Dataset, y: np.ndarray) -> np.ndarray:
    """Labels in the form the chosen loss expects (integer labels, or one-hot rows)."""
    if needs_one_hot(config, dataset):
        return np.eye(dataset.n_classes, dtype=np.float32)[y]
    return y


def _accuracy_metric(config: RunConfig, dataset: Dataset):
    if dataset.task == "regression":
        return keras.metrics.MeanAbsoluteError(name="mae")
    if dataset.task == "binary":
        return keras.metrics.BinaryAccuracy(name="accuracy")
    if needs_one_hot(config, dataset):
        return keras.metrics.CategoricalAccuracy(name="accuracy")
    return keras.metrics.SparseCategoricalAccuracy(name="accuracy")


def steps_per_epoch(config: RunConfig, dataset: Dataset) -> int:
    return max(1, math.ceil(len(dataset.x_train) / config.batch_size))


def build_optimizer(config: RunConfig, steps: int = 100) -> keras.optimizers.Optimizer:
    """The Keras optimizer the config names, with its learning rate (or schedule) and clipping.

    steps: optimizer steps per epoch, which learning-rate schedules need to place their changes.
    """
    kwargs = {"learning_rate": make_learning_rate(config, steps)}
    if config.optimizer == "sgd":
        kwargs.update(momentum=config.momentum, nesterov=config.nesterov)
    elif config.optimizer == "rmsprop":
        kwargs.update(momentum=config.momentum)
    elif config.optimizer in ("adam", "adamw", "nadam", "adamax"):
        kwargs.update(beta_1=config.beta_1, beta_2=config.beta_2)
    for name in ("clipnorm", "clipvalue", "global_clipnorm"):
        if getattr(config, name) is not None:
            kwargs[name] = getattr(config, name)
    return getattr(keras.optimizers, _OPTIMIZER_CLASSES[config.optimizer])(**kwargs)


def kernel_initializer(config: RunConfig):
    """The initializer name, or a Keras initializer object when `init_scale` sets its spread."""
    if config.init_scale is None:
        return config.initializer
    if config.initializer == "random_normal":
        return keras.initializers.RandomNormal(stddev=config.init_scale)
    return keras.initializers.RandomUniform(-config.init_scale, config.init_scale)


def _hidden_block(config: RunConfig, k: int) -> list[keras.layers.Layer]:
    regularizer = keras.regularizers.L1L2(l1=config.l1, l2=config.l2) if (config.l1 or config.l2) else None
    constraint = keras.constraints.MaxNorm(config.max_norm) if config.max_norm is not None else None
    bn_before = config.batchnorm and config.batchnorm_position == "before"
    layers = [keras.layers.Dense(config.width, use_bias=not bn_before,
                                 kernel_initializer=kernel_initializer(config),
                                 kernel_regularizer=regularizer, kernel_constraint=constraint,
                                 name=f"hidden_{k}")]
    if bn_before:
        layers.append(keras.layers.BatchNormalization(name=f"bn_{k}"))
    layers.append(keras.layers.Activation(config.activation, name=f"act_{k}"))
    if config.batchnorm and config.batchnorm_position == "after":
        layers.append(keras.layers.BatchNormalization(name=f"bn_{k}"))
    if config.dropout:
        layers.append(keras.layers.Dropout(config.dropout, name=f"dropout_{k}"))
    return layers


def build_model(config: RunConfig, dataset: Dataset, steps_per_execution: int = 1) -> keras.Model:
    """The compiled `keras.Sequential` that `train(config)` fits on `dataset`.

    steps_per_execution: training steps per call into TensorFlow; more is faster for small
    models, the same steps either way, but callbacks hear from a batch only once per call.

    Hidden layers: Dense -> [BatchNormalization] -> Activation -> [Dropout], `config.depth` times;
    with batch norm before the activation the Dense layer has no bias (BN's beta replaces it).
    Output layer and loss follow the task: sigmoid + binary cross-entropy, softmax + sparse
    categorical cross-entropy, or linear + mean squared error.
    """
    out_activation, loss = output_and_loss(config, dataset)
    layers: list[keras.layers.Layer] = [keras.Input(shape=(dataset.n_features,), name="features")]
    for k in range(1, config.depth + 1):
        layers.extend(_hidden_block(config, k))
    layers.append(keras.layers.Dense(output_units(dataset), activation=out_activation,
                                     kernel_initializer=kernel_initializer(config), name="output"))
    model = keras.Sequential(layers, name="mlp")
    model.compile(optimizer=build_optimizer(config, steps_per_epoch(config, dataset)), loss=loss,
                  metrics=[_accuracy_metric(config, dataset)], steps_per_execution=steps_per_execution,
                  jit_compile=False)  # XLA compiles slowly and runs slower for tiny CPU models
    # Built now rather than inside fit's first traced step: creating its variables there makes
    # TensorFlow trace the whole training step twice (~0.3 s of every run).  Same zeros either way.
    model.optimizer.build(model.trainable_variables)
    return model


def kernel_layers(model: keras.Model) -> list[keras.layers.Layer]:
    """The Dense layers in input-to-output order (hidden_1 ... hidden_N, output)."""
    return [layer for layer in model.layers if isinstance(layer, keras.layers.Dense)]


def activation_layers(model: keras.Model) -> list[keras.layers.Layer]:
    """The hidden layers' Activation layers in input-to-output order."""
    return [layer for layer in model.layers if isinstance(layer, keras.layers.Activation)]
