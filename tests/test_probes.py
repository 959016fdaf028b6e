import numpy as np
import pytest
import tensorflow as tf

import widgets as w
from widgets.probes import HISTOGRAM_EDGES


@pytest.fixture(scope="module")
def run():
    return w.train(w.RunConfig(dataset="moons", depth=3, width=8, epochs=2, activation="tanh", clipnorm=0.01))


def test_probe_gradients_match_a_hand_computed_tape(run):
    x, y = run.dataset.x_train[:128], run.dataset.y_train[:128].astype("float32")
    model = run.model
    with tf.GradientTape() as tape:
        p = tf.clip_by_value(tf.reshape(model(x, training=False), [-1]), 1e-7, 1 - 1e-7)
        loss = -tf.reduce_mean(y * tf.math.log(p) + (1 - y) * tf.math.log(1 - p))
    kernels = [model.get_layer(n).kernel for n in ("hidden_1", "hidden_2", "hidden_3", "output")]
    grads = tape.gradient(loss, kernels)
    last = run.gradients[run.gradients["epoch"] == 2].sort_values("layer_index")
    assert list(last["layer"]) == ["hidden 1", "hidden 2", "hidden 3", "output"]
    np.testing.assert_allclose(last["grad_norm"], [np.linalg.norm(g) for g in grads], rtol=1e-4)
    np.testing.assert_allclose(last["grad_mean_abs"], [np.abs(g).mean() for g in grads], rtol=1e-4)
    np.testing.assert_allclose(last["weight_norm"], [np.linalg.norm(k) for k in kernels], rtol=1e-5)


def test_clipped_norm_follows_keras_clipnorm(run):
    grads = run.gradients
    assert np.allclose(grads["grad_norm_clipped"], np.minimum(grads["grad_norm"], 0.01), rtol=1e-4)


def test_records_cover_every_epoch_and_layer(run):
    assert sorted(run.gradients["epoch"].unique()) == [0, 1, 2]
    assert len(run.gradients) == 3 * 4 and len(run.activations) == 3 * 3
    assert run.gradients.loc[run.gradients["epoch"] == 0, "update_ratio"].isna().all()
    assert (run.gradients.loc[run.gradients["epoch"] > 0, "update_ratio"] > 0).all()


def test_histograms_count_every_weight(run):
    hist = run.gradient_histograms
    sizes = {"hidden 1": 2 * 8, "hidden 2": 8 * 8, "hidden 3": 8 * 8, "output": 8}
    for _, row in hist.iterrows():
        assert len(row["counts"]) == len(HISTOGRAM_EDGES) - 1
        assert row["counts"].sum() + row["zeros"] + row["nonfinite"] == sizes[row["layer"]]
        assert row["nonfinite"] == 0


def test_nan_and_inf_gradients_are_counted_apart_from_zeros():
    """A diverging run's NaN gradients must not pass for exact zeros (a 'dead' layer)."""
    probe = w.train(w.RunConfig(dataset="moons", depth=1, width=4, epochs=1))._probe
    shapes = [tuple(v.shape) for v in probe._kernel_vars]
    grads = [np.full(shape, 1e-3) for shape in shapes]
    grads[0].flat[:3] = [np.nan, np.inf, 0.0]
    probe._measure_gradients(99, None, grads, grads)
    first = probe.records_histograms[-len(shapes)]
    assert (first["zeros"], first["nonfinite"], first["counts"].sum()) == (1, 2, grads[0].size - 3)
    assert probe.records_gradients[-len(shapes)]["grad_zero_fraction"] == 1 / grads[0].size


def test_dead_relu_units_are_counted():
    # A large negative bias start kills every ReLU unit: all slopes zero on every probe row.
    cfg = w.RunConfig(dataset="moons", depth=2, width=8, epochs=1, activation="relu")
    run = w.train(cfg)
    model = run.model
    acts = run.activations
    assert acts["dead"].between(0, 1).all() and acts["saturated"].between(0, 1).all()
    hidden = model.get_layer("hidden_1")
    hidden.bias.assign(np.full(hidden.bias.shape, -100.0, dtype="float32"))
    probe = run._probe
    probe._measure(epoch=99, previous_kernels=None)
    first = [r for r in probe.records_activations if r["epoch"] == 99 and r["layer_index"] == 0][0]
    assert first["dead"] == 1.0 and first["saturated"] == 1.0 and first["mean"] == 0.0


def test_sigmoid_saturation_is_measured():
    cfg = w.RunConfig(dataset="moons", depth=2, width=8, epochs=1, activation="sigmoid",
                      initializer="random_normal")
    run = w.train(cfg)
    probe = run._probe
    before = run.activations.query("epoch == 1 and layer_index == 0")["saturated"].item()
    kernel = run.model.get_layer("hidden_1").kernel
    kernel.assign(kernel.numpy() * 1000)  # huge pre-activations push sigmoid to 0 or 1
    probe._measure(epoch=99, previous_kernels=None)
    first = [r for r in probe.records_activations if r["epoch"] == 99 and r["layer_index"] == 0][0]
    assert before < 0.05 and first["saturated"] > 0.8
