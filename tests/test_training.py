import threading

import numpy as np
import pandas as pd
import pytest

import widgets as w


def test_finished_run_has_history_and_probes(tiny):
    run = w.train(tiny)
    assert run.status == "finished" and run.epochs_done == 3 and run.message == ""
    assert list(run.history.columns) == ["epoch", "accuracy", "loss", "val_accuracy", "val_loss", "lr"]
    assert list(run.history["epoch"]) == [1, 2, 3]
    assert run.model is not None and run.wall_time > 0
    assert "finished: 3 of 3 epochs" in run.summary()
    assert set(run.initial) == {"loss", "accuracy", "val_loss", "val_accuracy"}
    assert run.initial["loss"] > run.final("loss")


def test_same_config_gives_identical_histories(tiny):
    cfg = tiny.replace(dropout=0.2, batchnorm=True)
    a, b = w.train(cfg), w.train(cfg)
    pd.testing.assert_frame_equal(a.history, b.history)
    pd.testing.assert_frame_equal(a.gradients, b.gradients)
    c = w.train(cfg.replace(seed=1))
    assert not a.history["loss"].equals(c.history["loss"])


def test_huge_learning_rate_diverges_without_exception():
    run = w.train(w.RunConfig(learning_rate=1e4, epochs=5))
    assert run.status == "diverged"
    assert "Diverged" in run.message and "epoch 1" in run.message
    assert run.epochs_done <= 5


def test_growing_finite_loss_counts_as_divergence():
    # Plain SGD on a regression target at a far too high rate: the loss explodes before it is NaN.
    run = w.train(w.RunConfig(dataset="diabetes_progression", optimizer="sgd", learning_rate=0.5, depth=3,
                              activation="linear", epochs=10))
    assert run.status == "diverged", run.summary()


def test_stop_event_stops_within_the_epoch(tiny):
    stop = threading.Event()
    steps = []

    def on_batch(run, epoch, step, loss):  # heard after each call into TensorFlow
        steps.append(step)
        stop.set()

    run = w.train(tiny.replace(epochs=50), on_batch=on_batch, stop_event=stop)
    assert run.status == "stopped" and run.epochs_done <= 1 and len(steps) == 1


def test_early_stopping_restores_best_weights():
    cfg = w.RunConfig(dataset="moons", train_fraction=0.1, depth=4, width=128, epochs=100,
                      early_stopping_patience=3, learning_rate=1e-2)
    run = w.train(cfg, probes=False)
    assert run.status == "early-stopped" and run.epochs_done < 100
    assert "weights restored from epoch" in run.message
    best = run.history["val_loss"].min()
    restored = run.model.evaluate(run.dataset.x_val, run.dataset.y_val, verbose=0)[0]
    assert restored == pytest.approx(best, rel=1e-4)


def test_on_epoch_sees_the_run_grow(tiny):
    seen = []
    w.train(tiny, on_epoch=lambda run: seen.append((run.epochs_done, len(run.history))))
    assert seen == [(0, 0), (1, 1), (2, 2), (3, 3)]


def test_deep_sigmoid_vanishes_and_relu_he_does_not():
    base = w.RunConfig(dataset="moons", depth=8, epochs=3)
    sigmoid = w.train(base.replace(activation="sigmoid")).layer_gradient("grad_mean_abs")
    relu = w.train(base.replace(activation="relu", initializer="he_normal")).layer_gradient("grad_mean_abs")
    assert sigmoid["hidden 8"] / sigmoid["hidden 1"] > 100
    assert relu["hidden 8"] / relu["hidden 1"] < 10


def test_custom_dataset_and_type_errors(tiny):
    ds = w.load_dataset("circles")
    run = w.train(tiny.replace(epochs=1), dataset=ds, probes=False)
    assert run.dataset is ds and run.gradients.empty
    with pytest.raises(TypeError, match="RunConfig"):
        w.train({"depth": 3})


def test_schedules_change_the_logged_learning_rate(tiny):
    run = w.train(tiny.replace(schedule="exponential", epochs=4, learning_rate=0.01), probes=False)
    lrs = run.history["lr"].to_numpy()
    assert np.all(np.diff(lrs) < 0) and lrs[-1] == pytest.approx(0.001, rel=0.01)
