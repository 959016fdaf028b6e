"""The learning-rate range test: one short run with an exponentially growing rate.

Start far too low, multiply the learning rate by the same factor after every batch until it is far
too high, and record the loss.  The loss first barely moves, then falls faster and faster, then
shoots up.  A good constant rate sits a bit below the point where it shoots up (Smith 2017,
"Cyclical Learning Rates for Training Neural Networks"); the rate where it falls fastest is another
common pick.  The test trains the model it is given, so afterwards the weights and the optimizer's
state are put back exactly as they were: the real training starts from the same initialization.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import Optional

import keras
import numpy as np
import pandas as pd
import plotly.graph_objects as go

from .config import RunConfig
from .data import Dataset, load_dataset
from .model import build_model, targets
from .plots import style

SMOOTHING = 0.9  # weight of the past in the exponential moving average of the loss
BLOWUP_FACTOR = 4.0  # stop once the smoothed loss exceeds this multiple of the best so far


@dataclass(frozen=True)
class RangeTest:
    """What one range test measured, and the rates it suggests."""

    rates: np.ndarray  # learning rate used at each step
    losses: np.ndarray  # loss of that step's batch, before the update
    smoothed: np.ndarray  # bias-corrected exponential moving average of `losses`
    stopped_early: bool  # True when the loss blew up before the last planned step

    @property
    def frame(self) -> pd.DataFrame:
        return pd.DataFrame({"learning_rate": self.rates, "loss": self.losses, "smoothed": self.smoothed})

    @property
    def min_loss_rate(self) -> float:
        """The rate at which the smoothed loss was lowest: beyond it the loss turns back up."""
        return float(self.rates[int(np.argmin(self.smoothed))])

    @property
    def suggested_rate(self) -> float:
        """A rate a bit below where the loss shoots up: one tenth of the rate at the lowest loss."""
        return self.min_loss_rate / 10.0

    @property
    def steepest_rate(self) -> float:
        """The rate where the smoothed loss falls fastest per factor of rate (before the lowest point)."""
        end = int(np.argmin(self.smoothed))
        if end < 2:
            return float(self.rates[0])
        slope = np.gradient(self.smoothed[: end + 1], np.log10(self.rates[: end + 1]))
        return float(self.rates[int(np.argmin(slope))])

    @property
    def blowup_rate(self) -> float:
        """The first rate past the lowest point at which the smoothed loss has doubled (NaN if never)."""
        lowest = int(np.argmin(self.smoothed))
        above = np.flatnonzero(~(self.smoothed[lowest:] < 2 * self.smoothed[lowest]))
        return float(self.rates[lowest + above[0]]) if above.size else float("nan")

    def figure(self, title: str = "Learning-rate range test") -> go.Figure:
        """Loss against learning rate on a log axis, with the suggested and steepest rates marked."""
        fig = go.Figure()
        fig.add_trace(go.Scatter(x=self.rates, y=self.losses, mode="lines", name="batch loss",
                                 line=dict(color="#9ecae1", width=1)))
        fig.add_trace(go.Scatter(x=self.rates, y=self.smoothed, mode="lines", name="smoothed loss",
                                 line=dict(color="#08519c", width=2.5)))
        top = 1.25 * float(self.smoothed[0])  # above the starting loss the curve has shot up: cut there
        for rate, name, colour in ((self.suggested_rate, "suggested", "#2ca02c"),
                                   (self.steepest_rate, "steepest descent", "#ff7f0e"),
                                   (self.min_loss_rate, "lowest loss", "#d62728")):
            fig.add_trace(go.Scatter(x=[rate, rate], y=[0, top], mode="lines", name=f"{name}: {rate:.2g}",
                                     line=dict(color=colour, dash="dash", width=2)))
        fig.update_xaxes(type="log")
        fig.update_yaxes(range=[0, 1.05 * top])
        return style(fig, title, "learning rate (log scale)", "training loss per batch")


def _smooth(losses: np.ndarray, beta: float = SMOOTHING) -> np.ndarray:
    """Exponential moving average with bias correction (so early values are not pulled to zero)."""
    avg, out = 0.0, np.empty_like(losses)
    for i, loss in enumerate(losses):
        avg = beta * avg + (1 - beta) * loss
        out[i] = avg / (1 - beta ** (i + 1))
    return out


def range_test(model: keras.Model, x: np.ndarray, y: np.ndarray, *, start_rate: float = 1e-5,
               end_rate: float = 10.0, steps: int = 200, batch_size: int = 64, seed: int = 0,
               stop_on_blowup: bool = True) -> RangeTest:
    """Run the range test on a compiled `model` and restore its weights and optimizer afterwards.

    The rate grows geometrically from `start_rate` to `end_rate` over `steps` batches drawn in
    shuffled order from (x, y).  With `stop_on_blowup`, the test ends early once the smoothed loss
    exceeds BLOWUP_FACTOR times its lowest value (or is not finite): nothing more is to be learnt.
    """
    if not (0 < start_rate < end_rate and math.isfinite(end_rate)):
        raise ValueError(f"range_test: need 0 < start_rate < end_rate; got start_rate={start_rate!r}, "
                         f"end_rate={end_rate!r}")
    if isinstance(steps, bool) or not isinstance(steps, int) or steps < 10:
        raise ValueError(f"range_test: steps = {steps!r} must be an integer of at least 10")
    if isinstance(batch_size, bool) or not isinstance(batch_size, int) or not 1 <= batch_size <= len(x):
        raise ValueError(f"range_test: batch_size = {batch_size!r} must be an integer from 1 to {len(x)}")
    optimizer = model.optimizer
    if optimizer is None:
        raise ValueError("range_test: the model must be compiled with an optimizer first")
    if not optimizer.built:
        optimizer.build(model.trainable_variables)
    saved_weights = model.get_weights()
    saved_optimizer = [v.numpy() for v in optimizer.variables]
    try:
        optimizer.learning_rate = float(start_rate)
    except TypeError as exc:  # Keras refuses to overwrite a LearningRateSchedule
        raise ValueError("range_test: the optimizer follows a LearningRateSchedule; compile the model "
                         "with a constant float learning_rate for the test") from exc

    rates = start_rate * (end_rate / start_rate) ** (np.arange(steps) / (steps - 1))
    rng = np.random.default_rng(seed)
    order = np.concatenate([rng.permutation(len(x)) for _ in range(steps * batch_size // len(x) + 1)])
    losses: list[float] = []
    best = math.inf
    try:
        for step, rate in enumerate(rates):
            optimizer.learning_rate = float(rate)
            rows = order[step * batch_size:(step + 1) * batch_size]
            loss = float(model.train_on_batch(x[rows], y[rows], return_dict=True)["loss"])
            losses.append(loss)
            smoothed = _smooth(np.array(losses))[-1]
            best = min(best, smoothed)
            if stop_on_blowup and (not math.isfinite(smoothed) or smoothed > BLOWUP_FACTOR * best):
                break
    finally:
        model.set_weights(saved_weights)
        optimizer.set_weights(saved_optimizer)
    done = len(losses)
    loss_array = np.array(losses)
    return RangeTest(rates=rates[:done], losses=loss_array, smoothed=_smooth(loss_array),
                     stopped_early=done < steps)


def find_learning_rate(config: RunConfig, dataset: Optional[Dataset] = None, **kwargs) -> RangeTest:
    """The range test for the model `config` describes (seeded as `train` seeds it).

    kwargs go to `range_test` (start_rate, end_rate, steps, batch_size, ...); the batch size
    defaults to the config's.  The config's schedule is ignored: the test sets the rate itself.
    """
    if dataset is None:
        dataset = load_dataset(config.dataset, standardize=config.standardize,
                               train_fraction=config.train_fraction)
    config = config.replace(schedule="constant")
    keras.backend.clear_session(free_memory=False)  # as train(): its gc.collect walks every object loaded (~0.3 s)
    keras.utils.set_random_seed(config.seed)
    model = build_model(config, dataset)
    kwargs.setdefault("batch_size", min(config.batch_size, len(dataset.x_train)))
    kwargs.setdefault("seed", config.seed)
    return range_test(model, dataset.x_train, targets(config, dataset, dataset.y_train), **kwargs)
