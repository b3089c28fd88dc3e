"""The background loop shared by the job schedule and the registry watcher."""

from __future__ import annotations

import logging
import threading

import pytest

from medlens.web.services.periodic import PeriodicThread


class Flaky(PeriodicThread):
    thread_name = "test-flaky"

    def __init__(self) -> None:
        super().__init__(interval_s=0.01, first_delay_s=0.0)
        self.calls = 0
        self.third = threading.Event()

    def tick(self) -> None:
        self.calls += 1
        if self.calls >= 3:
            self.third.set()
        if self.calls == 1:
            raise RuntimeError("database briefly unreachable")


def test_a_failing_tick_is_logged_and_the_loop_goes_on(caplog: pytest.LogCaptureFixture) -> None:
    loop = Flaky()
    with caplog.at_level(logging.ERROR):
        loop.start()
        assert loop.third.wait(5), "the loop stopped after the failing tick"
        loop.stop()
    assert loop._thread is not None and not loop._thread.is_alive()
    assert any("test-flaky: tick failed" in r.getMessage() for r in caplog.records)
    calls = loop.calls
    threading.Event().wait(0.05)
    assert loop.calls == calls  # stopped means no more ticks
