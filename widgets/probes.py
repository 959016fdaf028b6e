"""Keras callbacks that measure a network's health, layer by layer, once per epoch.

Everything is measured on one fixed probe batch (the first `PROBE_ROWS` training rows), so numbers
from different epochs and different runs compare.  The model is called with `training=False`, which
leaves batch-norm statistics and dropout out of the measurement.  Epoch 0 is the network as
initialized, before any update.

Recorded per (epoch, layer), layer index 0 being the hidden layer nearest the input:
- gradients: norm and mean |gradient| of the loss with respect to the layer's kernel, the same
  norm after the optimizer's own clipping, the fraction of exactly-zero gradient entries, the
  kernel's norm, and the update ratio (how far the kernel moved during the epoch, relative to its
  size);
- a histogram of log10 |gradient| on fixed bins (`HISTOGRAM_EDGES`);
- activations of the hidden layers: mean, standard deviation, the fraction of values where the
  activation's slope is below 5 % of its peak ("saturated": sigmoid/tanh near 0/1/-1, ReLU below
  zero) and the fraction of units saturated on every probe row ("dead").
"""

from __future__ import annotations

import keras
import numpy as np
import tensorflow as tf

from .model import activation_layers, kernel_layers

PROBE_ROWS = 128
HISTOGRAM_EDGES = np.linspace(-12.0, 2.0, 57)  # log10 |gradient|, bins of 0.25 decades
SATURATION_SLOPE = 0.05  # "saturated": slope below this fraction of the activation's peak slope


def layer_label(index: int, n_hidden: int) -> str:
    """Display name of a layer index: 'hidden 1' ... 'hidden N', then 'output'."""
    return "output" if index >= n_hidden else f"hidden {index + 1}"


def _peak_slope(activation) -> float:
    z = tf.constant(np.linspace(-10, 10, 2001, dtype=np.float32))
    with tf.GradientTape() as tape:
        tape.watch(z)
        a = activation(z)
    return float(tf.reduce_max(tape.gradient(a, z)))


class HealthProbe(keras.callbacks.Callback):
    """Collects gradient, histogram and activation records into plain lists of dicts.

    `records_gradients`, `records_histograms` and `records_activations` grow by one entry per layer
    each epoch; `train` turns them into DataFrames.
    """

    def __init__(self, x_probe: np.ndarray, y_probe: np.ndarray):
        super().__init__()
        self.x_probe = tf.constant(x_probe)
        self.y_probe = tf.constant(y_probe)
        self.records_gradients: list[dict] = []
        self.records_histograms: list[dict] = []
        self.records_activations: list[dict] = []
        self._kernels_at_epoch_start: list[np.ndarray] = []

    # -- Keras hooks -----------------------------------------------------------------------------
    def on_train_begin(self, logs=None):
        dense = kernel_layers(self.model)
        self._kernel_vars = [layer.kernel for layer in dense]
        self._n_hidden = len(dense) - 1
        acts = activation_layers(self.model)
        self._activation_fns = [layer.activation for layer in acts]
        self._peak_slopes = [_peak_slope(fn) for fn in self._activation_fns]
        # One pass gives every hidden pre-activation and the prediction the loss needs.
        self._probe_model = keras.Model(self.model.inputs, [layer.input for layer in acts] + list(self.model.outputs))
        # Traced once per run, then a few ms per epoch.  A new function each run: TensorFlow counts
        # traces per Python function and warns about "retracing" when one function is traced often.
        self._compiled = tf.function(lambda: self._probe_tensors())
        self._measure(epoch=0, previous_kernels=None)

    def on_epoch_begin(self, epoch, logs=None):
        self._kernels_at_epoch_start = [v.numpy().copy() for v in self._kernel_vars]

    def on_epoch_end(self, epoch, logs=None):
        self._measure(epoch=epoch + 1, previous_kernels=self._kernels_at_epoch_start)

    # -- measurements ----------------------------------------------------------------------------
    def _probe_tensors(self):
        """Everything measured on the probe batch, as tensors: the kernel gradients of the training
        loss (with regularization), the same after the optimizer's own clipping rule (which sees
        every trainable variable), and each hidden layer's activations with their slopes."""
        variables = self.model.trainable_variables
        with tf.GradientTape() as tape:
            *pre, y_pred = self._probe_model(self.x_probe, training=False)
            loss = self.model.compute_loss(x=self.x_probe, y=self.y_probe, y_pred=y_pred, training=False)
        grads = tape.gradient(loss, variables)
        optimizer = self.model.optimizer
        clips = any(getattr(optimizer, name, None) for name in ("clipnorm", "clipvalue", "global_clipnorm"))
        clipped = optimizer._clip_gradients(list(grads)) if clips else grads
        position = {id(v): i for i, v in enumerate(variables)}
        raw, after_clip = [], []
        for var in self._kernel_vars:  # a frozen layer (trainable=False) gets no gradient: zeros
            i = position.get(id(var))
            raw.append(tf.zeros(var.shape) if i is None else tf.convert_to_tensor(grads[i]))
            after_clip.append(tf.zeros(var.shape) if i is None else tf.convert_to_tensor(clipped[i]))
        with tf.GradientTape() as slope_tape:  # each activation acts elementwise: d(sum)/dz is its slope
            slope_tape.watch(pre)
            activations = [fn(z) for fn, z in zip(self._activation_fns, pre)]
        slopes = slope_tape.gradient(activations, pre)
        return raw, after_clip, activations, slopes

    def _measure(self, epoch: int, previous_kernels: list[np.ndarray] | None) -> None:
        raw, after_clip, activations, slopes = self._compiled()
        with np.errstate(over="ignore", invalid="ignore"):  # a diverging run has inf/NaN weights
            self._measure_gradients(epoch, previous_kernels,
                                    [np.asarray(g, dtype=np.float64) for g in raw],
                                    [np.asarray(g, dtype=np.float64) for g in after_clip])
            self._measure_activations(epoch, [a.numpy() for a in activations], [d.numpy() for d in slopes])

    def _measure_gradients(self, epoch: int, previous_kernels: list[np.ndarray] | None,
                           grads: list[np.ndarray], clipped: list[np.ndarray]) -> None:
        for index, (var, g, g_clip) in enumerate(zip(self._kernel_vars, grads, clipped)):
            w = var.numpy().astype(np.float64)
            label = layer_label(index, self._n_hidden)
            weight_norm = float(np.linalg.norm(w))
            update_ratio = float("nan")
            if previous_kernels is not None:
                before = previous_kernels[index]
                update_ratio = float(np.linalg.norm(w - before) / max(np.linalg.norm(before), 1e-12))
            abs_g = np.abs(g).ravel()
            zero = abs_g == 0.0
            self.records_gradients.append({
                "epoch": epoch, "layer": label, "layer_index": index,
                "grad_norm": float(np.linalg.norm(g)),
                "grad_norm_clipped": float(np.linalg.norm(g_clip)),
                "grad_mean_abs": float(abs_g.mean()),
                "grad_zero_fraction": float(np.mean(zero)),
                "weight_norm": weight_norm, "update_ratio": update_ratio})
            finite = np.isfinite(abs_g)  # a diverging run's NaN or inf is neither a zero nor a bin
            nonzero = abs_g[finite & (abs_g > 0)]
            logs = np.clip(np.log10(nonzero), HISTOGRAM_EDGES[0], HISTOGRAM_EDGES[-1] - 1e-9)
            counts, _ = np.histogram(logs, bins=HISTOGRAM_EDGES)
            self.records_histograms.append({"epoch": epoch, "layer": label, "layer_index": index,
                                            "counts": counts.astype(np.int64),
                                            "zeros": int(np.count_nonzero(zero)),
                                            "nonfinite": int(abs_g.size - np.count_nonzero(finite))})

    def _measure_activations(self, epoch: int, activations: list[np.ndarray], slopes: list[np.ndarray]) -> None:
        for index, (a, slope, peak) in enumerate(zip(activations, slopes, self._peak_slopes)):
            saturated = slope < SATURATION_SLOPE * peak
            self.records_activations.append({
                "epoch": epoch, "layer": layer_label(index, self._n_hidden), "layer_index": index,
                "mean": float(a.mean()), "std": float(a.std()),
                "saturated": float(saturated.mean()), "dead": float(saturated.all(axis=0).mean())})
