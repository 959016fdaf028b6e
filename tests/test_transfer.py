"""widgets.transfer: the digit tasks, reusing and freezing layers, the cached training path, the lab."""

import keras
import numpy as np
import pytest

from standalone import exec_without_widgets
from widgets import panel, transfer_experiments, transfer_fit
from widgets.data import load_dataset
from widgets import transfer as T


# -- tasks -----------------------------------------------------------------------------------------

def test_digit_task_keeps_the_asked_number_of_labels_and_renumbers_classes():
    task = T.digit_task((5, 6, 7, 8, 9), labels_per_class=3, seed=0)
    assert np.bincount(task.y_train).tolist() == [3] * 5
    assert task.class_names == ("5", "6", "7", "8", "9") and task.n_classes == 5
    assert task.x_train.min() >= 0.0 and task.x_train.max() <= 1.0 and task.x_train.shape[1] == 64


def test_digit_task_validation_rows_do_not_depend_on_labels_or_seed():
    a = T.digit_task(T.TARGET_DIGITS, labels_per_class=1, seed=0)
    b = T.digit_task(T.TARGET_DIGITS, labels_per_class=None, seed=3)
    assert np.array_equal(a.x_val, b.x_val) and np.array_equal(a.y_val, b.y_val)
    assert len(b.x_train) > 600


def test_digit_task_seed_picks_other_images_and_is_reproducible():
    first = T.digit_task(T.TARGET_DIGITS, 2, seed=0).x_train
    assert np.array_equal(first, T.digit_task(T.TARGET_DIGITS, 2, seed=0).x_train)
    assert not np.array_equal(first, T.digit_task(T.TARGET_DIGITS, 2, seed=1).x_train)


@pytest.mark.parametrize("labels", [0, -1, 1000, 2.5, True])
def test_digit_task_rejects_bad_label_counts(labels):
    with pytest.raises(ValueError, match="labels_per_class"):
        T.digit_task(T.TARGET_DIGITS, labels_per_class=labels)


@pytest.mark.parametrize("digits", [(3,), (1, 1), (4, 10), ("a", "b")])
def test_digit_task_rejects_bad_digit_lists(digits):
    with pytest.raises(ValueError, match="digits"):
        T.digit_task(digits)


def test_loop_task_labels_every_training_digit_by_its_closed_loop():
    images, labels = T.loop_task()
    digits = load_dataset("digits", standardize=False)
    np.testing.assert_allclose(images, digits.x_train / T.PIXEL_MAX)
    y_tr = digits.y_train
    assert set(labels.tolist()) == {0, 1} and labels.dtype == np.int32
    np.testing.assert_array_equal(labels == 1, np.isin(y_tr, T.LOOP_DIGITS))


def test_rotation_task_turns_each_image_four_ways_with_free_labels():
    images = T.digit_task(T.TARGET_DIGITS, 1).x_train
    turned, labels = T.rotation_task(images)
    assert turned.shape == (4 * len(images), 64) and np.bincount(labels).tolist() == [len(images)] * 4
    quarter = turned[labels == 1][0].reshape(8, 8)
    assert np.array_equal(quarter, np.rot90(images[0].reshape(8, 8)))
    with pytest.raises(ValueError, match="shape"):
        T.rotation_task(np.zeros((3, 8, 8)))


# -- models and freezing -----------------------------------------------------------------------------

def test_reuse_copies_weights_without_sharing_them_and_freezes_from_the_input():
    source = T.build_classifier(5, seed=1)
    model = T.reuse(source, n_classes=3, frozen=2)
    for new, old in zip(T.hidden_layers(model), T.hidden_layers(source)):
        assert new is not old and np.array_equal(new.kernel.numpy(), old.kernel.numpy())
    assert [layer.trainable for layer in model.layers] == [False, False, True, True]
    assert model.get_layer("output").units == 3


def test_training_a_reused_model_leaves_the_source_and_frozen_layers_unchanged():
    source = T.build_classifier(5, seed=1)
    before = [w.copy() for w in source.get_weights()]
    task = T.digit_task(T.TARGET_DIGITS, 5)
    model = T.reuse(source, 5, frozen=1)
    T.fit(model, task.x_train, task.y_train, steps=20, points=1)
    assert all(np.array_equal(a, b) for a, b in zip(before, source.get_weights()))
    assert np.array_equal(model.get_layer("hidden_1").kernel.numpy(), before[0])
    assert not np.array_equal(model.get_layer("hidden_2").kernel.numpy(), before[2])


def test_reuse_rejects_impossible_freezing():
    source = T.build_classifier(5)
    with pytest.raises(ValueError, match="frozen"):
        T.reuse(source, 5, frozen=4)
    with pytest.raises(ValueError, match="nothing is pretrained"):
        T.reuse(None, 5, frozen=1)


def test_set_frozen_recompiles_so_the_change_takes_effect():
    task = T.digit_task(T.TARGET_DIGITS, 5)
    model = T.reuse(None, 5, frozen=0)
    model.fit(task.x_train, task.y_train, epochs=1, verbose=0)
    T.set_frozen(model, 3, learning_rate=1e-2)
    frozen_before = [layer.kernel.numpy().copy() for layer in T.hidden_layers(model)]
    model.fit(task.x_train, task.y_train, epochs=1, verbose=0)
    assert all(np.array_equal(a, layer.kernel.numpy()) for a, layer in zip(frozen_before, T.hidden_layers(model)))


def test_autoencoder_body_has_the_shared_layer_names():
    autoencoder = T.build_autoencoder()
    assert [l.name for l in T.hidden_layers(autoencoder)] == ["hidden_1", "hidden_2", "hidden_3"]
    assert autoencoder.output_shape == (None, 64)


# -- training ----------------------------------------------------------------------------------------

def test_fit_records_evenly_spaced_points():
    task = T.digit_task(T.TARGET_DIGITS, 2)
    curve = T.fit(T.build_classifier(5), task.x_train, task.y_train, steps=40, points=4,
                  validation=(task.x_val, task.y_val))
    assert curve["step"].tolist() == [10, 20, 30, 40]
    assert curve["val_accuracy"].between(0, 1).all() and curve["loss"].notna().all()
    with pytest.raises(ValueError, match="steps"):
        T.fit(T.build_classifier(5), task.x_train, task.y_train, steps=0)


@pytest.mark.parametrize("steps, points", [(40, 2), (30, 5)])
def test_fit_cached_gives_exactly_what_fit_gives(steps, points):
    task = T.digit_task(T.TARGET_DIGITS, 3)
    source = T.build_classifier(5, seed=2)
    direct, cached = T.reuse(source, 5, frozen=1, seed=4), T.reuse(source, 5, frozen=1, seed=4)
    a = T.fit(direct, task.x_train, task.y_train, steps, points=points, seed=4, validation=(task.x_val, task.y_val))
    b = T.fit_cached(cached, task.x_train, task.y_train, steps, points=points, seed=4,
                     validation=(task.x_val, task.y_val))
    assert a["val_accuracy"].tolist() == b["val_accuracy"].tolist()
    assert all(np.array_equal(x, y) for x, y in zip(direct.get_weights(), cached.get_weights()))


def test_fit_cached_reuses_one_compiled_twin_per_architecture():
    task = T.digit_task(T.TARGET_DIGITS, 2)
    T.fit_cached(T.reuse(None, 5, 0, seed=0), task.x_train, task.y_train, 20, points=1)
    count = len(transfer_fit._TWINS)
    T.fit_cached(T.reuse(None, 5, 0, seed=1), task.x_train, task.y_train, 20, points=1)
    assert len(transfer_fit._TWINS) == count
    with pytest.raises(ValueError, match="compile"):
        T.fit_cached(keras.Sequential([keras.Input((64,)), keras.layers.Dense(2)]), task.x_train, task.y_train, 5)


def test_transfer_run_freezes_then_fine_tunes():
    run = T.transfer_run("digits 0-4", labels_per_class=3, frozen=3, steps=40, fine_tune_steps=20, points=4)
    assert run.curve["phase"].tolist() == ["frozen"] * 4 + ["fine-tune"] * 2
    assert run.curve["step"].tolist() == [10, 20, 30, 40, 50, 60]
    assert all(layer.trainable for layer in run.model.layers)           # returned unfrozen
    assert not np.array_equal(run.model.get_layer("hidden_1").kernel.numpy(),
                              T.pretrained("digits 0-4").get_layer("hidden_1").kernel.numpy())
    frozen_only = T.transfer_run("digits 0-4", labels_per_class=3, frozen=3, steps=40, points=2)
    assert np.array_equal(frozen_only.model.get_layer("hidden_3").kernel.numpy(),
                          T.pretrained("digits 0-4").get_layer("hidden_3").kernel.numpy())
    assert "3 frozen" in frozen_only.label() and 0 <= frozen_only.val_accuracy <= 1


def test_transfer_run_rejects_unknown_sources_and_negative_fine_tuning():
    with pytest.raises(ValueError, match="source"):
        T.transfer_run("imagenet")
    with pytest.raises(ValueError, match="fine_tune_steps"):
        T.transfer_run("none", frozen=0, fine_tune_steps=-5)
    with pytest.raises(ValueError, match="kind"):
        T.pretrained("imagenet")


def test_pretrained_source_learned_its_task():
    base = T.pretrained("digits 0-4")
    source = T.digit_task(T.SOURCE_DIGITS)
    assert T.accuracy(base, source.x_val, source.y_val) > 0.95


def test_freeze_table_has_one_column_per_start_and_a_row_per_seed():
    runs = T.freeze_table(sources=("digits 0-4",), labels_per_class=(2, None), frozen=(0, 3), seeds=(0, 1), steps=20)
    assert list(runs.index) == [(2, 0), (2, 1), ("all", 0), ("all", 1)]
    assert list(runs.columns) == [("scratch", 0), ("digits 0-4", 0), ("digits 0-4", 3)]
    assert ((runs >= 0) & (runs <= 1)).all().all()
    assert runs.loc[(2, 0), ("scratch", 0)] == T.transfer_run("none", 2, 0, steps=20, seed=0, points=1).val_accuracy
    mean, spread = T.freeze_summary(runs)
    assert list(mean.index) == [2, "all"]
    np.testing.assert_allclose(mean.loc[2], runs.loc[2].mean())
    np.testing.assert_allclose(spread.loc["all"], runs.loc["all"].max() - runs.loc["all"].min())
    fig = T.freeze_figure(runs)
    assert fig.layout.title.text and fig.layout.yaxis.title.text
    assert {trace.name for trace in fig.data} == {"body from digits 0-4", "from scratch (mean)",
                                                  "from scratch, lowest to highest seed"}
    bars = [trace for trace in fig.data if trace.type == "bar"]
    assert all(trace.error_y.array is not None for trace in bars)  # the seeds' range is drawn


def test_compare_starts_pairs_the_starts_by_seed():
    table = T.compare_starts({"scratch": dict(source="none", frozen=0), "loops": dict(source="loops", frozen=3),
                              "longer": dict(source="none", frozen=0, steps=40)},
                             labels_per_class=1, seeds=(0, 2), steps=20)
    assert list(table.index) == [0, 2] and list(table.columns) == ["scratch", "loops", "longer"]
    assert table.loc[2, "loops"] == T.transfer_run("loops", 1, 3, steps=20, seed=2, points=1).val_accuracy
    assert table.loc[0, "longer"] == T.transfer_run("none", 1, 0, steps=40, seed=0, points=1).val_accuracy
    shared = T.transfer_run("loops", 1, 3, steps=20, seed=2, points=1, keep_model=False)  # as the table trains
    assert shared.model is None and shared.val_accuracy == table.loc[2, "loops"]
    fig = T.seeds_figure(table, "title")
    assert [trace.name for trace in fig.data] == ["seed 0", "seed 2", "mean of 2 seeds"]
    assert fig.layout.title.text == "title" and fig.layout.yaxis.title.text


def test_compare_starts_trains_a_setting_asked_for_again_only_once():
    first = T.compare_starts({"scratch": dict(source="none", frozen=0)}, labels_per_class=1, seeds=(5,), steps=20)
    before = transfer_experiments._final_accuracy.cache_info()
    # the same run under another name, its arguments in another order (as section 6's table asks for section 4's)
    again = T.compare_starts({"same run": dict(frozen=0, source="none")}, labels_per_class=1, seeds=(5,), steps=20)
    after = transfer_experiments._final_accuracy.cache_info()
    assert (after.hits, after.misses) == (before.hits + 1, before.misses)
    assert again.loc[5, "same run"] == first.loc[5, "scratch"]
    assert first.loc[5, "scratch"] == T.transfer_run("none", 1, 0, steps=20, seed=5, points=1).val_accuracy
    for changed in (dict(seed=6), dict(steps=21), dict(learning_rate=1e-3), dict(labels_per_class=2),
                    dict(fine_tune_steps=5), dict(source="autoencoder", frozen=3)):  # each setting trains anew
        settings = {"source": "none", "frozen": 0, "steps": 20, "labels_per_class": 1, "seed": 5, **changed}
        seed, labels, steps = settings.pop("seed"), settings.pop("labels_per_class"), settings.pop("steps")
        misses = transfer_experiments._final_accuracy.cache_info().misses
        T.compare_starts({"run": settings}, labels_per_class=labels, seeds=(seed,), steps=steps)
        assert transfer_experiments._final_accuracy.cache_info().misses == misses + 1, changed
    with pytest.raises(ValueError, match="start 'mine' sets seed=3"):
        T.compare_starts({"mine": dict(source="none", frozen=0, seed=3)}, labels_per_class=1, seeds=(5,), steps=20)


# -- figures and lab ---------------------------------------------------------------------------------

def test_curves_figure_marks_fine_tuning_and_labels_axes():
    run = T.transfer_run("none", labels_per_class=2, frozen=0, steps=20, fine_tune_steps=10, points=2)
    fig = T.curves_figure([run], "title")
    assert fig.layout.xaxis.title.text.startswith("optimizer steps") and "accuracy" in fig.layout.yaxis.title.text
    assert len(fig.layout.shapes) == 1 and fig.data[0].name == run.label()


def test_image_grid_checks_titles_and_draws_each_image():
    images = T.digit_images(T.digit_task(T.TARGET_DIGITS, 1).x_train[:3])
    assert images[0].shape == (8, 8)
    fig = T.image_grid(images, ["a", "b", "c"], "three digits", columns=3)
    assert len(fig.data) == 3 and fig.data[0].source.startswith("data:image/png;base64,")
    with pytest.raises(ValueError, match="titles"):
        T.image_grid(images, ["a"], "mismatch")


def test_lab_runs_draws_earlier_runs_faded_and_validates_settings():
    lab = T.TransferLab(source="none", labels_per_class=2, frozen=0, steps=20)
    first = lab.run()
    lab.set(labels_per_class=None)
    assert lab.settings["labels_per_class"] is None
    second = lab.run()
    assert second.labels_per_class is None and first.labels_per_class == 2
    assert len(lab.figure.data) == 2 and lab.figure.data[0].opacity < 1 and lab.figure.data[1].name == second.label()
    with pytest.raises(ValueError, match="not offered"):
        lab.set(labels_per_class=7)
    with pytest.raises(ValueError, match="no control"):
        lab.set(depth=3)
    lab.set(frozen=2)  # nothing is pretrained: greyed out, ignored
    assert lab.controls["frozen"].disabled and "nothing can be frozen" in lab.controls["frozen"].tooltip
    assert lab.settings["frozen"] == 0
    lab.preset_menu.value = "frozen, then fine-tuned"
    assert lab.settings == dict(T.LAB_PRESETS["frozen, then fine-tuned"]) and lab.preset_menu.value == panel.PRESET_PROMPT
    assert not lab.controls["frozen"].disabled
    lab.close()


@pytest.mark.parametrize("source, labels, frozen, fine_tune", [
    ("none", 2, 0, 10), ("digits 0-4", 3, 3, 0), ("autoencoder", None, 2, 10), ("rotation", 1, 1, 0),
    ("loops", 2, 3, 10)])
def test_transfer_code_runs_as_plain_keras_on_the_labs_data_and_freezes(source, labels, frozen, fine_tune):
    script = exec_without_widgets(T.transfer_code(source, labels, frozen, fine_tune, steps=20, pretrain_steps=30))
    task = T.digit_task(T.TARGET_DIGITS, labels, seed=0)
    for name, expected in (("x_new", task.x_train), ("y_new", task.y_train), ("x_new_val", task.x_val),
                           ("y_new_val", task.y_val)):
        np.testing.assert_array_equal(script[name], expected, err_msg=name)
    model = script["model"]
    assert [layer.units for layer in T.hidden_layers(model)] == list(T.HIDDEN_UNITS)
    assert 0.0 <= script["accuracy"] <= 1.0
    if source == "none":
        return
    for k, (new, old) in enumerate(zip(T.hidden_layers(model), T.hidden_layers(script["pretrained"]))):
        kept = all(np.array_equal(a, b) for a, b in zip(new.get_weights(), old.get_weights()))
        assert kept == (k < frozen and not fine_tune), f"hidden_{k + 1}"
        assert new.trainable == (fine_tune > 0 or k >= frozen)


def test_transfer_lab_shows_the_code_of_its_controls():
    lab = T.TransferLab(source="autoencoder", labels_per_class=5, frozen=2, steps=20)
    assert lab.code_view.code == ""
    lab.code_view.show()
    assert lab.code_view.code == T.transfer_code("autoencoder", 5, 2, 0, steps=20)
    lab.set(fine_tune_steps=50)
    assert "steps_per_epoch=50" in lab.code_view.code and "Fine-tune" in lab.code_view.code
    lab.set(source="none")  # frozen is still 2 but greyed out: nothing is pretrained, nothing frozen
    assert "random weights" in lab.code_view.code and "trainable = False" not in lab.code_view.code
    lab.close()
