"""How much a score moves with the random seed alone: the same settings retrained (chapter 11).

Both functions train each model from scratch per seed and score it as keras-tuner scores a trial,
by the validation accuracy of its best epoch.  Seeding Keras and the batch order from the same
number makes them paired: for one seed, models of the same shape start from the same weights and
see the training rows in the same order, so what differs between two arms is the setting alone.

Tracing Keras's training and validation steps costs about half a second per new model, more than
training one of these small networks for 8 epochs.  Models of one architecture and compile
settings (a fixed learning rate aside) therefore train on one cached, compiled twin: it takes the
fresh model's starting weights, random-layer states and optimizer state, and trains exactly as the
fresh model would (tests/test_tuning.py checks that the scores are the same).
"""

from __future__ import annotations

import json
from typing import Callable, Iterable

import keras
import keras_tuner as kt
import pandas as pd

from .data import Dataset
from .tuning_feed import fit_inputs
from .tuning_search import OBJECTIVE, BuildFn


_TWINS: dict[str, keras.Model] = {}


def _twin(model: keras.Model) -> keras.Model:
    """The cached compiled model of `model`'s architecture and compile settings, a fixed learning
    rate aside.  The cache lives as long as the process (one twin per architecture a chapter uses)."""
    settings = model.get_compile_config()
    optimizer = settings["optimizer"]
    # A fixed learning rate is a variable of the optimizer, copied per use; a schedule is not, so
    # models with different schedules get twins of their own.
    if isinstance(optimizer, dict) and isinstance(optimizer["config"].get("learning_rate"), (int, float)):
        optimizer = {**optimizer, "config": {k: v for k, v in optimizer["config"].items() if k != "learning_rate"}}
    key = json.dumps([model.get_config(), {**settings, "optimizer": optimizer}], sort_keys=True, default=str)
    if key not in _TWINS:
        twin = keras.models.clone_model(model)
        twin.compile_from_config(settings)
        twin.optimizer.build(twin.trainable_variables)
        _TWINS[key] = twin
    return _TWINS[key]


def _seeded_curve(build: Callable[[], keras.Model], dataset: Dataset, seed: int, epochs: int,
                  batch_size: int) -> list[float]:
    """The validation accuracy after each epoch of a model built and trained from `seed`.

    The model is built fresh (its starting state is the seed's) and trained on its twin.
    """
    keras.backend.clear_session(free_memory=False)  # as train(): no full garbage collection per fit
    keras.utils.set_random_seed(seed)
    model = build()
    model.optimizer.build(model.trainable_variables)  # the optimizer's starting state (moments, step count)
    twin = _twin(model)
    for mine, fresh in zip(twin.variables + twin.optimizer.variables, model.variables + model.optimizer.variables,
                           strict=True):
        mine.assign(fresh)
    return twin.fit(**fit_inputs(dataset, batch_size, seed), epochs=epochs, verbose=0).history[OBJECTIVE]


def paired_scores(builders: dict[str, Callable[[], keras.Model]], dataset: Dataset, seeds: Iterable[int],
                  epochs: int = 8, batch_size: int = 64) -> pd.DataFrame:
    """Each builder's model trained once per seed, scored like a trial (best epoch's validation accuracy).

    Paired: for one seed every arm starts from the same random state, so models of the same shape
    get the same initial weights and every arm sees the training rows in the same order.  One row
    per seed, one column per arm.
    """
    rows = {}
    for seed in seeds:
        row = {}
        for name, build in builders.items():
            row[name] = float(max(_seeded_curve(build, dataset, seed, epochs, batch_size)))
        rows[seed] = row
    return pd.DataFrame.from_dict(rows, orient="index").rename_axis("seed")


def retrain_scores(build_fn: BuildFn, hyperparameters: kt.HyperParameters, dataset: Dataset,
                   seeds: Iterable[int], epochs: int = 8, batch_size: int = 64) -> pd.DataFrame:
    """Train the same hyperparameters from scratch once per seed; per seed, the validation accuracy
    of the best epoch (how keras-tuner scores a trial) and of the final epoch.

    The spread of the best-epoch column is the noise floor of a search: differences between trials
    smaller than it say more about the seed than about the hyperparameters.  The gap between the two
    columns is what picking the best epoch adds to a score.
    """
    rows = {}
    for seed in seeds:
        history = _seeded_curve(lambda: build_fn(hyperparameters), dataset, seed, epochs, batch_size)
        rows[seed] = {"best epoch": float(max(history)), "final epoch": float(history[-1])}
    return pd.DataFrame.from_dict(rows, orient="index").rename_axis("seed")
