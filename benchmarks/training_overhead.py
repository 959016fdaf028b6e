"""What the health probes cost: `train()` with every probe against plain `model.fit` on the same
model, data, seed and epochs, and against Keras's `TensorBoard(histogram_freq=1)` callback, the
usual way people get histograms.

Each comparison times its two sides alternately (`--pairs` pairs, after a warm-up) and prints two
different figures, labelled: the median of the per-pair ratios (what the targets are checked
with: a pair runs back to back, so a change in machine load hits both sides alike) and the two
median times with their ratio (a ratio of medians, which is not the same number).  The two
comparisons time `train()` separately, so its median differs between them by the run-to-run
spread; the script prints that too.

    .venv/bin/python benchmarks/training_overhead.py [--pairs 7] [--epochs 30]

Targets (issue #6): train / plain fit <= 1.10; TensorBoard / train >= 1.4 (medians of per-pair ratios).
"""

from __future__ import annotations

import argparse
import tempfile

import widgets as w  # first: it quiets TensorFlow's start-up logging

import keras
from widgets.model import build_model, steps_per_epoch, targets
from widgets.training import STEPS_PER_EXECUTION

from _common import interleaved_ratio, machine


def plain_fit(config: w.RunConfig, dataset: w.Dataset, callbacks: tuple = ()) -> keras.Model:
    """What a learner's own script does: seed, build the same compiled model (as fast as `train`
    compiles it), fit with validation; the difference to `train` is the probes and recorder."""
    keras.backend.clear_session(free_memory=False)
    keras.utils.set_random_seed(config.seed)
    steps = steps_per_epoch(config, dataset)
    model = build_model(config, dataset, steps_per_execution=min(steps, STEPS_PER_EXECUTION))  # train's model
    model.fit(dataset.x_train, targets(config, dataset, dataset.y_train),
              validation_data=(dataset.x_val, targets(config, dataset, dataset.y_val)),
              batch_size=config.batch_size, epochs=config.epochs, shuffle=True, verbose=0,
              callbacks=list(callbacks), steps_per_epoch=steps)
    return model


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--pairs", type=int, default=7, help="interleaved pairs per comparison (>= 5)")
    parser.add_argument("--epochs", type=int, default=30)
    args = parser.parse_args()
    config = w.RunConfig(epochs=args.epochs)  # the default lab: moons, 1,000 rows, 3 x 32 ReLU, Adam
    dataset = w.load_dataset(config.dataset)
    print(machine())
    print(f"config: {config.describe()}; {len(dataset.x_train)} training rows, batch {config.batch_size}")

    probed = interleaved_ratio(lambda: w.train(config, dataset), lambda: plain_fit(config, dataset), args.pairs)
    report(f"1. train() with all probes vs plain model.fit ({args.pairs} interleaved pairs)", probed,
           "train()", "plain fit", "<= 1.10")

    with tempfile.TemporaryDirectory() as logs:
        tensorboard = keras.callbacks.TensorBoard(log_dir=logs, histogram_freq=1)
        board = interleaved_ratio(lambda: plain_fit(config, dataset, (tensorboard,)),
                                  lambda: w.train(config, dataset), args.pairs)
    report(f"2. plain fit + TensorBoard(histogram_freq=1) vs train() ({args.pairs} more pairs)", board,
           "fit + TensorBoard", "train()", ">= 1.4")
    print(f"train()'s median: {probed['ours']:.2f} s in comparison 1, {board['reference']:.2f} s in "
          f"comparison 2 (separate runs; they differ by the run-to-run spread)")


def report(title: str, result: dict, ours: str, reference: str, target: str) -> None:
    """Both figures of one comparison, each saying what it is."""
    print(title)
    print(f"   median of the per-pair ratios {ours} / {reference}: {result['ratio']:.3f} (target {target})")
    print(f"   median times: {ours} {result['ours']:.2f} s, {reference} {result['reference']:.2f} s; "
          f"ratio of these medians: {result['ours'] / result['reference']:.3f}")

if __name__ == "__main__":
    main()
