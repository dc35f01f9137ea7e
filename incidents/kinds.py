"""The vocabularies of a case that other apps extend: its statuses and the kinds of notification.

Incidents defines the statuses of its own workflow (report → register → … → close) and the
notification kinds its own acts send. An app built on top (the command centre, in ``dispatch``)
adds its statuses — *dispatched*, *deferred* — and kinds by calling ``register_status()`` and
``register_notification_kind()`` from its ``AppConfig.ready()``, so incidents never names them.

The model fields take their choices from these registries through a callable, and the groups
below (``OPEN_STATUSES`` …) are live views: code that asks "is this status open?" sees the
statuses every installed app registered, whenever it asks.
"""
from __future__ import annotations

from dataclasses import dataclass
from typing import Callable, Iterator

from django.db import models
from django.utils.functional import Promise
from django.utils.translation import gettext_lazy as _


class Status(models.TextChoices):
    """Incidents' own statuses; the acts between them are in ``incidents.actions``."""

    REPORTED = "reported", _("Reported")
    REGISTERED = "registered", _("Registered")
    REJECTED = "rejected", _("Rejected")
    ASSIGNED = "assigned", _("Assigned")
    IN_PROGRESS = "in_progress", _("In progress")
    HANDLED = "handled", _("Handled, awaiting verification")
    VERIFIED = "verified", _("Verified")
    REWORK = "rework", _("Rework")
    CLOSED = "closed", _("Closed")
    DUPLICATE = "duplicate", _("Duplicate")


@dataclass(frozen=True)
class StatusInfo:
    value: str
    label: Promise | str
    # Somebody still has to act: the deadline runs and, below the district, escalates.
    open: bool = False
    # Not finished: the case is still somebody's work (open, waiting for a check, on hold).
    active: bool = True
    # Somebody at the holding level had taken the case: a change of level hands it back as registered.
    taken: bool = False


_STATUSES: dict[str, StatusInfo] = {}


def register_status(value: str, label, *, open: bool = False, active: bool = True, taken: bool = False) -> StatusInfo:
    """Add (or redefine, when an app's ready() runs again) one status of the case."""
    info = StatusInfo(value=str(value), label=label, open=open, active=active, taken=taken)
    _STATUSES[info.value] = info
    return info


def status_choices() -> list[tuple[str, Promise | str]]:
    """The status field's choices: every registered status, in registration order."""
    return [(info.value, info.label) for info in _STATUSES.values()]


def status_label(value: str) -> str:
    info = _STATUSES.get(value)
    return str(info.label) if info else value


class StatusGroup:
    """A live, read-only set of status values chosen by a property of their registration."""

    def __init__(self, test: Callable[[StatusInfo], bool], name: str):
        self._test = test
        self._name = name

    def values(self) -> list[str]:
        return [info.value for info in _STATUSES.values() if self._test(info)]

    def __iter__(self) -> Iterator[str]:
        return iter(self.values())

    def __contains__(self, value: object) -> bool:
        info = _STATUSES.get(str(value))
        return info is not None and self._test(info)

    def __len__(self) -> int:
        return len(self.values())

    def __repr__(self) -> str:
        return f"<{self._name}: {', '.join(self.values())}>"


OPEN_STATUSES = StatusGroup(lambda info: info.open, "open statuses")
ACTIVE_STATUSES = StatusGroup(lambda info: info.active, "active statuses")
FINAL_STATUSES = StatusGroup(lambda info: not info.active, "final statuses")
TAKEN_STATUSES = StatusGroup(lambda info: info.taken, "taken statuses")
# Incidents' own statuses that are never open, whatever other apps add: the partial indexes of
# the escalation sweep are defined by their absence (see ``Incident.Meta.indexes``), so that a
# status another app registers as open is covered without a migration of incidents.
SETTLED_OWN_STATUSES = (Status.HANDLED, Status.VERIFIED, Status.REJECTED, Status.CLOSED, Status.DUPLICATE)

register_status(Status.REPORTED, Status.REPORTED.label, open=True)
register_status(Status.REGISTERED, Status.REGISTERED.label, open=True)
register_status(Status.REJECTED, Status.REJECTED.label, active=False)
register_status(Status.ASSIGNED, Status.ASSIGNED.label, open=True, taken=True)
register_status(Status.IN_PROGRESS, Status.IN_PROGRESS.label, open=True, taken=True)
register_status(Status.HANDLED, Status.HANDLED.label)
register_status(Status.VERIFIED, Status.VERIFIED.label)
register_status(Status.REWORK, Status.REWORK.label, open=True, taken=True)
register_status(Status.CLOSED, Status.CLOSED.label, active=False)
register_status(Status.DUPLICATE, Status.DUPLICATE.label, active=False)


# --- notification kinds -----------------------------------------------------------------------

class NotificationKind(models.TextChoices):
    ESCALATED = "escalated", _("Escalated to your level")
    HELP_REQUESTED = "help_requested", _("Help requested from your level")
    SENT_DOWN = "sent_down", _("Sent down to your level")
    ASSIGNED = "assigned", _("Assigned to you")
    OVERDUE = "overdue", _("Overdue at the command centre")
    REWORK = "rework", _("Sent back for rework")
    HANDLED = "handled", _("Handled, please verify")
    CLOSED = "closed", _("Your report was closed")
    REJECTED = "rejected", _("Your report was rejected")


@dataclass(frozen=True)
class KindInfo:
    value: str
    label: Promise | str
    # Worth an email as well as the in-app inbox.
    email: bool = False


_KINDS: dict[str, KindInfo] = {}


def register_notification_kind(value: str, label, *, email: bool = False) -> KindInfo:
    info = KindInfo(value=str(value), label=label, email=email)
    _KINDS[info.value] = info
    return info


def notification_kind_choices() -> list[tuple[str, Promise | str]]:
    return [(info.value, info.label) for info in _KINDS.values()]


def is_email_kind(value: str) -> bool:
    info = _KINDS.get(str(value))
    return bool(info and info.email)


for _kind in NotificationKind:
    register_notification_kind(
        _kind.value, _kind.label, email=_kind in (NotificationKind.ESCALATED, NotificationKind.HELP_REQUESTED, NotificationKind.OVERDUE)
    )
