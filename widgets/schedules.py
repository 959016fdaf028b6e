"""Learning-rate schedules by name, built from Keras's own schedule classes where Keras has one.

Every schedule starts at `config.learning_rate` and is laid out over the run's whole budget
(`epochs * steps_per_epoch` optimizer steps), so the same names mean the same shapes on any dataset.
"plateau" is not a function of the step but of the validation loss: it is Keras's
`ReduceLROnPlateau` callback, returned by `schedule_callbacks`.
"""

from __future__ import annotations

import keras
import numpy as np

from .config import RunConfig

PLATEAU_FACTOR = 0.5
PLATEAU_PATIENCE = 2


class OneCycle(keras.optimizers.schedules.LearningRateSchedule):
    """Smith's 1cycle policy: ramp up linearly to `max_rate` over the first ~45 % of the steps,
    back down to `max_rate / 10` by ~90 %, then anneal to `max_rate / 1000` for the last steps.
    Keras has no built-in 1cycle schedule, so this is the one schedule written here."""

    def __init__(self, max_rate: float, total_steps: int, start_fraction: float = 0.1):
        self.max_rate = float(max_rate)
        self.total_steps = int(total_steps)
        self.start_fraction = float(start_fraction)

    def __call__(self, step):
        step = keras.ops.cast(step, "float32")
        low = self.max_rate * self.start_fraction
        peak_step = 0.45 * self.total_steps
        down_step = 0.9 * self.total_steps
        up = low + (self.max_rate - low) * step / peak_step
        down = self.max_rate - (self.max_rate - low) * (step - peak_step) / (down_step - peak_step)
        tail_frac = keras.ops.minimum(1.0, (step - down_step) / max(1.0, self.total_steps - down_step))
        tail = low - (low - self.max_rate / 1000.0) * tail_frac
        return keras.ops.where(step < peak_step, up, keras.ops.where(step < down_step, down, tail))

    def get_config(self):
        return {"max_rate": self.max_rate, "total_steps": self.total_steps,
                "start_fraction": self.start_fraction}


def make_learning_rate(config: RunConfig, steps_per_epoch: int):
    """A float (constant or plateau) or a Keras LearningRateSchedule for the config's schedule."""
    lr = config.learning_rate
    total = max(1, config.epochs * steps_per_epoch)
    schedules = keras.optimizers.schedules
    if config.schedule in ("constant", "plateau"):
        return lr
    if config.schedule == "power":  # lr / (1 + step / s): halves after one tenth of the run
        return schedules.InverseTimeDecay(lr, decay_steps=max(1, total // 10), decay_rate=1.0)
    if config.schedule == "exponential":  # ten times smaller at the end of the run
        return schedules.ExponentialDecay(lr, decay_steps=total, decay_rate=0.1)
    if config.schedule == "piecewise":  # lr, lr/10 after half the run, lr/100 after three quarters
        return schedules.PiecewiseConstantDecay([total // 2, (3 * total) // 4], [lr, lr / 10, lr / 100])
    if config.schedule == "1cycle":
        return OneCycle(lr, total)
    raise ValueError(f"RunConfig.schedule = {config.schedule!r} has no implementation")


def rate_per_step(config: RunConfig, steps_per_epoch: int) -> np.ndarray:
    """The learning rate the config's schedule gives at each optimizer step of the whole run.

    "plateau" has no fixed shape (it reacts to the validation loss), so it shows as its starting
    rate here; read a trained run's `history["lr"]` to see where it actually dropped.
    """
    rate = make_learning_rate(config, steps_per_epoch)
    total = max(1, config.epochs * steps_per_epoch)
    if not callable(rate):
        return np.full(total, float(rate))
    return np.array([float(rate(step)) for step in range(total)])


def schedule_callbacks(config: RunConfig) -> list[keras.callbacks.Callback]:
    """Callbacks a schedule needs during fit (only "plateau" has one)."""
    if config.schedule == "plateau":
        return [keras.callbacks.ReduceLROnPlateau(monitor="val_loss", factor=PLATEAU_FACTOR,
                                                  patience=PLATEAU_PATIENCE, min_lr=1e-7, verbose=0)]
    return []
