"""`TrainingRuns`: how a training lab runs, in the foreground (`run`) or in a thread (Train).

A mixin of `TrainingLab`, kept apart from the panel's controls: it trains through the lab's
`_train` (which calls `train`, the function notebooks call), reports progress on the status line,
redraws the figures at most every `REDRAW_INTERVAL` seconds (and only once the page has drawn the
previous redraw) and shows the optional report of each finished run.  The thread, its stop flag and
waiting for it are the `Runner`'s.
"""

from __future__ import annotations

import gc
import html
import time
from typing import Optional

from .config import ConfigError, RunConfig
from .panel import status_html
from .training import Run

REDRAW_INTERVAL = 0.25  # seconds between live redraws; the last epoch is always drawn


class TrainingRuns:
    """Train / Stop / wait for a lab that has `config`, `runner`, `show`, `set_busy`, `_train`,
    `_redraw`, `_page_is_behind`, the Train, Stop, Pin and fix buttons, `report`, `report_view` and
    `suggested_fix`."""

    last_run: Optional[Run] = None

    # -- training ------------------------------------------------------------------------------
    def run(self) -> Run:
        """Train synchronously with the current control values (the headless path of Train)."""
        self.wait()
        config = self._config_or_report()
        if config is None:
            raise ConfigError(self._error)
        self.runner.stop_event.clear()
        return self._execute(config, reraise=True)

    def start(self) -> None:
        """What the Train button does: train in a background thread while the figures update."""
        if self.is_running:
            return
        config = self._config_or_report()
        if config is None:
            return
        self._set_running(True)
        self.show(f"Starting: {html.escape(config.describe())}…")
        self.runner.start(self._execute, config, False)

    def stop(self) -> None:
        """Ask a running training to stop; it ends within its current epoch."""
        self.runner.stop()

    def wait(self, timeout: Optional[float] = None) -> Optional[Run]:
        """Block until a background run started with Train has ended; returns the last run."""
        self.runner.wait(timeout)
        return self.last_run

    @property
    def is_running(self) -> bool:
        # The thread may still be collecting garbage after it freed the buttons: that is not running.
        return self.runner.alive and self.train_button.disabled

    def _config_or_report(self) -> Optional[RunConfig]:
        try:
            return self.config
        except ConfigError as exc:
            self._error = str(exc)
            self.show(f"Cannot train with these settings: {html.escape(str(exc))}", error=True)
            return None

    def _execute(self, config: RunConfig, reraise: bool = True) -> Optional[Run]:
        self._set_running(True)
        self._last_redraw = 0.0
        try:
            run = self._train(config)
        except Exception as exc:  # shown in words; the traceback would only confuse a learner
            self.show(f"Training failed: {html.escape(type(exc).__name__)}: {html.escape(str(exc))}", error=True)
            self._set_running(False)
            if reraise:
                raise
            return None
        self.last_run = run
        self._redraw(run)
        self.show(final_status(run), error=run.status == "diverged")
        self._show_report(run)
        self._set_running(False)
        # Each run leaves its traced graphs as cyclic garbage (~7 MB).  The Train button's thread frees
        # them once the buttons are free (~0.3 s holding the GIL), but not after Stop: its user acts next.
        if not reraise and run.status != "stopped":
            gc.collect()
        return run

    def _set_running(self, running: bool) -> None:
        self.train_button.disabled = running
        self.stop_button.disabled = not running
        if self.fix_button is not None:
            self.fix_button.disabled = running or not self.suggested_fix
        self.pin_button.disabled = running or self.last_run is None
        self.set_busy(running)

    def _show_report(self, run: Run) -> None:
        if self.report is None:
            return
        self.suggested_fix = {}
        try:
            result = self.report(run)
            text = result._repr_html_() if hasattr(result, "_repr_html_") else html.escape(str(result))
            self.suggested_fix = dict(getattr(result, "first_fix", None) or {})
        except Exception as exc:  # a failing report must not lose the finished run
            text = status_html(f"The report failed: {html.escape(type(exc).__name__)}: "
                               f"{html.escape(str(exc))}", error=True)
        self.report_view.value = text
        changes = ", ".join(f"{field}={value}" for field, value in self.suggested_fix.items())
        self.fix_button.description = f"Apply the suggested fix: {changes}" if changes else "Apply the suggested fix"

    # -- progress ------------------------------------------------------------------------------
    def _on_batch(self, run: Run, epoch: int, step: int, loss: float) -> None:
        now = time.perf_counter()
        if now - self._last_redraw >= REDRAW_INTERVAL and run.epochs_done == 0:
            self._last_redraw = now
            self.show(f"Epoch {epoch} of {run.config.epochs}, step {step}: loss {loss:.4g}")

    def _on_epoch(self, run: Run) -> None:
        now = time.perf_counter()
        self.show(progress_text(run))
        # A stopped or diverged run gets its final redraw at once: drawing it here too would delay Stop.
        # A page still drawing the last redraw gets no new one yet: it would only fall further behind.
        due = run.epochs_done <= 1 or now - self._last_redraw >= REDRAW_INTERVAL
        if run.status == "running" and due and not self._page_is_behind():
            self._redraw(run)
            self._last_redraw = time.perf_counter()


def progress_text(run: Run) -> str:
    """The status line during a run: the epoch reached and its losses."""
    if run.epochs_done == 0:
        return (f"Epoch 0 of {run.config.epochs} (before training): loss {run.initial['loss']:.4g}, "
                f"val_loss {run.initial['val_loss']:.4g}")
    return (f"Epoch {run.epochs_done} of {run.config.epochs}: loss {run.final('loss'):.4g}, "
            f"val_loss {run.final('val_loss'):.4g}, val_{run.metric} {run.final('val_' + run.metric):.3f}")

def final_status(run: Run) -> str:
    """The status line after a run: how it ended, after how long, and its final metrics (HTML)."""
    words = {"finished": "Finished", "stopped": "Stopped", "diverged": "Diverged",
             "early-stopped": "Early-stopped"}[run.status]
    text = f"{words} after {run.epochs_done} of {run.config.epochs} epochs ({run.wall_time:.1f} s)"
    if run.epochs_done:
        text += f": val_loss {run.final('val_loss'):.4g}, val_{run.metric} {run.final('val_' + run.metric):.3f}"
    return html.escape(text + (f". {run.message}" if run.message else "."))
