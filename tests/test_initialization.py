"""widgets.initialization: kernels drawn as Keras draws them, symmetry counts, per-layer spread."""

import keras
import numpy as np
import pytest

from widgets import initialization as wi


def test_article_uniform_is_the_one_over_sqrt_fan_in_interval():
    kernel = wi.sample_kernel(wi.article_uniform(), fan_in=400, fan_out=50)
    assert np.abs(kernel).max() <= 1 / np.sqrt(400) and np.abs(kernel).max() > 0.99 / np.sqrt(400)
    assert np.isclose(kernel.var(), 1 / (3 * 400), rtol=0.05)  # variance of U[-a, a] is a^2 / 3


def test_glorot_limit_matches_what_keras_draws_and_rejects_bad_fans():
    for fan_in, fan_out in ((100, 100), (30, 7)):
        kernel = wi.sample_kernel("glorot_uniform", fan_in, fan_out)
        limit = wi.glorot_uniform_limit(fan_in, fan_out)
        assert np.abs(kernel).max() <= limit and np.abs(kernel).max() > 0.97 * limit
    with pytest.raises(ValueError, match="fan_in"):
        wi.glorot_uniform_limit(0, 10)
    with pytest.raises(ValueError, match="fan_out"):
        wi.glorot_uniform_limit(10, 2.5)


def test_sample_kernel_is_seeded_and_fresh_initializer_copies_objects():
    a = wi.sample_kernel("he_normal", 20, 30, seed=3)
    assert a.shape == (20, 30) and np.array_equal(a, wi.sample_kernel("he_normal", 20, 30, seed=3))
    assert not np.array_equal(a, wi.sample_kernel("he_normal", 20, 30, seed=4))
    original = keras.initializers.RandomNormal(stddev=0.3)
    copy = wi.fresh_initializer(original)
    assert copy is not original and copy.stddev == 0.3
    with pytest.raises(ValueError, match="initializer"):
        wi.fresh_initializer("not_an_initializer")
    with pytest.raises(ValueError, match="initializer"):
        wi.fresh_initializer(0.5)


def test_distinct_units_counts_columns_within_tolerance():
    column = np.array([[0.2], [-0.7], [1.1]])
    assert wi.distinct_units(np.repeat(column, 5, axis=1)) == 1
    nearly = np.hstack([column, column + 1e-9, column + 0.1])
    assert wi.distinct_units(nearly) == 2
    assert wi.distinct_units(wi.sample_kernel("glorot_uniform", 3, 16)) == 16
    with pytest.raises(ValueError, match="2-D"):
        wi.distinct_units(np.zeros(4))


def test_layer_spread_shows_he_keeping_relu_signals_and_glorot_losing_them():
    he = wi.layer_spread("he_normal", "relu", depth=8, width=64, rows=128)
    glorot = wi.layer_spread("glorot_uniform", "relu", depth=8, width=64, rows=128)
    assert list(he.columns) == ["layer", "activation_std", "backprop_std", "kernel_grad_std"]
    assert he["layer"].tolist() == list(range(1, 9))
    he_forward = he["activation_std"].iloc[-1] / he["activation_std"].iloc[0]
    glorot_forward = glorot["activation_std"].iloc[-1] / glorot["activation_std"].iloc[0]
    assert 0.5 < he_forward < 2 and glorot_forward < 0.2
    he_backward = he["backprop_std"].iloc[0] / he["backprop_std"].iloc[-1]
    glorot_backward = glorot["backprop_std"].iloc[0] / glorot["backprop_std"].iloc[-1]
    assert 0.5 < he_backward < 2 and glorot_backward < 0.2


def test_layer_spread_is_reproducible_and_validates_its_arguments():
    first = wi.layer_spread(keras.initializers.RandomNormal(stddev=0.1), "tanh", depth=3, width=16, rows=32)
    again = wi.layer_spread(keras.initializers.RandomNormal(stddev=0.1), "tanh", depth=3, width=16, rows=32)
    assert first.equals(again)
    with pytest.raises(ValueError, match="activation"):
        wi.layer_spread("he_normal", "relu6")
    with pytest.raises(ValueError, match="depth"):
        wi.layer_spread("he_normal", "relu", depth=0)
    with pytest.raises(ValueError, match="width"):
        wi.layer_spread("he_normal", "relu", width=True)


def test_fresh_copies_of_one_object_draw_different_kernels_unlike_the_object_itself():
    # Keras draws the same numbers each time one unseeded object is called with the same shape, so
    # layer_spread copies the object for every layer.
    keras.utils.set_random_seed(0)
    shared = keras.initializers.RandomNormal(stddev=0.1)
    assert np.array_equal(shared(shape=(4, 4)), shared(shape=(4, 4)))
    first, second = (wi.fresh_initializer(shared)(shape=(4, 4)) for _ in range(2))
    assert not np.array_equal(first, second)


def test_spread_table_ratio_directions_and_figure():
    table = wi.spread_table({"tiny": keras.initializers.RandomNormal(stddev=0.01), "he": "he_normal"},
                            ("relu", "tanh"), depth=4, width=32, rows=64)
    assert set(table["initializer"]) == {"tiny", "he"} and len(table) == 2 * 2 * 4
    forward = wi.spread_ratio(table, "activation_std")
    backward = wi.spread_ratio(table, "backprop_std")
    assert list(forward.index) == ["tiny", "he"] and list(forward.columns) == ["relu", "tanh"]
    assert (forward.loc["tiny"] < 0.01).all() and (backward.loc["tiny"] < 0.01).all()  # both vanish
    rows = table[(table["initializer"] == "tiny") & (table["activation"] == "relu")]
    assert np.isclose(backward.loc["tiny", "relu"],
                      rows["backprop_std"].iloc[0] / rows["backprop_std"].iloc[-1])
    fig = wi.spread_figure(table, "backprop_std")
    assert len(fig.data) == 4 and sum(trace.showlegend for trace in fig.data) == 2
    assert fig.layout.title.text and fig.layout.xaxis.title.text and fig.layout.yaxis.title.text
    assert fig.layout.yaxis.type == "log"
    with pytest.raises(ValueError, match="column"):
        wi.spread_figure(table, "grad_norm")
    with pytest.raises(ValueError, match="at least one"):
        wi.spread_table({}, ("relu",))
