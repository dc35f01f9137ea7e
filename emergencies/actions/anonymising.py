"""After an emergency: its personal data (outcomes at the door, notes, health answers, who was
visited) is anonymised ``GRIDGOV_EMERGENCY_ANONYMISE_AFTER_DAYS`` days after its end. The figures
(CellProgress) and the tasks' buildings and cells stay, so the dashboard still tells how far each
campaign got; nothing links an outcome to a household or a person any more."""
from __future__ import annotations

from datetime import datetime, timedelta

from django.conf import settings
from django.db import transaction
from django.utils import timezone

from ..models import Emergency, EmergencyStatus, Task, TaskOutcome


def anonymise_after() -> timedelta:
    return timedelta(days=float(getattr(settings, "GRIDGOV_EMERGENCY_ANONYMISE_AFTER_DAYS", 30)))


def anonymise_ended_emergencies(*, now: datetime | None = None) -> list[int]:
    """Anonymise every emergency ended long enough ago and not anonymised yet; answers their ids."""
    now = now or timezone.now()
    done = []
    due = Emergency.objects.filter(status=EmergencyStatus.ENDED, ends_at__lte=now - anonymise_after(), anonymised_at__isnull=True)
    for emergency_id in due.values_list("id", flat=True):
        with transaction.atomic():
            # The claim: only one run anonymises an emergency.
            claimed = Emergency.objects.filter(pk=emergency_id, anonymised_at__isnull=True).update(anonymised_at=now)
            if not claimed:
                continue
            Task.objects.filter(campaign__emergency_id=emergency_id).update(
                household=None, person=None, unit_label="", floor=None, room="", note="", answers={}, outcome_by=None,
                worker=None, assignee=None,
            )
            TaskOutcome.objects.filter(task__campaign__emergency_id=emergency_id).delete()
        done.append(emergency_id)
    return done
