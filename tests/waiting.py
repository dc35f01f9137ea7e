"""Waiting for work another process does (a Celery worker, PostgreSQL)."""
from __future__ import annotations

import threading
import time


def wait_for(predicate, *, timeout: float = 60.0, what: str = "condition"):
    """Return ``predicate()`` once it is true, checking every 50 ms up to ``timeout`` seconds.

    This waits for real work elsewhere; it never stands in for moving the clock (time_machine
    does that). Transactional tests run in autocommit, so each check sees the other process's
    committed rows.
    """
    pause = threading.Event()
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        value = predicate()
        if value:
            return value
        pause.wait(0.05)
    raise AssertionError(f"Timed out after {timeout} s waiting for {what}")
