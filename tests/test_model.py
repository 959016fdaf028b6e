import keras
import pytest

import widgets as w


def _layers(model, kind):
    return [layer for layer in model.layers if isinstance(layer, kind)]


def test_dense_stack_follows_the_config():
    cfg = w.RunConfig(depth=4, width=16, activation="tanh", initializer="he_normal", dropout=0.25, l2=1e-3,
                      max_norm=2.0)
    model = w.build_model(cfg, w.load_dataset("moons"))
    dense = _layers(model, keras.layers.Dense)
    assert [d.units for d in dense] == [16] * 4 + [1]
    assert all(d.use_bias for d in dense)
    assert [a.activation.__name__ for a in _layers(model, keras.layers.Activation)] == ["tanh"] * 4
    assert len(_layers(model, keras.layers.Dropout)) == 4 and model.get_layer("dropout_1").rate == 0.25
    assert isinstance(dense[0].kernel_initializer, keras.initializers.HeNormal)
    assert dense[0].kernel_regularizer.l2 == pytest.approx(1e-3)
    assert isinstance(dense[0].kernel_constraint, keras.constraints.MaxNorm)


def test_batchnorm_before_activation_drops_the_bias():
    model = w.build_model(w.RunConfig(depth=2, batchnorm=True), w.load_dataset("moons"))
    names = [layer.name for layer in model.layers]
    assert names[:3] == ["hidden_1", "bn_1", "act_1"]
    assert not model.get_layer("hidden_1").use_bias
    after = w.build_model(w.RunConfig(depth=2, batchnorm=True, batchnorm_position="after"), w.load_dataset("moons"))
    assert [layer.name for layer in after.layers][:3] == ["hidden_1", "act_1", "bn_1"]
    assert after.get_layer("hidden_1").use_bias


@pytest.mark.parametrize("dataset,units,activation,loss", [
    ("pima", 1, "sigmoid", "binary_crossentropy"),
    ("digits", 10, "softmax", "sparse_categorical_crossentropy"),
    ("diabetes_progression", 1, "linear", "mean_squared_error"),
])
def test_output_and_loss_follow_the_task(dataset, units, activation, loss):
    model = w.build_model(w.RunConfig(dataset=dataset), w.load_dataset(dataset))
    out = model.get_layer("output")
    assert out.units == units and out.activation.__name__ == activation
    assert model.loss == loss


def test_output_and_loss_overrides():
    cfg = w.RunConfig(dataset="pima", output_activation="softmax", loss="mean_squared_error")
    model = w.build_model(cfg, w.load_dataset("pima"))
    assert model.get_layer("output").activation.__name__ == "softmax" and model.loss == "mean_squared_error"


@pytest.mark.parametrize("changes,cls,attrs", [
    (dict(optimizer="sgd", momentum=0.9, nesterov=True), keras.optimizers.SGD, dict(momentum=0.9, nesterov=True)),
    (dict(optimizer="rmsprop", momentum=0.5), keras.optimizers.RMSprop, dict(momentum=0.5)),
    (dict(optimizer="adagrad"), keras.optimizers.Adagrad, {}),
    (dict(optimizer="adam", beta_1=0.8, clipnorm=1.0), keras.optimizers.Adam, dict(beta_1=0.8, clipnorm=1.0)),
    (dict(optimizer="nadam", clipvalue=0.5), keras.optimizers.Nadam, dict(clipvalue=0.5)),
    (dict(optimizer="adam", global_clipnorm=2.0), keras.optimizers.Adam, dict(global_clipnorm=2.0)),
])
def test_optimizer_is_keras_own_with_settings(changes, cls, attrs):
    opt = w.build_optimizer(w.RunConfig(learning_rate=0.01, **changes))
    assert type(opt) is cls
    assert float(opt.learning_rate) == pytest.approx(0.01)
    for name, value in attrs.items():
        assert getattr(opt, name) == pytest.approx(value)


@pytest.mark.parametrize("schedule,cls", [
    ("power", keras.optimizers.schedules.InverseTimeDecay),
    ("exponential", keras.optimizers.schedules.ExponentialDecay),
    ("piecewise", keras.optimizers.schedules.PiecewiseConstantDecay),
])
def test_schedules_use_keras_classes(schedule, cls):
    opt = w.build_optimizer(w.RunConfig(schedule=schedule), steps=10)
    assert isinstance(opt._learning_rate, cls)
