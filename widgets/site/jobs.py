"""The build's slow steps (executing chapters, training grid runs) spread over worker processes.

A cold build is almost all kernel time and training time, and both leave a core idle much of the
time on a small machine, so `run_jobs` gives them to `workers` processes at once: chapters first
(each is one long job), then every missing grid run in small batches that fill the gaps.  Each job
writes its result into the build cache (`execute`, `runcache`); the pages are rendered afterwards
from the cache alone.  Workers are spawned, not forked (the parent may hold TensorFlow's threads), and
each job imports what it needs when it runs, so a worker that only executes chapters never loads
TensorFlow itself.
"""

from __future__ import annotations

import multiprocessing
import time
from concurrent.futures import FIRST_COMPLETED, Future, ProcessPoolExecutor, wait
from dataclasses import dataclass
from pathlib import Path
from typing import Callable, Sequence

from ..config import RunConfig

RUNS_PER_JOB = 4  # grid runs per job: small, so the last jobs end close together


@dataclass(frozen=True)
class Outcome:
    """What one job did: a chapter executed (`chapter` set) or grid runs trained (`seconds` per run)."""

    label: str
    seconds: tuple[float, ...]
    chapter: str = ""


def _execute_chapter(notebook: Path, cache: Path, chapter: str) -> Outcome:
    from . import execute

    start = time.monotonic()
    execute.executed(notebook, cache, say=lambda line: None)
    return Outcome(f"executed {notebook.name}", (time.monotonic() - start,), chapter)


def _train_runs(configs: Sequence[RunConfig], cache: Path, label: str) -> Outcome:
    from . import runcache

    return Outcome(label, tuple(runcache.cached_run(config, cache)[1] for config in configs))


def chapter_job(notebook: Path, cache: Path, chapter: str) -> tuple:
    """A job that executes `notebook` into the cache (the chapter's number goes in its Outcome)."""
    return (_execute_chapter, notebook, cache, chapter)


def run_jobs(cache: Path, label: str, configs: Sequence[RunConfig]) -> list[tuple]:
    """Jobs that train `configs` into the cache, RUNS_PER_JOB at a time; `label` names them in progress lines."""
    batches = [list(configs[i:i + RUNS_PER_JOB]) for i in range(0, len(configs), RUNS_PER_JOB)]
    return [(_train_runs, batch, cache, f"{label}: trained runs {i * RUNS_PER_JOB + 1}-{i * RUNS_PER_JOB + len(batch)}")
            for i, batch in enumerate(batches)]


def run(jobs: Sequence[tuple], workers: int, say: Callable[[str], None]) -> list[Outcome]:
    """Run `jobs` (from `chapter_job` and `run_jobs`, in that order of priority) on `workers`
    processes; one line to `say` as each ends.  The first job that fails stops the rest and raises."""
    if not jobs:
        return []
    outcomes: list[Outcome] = []
    start = time.monotonic()
    with ProcessPoolExecutor(max_workers=min(workers, len(jobs)),
                             mp_context=multiprocessing.get_context("spawn")) as pool:
        pending: set[Future] = {pool.submit(*job) for job in jobs}
        while pending:
            done, pending = wait(pending, return_when=FIRST_COMPLETED)
            for future in done:
                try:
                    outcome = future.result()
                except BaseException:
                    for other in pending:
                        other.cancel()
                    raise
                outcomes.append(outcome)
                times = ", ".join(f"{s:.1f}" for s in outcome.seconds)
                say(f"  [{len(outcomes)}/{len(jobs)} jobs, {time.monotonic() - start:.0f} s] {outcome.label} ({times} s)")
    return outcomes
