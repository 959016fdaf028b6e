import dataclasses

import numpy as np
import pytest

import widgets as w
from widgets import plots


@pytest.fixture(scope="module")
def run():
    return w.train(w.RunConfig(depth=3, epochs=2, width=8))


def _labelled(fig):
    assert fig.layout.title.text
    assert fig.layout.xaxis.title.text and fig.layout.yaxis.title.text
    return fig


def test_every_figure_is_titled_and_labelled(run):
    for fig in (plots.curves_figure(run), plots.gradient_histogram_figure(run), plots.gradient_norm_figure(run),
                plots.layer_profile_figure({"a": run}), plots.activation_figure(run),
                plots.decision_boundary_figure(run), plots.compare_figure({"a": run})):
        _labelled(fig)
        assert len(fig.data) > 0


def test_curves_hold_every_epoch_and_pinned_runs_fade(run):
    fig = plots.curves_figure(run, pinned=[run])
    live = [t for t in fig.data if not t.name.startswith("pinned")]
    pinned = [t for t in fig.data if t.name.startswith("pinned")]
    assert len(live) == 4 and len(pinned) == 4
    assert list(live[0].x) == [0, 1, 2] and all(t.opacity < 1 for t in pinned)
    assert live[0].y[0] == run.initial["loss"]


@pytest.fixture(scope="module")
def zero_input_run():
    """A tanh net on moons with a third input that is always 0.

    The first kernel's row for that input gets a gradient of exactly zero (the input multiplies it);
    every other gradient is finite and nonzero (tanh has no flat part at these weights).
    """
    moons = w.load_dataset("moons")
    def pad(x):
        return np.c_[x, np.zeros(len(x), np.float32)]
    data = dataclasses.replace(moons, x_train=pad(moons.x_train), x_val=pad(moons.x_val),
                               feature_names=(*moons.feature_names, "always 0"))
    return w.train(w.RunConfig(activation="tanh", depth=2, width=8, epochs=2), dataset=data)


def _last_epoch(frame):
    return frame[frame["epoch"] == frame["epoch"].max()].sort_values("layer_index")


def _kernel_gradients(run) -> list[np.ndarray]:
    """|gradient| of each kernel on the probe rows, recomputed from the trained model (the last epoch's
    histogram was measured on these weights), the way the probe defines it: the compiled loss,
    regularization included, with training=False."""
    import tensorflow as tf
    x, y = w.training.probe_batch(run.config, run.dataset)
    model = run.model
    kernels = [layer.kernel for layer in w.probes.kernel_layers(model)]
    with tf.GradientTape() as tape:
        loss = model.compute_loss(x=x, y=y, y_pred=model(x, training=False), training=False)
    return [np.abs(np.asarray(g, np.float64)).ravel() for g in tape.gradient(loss, kernels)]


@pytest.mark.parametrize("which", ["run", "zero_input_run"])
def test_histogram_counts_are_numpys_histogram_of_log10_gradients(which, request):
    run = request.getfixturevalue(which)
    rows = _last_epoch(run.gradient_histograms)
    grads = _kernel_gradients(run)
    assert len(rows) == len(grads)
    for row, g in zip(rows.itertuples(), grads):
        nonzero = g[g > 0]
        logs = np.log10(nonzero)
        # inside the edges, so numpy's histogram drops nothing (the probe puts outliers in the end bins)
        assert run.histogram_edges[0] <= logs.min() and logs.max() < run.histogram_edges[-1]
        expected, _ = np.histogram(logs, bins=run.histogram_edges)
        assert np.array_equal(row.counts, expected), row.layer
        assert row.zeros == g.size - nonzero.size


def test_histogram_shows_each_bin_as_a_percentage_of_all_the_layers_weights(run, zero_input_run):
    for r in (run, zero_input_run):
        rows = _last_epoch(r.gradient_histograms)
        fig = plots.gradient_histogram_figure(r)
        assert [t.name for t in fig.data] == list(rows["layer"])
        for trace, row in zip(fig.data, rows.itertuples()):
            weights = row.counts.sum() + row.zeros
            assert np.allclose(trace.y, 100 * row.counts / weights, rtol=1e-12, atol=0)
    assert [t.name for t in plots.gradient_histogram_figure(run).data] == ["hidden 1", "hidden 2", "hidden 3",
                                                                          "output"]


def test_histogram_lines_sum_to_100_percent_unless_zeros_are_left_out(zero_input_run):
    """Exact zeros have no log10: they are left out of the lines and reported as grad_zero_fraction."""
    run = zero_input_run
    fig = plots.gradient_histogram_figure(run)
    stats = _last_epoch(run.gradients)
    zeros = dict(zip(stats["layer"], stats["grad_zero_fraction"]))
    width = run.config.width
    # the first kernel (3 inputs x 8 units) has one row of zeros; the other layers have none
    assert zeros == {"hidden 1": pytest.approx(width / (3 * width)), "hidden 2": 0.0, "output": 0.0}
    for trace in fig.data:
        assert sum(trace.y) == pytest.approx(100 * (1 - zeros[trace.name]), abs=1e-9), trace.name
    shares = {t.name: sum(t.y) for t in fig.data}
    assert shares["hidden 1"] == pytest.approx(200 / 3) and shares["output"] == pytest.approx(100)


def test_non_finite_values_become_gaps():
    run = w.train(w.RunConfig(learning_rate=1e4, epochs=3, depth=2), probes=True)
    assert run.status == "diverged"
    for fig in (plots.curves_figure(run), plots.gradient_norm_figure(run)):
        for trace in fig.data:
            assert all(v is None or np.isfinite(v) for v in trace.y)
    assert plots.finite([1.0, float("nan"), float("inf"), None]) == [1.0, None, None, None]


def test_decision_boundary_refuses_other_datasets():
    run = w.train(w.RunConfig(dataset="pima", depth=1, epochs=1), probes=False)
    with pytest.raises(ValueError, match="2-D binary"):
        plots.decision_boundary_figure(run)


def test_log_axes_label_their_ticks_as_numbers_not_bare_digits():
    values, labels = plots.log_ticks(0.003, 0.04)
    assert labels == ["0.002", "0.005", "0.01", "0.02", "0.05", "0.1"]
    values, labels = plots.log_ticks(1e-7, 0.5)
    assert labels[0] == "10⁻⁷" and labels[-1] == "10⁰" and all(label.startswith("10") for label in labels)


def test_log_figures_get_readable_ticks_for_their_data(run):
    fig = plots.gradient_norm_figure(run)
    shown = [v for t in fig.data for v in t.y if v]
    assert fig.layout.yaxis.tickmode == "array" and fig.layout.yaxis.exponentformat == "power"
    assert min(fig.layout.yaxis.tickvals) <= min(shown) * 2.5 and max(fig.layout.yaxis.tickvals) >= max(shown) / 2.5
    assert all(label.replace(".", "").isdigit() or label.startswith("10") for label in fig.layout.yaxis.ticktext)


def test_no_figure_relies_on_colour_alone(run):
    """Lines of different categories or layers differ in dash or marker too; palettes are colour-blind safe."""
    for fig in (plots.curves_figure(run), plots.gradient_histogram_figure(run), plots.gradient_norm_figure(run),
                plots.layer_profile_figure({"a": run, "b": run}), plots.compare_figure({"a": run, "b": run})):
        looks = [(t.line.dash, t.marker.symbol) for t in fig.data if t.showlegend is not False]
        assert len(set(looks)) == len(looks), fig.layout.title.text
    colours = {t.line.color for t in plots.compare_figure({"a": run, "b": run}).data}
    assert colours <= set(plots.OKABE_ITO)
    bars = plots.activation_figure(run).data
    assert len({(b.marker.color, b.marker.pattern.shape) for b in bars}) == len(bars)
    assert all(b.marker.pattern.shape for b in bars[1:])  # the two bars of one panel differ in hatching
