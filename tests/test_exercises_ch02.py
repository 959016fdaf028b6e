"""Chapter 02 checks: a repaired config and a softmax model are measured; the pairs are recalled."""

import warnings
from pathlib import Path

import keras
import nbformat
import pytest

import widgets as w
from widgets.exercises import ch02

NOTEBOOK = Path(__file__).parents[1] / "notebooks" / "02_design_defaults.ipynb"
RIGHT = {"spam": ("sigmoid", "binary_crossentropy"),
         "species": ("softmax", "sparse_categorical_crossentropy"),
         "price": ("linear", "mean_squared_error")}


@pytest.fixture(scope="module")
def pima():
    return w.load_dataset("pima")


def _pima_model(pima, units, activation, loss, epochs=20):
    keras.utils.set_random_seed(0)
    model = keras.Sequential([keras.Input(shape=(pima.n_features,)), keras.layers.Dense(16, activation="relu"),
                              keras.layers.Dense(units, activation=activation)])
    model.compile(optimizer="adam", loss=loss)
    if epochs:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            model.fit(pima.x_train, pima.y_train, epochs=epochs, batch_size=32, verbose=0)
    return model


def test_wine_repair_rejects_the_start_locked_fields_and_a_half_repair():
    start = ch02.MISMATCHED_START
    for bad in (None, 0, "", [], start):
        assert not ch02.check_wine_repair(bad)
    locked = ch02.check_wine_repair(start.replace(optimizer="adam", loss="auto"))
    assert not locked and "optimizer='sgd'" in locked.message
    half = ch02.check_wine_repair(start.replace(output_activation="softmax"))   # softmax, still MSE
    assert not half and "validation accuracy" in half.message
    assert "sparse" not in half.message + half.hint


def test_wine_repair_accepts_the_auto_pair_and_explains_a_sigmoid_that_passes():
    assert ch02.check_wine_repair(ch02.MISMATCHED_START.replace(output_activation="auto", loss="auto"))
    lucky = ch02.check_wine_repair(ch02.MISMATCHED_START.replace(loss="sparse_categorical_crossentropy"))
    assert lucky and "say softmax" in lucky.message


def test_softmax_model_rejects_non_models_other_activations_and_one_unit(pima):
    for bad in (None, 0, "", [], ch02.MISMATCHED_START):
        assert not ch02.check_softmax_model(bad)
    sigmoid = ch02.check_softmax_model(_pima_model(pima, 1, "sigmoid", "binary_crossentropy", epochs=3))
    assert not sigmoid and "keeps softmax" in sigmoid.message
    one_unit = ch02.check_softmax_model(_pima_model(pima, 1, "softmax", "binary_crossentropy", epochs=3))
    assert not one_unit and "more common class" in one_unit.message
    uncompiled = keras.Sequential([keras.Input(shape=(pima.n_features,)), keras.layers.Dense(2, activation="softmax")])
    assert "Compile" in ch02.check_softmax_model(uncompiled).message
    wrong_input = keras.Sequential([keras.Input(shape=(2,)), keras.layers.Dense(2, activation="softmax")])
    assert "7 features" in ch02.check_softmax_model(wrong_input).message


def test_validation_accuracy_reads_one_unit_and_one_per_class_layouts(pima):
    model = _pima_model(pima, 1, "sigmoid", "binary_crossentropy", epochs=0)
    assert 0 <= ch02.validation_accuracy(model, pima) <= 1
    one_unit_softmax = _pima_model(pima, 1, "softmax", "binary_crossentropy", epochs=0)
    assert ch02.validation_accuracy(one_unit_softmax, pima) == pytest.approx(pima.y_val.mean())


def test_project_pairs_accepts_the_conventional_pairs_and_common_spellings():
    assert ch02.check_project_pairs(RIGHT)
    assert ch02.check_project_pairs({**RIGHT, "price": ("Linear", "mse"), "spam": ("sigmoid", "Binary CrossEntropy")})
    assert ch02.check_project_pairs({**RIGHT, "price": ("linear", "mean_absolute_error")})


def test_project_pairs_names_the_wrong_part_without_the_answer():
    one_hot = ch02.check_project_pairs({**RIGHT, "species": ("softmax", "categorical_crossentropy")})
    assert not one_hot and "species: the loss" in one_hot.message and "sparse" not in one_hot.message
    squashed = ch02.check_project_pairs({**RIGHT, "price": ("sigmoid", "mean_squared_error")})
    assert not squashed and "price: the output activation" in squashed.message
    assert "linear" not in squashed.message
    for bad in (None, 0, "", [], {"spam": RIGHT["spam"]}, {**RIGHT, "spam": "sigmoid"}):
        assert not ch02.check_project_pairs(bad)


def test_exercise_cells_run_unedited_and_say_not_yet(pima):
    cells = [c.source for c in nbformat.read(NOTEBOOK, as_version=4).cells
             if c.cell_type == "code" and "ch02.check_" in c.source]
    assert len(cells) == 3
    namespace = {"w": w, "ch02": ch02, "keras": keras, "warnings": warnings, "pima": pima}
    for source in cells:
        body, call = source.rsplit("\n", 1)
        exec(body, namespace)
        assert not eval(call, namespace)
    exec(cells[0].rsplit("\n", 1)[0], namespace)
    assert namespace["answer"] == ch02.MISMATCHED_START
