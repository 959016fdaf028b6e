"""How far to trust `diagnose`: its error rates on labelled runs it was not tuned on, and whether
its first fix works.

    .venv/bin/python benchmarks/doctor.py [--write] [--calibration] [--seeds 5] [--part PART]

1. Trains the held-out half of `widgets/doctor_cases.py` (every problem made three to six ways, six
   healthy controls; the thresholds in `widgets/diagnose_rules.py` were fixed on the other half) and prints
   the confusion table, precision and recall per problem, and the findings on healthy runs.
2. For every problem, takes its held-out prescription case (`doctor_cases.prescription_case`: the
   first, unless that one does not reliably show the problem) and, on each of `--seeds` seeds, trains it,
   diagnoses it, applies the first fix (`diagnose.prescribe`), trains and diagnoses that, and counts
   the seeds `doctor_score.improved` (the validation loss fell: the issue's criterion) and the seeds
   `doctor_score.cured` (stricter: the finding is gone and the validation loss fell by more than 5 %
   of the loss of ignoring the inputs; for divergence: ended below that loss).
3. Trains the calibration half and prints the numbers the thresholds were read from (not scored:
   those runs chose the thresholds; stored, so tests/test_doctor_benchmark.py checks that each
   threshold still sits between that half's healthy and broken runs).
Without --part all three run; --part runs one (calibration, held-out or fixes), and --calibration adds
the calibration half to a --part run.  --write stores the results in widgets/doctor_results.json, which
chapter 12 shows, replacing only the parts that ran (the others keep their stored entries), so the
parts can run in separate processes.  The run time of each part is stored with the results (chapter
12 prints it): about 8 to 20 minutes per part on the shared 2-core machine.
"""

from __future__ import annotations

import argparse
import time

import pandas as pd

from _common import machine
from widgets import doctor_cases, doctor_score
from widgets.diagnose import PROBLEMS, diagnose
from widgets.diagnose_tables import measurement_table
from widgets.training import train


def diagnose_cases(half: str) -> tuple[list[dict], dict]:
    """Train and diagnose every case of one half: a record per case, and the runs by name."""
    records, runs = [], {}
    for case in doctor_cases.cases(half):
        start = time.perf_counter()
        run = train(case.config)
        found = diagnose(run).problems
        runs[case.name] = run
        records.append({"name": case.name, "problem": case.problem, "found": found,
                        "seconds": round(time.perf_counter() - start, 1)})
        print(f"  {records[-1]['seconds']:5.1f} s  {case.problem or 'healthy':22s} {case.name:44s} "
              f"found: {', '.join(found) or 'nothing'}", flush=True)
    return records, runs


def prescriptions(seeds: int, problems: tuple[str, ...] = PROBLEMS) -> dict:
    """The prescription trial of each problem's held-out case `doctor_cases.prescription_case`."""
    out = {}
    for problem in problems:
        case = doctor_cases.prescription_case(problem)
        trial = doctor_score.prescription_trial(problem, case.config, range(seeds))
        out[problem] = {"case": case.name, **trial}
        changes = {str(t["changes"]) for t in trial["trials"]}
        print(f"  {problem:22s} {case.name:44s} improved on {trial['improved']}/{trial['seeds']} seeds, cured on "
              f"{trial['cured']}/{trial['seeds']} (first fix: {'; '.join(sorted(changes))})", flush=True)
    return out


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--write", action="store_true", help="store the results for chapter 12")
    parser.add_argument("--calibration", action="store_true", help="also print the calibration half's numbers")
    parser.add_argument("--seeds", type=int, default=5, help="seeds per prescription trial (default 5)")
    parser.add_argument("--part", choices=("calibration", "held-out", "fixes"), help="run only this part")
    parser.add_argument("--problems", nargs="+", choices=PROBLEMS, default=PROBLEMS, metavar="PROBLEM",
                        help="the problems whose fixes to try (default: all)")
    args = parser.parse_args()
    pd.set_option("display.width", 200)
    pd.set_option("display.max_columns", 20)
    print(machine(), flush=True)
    start = time.perf_counter()
    if args.calibration or args.part in (None, "calibration"):
        print("\nCalibration half (the thresholds were read from these numbers):")
        records, runs = diagnose_cases(doctor_cases.CALIBRATION)
        numbers = measurement_table(runs)
        print(numbers.to_string(float_format=lambda x: f"{x:.3g}"))
        results = {"calibration": doctor_score.calibration_records(records, numbers)}
    else:
        results = {}
    if args.part in (None, "held-out"):
        print("\nHeld-out half:")
        records, _ = diagnose_cases(doctor_cases.HELD_OUT)
        table, rates, false_alarms = doctor_score.score([(r["problem"], r["found"]) for r in records])
        print("\nConfusion table (rows: made to have; columns: diagnose found):")
        print(table.to_string())
        print("\nPer problem:")
        print(rates.to_string(float_format=lambda x: f"{x:.2f}"))
        print(f"\nFindings on the {sum(r['problem'] is None for r in records)} healthy held-out runs: {false_alarms}")
        results["held_out"] = records
    if args.part in (None, "fixes"):
        print(f"\nPrescriptions ({args.seeds} seeds each):")
        results["prescriptions"] = prescriptions(args.seeds, tuple(args.problems))
    seconds = time.perf_counter() - start
    print(f"\nBenchmark time: {seconds:.0f} s")
    if args.write and results:
        stored = doctor_score.load_results() if doctor_score.RESULTS_PATH.is_file() else {}
        part = args.part or "all"
        if "prescriptions" in results and tuple(args.problems) != PROBLEMS:
            part = f"{part}: {', '.join(args.problems)}"
        seconds_by_part = {**stored.get("seconds", {}), part: round(seconds)}
        if "prescriptions" in results:  # another process may have tried the other problems
            results["prescriptions"] = {**stored.get("prescriptions", {}), **results["prescriptions"]}
        doctor_score.save_results({**stored, **results, "machine": machine(), "seconds": seconds_by_part})
        print(f"written: {doctor_score.RESULTS_PATH}")

if __name__ == "__main__":
    main()
