"""A daemon thread that calls ``tick()`` every ``interval_s`` seconds until ``stop()``: the shape of the
service's background loops (the job schedule, the model registry watcher)."""

from __future__ import annotations

import logging
import threading

__all__ = ["PeriodicThread"]

log = logging.getLogger(__name__)


class PeriodicThread:
    """Subclasses set ``interval_s`` (and optionally ``first_delay_s``) and implement ``tick``; a tick that
    raises is logged and the loop goes on (e.g. the database briefly unreachable: try again next tick)."""

    thread_name = "medlens-periodic"
    join_timeout_s = 10.0

    def __init__(self, interval_s: float, first_delay_s: float | None = None) -> None:
        self.interval_s = interval_s
        self.first_delay_s = interval_s if first_delay_s is None else first_delay_s
        self._stop = threading.Event()
        self._thread: threading.Thread | None = None

    def tick(self) -> None:
        raise NotImplementedError

    def _loop(self) -> None:
        delay = self.first_delay_s
        while not self._stop.wait(delay):
            try:
                self.tick()
            except Exception:
                log.exception("%s: tick failed", self.thread_name)
            delay = self.interval_s

    def start(self) -> None:
        self._thread = threading.Thread(target=self._loop, name=self.thread_name, daemon=True)
        self._thread.start()

    def stop(self) -> None:
        self._stop.set()
        if self._thread is not None:
            self._thread.join(timeout=self.join_timeout_s)
