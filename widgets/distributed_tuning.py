"""One keras-tuner search shared by several processes: a chief that hands out trials, workers that train.

keras-tuner distributes a search by itself (its "distributed tuning"): every process runs the same
script, and three environment variables give each one its part.  `KERASTUNER_TUNER_ID` is `chief`
for the process that holds the oracle (it decides which hyperparameters each trial gets and keeps
every score) and a distinct name such as `tuner0`, `tuner1` for each worker; `KERASTUNER_ORACLE_IP`
and `KERASTUNER_ORACLE_PORT` are where the chief listens (gRPC, through the `grpcio` package that
keras-tuner depends on) and where the workers reach it.  A worker asks the chief for a trial, trains
it, reports its score and asks for the next, until the chief has no trial left; then each process
exits by itself.

This module is that script (`python -m widgets.distributed_tuning ...`), `run_local`, which starts
a chief and workers on 127.0.0.1 and collects who ran what, `run_single`, the same search in one
process for comparison, and `commands`, the shell lines that run it across machines.

Two choices make the distributed search comparable with a single-process one:
- the oracle draws trial n's hyperparameters from its seed whichever worker asks, and
- every trial seeds Keras with `seed + trial number` before it builds and trains its model,
so a trial trains the same way in whichever process runs it, and the two searches' scores can be
compared trial by trial.  Every process writes its tuner folder under one temporary folder.
"""

from __future__ import annotations

import argparse
import importlib
import json
import os
import shlex
import subprocess
import sys
import tempfile
import time
from dataclasses import asdict, dataclass
from pathlib import Path
from typing import Optional, Sequence

import pandas as pd

from .config import DATASETS

OBJECTIVE = "val_accuracy"   # what the search maximizes, as in widgets.tuning
CHIEF = "chief"              # keras-tuner's tuner id for the process that holds the oracle
SINGLE = "single"            # this module's name for a search in one process, without a chief


@dataclass(frozen=True)
class SearchSpec:
    """Everything every process of one search must agree on.

    build: "module:function", a keras-tuner model-building function `f(hp) -> compiled model`
        that each process imports (a function defined in a notebook cannot be sent to another
        process); by default this module's `mlp_search`.
    dataset: a workbook dataset name (`widgets.load_dataset`); `mlp_search` needs a binary task.
    """

    dataset: str = "pima"
    build: str = "widgets.distributed_tuning:mlp_search"
    max_trials: int = 8
    epochs: int = 5
    batch_size: int = 32
    seed: int = 0

    def __post_init__(self) -> None:
        if self.dataset not in DATASETS:
            raise ValueError(f"SearchSpec(dataset={self.dataset!r}): dataset must be one of {', '.join(DATASETS)}")
        for name in ("max_trials", "epochs", "batch_size"):
            value = getattr(self, name)
            if isinstance(value, bool) or not isinstance(value, int) or value < 1:
                raise ValueError(f"SearchSpec({name}={value!r}): {name} must be a positive integer")
        if isinstance(self.seed, bool) or not isinstance(self.seed, int) or self.seed < 0:
            raise ValueError(f"SearchSpec(seed={self.seed!r}): seed must be a non-negative integer")
        if self.build.count(":") != 1:
            raise ValueError(f"SearchSpec(build={self.build!r}): build must be 'module:function', "
                             "e.g. 'widgets.distributed_tuning:mlp_search'")

    def arguments(self) -> list[str]:
        """The command-line arguments that give a process this spec."""
        return [f"--{name.replace('_', '-')}={value}" for name, value in asdict(self).items()]


def mlp_search(hp):
    """Chapter 11's section-5 search space: width, depth, activation, dropout and optimizer of an MLP.

    The input size is left to Keras, which fixes it from the data at the first `fit`.
    """
    import keras

    model = keras.Sequential()
    for _ in range(hp.Int("num_layers", min_value=1, max_value=4)):
        model.add(keras.layers.Dense(hp.Int("units", min_value=8, max_value=128, step=8),
                                     activation=hp.Choice("activation", ["relu", "tanh", "sigmoid"])))
        dropout = hp.Choice("dropout", [0.0, 0.2, 0.5])
        if dropout > 0:
            model.add(keras.layers.Dropout(dropout))
    model.add(keras.layers.Dense(1, activation="sigmoid"))
    model.compile(optimizer=hp.Choice("optimizer", ["adam", "rmsprop", "sgd"]),
                  loss="binary_crossentropy", metrics=["accuracy"])
    return model


# --- one process of the search ---------------------------------------------------------------

def _load_build(build: str):
    module, function = build.split(":")
    return getattr(importlib.import_module(module), function)


def _tuner_class():
    """RandomSearch that seeds Keras per trial and records the trials this process trained."""
    import keras
    import keras_tuner as kt

    class TrialSeededRandomSearch(kt.RandomSearch):
        def __init__(self, *args, trial_seed: int, **kwargs):
            super().__init__(*args, **kwargs)
            self.trial_seed, self.ran = trial_seed, []

        def run_trial(self, trial, *args, **kwargs):
            keras.utils.set_random_seed(self.trial_seed + int(trial.trial_id))
            self.ran.append(trial.trial_id)
            return super().run_trial(trial, *args, **kwargs)

    return TrialSeededRandomSearch


def run_process(spec: SearchSpec, folder: Path, out: Path) -> None:
    """Run this process's part of the search (its role comes from KERASTUNER_TUNER_ID) and write
    what it did to `out` as JSON: the trials it trained, and for the chief or a lone process the
    oracle's record of every trial."""
    import keras

    from .data import load_dataset

    tuner_id = os.environ.get("KERASTUNER_TUNER_ID", SINGLE)
    started = time.monotonic()
    data = load_dataset(spec.dataset)
    keras.utils.set_random_seed(spec.seed)
    tuner = _tuner_class()(_load_build(spec.build), objective=OBJECTIVE, max_trials=spec.max_trials,
                           seed=spec.seed, trial_seed=spec.seed, directory=str(folder),
                           project_name=tuner_id, overwrite=True)
    tuner.search(data.x_train, data.y_train, validation_data=(data.x_val, data.y_val),
                 epochs=spec.epochs, batch_size=spec.batch_size, verbose=0)
    record = {"tuner_id": tuner_id, "ran": tuner.ran, "seconds": time.monotonic() - started}
    if tuner_id in (CHIEF, SINGLE):
        record["trials"] = {trial_id: {"values": dict(trial.hyperparameters.values), "score": trial.score,
                                       "status": str(trial.status)}
                            for trial_id, trial in tuner.oracle.trials.items()}
        record["validation_rows"] = int(len(data.y_val))
    out.write_text(json.dumps(record))


# --- running the processes -------------------------------------------------------------------

@dataclass
class DistributedResult:
    """What a search found and which process trained which trial."""

    table: pd.DataFrame          # one row per trial: hyperparameters, score, status, and who ran it
    ran: dict                    # tuner id -> the trial numbers that process trained, in order
    seconds: dict                # wall time per process (from its start to its exit), by tuner id
    validation_rows: int

    @property
    def best_score(self) -> float:
        return float(self.table[OBJECTIVE].max())

    @property
    def trials_per_worker(self) -> pd.Series:
        """How many trials each training process ran (the chief trains none)."""
        return pd.Series({name: len(trials) for name, trials in self.ran.items() if name != CHIEF},
                         name="trials").rename_axis("process")

    def summary(self) -> str:
        """One line: trials, who trained how many, the best score and the slowest process's time."""
        counts = ", ".join(f"{who} {n}" for who, n in self.trials_per_worker.items())
        return (f"{len(self.table)} trials ({counts}); best {OBJECTIVE} {self.best_score:.3f}; "
                f"slowest process {max(self.seconds.values()):.1f} s")


class SearchError(RuntimeError):
    """A process of the search failed or did not exit in time (with the end of its output)."""


def _environment(tuner_id: str, port: Optional[int]) -> dict:
    """This process's environment for one role: keras-tuner's variables for a chief or worker on
    127.0.0.1, none for a lone process."""
    env = {k: v for k, v in os.environ.items() if not k.startswith("KERASTUNER_")}
    if tuner_id != SINGLE:
        env.update(KERASTUNER_TUNER_ID=tuner_id, KERASTUNER_ORACLE_IP="127.0.0.1", KERASTUNER_ORACLE_PORT=str(port))
    env.setdefault("TF_CPP_MIN_LOG_LEVEL", "2")
    env.setdefault("TF_ENABLE_ONEDNN_OPTS", "0")
    return env


def _command(spec: SearchSpec, folder: Path, out: Path) -> list[str]:
    return [sys.executable, "-m", "widgets.distributed_tuning", *spec.arguments(),
            f"--folder={folder}", f"--out={out}"]


def _run(spec: SearchSpec, roles: Sequence[str], port: Optional[int], timeout: float) -> DistributedResult:
    """Start one process per role, wait for all to exit within `timeout` s, and read their records."""
    with tempfile.TemporaryDirectory(prefix="keras-tuner-distributed-") as work:
        work = Path(work)
        processes = {}
        try:
            for name in roles:
                log = open(work / f"{name}.log", "w")
                processes[name] = (subprocess.Popen(_command(spec, work / "tuners", work / f"{name}.json"),
                                                    env=_environment(name, port), stdout=log,
                                                    stderr=subprocess.STDOUT), time.monotonic(), log)
            seconds = _wait(processes, work, timeout)
        finally:
            for process, _, log in processes.values():
                if process.poll() is None:
                    process.kill()
                    process.wait()
                log.close()
        records = {name: json.loads((work / f"{name}.json").read_text()) for name in processes}
    oracle = records[CHIEF if CHIEF in records else SINGLE]
    ran = {name: [int(t) for t in record["ran"]] for name, record in records.items()}
    ran_by = {trial: name for name, trials in ran.items() for trial in trials}
    rows = [{"trial": int(trial_id), **trial["values"], OBJECTIVE: trial["score"], "status": trial["status"],
             "ran by": ran_by.get(int(trial_id), "nobody")} for trial_id, trial in oracle["trials"].items()]
    return DistributedResult(table=pd.DataFrame(rows).set_index("trial").sort_index(), ran=ran, seconds=seconds,
                             validation_rows=oracle["validation_rows"])


def _wait(processes: dict, work: Path, timeout: float) -> dict:
    """Seconds each process took; SearchError naming the first that failed or all still running at `timeout`."""
    deadline = time.monotonic() + timeout
    seconds = {}
    while len(seconds) < len(processes):
        for name, (process, started, _) in processes.items():
            if name not in seconds and process.poll() is not None:
                if process.returncode != 0:
                    tail = "\n".join((work / f"{name}.log").read_text(errors="replace").splitlines()[-30:])
                    raise SearchError(f"{name} exited with code {process.returncode}:\n{tail}")
                seconds[name] = time.monotonic() - started
        if time.monotonic() > deadline:
            running = sorted(set(processes) - set(seconds))
            raise SearchError(f"still running after {timeout:.0f} s: {', '.join(running)}")
        time.sleep(0.2)
    return seconds


def free_port() -> int:
    """A free TCP port on 127.0.0.1 for the chief."""
    import socket

    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def run_local(spec: SearchSpec, workers: int = 2, timeout: float = 600) -> DistributedResult:
    """Run `spec` as a chief and `workers` workers, all local processes talking over 127.0.0.1."""
    if isinstance(workers, bool) or not isinstance(workers, int) or workers < 1:
        raise ValueError(f"run_local(workers={workers!r}): workers must be a positive integer")
    return _run(spec, [CHIEF] + [f"tuner{i}" for i in range(workers)], free_port(), timeout)


def run_single(spec: SearchSpec, timeout: float = 600) -> DistributedResult:
    """Run `spec` in one process, without a chief: the search `run_local` shares out, for comparison."""
    return _run(spec, [SINGLE], None, timeout)


def commands(spec: SearchSpec, chief_address: str = "CHIEF-ADDRESS", port: int = 8470,
             workers: int = 2) -> list[str]:
    """The shell lines that run `spec` across machines: the first on the chief's machine, one per worker.

    Every machine needs a clone of the workbook with its environment installed, and the chief's
    port reachable from the workers (gRPC without encryption: a trusted network only).  The chief
    listens on all of its addresses; the workers dial `chief_address`.
    """
    arguments = " ".join(shlex.quote(a) for a in spec.arguments())
    lines = []
    for tuner_id, ip in [(CHIEF, "0.0.0.0")] + [(f"tuner{i}", chief_address) for i in range(workers)]:
        lines.append(f"KERASTUNER_TUNER_ID={tuner_id} KERASTUNER_ORACLE_IP={ip} KERASTUNER_ORACLE_PORT={port} "
                     f".venv/bin/python -m widgets.distributed_tuning {arguments} "
                     f"--folder=/tmp/tuning --out=/tmp/tuning/{tuner_id}.json")
    return lines


def main(argv: Optional[Sequence[str]] = None) -> None:
    parser = argparse.ArgumentParser(prog="python -m widgets.distributed_tuning", description=__doc__.split("\n")[0])
    defaults = SearchSpec()
    for name, value in asdict(defaults).items():
        parser.add_argument(f"--{name.replace('_', '-')}", type=type(value), default=value)
    parser.add_argument("--folder", type=Path, required=True, help="where the tuner writes its project folder")
    parser.add_argument("--out", type=Path, required=True, help="JSON file for what this process did")
    args = vars(parser.parse_args(argv))
    folder, out = args.pop("folder"), args.pop("out")
    folder.mkdir(parents=True, exist_ok=True)
    run_process(SearchSpec(**args), folder, out)


if __name__ == "__main__":
    main()
