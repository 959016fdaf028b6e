"""`sweep(base, learning_rate=[...], initializer=[...], ...)`: many short runs, one table of results.

Chapters that ask "over how many settings does this train?" (learning rate x initializer, with and
without batch norm, ...) need a dozen or more runs.  Each `train()` builds and traces a fresh Keras
model, and on a small CPU the tracing costs as much as the training.  `sweep` trains exactly what
`train(config, probes=False)` trains (same seeding, same initial weights, same shuffling, same
final numbers), but reuses one compiled model for every cell that differs only in its initializer,
learning rate, seed or epoch count: it loads the cell's freshly initialized weights, resets the
optimizer's state and fits again.  Cells that change the architecture get their own model.
Given a finished `train` run (`reuse=run`), the cells of its structure train on that run's compiled
model, which is put back as it was afterwards: more seeds of a run already trained cost no tracing.
"""

from __future__ import annotations

import contextlib
import itertools
import math
from typing import Any, Callable, Iterable, Iterator, Mapping, Optional, Sequence

import keras
import pandas as pd

from .config import ConfigError, RunConfig, field_names
from .data import Dataset, load_dataset
from .model import build_model, steps_per_epoch, targets
from .schedules import schedule_callbacks
from .training import (_TRAINING_LOCK, DivergenceGuard, Run, build_for_training, divergence, evaluate_in_one_pass,
                       untrained_loss)

# Fields whose change needs neither a new model nor a new trace: they set only the starting weights,
# the budget, or (unless a schedule is baked into the optimizer) the value of the learning rate.
REUSABLE_FIELDS = ("initializer", "init_scale", "seed", "epochs", "learning_rate")

# A measurement of a cell's trained model, e.g. lambda model, data: {"weight_norm": ...}: its keys
# become columns of the sweep's table.
Measure = Callable[[keras.Model, Dataset], Mapping[str, Any]]


def _structure_key(config: RunConfig) -> RunConfig:
    """The config with the reusable fields set to their defaults: cells with equal keys share a model."""
    defaults = RunConfig()
    reusable = [name for name in REUSABLE_FIELDS if name in field_names()
                and (name != "learning_rate" or config.schedule in ("constant", "plateau"))]
    return config.replace(**{name: getattr(defaults, name) for name in reusable})


def _reset_optimizer(optimizer: keras.optimizers.Optimizer, learning_rate: float) -> None:
    """Zero every optimizer slot (momentum, moments, step count) and set the learning rate."""
    rate = optimizer.learning_rate
    for variable in optimizer.variables:
        if variable is not rate:
            variable.assign(keras.ops.zeros_like(variable))
    if isinstance(rate, keras.Variable):
        rate.assign(learning_rate)


@contextlib.contextmanager
def _lent(model: keras.Model) -> Iterator[keras.Model]:
    """`model` to train other cells on, then back as it was: every weight (dropout's seed state
    included), optimizer slot and metric total, and its stop flag."""
    variables = [*model.variables, *model.optimizer.variables, *model.metrics_variables]
    saved = [keras.ops.convert_to_numpy(variable) for variable in variables]
    stop_training = model.stop_training
    try:
        yield model
    finally:
        for variable, value in zip(variables, saved):
            variable.assign(value)
        model.stop_training = stop_training


def _train_cell(model: keras.Model, config: RunConfig, dataset: Dataset,
                validate_every_epoch: bool = False) -> dict[str, Any]:
    """Fit `model` from the weights `train(config)` would start from; return the final numbers.

    The fit validates after every epoch only when something watches val_loss (plateau schedules,
    early stopping) or `validate_every_epoch`: validating costs about as much as training here.
    """
    keras.utils.set_random_seed(config.seed)
    fresh = build_model(config, dataset)
    for variable, initial in zip(model.variables, fresh.variables):  # weights, BN statistics and
        variable.assign(initial)                                     # dropout's random-seed state
    _reset_optimizer(model.optimizer, config.learning_rate)
    model.stop_training = False
    train_rows = (dataset.x_train, targets(config, dataset, dataset.y_train))
    val_rows = (dataset.x_val, targets(config, dataset, dataset.y_val))
    steps = steps_per_epoch(config, dataset)
    guard = DivergenceGuard(initial_loss=untrained_loss(model, *train_rows), steps=steps)  # as train()
    keras.utils.set_random_seed(config.seed)  # the same shuffling as train()
    callbacks: list = [guard, *schedule_callbacks(config)]
    if config.early_stopping_patience is not None:  # as train() sets it up
        callbacks.append(keras.callbacks.EarlyStopping(
            monitor="val_loss", patience=config.early_stopping_patience, restore_best_weights=True))
    needs_validation = len(callbacks) > 1 or validate_every_epoch
    history = model.fit(*train_rows, validation_data=val_rows if needs_validation else None,
                        batch_size=config.batch_size, epochs=config.epochs, shuffle=True, verbose=0,
                        callbacks=callbacks, steps_per_epoch=steps)  # one data iterator an epoch, not two
    # the last epoch's numbers, as train() records them (for early stopping: before the weights are
    # restored); without validation during fit, the validation rows are scored once at the end
    last = {name: float(values[-1]) for name, values in history.history.items() if name != "learning_rate"}
    if not needs_validation:
        last.update({f"val_{name}": value for name, value in evaluate_in_one_pass(model, *val_rows).items()})
        if divergence(0.0, val_loss=last["val_loss"]):
            # train() would have stopped at the epoch whose validation loss first went NaN or
            # infinite: train the cell again, validating every epoch, to stop where it stops
            return _train_cell(model, config, dataset, validate_every_epoch=True)
    row = {"loss": last.pop("loss", math.nan)}
    row.update({name: last[name] for name in sorted(last, key=lambda n: n.startswith("val_"))})
    row["diverged"] = guard.diverged
    row["epochs_done"] = len(history.history.get("loss", []))
    return row


def sweep(base: RunConfig, dataset: Optional[Dataset] = None, measure: Optional[Measure] = None,
          reuse: Optional[Run] = None, **axes: Iterable[Any]) -> pd.DataFrame:
    """Train `base` once for every combination of the values in `axes`; one row per run.

    Each keyword is a RunConfig field and a list of values, e.g.
    `sweep(cfg, batchnorm=[False, True], learning_rate=[0.01, 0.1, 1.0])`.  Every row holds the
    swept fields followed by the final training loss and metric, the validation loss and metric
    (as `train(config, probes=False).final(...)` would report them), `diverged` (by the rule `train`
    applies, `training.DivergenceGuard`: the loss became NaN or infinite or grew 100-fold over the
    untrained model's, the validation loss became NaN or infinite, or the weights did; such a run
    stops there) and `epochs_done`.  Cells are validated after every epoch only when a schedule or
    early stopping needs it; otherwise a validation loss that goes non-finite is seen at the end,
    and the cell is trained again with validation each epoch to stop where `train` stops (only a
    validation loss that goes non-finite and later recovers would slip through).
    dataset: a custom `Dataset`; by default each cell loads the one its config names.
    measure: called as measure(model, dataset) after each cell with the model as `train` would
        return it; the mapping it returns adds columns to that cell's row.  The model is reused
        by the next cell, so measure what you need there and keep no reference to it.
    reuse: a Run that `train` returned, on this dataset: cells with its structure (they differ from
        its config only in REUSABLE_FIELDS) train on its compiled model instead of a new one, with
        the same numbers; the model is put back as the run left it when the sweep ends.
    """
    if not isinstance(base, RunConfig):
        raise TypeError(f"sweep(base): base must be a RunConfig, got {type(base).__name__}")
    if not axes:
        raise ConfigError("sweep: name at least one RunConfig field to vary, e.g. learning_rate=[0.01, 0.1]")
    unknown = sorted(set(axes) - set(field_names()))
    if unknown:
        raise ConfigError(f"sweep: {', '.join(unknown)} is not a RunConfig field; fields: "
                          + ", ".join(field_names()))
    values = {name: list(v) for name, v in axes.items()}
    empty = [name for name, v in values.items() if not v]
    if empty:
        raise ConfigError(f"sweep: {', '.join(empty)} needs at least one value")
    cells = [dict(zip(values, combo)) for combo in itertools.product(*values.values())]
    return sweep_cells(base, cells, dataset, measure, reuse)


def sweep_cells(base: RunConfig, cells: Sequence[Mapping[str, Any]], dataset: Optional[Dataset] = None,
                measure: Optional[Measure] = None, reuse: Optional[Run] = None) -> pd.DataFrame:
    """`sweep` over a list of cells instead of a grid: one row per cell, in the order given.

    cells: each a mapping of RunConfig fields to the values that cell sets on `base`, e.g.
    `[dict(initializer="he_normal", learning_rate=3.0, seed=1), ...]`.  All cells share the model
    cache, so cells that differ only in REUSABLE_FIELDS are trained on one compiled model.
    reuse: as in `sweep`.
    """
    if not isinstance(base, RunConfig):
        raise TypeError(f"sweep_cells(base): base must be a RunConfig, got {type(base).__name__}")
    if not cells:
        raise ConfigError("sweep_cells: give at least one cell (a dict of RunConfig fields)")
    if reuse is not None and reuse.model is None:
        raise ValueError("sweep: reuse= needs a Run that train() returned with its model (this one has none)")
    if reuse is not None and dataset is not None and dataset is not reuse.dataset:
        raise ValueError("sweep: reuse= is a run on another dataset than dataset=; its model was built for its own")
    configs = [base.replace(**cell) for cell in cells]  # validates every value before any training
    models: dict[RunConfig, keras.Model] = {}
    rows = []
    with _TRAINING_LOCK, contextlib.ExitStack() as stack:  # seeding is global to Keras: one run at a time
        if reuse is not None:
            models[_structure_key(reuse.config)] = stack.enter_context(_lent(reuse.model))
        keras.backend.clear_session(free_memory=False)  # as train(): its gc.collect walks every object loaded (~0.3 s)
        for cell, config in zip(cells, configs):
            data = dataset if dataset is not None else load_dataset(
                config.dataset, standardize=config.standardize, train_fraction=config.train_fraction)
            key = _structure_key(config)
            if key not in models:
                models[key] = build_for_training(config, data)
            row = {**cell, **_train_cell(models[key], config, data)}
            if measure is not None:
                row.update(measure(models[key], data))
            rows.append(row)
    return pd.DataFrame(rows)
