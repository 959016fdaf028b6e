"""What keras-tuner's Hyperband would run, computed without training anything (chapter 11)."""

from __future__ import annotations

import math

import pandas as pd


def hyperband_plan(max_epochs: int, factor: int = 3) -> pd.DataFrame:
    """The trials keras-tuner's `Hyperband` (one iteration) runs, computed without training a model.

    One row per (bracket, round): how many trials run, to which epoch, and the epochs that round
    trains.  A trial of round 0 is a new model; a trial of a later round continues one of the best
    models of the round before, from the epoch that round reached.  Brackets start
    from the most aggressive one (many short runs, the best few continued) and end with bracket 0,
    a plain random search at `max_epochs`.  The arithmetic is keras-tuner's `HyperbandOracle`'s;
    the tests check it against a real search.  (Fewer trials may run when a small search space
    runs out of new combinations.)
    """
    if isinstance(max_epochs, bool) or not isinstance(max_epochs, int) or max_epochs < 1:
        raise ValueError(f"hyperband_plan(max_epochs={max_epochs!r}): max_epochs must be a positive integer")
    if isinstance(factor, bool) or not isinstance(factor, int) or factor < 2:
        raise ValueError(f"hyperband_plan(factor={factor!r}): factor must be an integer of at least 2")
    n_brackets, epochs = 0, float(max_epochs)
    while epochs >= 1:
        epochs, n_brackets = epochs / factor, n_brackets + 1
    last_size = math.ceil(1 + math.log(max_epochs, factor))
    rows = []
    for bracket in range(n_brackets - 1, -1, -1):
        previous = 0
        for round_num in range(bracket + 1):
            trials = math.ceil(last_size / (bracket + 1) * factor ** (bracket - round_num))
            to_epoch = math.ceil(max_epochs / factor ** (bracket - round_num))
            rows.append({"bracket": bracket, "round": round_num, "trials": trials, "to epoch": to_epoch,
                         "epochs trained": trials * (to_epoch - previous)})
            previous = to_epoch
    return pd.DataFrame(rows)
