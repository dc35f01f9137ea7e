"""In-app notifications and the emails that follow some of them.

Rows are written in the same transaction as the change they announce. Emails are never sent
inside that transaction: a row is marked ``pending`` and a Celery task, enqueued after commit,
claims and sends them (``incidents.tasks.send_notification_emails``). If Redis loses that task,
the next sweep finds the pending rows and enqueues it again.
"""
from __future__ import annotations

from typing import Iterable

from django.db import transaction
from django.utils import timezone

from accounts.models import GridAssignment, User
from grids.models import Level

from .models import EMAIL_KINDS, EmailState, Notification
from .rules import LEVEL_ROLE


def level_staff(level: str, area) -> list[User]:
    """The people who hold a case at ``level`` in ``area``: whom an escalation or a send-down notifies."""
    if area is None:
        return []
    if level == Level.GRID:
        ids = GridAssignment.objects.active().filter(cell__code=area.code).values("user_id")
        return list(User.objects.filter(pk__in=ids, is_active=True))
    return list(User.objects.filter(is_active=True, role=LEVEL_ROLE[level], area_id=area.pk))


def notify(users: Iterable[User], incident, kind: str, *, text: str = "", exclude=None, now=None) -> list[Notification]:
    now = now or timezone.now()
    emailable = kind in EMAIL_KINDS
    seen: set[int] = set()
    rows = []
    for user in users:
        if user is None or user.pk in seen or (exclude is not None and user.pk == exclude.pk):
            continue
        seen.add(user.pk)
        state = EmailState.PENDING if emailable and user.email else EmailState.NONE
        rows.append(Notification(user=user, incident=incident, kind=kind, text=text[:300], created_at=now, email_state=state))
    created = Notification.objects.bulk_create(rows)
    if any(row.email_state == EmailState.PENDING for row in created):
        enqueue_email_delivery()
    return created


def enqueue_email_delivery() -> None:
    def _send():
        from .tasks import send_notification_emails

        send_notification_emails.delay()

    transaction.on_commit(_send)


def unread_count(user) -> int:
    if not user or not user.is_authenticated:
        return 0
    return Notification.objects.filter(user=user, read_at__isnull=True).count()
