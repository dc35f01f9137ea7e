"""Celery tasks: the escalation sweep (run by beat every minute), notification emails, and the
days of patrol points (every hour: partitions made ahead, old days dropped).

Both are idempotent. The sweep claims due cases in the database (``actions.escalation``);
nothing waits in Redis with a long ETA, so a Redis restart loses nothing: the next minute's sweep
finds whatever is still due. The email task claims pending notification rows, so running it
twice sends nothing twice.

Moving time in tests: the worker is another process, so ``time_machine`` in the test does not
reach it. Pass the moment explicitly instead — ``sweep_escalations.delay(now=moment.isoformat())``
— and the sweep treats that moment as "now".
"""
from __future__ import annotations

import logging
from collections import defaultdict
from datetime import datetime

from celery import shared_task
from django.conf import settings
from django.core.mail import EmailMessage, get_connection
from django.db import InterfaceError, OperationalError, transaction
from django.utils import timezone, translation
from django.utils.dateparse import parse_datetime
from django.utils.translation import gettext as _

from .actions.escalation import escalate_overdue
from .actions.patrol_days import keep_days
from .actions.notifications import EMAIL_TASK, request_email_delivery_if_pending
from .actions.photo_queue import PHOTO_TASK, process_pending_photo, requeue_stale
from .models import EmailState, Notification
from .timeline import notification_text

log = logging.getLogger(__name__)

SWEEP_TASK = "incidents.sweep_escalations"
PATROL_DAYS_TASK = "incidents.patrol_days"

# The beat entry (registered in IncidentsConfig.ready(); the same dict can go in settings'
# CELERY_BEAT_SCHEDULE). A sweep that waited in the queue longer than its period is dropped: the
# next one does the same work.
SWEEP_SECONDS = float(settings.GRIDGOV_SWEEP_SECONDS)
BEAT_SCHEDULE = {
    "incidents-escalation-sweep": {"task": SWEEP_TASK, "schedule": SWEEP_SECONDS, "options": {"expires": SWEEP_SECONDS * 55 / 60},
                                   "kwargs": {"batch_size": settings.GRIDGOV_SWEEP_BATCH}},
    # Patrol points' days: a week of partitions ahead, days past the retention dropped (tracks kept).
    "incidents-patrol-days": {"task": PATROL_DAYS_TASK, "schedule": 3600.0, "options": {"expires": 3000}},
}


def _moment(now: str | datetime | None) -> datetime | None:
    if now is None or isinstance(now, datetime):
        return now
    moment = parse_datetime(now)
    if moment is None:
        raise ValueError(f"Not an ISO 8601 date and time: {now!r}")
    return moment if timezone.is_aware(moment) else timezone.make_aware(moment)


@shared_task(name=SWEEP_TASK, ignore_result=True, acks_late=True)
def sweep_escalations(now: str | None = None, batch_size: int = 50_000) -> dict:
    """Escalate every overdue case one level; ``now`` (ISO 8601) overrides the clock."""
    result = escalate_overdue(now=_moment(now), batch_size=batch_size)
    if result.escalated or result.overdue_flagged:
        log.info("Escalation sweep: %s escalated %s, %s overdue at the district", result.escalated, result.by_level, result.overdue_flagged)
    # A lost email task (Redis restarted between commit and enqueue) is found again here.
    if not result.notifications:
        request_email_delivery_if_pending()
    requeue_stale()  # a photo whose task was lost the same way
    return {"escalated": result.escalated, "by_level": result.by_level, "overdue": result.overdue_flagged,
            "notifications": result.notifications}


@shared_task(name=PATROL_DAYS_TASK, ignore_result=True, acks_late=True)
def patrol_days(now: str | None = None) -> dict:
    """Make the coming days' partitions of patrol points, drop the days past the retention (after
    writing their patrols' kept lines). Idempotent: a second run makes and drops nothing."""
    return keep_days(now=_moment(now))


@shared_task(name=PHOTO_TASK, ignore_result=True, acks_late=True, autoretry_for=(OperationalError, InterfaceError),
             retry_backoff=True, max_retries=8)
def process_photo(photo_id: int) -> str:
    """Decode, check, hash, stamp and store one filed photo (incidents.actions.photo_queue).
    Idempotent: the claim is a conditional UPDATE, so a retried or redelivered task stores nothing twice."""
    return process_pending_photo(photo_id)


@shared_task(name=EMAIL_TASK, ignore_result=True, acks_late=True)
def send_notification_emails(batch_size: int = 1000) -> int:
    """Send pending notification emails, one message per person per batch; answers how many messages.

    Rows are claimed with ``SELECT … FOR UPDATE SKIP LOCKED`` and marked sent in the same
    transaction as the sending: two workers never take the same rows, and a crash before commit
    leaves them pending for the next run (at least once, never silently lost).
    """
    messages = 0
    while True:
        with transaction.atomic():
            rows = list(
                Notification.objects.select_for_update(skip_locked=True, of=("self",))
                .filter(email_state=EmailState.PENDING)
                .select_related("user", "incident__category", "incident__area")
                .order_by("id")[:batch_size]
            )
            if not rows:
                break
            by_user = defaultdict(list)
            for row in rows:
                by_user[row.user].append(row)
            connection = get_connection()
            outgoing = [_message(user, items, connection) for user, items in by_user.items() if user.email]
            connection.send_messages(outgoing)
            Notification.objects.filter(pk__in=[row.pk for row in rows]).update(
                email_state=EmailState.SENT, emailed_at=timezone.now()
            )
            messages += len(outgoing)
        if len(rows) < batch_size:
            break
    return messages


def _message(user, items, connection) -> EmailMessage:
    base = getattr(settings, "GRIDGOV_BASE_URL", "").rstrip("/")
    with translation.override(settings.LANGUAGE_CODE):
        subject = _("[Grid governance] %(count)d case(s) need your attention") % {"count": len(items)}
        lines = [_("Hello %(name)s,") % {"name": user.display_name}, ""]
        for item in items:
            incident = item.incident
            said = notification_text(item)
            if incident is None:
                # Announced by another app (an emergency's tasks, a need): its sentence and its page.
                lines.append(f"{item.get_kind_display()}" + (f" · {said}" if said else "") + f"\n  {base}{item.link}")
                continue
            lines.append(
                f"#{incident.pk} {incident.category.label} · {item.get_kind_display()} · "
                + (f"{said} · " if said else "")
                + _("deadline %(deadline)s") % {"deadline": timezone.localtime(incident.deadline).strftime("%Y-%m-%d %H:%M")}
                + (f"\n  {base}/incidents/{incident.pk}/" if base else f"\n  /incidents/{incident.pk}/")
            )
        lines += ["", _("This message was sent by the grid governance system.")]
    return EmailMessage(subject=subject, body="\n".join(lines), to=[user.email], connection=connection)
