"""The learning-rate range test: ramp, blow-up detection, suggestion, and a model left untouched."""

import keras
import numpy as np
import pytest

import widgets as w
from widgets.lr_finder import RangeTest, _smooth, find_learning_rate, range_test
from widgets.model import targets


@pytest.fixture
def compiled():
    cfg = w.RunConfig(dataset="moons", depth=2, width=16, optimizer="sgd", batch_size=64)
    ds = w.load_dataset("moons")
    keras.utils.set_random_seed(0)
    model = w.build_model(cfg, ds)
    return model, ds.x_train, targets(cfg, ds, ds.y_train)


def test_weights_and_optimizer_state_are_restored_exactly(compiled):
    model, x, y = compiled
    model.optimizer.build(model.trainable_variables)
    before = [v.copy() for v in model.get_weights()]
    opt_before = [v.numpy().copy() for v in model.optimizer.variables]
    result = range_test(model, x, y, steps=60, end_rate=100.0)
    assert len(result.losses) > 10  # it really trained
    for a, b in zip(before, model.get_weights()):
        np.testing.assert_array_equal(a, b)
    for a, b in zip(opt_before, model.optimizer.variables):
        np.testing.assert_array_equal(a, b.numpy())
    assert float(model.optimizer.learning_rate) == pytest.approx(0.001)  # the config's rate is back


def test_rates_grow_geometrically_from_start_to_end(compiled):
    model, x, y = compiled
    result = range_test(model, x, y, start_rate=1e-4, end_rate=1e-1, steps=40, stop_on_blowup=False)
    assert len(result.rates) == 40 and not result.stopped_early
    assert result.rates[0] == pytest.approx(1e-4) and result.rates[-1] == pytest.approx(1e-1)
    ratios = result.rates[1:] / result.rates[:-1]
    np.testing.assert_allclose(ratios, ratios[0])


def test_the_loss_falls_then_shoots_up_and_the_suggestion_sits_below_the_blowup(compiled):
    model, x, y = compiled
    result = range_test(model, x, y, steps=200, end_rate=100.0)
    assert result.stopped_early, "an SGD net must blow up before a rate of 100"
    lowest = int(np.argmin(result.smoothed))
    assert result.smoothed[lowest] < 0.8 * result.smoothed[0]  # it learnt something on the way
    assert result.smoothed[-1] > 2 * result.smoothed[lowest]  # and then the loss shot up
    assert result.suggested_rate == pytest.approx(result.min_loss_rate / 10)
    assert result.rates[0] < result.suggested_rate < result.min_loss_rate < result.blowup_rate
    assert result.steepest_rate <= result.min_loss_rate


def test_the_suggested_rate_trains_better_than_rates_far_from_it():
    cfg = w.RunConfig(dataset="moons", depth=2, width=16, optimizer="sgd", batch_size=64, epochs=8)
    suggested = find_learning_rate(cfg, steps=150).suggested_rate
    loss = {lr: w.train(cfg.replace(learning_rate=lr), probes=False).final("loss")
            for lr in (suggested / 100, suggested)}
    assert loss[suggested] < 0.8 * loss[suggested / 100]


def test_find_learning_rate_is_seeded():
    cfg = w.RunConfig(dataset="moons", depth=2, width=8, batch_size=64)
    a, b = find_learning_rate(cfg, steps=30), find_learning_rate(cfg, steps=30)
    np.testing.assert_array_equal(a.losses, b.losses)


def test_smoothing_is_bias_corrected():
    np.testing.assert_allclose(_smooth(np.full(5, 2.0)), 2.0)
    assert _smooth(np.array([1.0, 3.0]))[1] == pytest.approx((0.09 * 1 + 0.1 * 3) / 0.19)


def test_figure_has_a_log_rate_axis_and_marks_the_suggestion():
    rates = np.geomspace(1e-4, 1, 50)
    losses = np.concatenate([np.linspace(1.0, 0.2, 40), np.linspace(0.3, 3.0, 10)])
    fig = RangeTest(rates, losses, _smooth(losses), stopped_early=True).figure()
    assert fig.layout.xaxis.type == "log"
    assert fig.layout.title.text and fig.layout.xaxis.title.text and fig.layout.yaxis.title.text
    assert any(t.name.startswith("suggested") for t in fig.data)


@pytest.mark.parametrize("kwargs,field", [
    (dict(start_rate=1.0, end_rate=0.1), "start_rate"),
    (dict(steps=3), "steps"),
    (dict(batch_size=0), "batch_size"),
])
def test_bad_arguments_are_named(compiled, kwargs, field):
    model, x, y = compiled
    with pytest.raises(ValueError, match=field):
        range_test(model, x, y, **kwargs)


def test_a_scheduled_optimizer_is_refused(compiled):
    model, x, y = compiled
    schedule = keras.optimizers.schedules.ExponentialDecay(0.01, 100, 0.5)
    model.compile(optimizer=keras.optimizers.SGD(learning_rate=schedule), loss="binary_crossentropy")
    with pytest.raises(ValueError, match="LearningRateSchedule"):
        range_test(model, x, y)
