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
        self._pre_activation_model = keras.Model(self.model.inputs, [layer.input for layer in acts])
        self._measure(epoch=0, previous_kernels=None)

    def on_epoch_begin(self, epoch, logs=None):
        self._kernels_at_epoch_start = [v.numpy().copy() for v in self._kernel_vars]

    def on_epoch_end(self, epoch, logs=None):
        self._measure(epoch=epoch + 1, previous_kernels=self._kernels_at_epoch_start)

    # -- measurements ----------------------------------------------------------------------------
    def probe_gradients(self) -> tuple[list[np.ndarray], list[np.ndarray]]:
        """Gradient of the training loss (with regularization) w.r.t. each kernel on the probe batch,
        raw and after the optimizer's own clipping rule (which sees every trainable variable)."""
        variables = self.model.trainable_variables
        with tf.GradientTape() as tape:
            y_pred = self.model(self.x_probe, training=False)
            loss = self.model.compute_loss(x=self.x_probe, y=self.y_probe, y_pred=y_pred, training=False)
        grads = tape.gradient(loss, variables)
        clipped = self.model.optimizer._clip_gradients(list(grads))
        position = {id(v): i for i, v in enumerate(variables)}
        raw, after_clip = [], []
        for var in self._kernel_vars:  # a frozen layer (trainable=False) gets no gradient: zeros
            i = position.get(id(var))
            raw.append(np.zeros(var.shape) if i is None else np.asarray(grads[i], dtype=np.float64))
            after_clip.append(np.zeros(var.shape) if i is None else np.asarray(clipped[i], dtype=np.float64))
        return raw, after_clip

    def _measure(self, epoch: int, previous_kernels: list[np.ndarray] | None) -> None:
        with np.errstate(over="ignore", invalid="ignore"):  # a diverging run has inf/NaN weights
            self._measure_gradients(epoch, previous_kernels)
            self._measure_activations(epoch)

    def _measure_gradients(self, epoch: int, previous_kernels: list[np.ndarray] | None) -> None:
        grads, clipped = self.probe_gradients()
        for index, (var, g, g_clip) in enumerate(zip(self._kernel_vars, grads, clipped)):
            w = var.numpy().astype(np.float64)
            label = layer_label(index, self._n_hidden)
            weight_norm = float(np.linalg.norm(w))
            update_ratio = float("nan")
            if previous_kernels is not None:
                before = previous_kernels[index]
                update_ratio = float(np.linalg.norm(w - before) / max(np.linalg.norm(before), 1e-12))
            abs_g = np.abs(g).ravel()
            self.records_gradients.append({
                "epoch": epoch, "layer": label, "layer_index": index,
                "grad_norm": float(np.linalg.norm(g)),
                "grad_norm_clipped": float(np.linalg.norm(g_clip)),
                "grad_mean_abs": float(abs_g.mean()),
                "grad_zero_fraction": float(np.mean(abs_g == 0.0)),
                "weight_norm": weight_norm, "update_ratio": update_ratio})
            nonzero = abs_g[abs_g > 0]
            logs = np.clip(np.log10(nonzero), HISTOGRAM_EDGES[0], HISTOGRAM_EDGES[-1] - 1e-9)
            counts, _ = np.histogram(logs, bins=HISTOGRAM_EDGES)
            self.records_histograms.append({"epoch": epoch, "layer": label, "layer_index": index,
                                            "counts": counts.astype(np.int64),
                                            "zeros": int(abs_g.size - nonzero.size)})

    def _measure_activations(self, epoch: int) -> None:
        pre = self._pre_activation_model(self.x_probe, training=False)
        pre = pre if isinstance(pre, (list, tuple)) else [pre]
        for index, (z, fn, peak) in enumerate(zip(pre, self._activation_fns, self._peak_slopes)):
            z = tf.convert_to_tensor(z)
            with tf.GradientTape() as tape:
                tape.watch(z)
                a = fn(z)
            slope = tape.gradient(a, z).numpy()
            a = a.numpy()
            saturated = slope < SATURATION_SLOPE * peak
            self.records_activations.append({
                "epoch": epoch, "layer": layer_label(index, self._n_hidden), "layer_index": index,
                "mean": float(a.mean()), "std": float(a.std()),
                "saturated": float(saturated.mean()), "dead": float(saturated.all(axis=0).mean())})
