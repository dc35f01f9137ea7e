"""Celery tasks of needs: the escalation sweep (every minute) and the anonymisation of needs once
their emergency is over (every hour). Both idempotent: they find due rows in the database.

Tests pass the moment explicitly (``now=…isoformat()``): the worker is another process."""
from __future__ import annotations

from celery import shared_task

from gridgov.dates import parse_moment

from .retention import anonymise_due_needs
from .sweep import escalate_overdue_needs

SWEEP_TASK = "needs.sweep_needs"
ANONYMISE_TASK = "needs.anonymise_needs"

def _moment(now: str | None):
    return parse_moment(now, "now") if now else None


BEAT_SCHEDULE = {
    "needs-escalation-sweep": {"task": SWEEP_TASK, "schedule": 60.0, "options": {"expires": 55}},
    "needs-anonymise": {"task": ANONYMISE_TASK, "schedule": 3600.0, "options": {"expires": 3000}},
}


@shared_task(name=SWEEP_TASK, ignore_result=True, acks_late=True)
def sweep_needs(now: str | None = None) -> dict:
    result = escalate_overdue_needs(now=_moment(now))
    return {"escalated": result.escalated, "overdue_flagged": result.overdue_flagged}


@shared_task(name=ANONYMISE_TASK, ignore_result=True, acks_late=True)
def anonymise_needs(now: str | None = None) -> dict:
    return {"anonymised": anonymise_due_needs(now=_moment(now))}
