"""`Runner`: one background job at a time, that can be asked to stop and waited for.

A lab trains in a thread so that the page stays responsive and its Stop button is heard (a click
reaches Python only while the kernel is free); the job reads `stop_event` to end early.
"""

from __future__ import annotations

import threading
from typing import Any, Callable, Optional


class Runner:
    """Starts a job in a daemon thread, tells it to stop, waits for it."""

    def __init__(self, name: str):
        self.name = name
        self.stop_event = threading.Event()
        self._thread: Optional[threading.Thread] = None

    def start(self, job: Callable[..., Any], *args: Any) -> None:
        """Run `job(*args)` in a new thread (the caller checks that no job runs already)."""
        self.stop_event.clear()
        self._thread = threading.Thread(target=job, args=args, daemon=True, name=self.name)
        self._thread.start()

    def stop(self) -> None:
        """Ask the running job to stop; it ends at its next check of `stop_event`."""
        self.stop_event.set()

    def wait(self, timeout: Optional[float] = None) -> None:
        """Block until the job has ended (at most `timeout` seconds)."""
        if self._thread is not None:
            self._thread.join(timeout)

    @property
    def alive(self) -> bool:
        return self._thread is not None and self._thread.is_alive()
