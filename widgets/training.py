"""`train(config) -> Run`: the one training path shared by notebooks, tests and the lab's Train button.

It seeds everything, builds the model, fits it with the health probes attached, stops cleanly on a
stop request or a diverging loss, and returns a `Run` holding the history, the probe records and the
trained model.  It never touches widgets: the lab watches progress through `on_epoch`.
"""

from __future__ import annotations

import contextlib
import dataclasses
import math
import threading
import time
from typing import Callable, Iterator, Optional

import keras
import numpy as np
import pandas as pd

from .config import RunConfig
from .data import Dataset, load_dataset
from .model import build_model, steps_per_epoch, targets
from .probes import HISTOGRAM_EDGES, PROBE_ROWS, HealthProbe
from .schedules import schedule_callbacks

# One run at a time per process: seeding and clear_session are global to Keras, so two concurrent
# runs (the lab's thread and a notebook cell) would spoil each other's reproducibility.
_TRAINING_LOCK = threading.Lock()

DIVERGENCE_FACTOR = 100.0  # an epoch loss this many times the untrained model's counts as divergence
# Training steps per call into TensorFlow: for these small models Python's overhead per call is most
# of a step's cost, so running up to this many steps per call makes a run ~25 % faster.  Stop
# requests and the per-step loss are heard after each call (~30 ms on the default lab).
STEPS_PER_EXECUTION = 32


@dataclasses.dataclass
class Run:
    """The outcome of one training run; filled in epoch by epoch while it trains."""

    config: RunConfig
    dataset: Dataset
    status: str = "running"  # "running" | "finished" | "stopped" | "diverged" | "early-stopped"
    message: str = ""
    epochs_done: int = 0
    wall_time: float = 0.0
    model: Optional[keras.Model] = None
    initial: dict = dataclasses.field(default_factory=dict)  # loss and metric before training
    initial_penalty: float = 0.0  # the L1/L2 penalty inside initial["loss"] (0 without one)
    _history: list = dataclasses.field(default_factory=list, repr=False)
    _probe: "Optional[HealthProbe | RecordedProbe]" = dataclasses.field(default=None, repr=False)

    @property
    def history(self) -> pd.DataFrame:
        """One row per epoch: epoch, loss, val_loss, the metric (accuracy or mae) and its val_ twin, lr."""
        return pd.DataFrame(self._history)

    @property
    def gradients(self) -> pd.DataFrame:
        """One row per (epoch, layer); epoch 0 is the initialized network."""
        return pd.DataFrame(self._probe.records_gradients if self._probe else [])

    @property
    def gradient_histograms(self) -> pd.DataFrame:
        """One row per (epoch, layer): `counts` of log10 |gradient| on `histogram_edges`, `zeros` (exact
        zeros, which have no log) and `nonfinite` (NaN or inf, in a diverging run)."""
        return pd.DataFrame(self._probe.records_histograms if self._probe else [])

    @property
    def activations(self) -> pd.DataFrame:
        """One row per (epoch, hidden layer): mean, std, saturated and dead fractions."""
        return pd.DataFrame(self._probe.records_activations if self._probe else [])

    histogram_edges = HISTOGRAM_EDGES

    @property
    def metric(self) -> str:
        return "mae" if self.dataset.task == "regression" else "accuracy"

    def final(self, column: str) -> float:
        """The last recorded value of a history column (NaN if there is none)."""
        hist = self.history
        return float(hist[column].iloc[-1]) if column in hist and len(hist) else float("nan")

    def layer_gradient(self, column: str = "grad_mean_abs", epoch: int = -1) -> pd.Series:
        """One gradient statistic per layer at one epoch (-1: the last recorded epoch)."""
        grads = self.gradients
        if grads.empty:
            return pd.Series(dtype=float)
        epoch = int(grads["epoch"].max()) if epoch == -1 else epoch
        rows = grads[grads["epoch"] == epoch].sort_values("layer_index")
        return pd.Series(rows[column].to_numpy(), index=rows["layer"].to_numpy(), name=column)

    def summary(self) -> str:
        """One line in words: status, epochs, final losses and the metric."""
        line = f"{self.status}: {self.epochs_done} of {self.config.epochs} epochs in {self.wall_time:.1f} s"
        if self._history:
            line += (f"; loss {self.final('loss'):.4g}, val_loss {self.final('val_loss'):.4g}, "
                     f"val_{self.metric} {self.final('val_' + self.metric):.3f}")
        return line + (f". {self.message}" if self.message else "")

    def _repr_html_(self) -> str:
        return f"<b>Run</b> ({self.config.describe()}): {self.summary()}"

    def to_record(self) -> dict:
        """Everything the figures and summaries read, as JSON-ready values, without the model: what a
        cache keeps so a finished run can be shown again without training (see `from_record`)."""
        probe = self._probe
        return {"config": self.config.to_dict(), "status": self.status, "message": self.message,
                "epochs_done": self.epochs_done, "wall_time": self.wall_time, "initial": dict(self.initial),
                "initial_penalty": self.initial_penalty, "history": [dict(row) for row in self._history],
                "gradients": list(probe.records_gradients) if probe else [],
                "histograms": [{**row, "counts": np.asarray(row["counts"]).tolist()}
                               for row in (probe.records_histograms if probe else [])],
                "activations": list(probe.records_activations) if probe else []}

    @classmethod
    def from_record(cls, record: dict, dataset: Optional[Dataset] = None) -> "Run":
        """The run `to_record` described (its `model` is None); the dataset is loaded as `train` would."""
        config = RunConfig(**record["config"])
        if dataset is None:
            dataset = load_dataset(config.dataset, standardize=config.standardize,
                                   train_fraction=config.train_fraction)
        probe = RecordedProbe(records_gradients=list(record["gradients"]),
                              records_histograms=[{**row, "counts": np.asarray(row["counts"], dtype=np.int64)}
                                                  for row in record["histograms"]],
                              records_activations=list(record["activations"]))
        return cls(config=config, dataset=dataset, status=record["status"], message=record["message"],
                   epochs_done=record["epochs_done"], wall_time=record["wall_time"], initial=dict(record["initial"]),
                   initial_penalty=record["initial_penalty"], _history=[dict(row) for row in record["history"]], _probe=probe)


@dataclasses.dataclass
class RecordedProbe:
    """A finished run's probe measurements, read back from a record (`Run.from_record`): the same
    `records_*` lists a `HealthProbe` fills while it trains."""

    records_gradients: list
    records_histograms: list
    records_activations: list


def divergence(loss: float, initial_loss: Optional[float] = None,
               val_loss: Optional[float] = None) -> Optional[str]:
    """Why these losses count as divergence, or None: the loss is NaN or infinite; or (given the
    untrained model's loss, which callers pass at an epoch's end) it grew DIVERGENCE_FACTOR times
    above it; or (given an epoch's validation loss) the validation loss is NaN or infinite.

    `DivergenceGuard` applies it, with `non_finite_weights` at the end: the one rule for `train`
    and `sweep`.
    """
    if not math.isfinite(loss):
        return f"the loss became {loss}"
    if initial_loss and loss > DIVERGENCE_FACTOR * max(initial_loss, 1e-3):
        return f"the loss grew from {initial_loss:.3g} to {loss:.3g}"
    if val_loss is not None and not math.isfinite(val_loss):
        return f"the validation loss became {val_loss}"
    return None


def non_finite_weights(model: keras.Model) -> Optional[str]:
    """Which weight holds NaN or infinity, or None (~1 ms for the default net).

    Checked when training ends: a step that ruins the weights logs the finite loss computed before
    its update, so on the last step of a run only the weights show it.
    """
    for variable in model.weights:
        values = np.asarray(variable)
        if not np.isfinite(values).all():
            return f"the weights {variable.path} became {'NaN' if np.isnan(values).any() else 'infinite'}"
    return None


def untrained_loss(model: keras.Model, x, y) -> float:
    """The loss of `model` as it is (before training) on (x, y): what divergence compares with.

    One eager pass with the compiled loss, regularization included; `train` records it as
    `run.initial["loss"]`, `sweep` measures it the same way for each cell.
    """
    return float(model.compute_loss(x=x, y=y, y_pred=model(x, training=False), training=False))


class DivergenceGuard(keras.callbacks.Callback):
    """Stops a fit the moment it diverges, by the one rule `train` and `sweep` share.

    A run diverges when
    - after any call into TensorFlow, the epoch's running loss is NaN or infinite;
    - at an epoch's end, the training loss is DIVERGENCE_FACTOR times the untrained model's loss
      (`initial_loss`, see `untrained_loss`; the first step's loss if none is given), or the
      epoch's validation loss, when the epoch was validated, is NaN or infinite;
    - when training ends, a weight is NaN or infinite (`non_finite_weights`).
    The first reason found is kept in `reason` ("... at epoch 3, step 7" / "... by epoch 3").
    steps: steps per epoch, to number a short last call into TensorFlow correctly.
    """

    def __init__(self, initial_loss: Optional[float] = None, steps: Optional[int] = None):
        super().__init__()
        self.initial_loss = initial_loss
        self.steps = steps
        self.reason: Optional[str] = None
        self.epoch = 0  # the epoch in progress, counted from 1
        self.epochs_done = 0

    @property
    def diverged(self) -> bool:
        return self.reason is not None

    def on_epoch_begin(self, epoch, logs=None):
        self.epoch = epoch + 1

    def step(self, batch: int) -> int:
        """Keras numbers a short last call into TensorFlow as if it were full."""
        return batch + 1 if self.steps is None else min(batch + 1, self.steps)

    def on_train_batch_end(self, batch, logs=None):
        loss = float((logs or {}).get("loss", 0.0))  # the epoch's running mean so far
        if self.initial_loss is None:
            self.initial_loss = loss
        why = divergence(loss)
        if why:
            self._diverge(f"{why} at epoch {self.epoch}, step {self.step(batch)}")

    def on_epoch_end(self, epoch, logs=None):
        logs = logs or {}
        self.epochs_done = epoch + 1
        val_loss = logs.get("val_loss")
        why = divergence(float(logs.get("loss", math.nan)), self.initial_loss,
                         None if val_loss is None else float(val_loss))
        if why:
            self._diverge(f"{why} by epoch {epoch + 1}")

    def on_train_end(self, logs=None):
        # Weights ruined mid-run make the next epoch's loss NaN; only the last step's damage shows
        # in the weights alone (checked once here rather than every epoch).
        why = non_finite_weights(self.model)
        if why:
            self._diverge(f"{why} by epoch {self.epochs_done}")

    def _diverge(self, why: str) -> None:
        if self.reason is None:
            self.reason = why
        self.model.stop_training = True


class _RunRecorder(DivergenceGuard):
    """Writes each epoch into the Run, applies the divergence rule, hears stop requests, reports progress."""

    def __init__(self, run: Run, on_epoch, on_batch, stop_event, steps: int):
        super().__init__(steps=steps)
        self.run, self.on_epoch, self.on_batch, self.stop_event = run, on_epoch, on_batch, stop_event

    def on_train_begin(self, logs=None):
        self.initial_loss = self.run.initial.get("loss")  # the untrained model's, measured before fit

    def on_train_batch_end(self, batch, logs=None):
        if self.on_batch is not None:
            self.on_batch(self.run, self.epoch, self.step(batch), float((logs or {}).get("loss", 0.0)))
        super().on_train_batch_end(batch, logs)
        self._honour_stop_request()

    def on_epoch_end(self, epoch, logs=None):
        row = {"epoch": epoch + 1}
        row.update({k: float(v) for k, v in (logs or {}).items() if k != "learning_rate"})
        row["lr"] = float(np.asarray(self.model.optimizer.learning_rate))
        self.run._history.append(row)
        self.run.epochs_done = epoch + 1
        super().on_epoch_end(epoch, logs)
        self._honour_stop_request()  # one that came during validation or the probes: no extra epoch
        if self.on_epoch is not None:
            self.on_epoch(self.run)

    def _honour_stop_request(self) -> None:
        if self.run.status == "running" and self.stop_event is not None and self.stop_event.is_set():
            self.run.status, self.run.message = "stopped", f"stopped by request during epoch {self.epoch}"
            self.model.stop_training = True

    def _diverge(self, why: str) -> None:
        super()._diverge(why)
        if self.run.status != "diverged":
            self.run.status = "diverged"
            self.run.message = f"Diverged: {why}. Try a smaller learning rate or gradient clipping."


def build_for_training(config: RunConfig, dataset: Dataset) -> keras.Model:
    """The model `train(config)` fits, compiled as it compiles it: up to STEPS_PER_EXECUTION steps
    per call into TensorFlow (never more than an epoch's)."""
    steps = steps_per_epoch(config, dataset)
    return build_model(config, dataset, steps_per_execution=min(steps, STEPS_PER_EXECUTION))


def evaluate_in_one_pass(model: keras.Model, x, y) -> dict[str, float]:
    """Loss and metrics of `model` on (x, y) with its compiled loss and metrics, in one eager pass.

    The same numbers as `model.evaluate` (to float rounding) in ~30 ms instead of ~250 ms, because
    nothing is traced and no input pipeline is built: for the small tables the workbook uses.
    """
    y_pred = model(x, training=False)  # the loss as untrained_loss computes it, y_pred reused
    values = {"loss": float(model.compute_loss(x=x, y=y, y_pred=y_pred, training=False))}
    model.reset_metrics()
    scores = model.compute_metrics(x, y, y_pred, sample_weight=None)
    values.update({name: float(value) for name, value in scores.items() if name != "loss"})
    model.reset_metrics()
    return values


def _evaluate_untrained(model: keras.Model, splits: tuple) -> dict[str, float]:
    """Loss and metric of the untrained model on ((x_train, y_train), (x_val, y_val)), the arrays
    `fit` gets: epoch 0 of the learning curves.  The losses include any L1/L2 penalty; `train`
    records that penalty as `Run.initial_penalty`, for measures that compare task losses only."""
    values = {}
    for prefix, (x, y) in zip(("", "val_"), splits):
        values.update({prefix + name: value for name, value in evaluate_in_one_pass(model, x, y).items()})
    return values


@contextlib.contextmanager
def _forgetting_traced_gradients() -> Iterator[None]:
    """Remove the gradient functions TensorFlow registered while a run traced its train step.

    Keras's optimizer all-reduces the gradients inside `tf.custom_gradient`; traced, that registers
    a gradient function holding the whole traced graph in TensorFlow's process-wide registry, which
    never drops it: every run leaked its graphs (~3-7 MB).  Nothing differentiates a finished train
    step, so the entries a run added are removed when it ends.
    """
    from tensorflow.python.framework import ops
    registry = ops._gradient_registry._registry  # private, checked by tests/test_reliability_leaks.py
    before = set(registry)
    try:
        yield
    finally:
        for name in set(registry) - before:
            if name.startswith("CustomGradient-"):
                del registry[name]


def probe_batch(config: RunConfig, dataset: Dataset) -> tuple[np.ndarray, np.ndarray]:
    """The fixed rows every probe measures on: the first PROBE_ROWS training rows."""
    return dataset.x_train[:PROBE_ROWS], targets(config, dataset, dataset.y_train[:PROBE_ROWS])


def train(config: RunConfig, dataset: Optional[Dataset] = None, *,
          on_epoch: Optional[Callable[[Run], None]] = None,
          on_batch: Optional[Callable[[Run, int, int, float], None]] = None,
          stop_event: Optional[threading.Event] = None,
          callbacks: tuple = (), probes: bool = True) -> Run:
    """Train the model `config` describes and return the `Run`; never raises on divergence.

    dataset: use this `Dataset` instead of `load_dataset(config.dataset, ...)` (for custom data).
    on_epoch: called with the Run before the first step (epoch 0, `run.initial` filled) and after
        every epoch (the lab redraws from it).
    on_batch: called with (run, epoch, step, running loss) after every step.
    stop_event: when set, the run stops with status "stopped" after the current call into
        TensorFlow (at most STEPS_PER_EXECUTION steps, well within the epoch).
    callbacks: extra Keras callbacks.  probes: attach the health probes (on by default).
    """
    if not isinstance(config, RunConfig):
        raise TypeError(f"train(config): config must be a RunConfig, got {type(config).__name__}")
    if dataset is None:
        dataset = load_dataset(config.dataset, standardize=config.standardize,
                               train_fraction=config.train_fraction)
    run = Run(config=config, dataset=dataset)
    with _TRAINING_LOCK, _forgetting_traced_gradients():
        start = time.perf_counter()
        keras.backend.clear_session(free_memory=False)  # gc.collect here costs ~0.3 s per run; Python collects later
        keras.utils.set_random_seed(config.seed)
        steps = steps_per_epoch(config, dataset)
        model = build_for_training(config, dataset)
        run.model = model
        cbs: list = [_RunRecorder(run, on_epoch, on_batch, stop_event, steps)]
        if probes:
            run._probe = HealthProbe(*probe_batch(config, dataset))
            cbs.insert(0, run._probe)
        early = None
        if config.early_stopping_patience is not None:
            early = keras.callbacks.EarlyStopping(monitor="val_loss", patience=config.early_stopping_patience,
                                                  restore_best_weights=True)
            cbs.append(early)
        cbs.extend(schedule_callbacks(config))
        cbs.extend(callbacks)
        if stop_event is None or not stop_event.is_set():
            train_split = dataset.x_train, targets(config, dataset, dataset.y_train)
            val_split = dataset.x_val, targets(config, dataset, dataset.y_val)
            run.initial = _evaluate_untrained(model, (train_split, val_split))
            run.initial_penalty = float(sum(float(penalty) for penalty in model.losses))
            if on_epoch is not None:
                on_epoch(run)  # epoch 0: the first curve point, before any training step
            model.fit(*train_split, validation_data=val_split,
                      batch_size=config.batch_size, epochs=config.epochs, shuffle=True, verbose=0,
                      callbacks=cbs,
                      # The same batches either way; given the count, Keras makes one data iterator
                      # per epoch instead of two (~12 ms each).
                      steps_per_epoch=steps)
        else:
            run.status, run.message = "stopped", "stopped before the first step"
        run.wall_time = time.perf_counter() - start
    if run.status == "running":
        if early is not None and early.stopped_epoch > 0:
            run.status = "early-stopped"
            run.message = (f"early stopping after epoch {run.epochs_done}: val_loss had not improved for "
                           f"{config.early_stopping_patience} epochs; weights restored from epoch "
                           f"{early.best_epoch + 1}")
        else:
            run.status = "finished"
    return run
