"""The statuses and notification kinds the command centre adds to the case.

Incidents defines its own; these are registered into its vocabularies by
``register_vocabulary()``, which ``DispatchConfig.ready()`` calls.
"""
from __future__ import annotations

from django.db import models
from django.utils.translation import gettext_lazy as _

from incidents.kinds import register_notification_kind, register_status


class CaseStatus(models.TextChoices):
    # Sent to one or more departments; they work on it (open: the deadline runs).
    DISPATCHED = "dispatched", _("Dispatched to a department")
    # Put on hold (缓办): out of the clock until resumed.
    DEFERRED = "deferred", _("Deferred")
    # A resident's report from a reporter once marked as spam: waits for the intake's moderation,
    # off the clock and off every public list, until approved (then reported) or marked as spam.
    HELD = "held", _("Waiting for moderation")


class DispatchKind(models.TextChoices):
    DISPATCHED = "dispatched", _("Dispatched to your department")
    SUPERVISED = "supervised", _("Pressed by the command centre (督办)")
    RETURNED = "returned", _("Returned by a department")
    EXTENSION_REQUESTED = "extension_requested", _("A department asks for more time")
    EXTENSION_DECIDED = "extension_decided", _("Your request for more time was decided")
    WITHDRAWN = "withdrawn", _("Withdrawn from your department")


def register_vocabulary() -> None:
    # A dispatched case is the departments' work: a change of level hands it back as registered.
    register_status(CaseStatus.DISPATCHED, CaseStatus.DISPATCHED.label, open=True, taken=True)
    register_status(CaseStatus.DEFERRED, CaseStatus.DEFERRED.label)
    register_status(CaseStatus.HELD, CaseStatus.HELD.label)
    for kind in DispatchKind:
        register_notification_kind(kind.value, kind.label, email=kind == DispatchKind.SUPERVISED)
