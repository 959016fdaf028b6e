"""widgets.distributed_tuning: one keras-tuner search shared by a chief and two workers on 127.0.0.1.

The full run (a chief, two workers, and the same search in one process) takes about a minute of
CPU; on a loaded 2-core machine its wall time is several times that, hence the generous limit.
"""

import time
from concurrent.futures import ThreadPoolExecutor

import pytest

from widgets import distributed_tuning as dt

SPEC = dt.SearchSpec(max_trials=6, epochs=3)
TIME_LIMIT = 480  # s, for every process of one search to exit by itself


def test_a_search_shared_by_a_chief_and_two_workers_matches_one_process():
    # The single-process search runs beside the distributed one rather than after it: once the trials
    # run out, keras-tuner's chief sleeps 20 s before it checks again whether its workers are done.
    with ThreadPoolExecutor(max_workers=1) as pool:
        started = time.monotonic()
        distributed = pool.submit(dt.run_local, SPEC, workers=2, timeout=TIME_LIMIT)
        single = dt.run_single(SPEC, timeout=TIME_LIMIT)
        shared = distributed.result()  # SearchError if a process fails or overruns
        both_wall = time.monotonic() - started
    per_trial = (shared.table[dt.OBJECTIVE] - single.table[dt.OBJECTIVE]).abs()
    print(f"distributed: {shared.summary()}; per process {shared.seconds}; single process: {single.summary()}; "
          f"both searches in {both_wall:.0f} s; largest per-trial difference {per_trial.max():.4f}")

    # All three processes exited by themselves (run_local raises SearchError otherwise).
    assert set(shared.seconds) == {"chief", "tuner0", "tuner1"}
    assert max(shared.seconds.values()) < TIME_LIMIT
    # Every trial completed; each was trained once, by a worker; both workers took part.
    assert list(shared.table.index) == list(range(SPEC.max_trials))
    assert (shared.table["status"] == "COMPLETED").all(), shared.table
    assert shared.ran["chief"] == []
    assert sorted(shared.ran["tuner0"] + shared.ran["tuner1"]) == list(range(SPEC.max_trials)), shared.ran
    assert shared.trials_per_worker.sum() == SPEC.max_trials and (shared.trials_per_worker > 0).all()

    # The same trials as one process would run, scored the same within one validation row.
    settings = [c for c in shared.table.columns if c not in ("ran by", dt.OBJECTIVE)]
    assert shared.table[settings].equals(single.table[settings])
    one_row = 1 / shared.validation_rows
    assert per_trial.max() <= one_row + 1e-9, per_trial
    assert abs(shared.best_score - single.best_score) <= one_row + 1e-9


def test_a_failing_process_is_reported_by_name():
    spec = dt.SearchSpec(build="widgets.distributed_tuning:no_such_function", max_trials=1, epochs=1)
    with pytest.raises(dt.SearchError, match="(?s)single exited with code 1.*no_such_function"):
        dt.run_single(spec, timeout=TIME_LIMIT)


def test_commands_give_each_machine_its_role():
    chief, *workers = dt.commands(SPEC, chief_address="tuning-chief.example", port=8470, workers=2)
    assert chief.startswith("KERASTUNER_TUNER_ID=chief KERASTUNER_ORACLE_IP=0.0.0.0 KERASTUNER_ORACLE_PORT=8470 ")
    assert [w.split()[0] for w in workers] == ["KERASTUNER_TUNER_ID=tuner0", "KERASTUNER_TUNER_ID=tuner1"]
    assert all("KERASTUNER_ORACLE_IP=tuning-chief.example" in w for w in workers)
    assert all("--max-trials=6" in line and "-m widgets.distributed_tuning" in line for line in [chief, *workers])


@pytest.mark.parametrize("field, value", [("dataset", "mnist"), ("max_trials", 0), ("epochs", 1.5), ("seed", -1),
                                          ("build", "mlp_search")])
def test_a_bad_spec_names_the_field(field, value):
    with pytest.raises(ValueError, match=field):
        dt.SearchSpec(**{field: value})


def test_run_local_needs_a_worker():
    with pytest.raises(ValueError, match="workers"):
        dt.run_local(SPEC, workers=0)
