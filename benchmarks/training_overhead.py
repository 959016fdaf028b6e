"""What the health probes cost: `train()` with every probe against plain `model.fit` on the same
model, data, seed and epochs, and against Keras's `TensorBoard(histogram_freq=1)` callback, the
usual way people get histograms.  Prints the median ratio of interleaved pairs.

    .venv/bin/python benchmarks/training_overhead.py [--pairs 7] [--epochs 30]

Targets (issue #6): train / plain fit <= 1.10; TensorBoard / train >= 1.4.
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
    print(f"1. train() with all probes / plain model.fit: {probed['ratio']:.3f} "
          f"(medians {probed['ours']:.2f} s vs {probed['reference']:.2f} s; target <= 1.10)")

    with tempfile.TemporaryDirectory() as logs:
        tensorboard = keras.callbacks.TensorBoard(log_dir=logs, histogram_freq=1)
        board = interleaved_ratio(lambda: plain_fit(config, dataset, (tensorboard,)),
                                  lambda: w.train(config, dataset), args.pairs)
    print(f"2. plain fit + TensorBoard(histogram_freq=1) / train(): {board['ratio']:.3f} "
          f"(medians {board['ours']:.2f} s vs {board['reference']:.2f} s; target >= 1.4)")


if __name__ == "__main__":
    main()
