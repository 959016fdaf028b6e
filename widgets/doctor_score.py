"""Scoring `diagnose` on labelled runs: the confusion table, precision and recall per problem, false
alarms on healthy runs, and whether the first prescribed fix improves the run (`improved`, the issue's test) and
cures it (`cured`, a stricter one).

`benchmarks/doctor.py` trains the cases of `doctor_cases` and writes what `diagnose` found into
`RESULTS_PATH`, which chapter 12 renders with these functions (tests/test_doctor_benchmark.py
checks that the file still matches what the current `diagnose` finds).
"""

from __future__ import annotations

import json
import math
from pathlib import Path
from typing import Any, Iterable, Optional, Sequence

import pandas as pd

from .diagnose import PROBLEMS, diagnose, prescribe
from .config import RunConfig
from .diagnose_measure import chance_loss, clean_loss
from .training import Run, train

HEALTHY, NOTHING = "healthy", "nothing found"
RESULTS_PATH = Path(__file__).resolve().parent / "doctor_results.json"


def confusion(labelled: Iterable[tuple[Optional[str], Sequence[str]]]) -> pd.DataFrame:
    """Rows: the problem each run was made to have ("healthy" for None); columns: each problem
    diagnose reported, or "nothing found".  A run with two findings counts in two columns."""
    rows = [HEALTHY, *PROBLEMS]
    table = pd.DataFrame(0, index=pd.Index(rows, name="made to have"),
                         columns=pd.Index([*PROBLEMS, NOTHING], name="diagnose found"))
    for label, found in labelled:
        row = HEALTHY if label is None else label
        if row not in rows:
            raise ValueError(f"confusion: unknown label {label!r}; labels are None or one of {PROBLEMS}")
        for problem in found or [NOTHING]:
            table.loc[row, problem] += 1
    return table


def rates(table: pd.DataFrame, runs: dict[str, int]) -> pd.DataFrame:
    """Per problem: runs made to have it (`runs`, since a run may count in two columns), times it
    was reported, precision (reports that were right) and recall (runs that got it reported)."""
    out = []
    for problem in PROBLEMS:
        hits, reported, made = int(table.loc[problem, problem]), int(table[problem].sum()), runs.get(problem, 0)
        out.append({"problem": problem, "runs made to have it": made, "times reported": reported,
                    "precision": hits / reported if reported else float("nan"),
                    "recall": hits / made if made else float("nan")})
    return pd.DataFrame(out).set_index("problem")


def score(labelled: Sequence[tuple[Optional[str], Sequence[str]]]) -> tuple[pd.DataFrame, pd.DataFrame, int]:
    """The confusion table, the per-problem rates, and the number of findings on healthy runs."""
    labelled = list(labelled)
    runs = {HEALTHY: 0, **{p: 0 for p in PROBLEMS}}
    for label, _ in labelled:
        runs[HEALTHY if label is None else label] = runs.get(HEALTHY if label is None else label, 0) + 1
    false_alarms = sum(len(found) for label, found in labelled if label is None)
    table = confusion(labelled)
    return table, rates(table, runs), false_alarms


def validation_loss(run: Run) -> Optional[float]:
    """The final model's validation loss without dropout or penalty; None for a diverged run."""
    if run.status == "diverged" or run.model is None:
        return None
    value = clean_loss(run, run.dataset.x_val, run.dataset.y_val)
    return value if math.isfinite(value) else None


CURE_MARGIN = 0.05  # a fix must lower the validation loss by 5 % of the loss of ignoring the inputs


def improved(broken: Optional[float], fixed: Optional[float], chance: float) -> bool:
    """The issue's criterion: the fixed run's validation loss (None: diverged) is lower than the broken
    run's; when the broken run diverged, the fixed one must end below the loss of ignoring the inputs
    (any finite loss would be lower than a blown-up one)."""
    if fixed is None:
        return False
    return fixed < chance if broken is None else fixed < broken


def cured(problem: str, broken: Optional[float], fixed: Optional[float], fixed_found: Sequence[str],
          chance: float) -> bool:
    """The stricter test: the fixed run no longer gets `problem` from diagnose, and its validation
    loss (None: diverged) is lower by more than `CURE_MARGIN` of the chance loss; for divergence, or
    when the broken run diverged, it must end below the chance loss itself.  Noise-sized changes and
    runs that still have the problem do not count."""
    if fixed is None or problem in fixed_found:
        return False
    if problem == "divergence" or broken is None:
        return fixed < chance
    return broken - fixed > CURE_MARGIN * chance


def prescription_trial(problem: str, config: RunConfig, seeds: Iterable[int]) -> dict[str, Any]:
    """For each seed: train the broken config, diagnose it, apply the first fix (`prescribe`), train
    that with the same probes, diagnose it too, and record both validation losses, the chance loss,
    the fixed run's findings and whether the fix `improved` and `cured` it.  The totals count the
    seeds of each; a seed whose broken run did not get `problem` first is not a trial of its fix and
    counts as neither."""
    trials = []
    for seed in seeds:
        broken = train(config.replace(seed=seed))
        diagnosis = diagnose(broken)
        first = diagnosis.findings[0] if diagnosis.findings else None
        fixed_run = train(prescribe(diagnosis)) if first is not None and first.problem == problem else None
        fixed_found = diagnose(fixed_run).problems if fixed_run is not None else []
        t = {"seed": seed, "found": diagnosis.problems, "changes": first.changes if first else {},
             "broken": validation_loss(broken), "fixed": validation_loss(fixed_run) if fixed_run is not None else None,
             "fixed_found": fixed_found, "chance": chance_loss(config, broken.dataset)}
        t["improved"] = improved(t["broken"], t["fixed"], t["chance"])  # both False when no fix was tried
        t["cured"] = cured(problem, t["broken"], t["fixed"], fixed_found, t["chance"])
        trials.append(t)
    return {"trials": trials, "improved": sum(t["improved"] for t in trials),
            "cured": sum(t["cured"] for t in trials), "seeds": len(trials)}


def calibration_records(records: Sequence[dict], numbers: pd.DataFrame) -> list[dict]:
    """Each calibration run's record (name, problem made, problems found) with the numbers the rules
    read (`diagnose_tables.measurement_table`), a number that does not apply as None."""
    out = []
    for record in records:
        row = numbers.loc[record["name"]].drop("problems found")
        out.append({**record, "measurements": {k: (float(v) if math.isfinite(v) else None) for k, v in row.items()}})
    return out


def save_results(results: dict, path: Path = RESULTS_PATH) -> None:
    """Write the benchmark's results as JSON (a diverged run's loss as null)."""
    path.write_text(json.dumps(results, indent=1, allow_nan=False) + "\n")


def load_results(path: Path = RESULTS_PATH) -> dict:
    """The results the benchmark last wrote (FileNotFoundError naming the script that makes them)."""
    if not path.is_file():
        raise FileNotFoundError(f"{path} is missing: run `python benchmarks/doctor.py --write` to make it")
    return json.loads(path.read_text())
