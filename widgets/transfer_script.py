"""One transfer-learning setting of chapter 09 as a plain Keras script (what "Show Keras code" shows)."""

from __future__ import annotations

import textwrap
from typing import Optional

from .codegen import script_header
from .data import SPLIT_SEED, VALIDATION_FRACTION
from .transfer_experiments import PRETRAINING
from .transfer_fit import BATCH_SIZE
from .transfer_models import AUTOENCODER_NOISE, FINE_TUNE_RATE, HIDDEN_UNITS, LEARNING_RATE, check_frozen
from .transfer_tasks import IMAGE_SIDE, LOOP_DIGITS, PIXEL_MAX, TARGET_DIGITS


_PRETRAINING_CODE = {
    "digits 0-4": [
        "# Pretrain: a classifier of digits 0-4, a task with plenty of labels",
        "source = y_train < 5",
        "x_pre, y_pre = x_train[source], y_train[source]",
        "pretrained = keras.Sequential([keras.Input(shape=(64,)), *body(), "
        "keras.layers.Dense(5, activation=\"softmax\")])",
        "pretrain_loss = \"sparse_categorical_crossentropy\""],
    "loops": [
        "# Pretrain on a coarser task with cheap labels: does the digit have a closed loop?",
        f"x_pre, y_pre = x_train, np.isin(y_train, {LOOP_DIGITS}).astype(\"int32\")  # all ten digits",
        "pretrained = keras.Sequential([keras.Input(shape=(64,)), *body(), "
        "keras.layers.Dense(2, activation=\"softmax\")])",
        "pretrain_loss = \"sparse_categorical_crossentropy\""],
    "autoencoder": [
        "# Pretrain without labels: a denoising autoencoder of the digits 5-9 images",
        "x_pre = y_pre = x_train[y_train >= 5]  # the images are their own targets",
        "pretrained = keras.Sequential([",
        "    keras.Input(shape=(64,)),",
        "    keras.layers.GaussianNoise({noise}),  # corrupt the input (training only)",
        "    *body(),  # the encoder, down to the narrow last layer",
        "{decoder}",
        "    keras.layers.Dense(64, activation=\"sigmoid\"),  # the clean image back",
        "])",
        "pretrain_loss = \"binary_crossentropy\"  # per pixel, as the pixels are in [0, 1]"],
    "rotation": [
        "# Pretrain on a task whose labels are free: how far was each digits 5-9 image turned?",
        "squares = x_train[y_train >= 5].reshape(-1, 8, 8)",
        "x_pre = np.concatenate([np.rot90(squares, k, axes=(1, 2)).reshape(len(squares), 64) for k in range(4)])",
        "y_pre = np.repeat(np.arange(4), len(squares))  # 0-3 quarter turns",
        "pretrained = keras.Sequential([keras.Input(shape=(64,)), *body(), "
        "keras.layers.Dense(4, activation=\"softmax\")])",
        "pretrain_loss = \"sparse_categorical_crossentropy\""],
}


def _transfer_data_lines(labels_per_class: Optional[int], seed: int) -> list[str]:
    """The digits split, and the few labelled digits 5-9 images `digit_task` picks, in plain NumPy."""
    rows = ("np.flatnonzero(y_train == digit)" if labels_per_class is None
            else f"rng.permutation(np.flatnonzero(y_train == digit))[:{labels_per_class}]")
    first = TARGET_DIGITS[0]
    return ["# Data: 8x8 digits, pixels scaled to [0, 1] (the same scale for every task)",
            "x, y = load_digits(return_X_y=True)",
            f'x = (x / {PIXEL_MAX}).astype("float32")',
            f"x_train, x_val, y_train, y_val = train_test_split(x, y, test_size={VALIDATION_FRACTION}, "
            f"random_state={SPLIT_SEED}, stratify=y)",
            f"# the new task: digits {first}-{TARGET_DIGITS[-1]}, renumbered from 0, "
            + ("with all their labels" if labels_per_class is None else f"with {labels_per_class} labels of each"),
            f"rng = np.random.default_rng({seed})",
            f"picked = [{rows} for digit in {TARGET_DIGITS}]",
            "picked = rng.permutation(np.concatenate(picked))  # mixed digits",
            f"x_new, y_new = x_train[picked], y_train[picked] - {first}",
            f"new_val = y_val >= {first}",
            f"x_new_val, y_new_val = x_val[new_val], y_val[new_val] - {first}"]


def _transfer_helper_lines(seed: int) -> list[str]:
    """`body()`, the shared hidden layers, and `batches()`, a step-counted input pipeline."""
    return ["def body():",
            '    """The hidden layers every network here shares, named so they can be found and copied."""',
            '    return [keras.layers.Dense(units, activation="relu", kernel_initializer="he_normal", '
            'name=f"hidden_{k}")',
            f"            for k, units in enumerate({HIDDEN_UNITS}, start=1)]", "", "",
            "def batches(x, y):",
            f'    """Shuffled batches of {BATCH_SIZE}, repeated without end: `fit` then counts optimizer steps',
            '    (give it steps_per_epoch, and shuffle=False since the batches are shuffled here)."""',
            f"    return (tf.data.Dataset.from_tensor_slices((x, y)).shuffle(len(x), seed={seed})",
            f"            .repeat().batch({BATCH_SIZE}))"]


def transfer_code(source: str = "digits 0-4", labels_per_class: Optional[int] = 10, frozen: int = 3,
                  fine_tune_steps: int = 0, steps: int = 200, seed: int = 0, *,
                  pretrain_steps: int = 1000) -> str:
    """A plain Keras script of one `transfer_run` setting: pretrain, copy the hidden layers into a
    new classifier of digits 5-9, freeze some, recompile, fit, and optionally fine-tune.

    It uses the same data, labelled images, layers, learning rates and budgets in optimizer steps;
    initial weights and batch order are drawn differently, so its accuracy is close to the lab's,
    not identical.  Its `model` is the trained classifier, `accuracy` its validation accuracy.
    """
    if source != "none" and source not in PRETRAINING:
        raise ValueError(f"source = {source!r}: must be 'none' or one of " + ", ".join(map(repr, PRETRAINING)))
    check_frozen(frozen, len(HIDDEN_UNITS), pretrained=source != "none")
    labels = ("all labelled images" if labels_per_class is None
              else f"{labels_per_class} labelled image{'s' if labels_per_class != 1 else ''} per class")
    start = ("The network starts from random weights." if source == "none"
             else f"Its hidden layers come from {PRETRAINING[source]}.")
    new_model = (f"model = keras.Sequential([keras.Input(shape=({IMAGE_SIDE ** 2},)), *body(), "
                 f'keras.layers.Dense({len(TARGET_DIGITS)}, activation="softmax")])')
    lines = [f'"""Transfer learning in plain Keras: digits 5-9 from {labels}.', "",
             *textwrap.wrap(start + '"""', 100), *script_header(),
             "import numpy as np", "import tensorflow as tf", "from sklearn.datasets import load_digits",
             "from sklearn.model_selection import train_test_split", "",
             f"keras.utils.set_random_seed({seed})", "", *_transfer_data_lines(labels_per_class, seed), "", "",
             *_transfer_helper_lines(seed), "", ""]
    if source == "none":
        lines += ["# A classifier of digits 5-9 from random weights: nothing pretrained, nothing to freeze", new_model]
    else:
        decoder = "\n".join(f'    keras.layers.Dense({units}, activation="relu"),'
                            + ("  # the decoder mirrors the body" if k == 0 else "")
                            for k, units in enumerate(reversed(HIDDEN_UNITS[:-1])))
        lines += [line.format(noise=AUTOENCODER_NOISE, decoder=decoder) for line in _PRETRAINING_CODE[source]]
        lines += ["pretrained.compile(optimizer=keras.optimizers.Adam(0.001), loss=pretrain_loss)",
                  f"pretrained.fit(batches(x_pre, y_pre), steps_per_epoch={pretrain_steps}, shuffle=False, verbose=0)",
                  "", "# A new classifier of digits 5-9 starts from a copy of the pretrained hidden layers", new_model,
                  f"for k in range(1, {len(HIDDEN_UNITS) + 1}):  # copy the weights: shared layers would train both",
                  '    model.get_layer(f"hidden_{k}").set_weights(pretrained.get_layer(f"hidden_{k}").get_weights())']
    if frozen:
        which = ("the hidden layer nearest the input: it keeps" if frozen == 1
                 else f"the {frozen} hidden layers nearest the input: they keep")
        lines += ["", f"# Freeze {which} the pretrained weights",
                  f"for k in range(1, {frozen + 1}):", '    model.get_layer(f"hidden_{k}").trainable = False',
                  "# compile after changing `trainable`: Keras reads it when compiling"]
    compile_line = ("model.compile(optimizer=keras.optimizers.Adam({rate}), "
                    'loss="sparse_categorical_crossentropy", metrics=["accuracy"])')
    fit_line = "model.fit(batches(x_new, y_new), steps_per_epoch={steps}, shuffle=False, verbose=0)"
    lines += [compile_line.format(rate=LEARNING_RATE), fit_line.format(steps=steps)]
    if fine_tune_steps:
        lines += ["", "# Fine-tune: unfreeze everything, recompile with a 10x smaller learning rate, train more",
                  "for layer in model.layers:", "    layer.trainable = True",
                  compile_line.format(rate=FINE_TUNE_RATE), fit_line.format(steps=fine_tune_steps)]
    lines += ["", "loss, accuracy = model.evaluate(x_new_val, y_new_val, verbose=0)",
              'print(f"validation accuracy on digits 5-9: {accuracy:.3f}")']
    return "\n".join(lines) + "\n"
