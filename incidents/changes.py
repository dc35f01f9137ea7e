"""A counter of case changes, for readers that keep an answer for a few seconds (the console's polls).

Every write to a case passes ``machine.transition`` (claimed, versioned); it, and any save or
delete of a case or of a row shown with it, bumps one counter in Redis (at once, and again when the
transaction commits). A reader that keys its kept answer by the counter sees a change at its next read — the
dispatcher who just acted sees her act at once — and otherwise keeps the answer for at most its
own lifetime: a write that bypasses both (raw SQL, a bulk update) is seen when it expires.

Bumped at once and again after the commit: a reader between the two sees the new count but not
yet the new rows, and the second bump makes sure what it kept is never read again.
"""
from __future__ import annotations

import logging

from django.core.cache import cache
from django.db import transaction

from gridgov.cache import count

COUNTER_KEY = "incidents:case-changes"
log = logging.getLogger(__name__)


def case_changes() -> int:
    """How many case changes have been counted (0 when the counter is new or Redis lost it)."""
    return int(cache.get(COUNTER_KEY) or 0)


def _bump() -> None:
    try:
        count(COUNTER_KEY)  # one round trip; the counter never expires
    except Exception:  # Redis away: readers' answers expire by themselves; the write must not fail for it
        log.warning("could not count a case change", exc_info=True)


def note_case_change(**_ignored) -> None:
    """Count one change now and, inside a transaction, once more when it commits. Usable as a signal receiver."""
    _bump()
    if transaction.get_connection().in_atomic_block:
        transaction.on_commit(_bump)
