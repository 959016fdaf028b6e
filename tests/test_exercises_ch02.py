"""Chapter 02 checks: the right pairs pass, each kind of mismatch fails with its reason."""

import warnings

import keras
import numpy as np

import widgets as w
from widgets.exercises import ch02

RIGHT = {"spam": ("sigmoid", "binary_crossentropy"),
         "species": ("softmax", "sparse_categorical_crossentropy"),
         "price": ("linear", "mean_squared_error")}


def test_project_pairs_accepts_the_conventional_pairs_and_common_spellings():
    assert ch02.check_project_pairs(RIGHT)
    assert ch02.check_project_pairs({**RIGHT, "price": ("Linear", "mse"), "spam": ("sigmoid", "Binary CrossEntropy")})
    assert ch02.check_project_pairs({**RIGHT, "price": ("linear", "mean_absolute_error")})


def test_project_pairs_names_the_project_and_the_reason_of_each_mistake():
    one_hot_loss = ch02.check_project_pairs({**RIGHT, "species": ("softmax", "categorical_crossentropy")})
    assert not one_hot_loss and "species" in one_hot_loss.message and "one-hot" in one_hot_loss.message
    softmax_spam = ch02.check_project_pairs({**RIGHT, "spam": ("softmax", "binary_crossentropy")})
    assert not softmax_spam and "spam" in softmax_spam.message
    squashed_price = ch02.check_project_pairs({**RIGHT, "price": ("sigmoid", "mean_squared_error")})
    assert not squashed_price and "linear" in squashed_price.message
    mse_species = ch02.check_project_pairs({**RIGHT, "species": ("softmax", "mse")})
    assert not mse_species and "species" in mse_species.message


def test_project_pairs_explains_malformed_answers():
    assert "keys" in ch02.check_project_pairs(None).message
    assert "keys" in ch02.check_project_pairs({"spam": RIGHT["spam"]}).message
    assert "pair" in ch02.check_project_pairs({**RIGHT, "spam": "sigmoid"}).message


def test_softmax_accuracy_is_the_share_of_positives_and_matches_a_trained_model():
    share = ch02.softmax_one_unit_accuracy()
    assert ch02.check_softmax_accuracy(share)
    assert not ch02.check_softmax_accuracy(1 - share)   # "the share of negatives" is the other guess
    assert not ch02.check_softmax_accuracy(None)
    cfg = w.RunConfig(dataset="pima", depth=1, width=4, epochs=2, batch_size=128, output_activation="softmax")
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # Keras rightly warns about a softmax over one unit
        run = w.train(cfg, probes=False)
    assert np.isclose(run.final("val_accuracy"), share, atol=1e-6)


def test_first_layer_parameters_are_counted_by_keras_and_checked_exactly():
    assert ch02.first_layer_parameters(7, 10) == 7 * 10 + 10
    model = keras.Sequential([keras.Input(shape=(2,)), keras.layers.Dense(10)])
    assert ch02.first_layer_parameters(2, 10) == model.count_params()
    assert ch02.check_first_layer_parameters(80)
    wrong = ch02.check_first_layer_parameters(70)   # forgot the biases
    assert not wrong and "bias" in wrong.message
    assert not ch02.check_first_layer_parameters(90)  # Kaggle's 8 features, not ours
