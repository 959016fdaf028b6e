"""Build the whole site: execute the chapters, train the precomputed labs, write the pages.

Every slow step is cached (`execute`, `runcache`), so a rebuild with nothing changed only renders.
The slow steps a build still needs run first, side by side on worker processes (`jobs`); then the
pages are written from the cache.
Progress goes to `say`, one line per step, because a cold build of every chapter takes many minutes.
"""

from __future__ import annotations

import shutil
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Callable, Iterable, Optional

import nbformat
import plotly.offline

from . import execute, jobs, labview, pages, runcache
from .grids import GRIDS, LabGrid
from .runcache import cached_run

ROOT = Path(__file__).resolve().parents[2]
NOTEBOOKS = ROOT / "notebooks"
DEFAULT_OUT = ROOT / "_site"
DEFAULT_CACHE = ROOT / ".site-cache"
ASSETS = Path(__file__).resolve().parent / "assets"
DEFAULT_WORKERS = 2  # this project's machines have 2 cores
MARKER = ".workbook-site"  # in every folder the build writes, so it only ever empties its own output


class BuildError(ValueError):
    """Bad build options (unknown chapter, an output folder that is not a site)."""


@dataclass
class BuildReport:
    """What a build did: pages written, chapters executed and lab runs trained (not from the cache),
    lab runs reused from the cache, time and size."""

    pages: list[str] = field(default_factory=list)
    executed: list[str] = field(default_factory=list)
    trained: int = 0
    reused_runs: int = 0
    seconds: float = 0.0
    size_bytes: int = 0


def select_chapters(numbers: Optional[Iterable[str]] = None, folder: Path = NOTEBOOKS) -> list[pages.Chapter]:
    """The chapters to build: all notebooks NN_topic.ipynb, or those whose number is in `numbers`."""
    every = [pages.Chapter(p) for p in sorted(folder.glob("[0-9][0-9]_*.ipynb"))]
    if not numbers:
        return every
    wanted = [str(n).zfill(2) for n in numbers]
    known = {c.number for c in every}
    unknown = [n for n in wanted if n not in known]
    if unknown:
        raise BuildError(f"--chapters: no chapter {', '.join(unknown)}; allowed: {', '.join(sorted(known))}")
    return [c for c in every if c.number in wanted]


def _prepare(out: Path) -> None:
    """Empty `out` if the build wrote it before; refuse a non-empty folder the build did not write."""
    if out.exists() and any(out.iterdir()):
        if not (out / MARKER).exists():
            raise BuildError(f"--out: {out} is not empty and was not written by this build; "
                             "give an empty or new folder")
        shutil.rmtree(out)
    (out / "assets").mkdir(parents=True)
    (out / "data").mkdir()
    (out / MARKER).write_text("written by python -m widgets.site build; emptied by the next build\n")


def _write_assets(out: Path) -> None:
    (out / "assets" / "plotly.min.js").write_text(plotly.offline.get_plotlyjs(), encoding="utf-8")
    (out / "assets" / "notebook.css").write_text(pages.notebook_css(), encoding="utf-8")
    for name in ("site.js", "site.css"):
        shutil.copyfile(ASSETS / name, out / "assets" / name)


def _precompute(grid: LabGrid, chapter: pages.Chapter, cache: Path, out: Path, report: BuildReport,
                say: Callable[[str], None]) -> str:
    """Read every run of `grid` from the cache (training any still missing), write its data script;
    returns the lab's HTML."""
    configs = grid.configs()
    runs, trained = [], 0
    for i, config in enumerate(configs, 1):
        run, seconds = cached_run(config, cache)
        if seconds:
            trained += 1
            say(f"  lab {grid.chapter}: run {i}/{len(configs)} trained in {seconds:.1f} s ({grid.cell_key(config)})")
        runs.append(run)
    report.trained += trained
    cells = {grid.cell_key(run.config): labview.cell_data(grid, run) for run in runs}
    script = f"data/{chapter.notebook.stem}-lab.js"
    (out / script).write_text(labview.lab_data_js(grid, cells), encoding="utf-8")
    say(f"  lab {grid.chapter}: {grid.describe()}")
    return labview.lab_section(grid, cells[grid.cell_key(grid.base)], script, labview.findings(grid, runs))


def _slow_steps(chapters: list[pages.Chapter], grids: list[LabGrid], cache: Path, workers: int,
                report: BuildReport, say: Callable[[str], None]) -> None:
    """Execute the chapters and train the grid runs that the cache lacks, on `workers` processes."""
    stale = [c for c in chapters if not execute.cached_path(c.notebook, cache).exists()]
    work = [jobs.chapter_job(c.notebook, cache, c.number) for c in stale]
    missing = 0
    for grid in grids:
        configs = [c for c in grid.configs() if not runcache.run_path(c, cache).exists()]
        missing += len(configs)
        report.reused_runs += len(grid.configs()) - len(configs)
        work += jobs.run_jobs(cache, f"lab {grid.chapter}", configs)
    if work:
        say(f"executing {len(stale)} chapters and training {missing} lab runs on {min(workers, len(work))} processes")
    for outcome in jobs.run(work, workers, say):
        if outcome.chapter:
            report.executed.append(outcome.chapter)
        else:
            report.trained += len(outcome.seconds)


def select_labs(chapters: list[pages.Chapter], numbers: Optional[Iterable[str]] = None) -> dict[str, LabGrid]:
    """The grids to precompute: of the built chapters, those named in `numbers` (default: every one
    that has a grid).  A chapter built without its grid shows its lab as the static last figures."""
    built = {c.number: GRIDS[c.number] for c in chapters if c.number in GRIDS}
    if numbers is None:
        return built
    wanted = [str(n) for n in numbers]
    unknown = [n for n in wanted if n not in built]
    if unknown:
        raise BuildError(f"--labs: no precomputed lab {', '.join(unknown)} among the chapters built; "
                         f"allowed: {', '.join(built) or 'none'}")
    return {n: built[n] for n in built if n in wanted}


def build(out: Path = DEFAULT_OUT, cache: Path = DEFAULT_CACHE, numbers: Optional[Iterable[str]] = None,
          say: Callable[[str], None] = print, workers: int = DEFAULT_WORKERS,
          labs: Optional[Iterable[str]] = None) -> BuildReport:
    """Write the site for the chosen chapters (all by default) into `out`, reusing `cache`;
    `workers`: processes that execute chapters and train lab runs side by side; `labs`: the chapters
    whose lab is precomputed (default: all built ones that have a grid)."""
    if isinstance(workers, bool) or not isinstance(workers, int) or workers < 1:
        raise BuildError(f"--jobs: {workers!r} is not allowed; give a whole number of processes, 1 or more")
    start = time.monotonic()
    chapters = select_chapters(numbers)
    grids = select_labs(chapters, labs)
    _prepare(out)
    _write_assets(out)
    report = BuildReport()
    _slow_steps(chapters, list(grids.values()), cache, workers, report, say)
    titled = [(chapter, chapter.title(nbformat.read(chapter.notebook, as_version=4))) for chapter in chapters]
    built = {chapter.notebook.stem for chapter in chapters}
    exporter = pages.SiteExporter()
    described = {}
    for i, chapter in enumerate(chapters):
        say(f"[{i + 1}/{len(chapters)}] {chapter.notebook.name}")
        nb, _ = execute.executed(chapter.notebook, cache, say)
        replacements = {}
        grid = grids.get(chapter.number)
        if grid is not None:
            index = execute.code_cell_index(nb, grid.cell)
            if index is None:
                raise BuildError(f"chapter {chapter.number}: no code cell contains {grid.cell!r} (grids.py)")
            replacements[index] = _precompute(grid, chapter, cache, out, report, say)
            described[chapter.number] = grid.describe()
        page = pages.chapter_page(exporter, chapter, pages.static_notebook(nb, replacements),
                                  pages.navigation(titled, i), built)
        (out / chapter.page).write_text(page, encoding="utf-8")
        report.pages.append(chapter.page)
        say(f"  wrote {chapter.page} ({len(page.encode()) / 1e6:.1f} MB)")
    (out / "index.html").write_text(pages.index_page(titled, described), encoding="utf-8")
    report.pages.insert(0, "index.html")
    report.seconds = time.monotonic() - start
    report.size_bytes = sum(p.stat().st_size for p in out.rglob("*") if p.is_file())
    say(f"built {len(report.pages)} pages in {report.seconds:.0f} s into {out} ({report.size_bytes / 1e6:.1f} MB); "
        f"chapters executed: {', '.join(report.executed) or 'none (all cached)'}; "
        f"runs trained: {report.trained}, reused: {report.reused_runs}")
    return report
