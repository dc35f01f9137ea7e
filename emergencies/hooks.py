"""The hook a "needs help" outcome calls: the needs app registers what makes a need of it.

``register_needs_help(handler)`` — handler(task=, actor=, note=, client_id=) is called inside the
outcome's transaction when a door answers "needs help" (the first time for that task). Until a
handler is registered the outcome is only recorded on the task (its outcome and note), and the
dashboard counts it. emergencies' ready() registers ``needs_link.need_from_task``, which records the
need through ``needs.actions.record_need`` (emergencies sits above needs in the layers).
"""
from __future__ import annotations

from typing import Callable

_needs_help_handlers: list[Callable[..., object]] = []


def register_needs_help(handler: Callable[..., object]) -> None:
    if handler not in _needs_help_handlers:
        _needs_help_handlers.append(handler)


def needs_help_handlers() -> tuple[Callable[..., object], ...]:
    return tuple(_needs_help_handlers)
