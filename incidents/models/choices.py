"""The vocabularies of cases: kind, urgency, source, the time limits' clocks; the statuses and the
level chain are defined in ``incidents.kinds`` and ``incidents.levels`` and importable from here."""
from __future__ import annotations

from django.contrib.gis.db import models
from django.utils.translation import gettext_lazy as _


class Kind(models.TextChoices):
    COMPONENT = "component", _("Component (部件)")
    EVENT = "event", _("Event (事件)")


class Urgency(models.TextChoices):
    NORMAL = "normal", _("Normal")
    URGENT = "urgent", _("Urgent")


class Source(models.TextChoices):
    PATROL = "patrol", _("Patrol")
    SELF_REPORT = "self_report", _("Grid worker report")
    HOTLINE = "hotline", _("Hotline 12345")
    API = "api", _("API")
    OPEN311 = "open311", _("Open311")
    RESIDENT = "resident", _("Resident (随手拍)")


# The statuses, their groups and the level chain are defined in ``kinds`` and ``levels`` (other apps
# extend the statuses); they are importable from here as well, where most callers look for them.
from ..kinds import (  # noqa: E402,F401
    ACTIVE_STATUSES,
    FINAL_STATUSES,
    OPEN_STATUSES,
    SETTLED_OWN_STATUSES,
    NotificationKind,
    Status,
    is_email_kind,
    notification_kind_choices,
    status_choices,
)
from ..levels import LEVEL_CHAIN, NEXT_LEVEL, PREVIOUS_LEVEL  # noqa: E402,F401


class Clock(models.TextChoices):
    URGENT_HOURS = "urgent_hours", _("Urgent hours (continuous)")
    WORKING_HOURS = "working_hours", _("Working hours (office time)")
    WORKING_DAYS = "working_days", _("Working days")
