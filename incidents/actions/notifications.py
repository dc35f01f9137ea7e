"""Writes of the in-app inbox, and the one way emails are asked for.

Rows are written in the same transaction as the change they announce. Emails are never sent
inside that transaction: a row is marked ``pending`` and the email task, enqueued after commit,
claims and sends them (``incidents.tasks.send_notification_emails``). If Redis loses that task,
the next sweep finds the pending rows and asks again. The task is enqueued by name, so this
module (below the tasks) never imports them.
"""
from __future__ import annotations

from typing import Any, Iterable

from celery import current_app
from django.db import transaction
from django.utils import timezone

from accounts.models import User

from ..kinds import is_email_kind
from ..models import EmailState, Notification

EMAIL_TASK = "incidents.send_notification_emails"


def notify(
    users: Iterable[User], incident, kind: str, *, text: str = "", action: str = "", params: dict[str, Any] | None = None,
    exclude=None, now=None,
) -> list[Notification]:
    """One notification per person (once each, never the actor), and an email for the kinds worth one."""
    now = now or timezone.now()
    emailable = is_email_kind(kind)
    seen: set[int] = set()
    rows = []
    for user in users:
        if user is None or user.pk in seen or (exclude is not None and user.pk == exclude.pk):
            continue
        seen.add(user.pk)
        state = EmailState.PENDING if emailable and user.email else EmailState.NONE
        rows.append(Notification(
            user=user, incident=incident, kind=kind, text=(text or "")[:300], action=action, params=params or {},
            created_at=now, email_state=state,
        ))
    created = Notification.objects.bulk_create(rows)
    if any(row.email_state == EmailState.PENDING for row in created):
        request_email_delivery()
    return created


def request_email_delivery() -> None:
    """Enqueue the email task once the current transaction commits (at once outside one)."""
    def _enqueue() -> None:
        current_app.send_task(EMAIL_TASK)

    transaction.on_commit(_enqueue)


def request_email_delivery_if_pending() -> None:
    if Notification.objects.filter(email_state=EmailState.PENDING).exists():
        request_email_delivery()


def mark_notifications_read(user, ids: Iterable[int] | None = None) -> int:
    """Mark the user's notifications read (all when ``ids`` is None); answers how many changed."""
    queryset = Notification.objects.filter(user=user, read_at__isnull=True)
    if ids is not None:
        queryset = queryset.filter(pk__in=list(ids))
    return queryset.update(read_at=timezone.now())
