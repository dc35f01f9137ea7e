"""Celery beat jobs of the emergencies app, each idempotent (a second run at the same moment does nothing)."""
from __future__ import annotations

from datetime import datetime

from celery import shared_task
from django.utils import timezone
from django.utils.dateparse import parse_datetime

from .actions.anonymising import anonymise_ended_emergencies
from .actions.escalation import escalate_overdue_tasks

ESCALATE_TASK = "emergencies.escalate_overdue_tasks"
ANONYMISE_TASK = "emergencies.anonymise_ended"

BEAT_SCHEDULE = {
    "emergencies-task-escalation": {"task": ESCALATE_TASK, "schedule": 60.0, "options": {"expires": 55}},
    "emergencies-anonymise": {"task": ANONYMISE_TASK, "schedule": 3600.0, "options": {"expires": 3000}},
}


def _moment(now: str | None) -> datetime | None:
    if now is None:
        return None
    moment = parse_datetime(now)
    if moment is None:
        raise ValueError(f"Not an ISO 8601 date and time: {now!r}")
    return moment if timezone.is_aware(moment) else timezone.make_aware(moment)


@shared_task(name=ESCALATE_TASK, ignore_result=True, acks_late=True)
def escalate_tasks(now: str | None = None) -> int:
    return escalate_overdue_tasks(now=_moment(now))


@shared_task(name=ANONYMISE_TASK, ignore_result=True, acks_late=True)
def anonymise(now: str | None = None) -> list[int]:
    return anonymise_ended_emergencies(now=_moment(now))
