"""2-D surfaces stepped by the real Keras optimizers: the paths must be the optimizers' own."""

import time

import keras
import numpy as np
import pytest
import tensorflow as tf

from standalone import exec_without_widgets
from widgets import surfaces as S


def test_each_surface_has_its_minimum_where_it_says():
    for surface in S.SURFACES.values():
        xs, ys, z = surface.grid(201)
        assert z.min() >= surface.min_value - 1e-9, surface.name
        assert surface.min_value < float(surface(*surface.start)), surface.name
        # the gradient vanishes at the stated minimum
        point = tf.Variable(np.array(surface.minimum, np.float64))
        with tf.GradientTape() as tape:
            loss = surface(point[0], point[1])
        np.testing.assert_allclose(tape.gradient(loss, point).numpy(), 0.0, atol=1e-12)


def test_sgd_path_matches_plain_gradient_descent_by_hand():
    surface = S.SURFACES["bowl"]
    path = S.optimizer_path("bowl", "sgd", learning_rate=0.05, steps=20)
    p = np.array(surface.start, np.float64)
    for _ in range(20):
        var = tf.Variable(p)
        with tf.GradientTape() as tape:
            loss = surface(var[0], var[1])
        p = p - 0.05 * tape.gradient(loss, var).numpy()
    np.testing.assert_allclose(path.points[-1], p, rtol=1e-4, atol=1e-5)


def test_adam_path_is_what_keras_adam_does_eagerly():
    surface = S.SURFACES["ravine"]
    path = S.optimizer_path("ravine", "adam", learning_rate=0.05, steps=15, beta_1=0.8, beta_2=0.99)
    point = keras.Variable(np.array(surface.start, np.float32))
    optimizer = keras.optimizers.Adam(learning_rate=0.05, beta_1=0.8, beta_2=0.99)
    for _ in range(15):
        with tf.GradientTape() as tape:
            loss = surface(point.value[0], point.value[1])
        optimizer.apply_gradients([(tape.gradient(loss, point.value), point)])
    np.testing.assert_allclose(path.points[-1], point.numpy(), rtol=1e-5, atol=1e-6)


def test_reusing_a_cached_optimizer_starts_fresh_each_time():
    first = S.optimizer_path("saddle", "adam", learning_rate=0.1, steps=30)
    S.optimizer_path("saddle", "adam", learning_rate=0.3, steps=50)  # same cached optimizer, other rate
    again = S.optimizer_path("saddle", "adam", learning_rate=0.1, steps=30)
    np.testing.assert_array_equal(first.points, again.points)


def test_momentum_reaches_the_bottom_of_the_ravine_where_plain_sgd_crawls():
    sgd = S.optimizer_path("ravine", "sgd", steps=150)
    momentum = S.optimizer_path("ravine", "momentum", steps=150, momentum=0.9)
    assert momentum.gap < 1e-4 < sgd.gap


def test_adaptive_methods_escape_the_saddle_that_holds_plain_sgd():
    sgd = S.optimizer_path("saddle", "sgd", steps=150)
    adam = S.optimizer_path("saddle", "adam", steps=150)
    saddle_gap = 0.0 - S.SURFACES["saddle"].min_value  # the loss at the saddle point minus the minimum
    assert sgd.gap > 0.9 * saddle_gap
    assert adam.gap < 1e-3


def test_too_large_a_rate_diverges_and_is_reported():
    path = S.optimizer_path("bowl", "sgd", learning_rate=1.0, steps=150)
    assert path.diverged and path.final_loss == float("inf")
    assert not S.optimizer_path("bowl", "sgd", learning_rate=0.1, steps=150).diverged


def test_steps_to_finds_the_first_step_within_the_gap():
    path = S.optimizer_path("bowl", "nesterov", steps=100)
    n = path.steps_to(1e-3)
    assert n is not None and path.losses[n] - path.min_value <= 1e-3
    assert np.all(path.losses[:n] - path.min_value > 1e-3)
    assert S.optimizer_path("bowl", "adagrad", steps=20).steps_to(1e-9) is None


def test_best_over_rates_picks_the_lowest_final_loss():
    rates = [0.01, 0.1, 0.3]
    best, path = S.best_over_rates("bowl", "adam", rates, steps=60)
    finals = [S.optimizer_path("bowl", "adam", learning_rate=r, steps=60).final_loss for r in rates]
    assert best == rates[int(np.argmin(finals))] and path.final_loss == min(finals)


@pytest.mark.parametrize("kwargs,field", [
    (dict(surface="cliff", optimizer="sgd"), "surface"),
    (dict(surface="bowl", optimizer="adamax"), "optimizer"),
    (dict(surface="bowl", optimizer="sgd", learning_rate=-1.0), "learning_rate"),
    (dict(surface="bowl", optimizer="sgd", steps=0), "steps"),
    (dict(surface="bowl", optimizer="adam", beta_1=1.0), "beta_1"),
])
def test_bad_inputs_name_the_field(kwargs, field):
    with pytest.raises(ValueError, match=field):
        S.optimizer_path(kwargs.pop("surface"), kwargs.pop("optimizer"), **kwargs)


def test_figures_have_titles_axes_and_one_trace_per_optimizer():
    paths = S.optimizer_paths("ravine", ("sgd", "adam"), steps=20)
    fig = S.path_figure("ravine", paths)
    names = [t.name for t in fig.data]
    assert any(n.startswith("SGD") for n in names) and any(n.startswith("Adam") for n in names)
    assert "start" in names and "minimum" in names
    assert fig.layout.title.text and fig.layout.xaxis.title.text and fig.layout.yaxis.title.text
    loss = S.loss_figure("ravine", paths)
    assert len(loss.data) == 2 and loss.layout.yaxis.type == "log"


def test_a_diverging_path_is_cut_where_it_leaves_the_window():
    path = S.optimizer_path("bowl", "sgd", learning_rate=1.0, steps=150)
    fig = S.path_figure("bowl", {"sgd": path})
    drawn = next(t for t in fig.data if t.name.startswith("SGD"))
    assert "diverged" in drawn.name
    assert 1 < len(drawn.x) < len(path.points) and np.all(np.isfinite(drawn.x))


def test_explorer_recomputes_a_new_learning_rate_quickly():
    explorer = S.SurfaceExplorer("bowl", optimizers=("sgd", "momentum", "adam"), warm=False)
    explorer.update(learning_rate=0.05)  # loops already traced by the first draw
    began = time.perf_counter()
    seconds = explorer.update(learning_rate=0.2)
    assert seconds <= time.perf_counter() - began
    assert seconds < 0.5, f"recompute took {seconds:.2f} s"
    assert explorer.paths["adam"].points.shape == (151, 2)
    np.testing.assert_allclose(explorer.paths["adam"].points,
                               S.optimizer_path("bowl", "adam", learning_rate=0.2).points)
    with pytest.raises(ValueError, match="unknown control"):
        explorer.update(rho=0.9)


def test_explorer_switches_surface_with_its_own_learning_rate():
    explorer = S.SurfaceExplorer("bowl", optimizers=("sgd",), warm=False)
    explorer.update(surface="saddle")
    assert explorer.controls["learning_rate"].value == pytest.approx(S.SURFACES["saddle"].learning_rate)
    assert explorer.figure.layout.title.text.startswith(S.SURFACES["saddle"].title)


@pytest.mark.parametrize("surface, optimizers, settings", [
    ("bowl", S.OPTIMIZERS, dict(steps=25)),
    ("ravine", ("momentum", "nesterov"), dict(learning_rate=0.05, momentum=0.8, steps=40)),
    ("saddle", ("adam", "nadam"), dict(beta_1=0.7, beta_2=0.99, steps=40)),
])
def test_surface_code_runs_as_plain_keras_and_takes_the_same_paths(surface, optimizers, settings):
    script = exec_without_widgets(S.surface_code(surface, optimizers, **settings))
    assert list(script["paths"]) == [S.LABELS[kind] for kind in optimizers]
    for kind in optimizers:
        expected = S.optimizer_path(surface, kind, **settings).points
        np.testing.assert_allclose(script["paths"][S.LABELS[kind]], expected, rtol=1e-5, atol=1e-6,
                                   err_msg=kind)


def test_explorer_code_follows_the_sliders():
    explorer = S.SurfaceExplorer("bowl", optimizers=("sgd", "adam"), steps=20, warm=False)
    assert explorer.code_view.code == ""  # not computed until shown
    explorer.code_view.show()
    assert explorer.code_view.code == S.surface_code("bowl", ("sgd", "adam"), steps=20, learning_rate=0.1)
    explorer.update(surface="ravine", beta_1=0.8)
    assert "Rosenbrock" in explorer.code_view.code and "beta_1=0.8" in explorer.code_view.code
    assert explorer.code_view in explorer.widget.children
