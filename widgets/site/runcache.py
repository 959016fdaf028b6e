"""Trained runs kept on disk, so a rebuild trains only the settings that changed.

A run is stored as `Run.to_record()` JSON under `cache/runs/<key>.json`, where the key hashes the
config, the library versions and the source of the modules that compute a run: change any of them
and that run is trained again.
"""

from __future__ import annotations

import json
import time
from pathlib import Path
from typing import Optional

from ..config import RunConfig
from ..data import Dataset
from ..training import Run, train
from . import fingerprint

RUN_MODULES = ("config", "data", "model", "probes", "schedules", "seeds", "training")


def run_key(config: RunConfig) -> str:
    """What decides whether a cached run is still valid."""
    return fingerprint.key(config.to_dict(), fingerprint.library_versions(),
                           fingerprint.files_digest(fingerprint.package_sources(*RUN_MODULES)))


def run_path(config: RunConfig, cache: Path) -> Path:
    """Where the cache keeps the run of `config` (the file exists once it is trained)."""
    return cache / "runs" / f"{run_key(config)}.json"


def cached_run(config: RunConfig, cache: Path, dataset: Optional[Dataset] = None) -> tuple[Run, float]:
    """The run of `config` (from the cache, else trained and stored) and the seconds spent training
    it (0.0 when it came from the cache)."""
    path = run_path(config, cache)
    if path.exists():
        return Run.from_record(json.loads(path.read_text()), dataset), 0.0
    start = time.monotonic()
    run = train(config, dataset)
    seconds = time.monotonic() - start
    path.parent.mkdir(parents=True, exist_ok=True)
    temporary = path.with_suffix(".tmp")
    temporary.write_text(json.dumps(run.to_record()))
    temporary.replace(path)
    return run, seconds
