"""The vocabularies of needs: sources, statuses, fulfillers, volunteers' statuses."""
from __future__ import annotations

from django.db import models
from django.utils.translation import gettext_lazy as _


class NeedSource(models.TextChoices):
    GRID_WORKER = "grid", _("Grid worker")
    HOTLINE = "hotline", _("Hotline")
    HOUSEHOLD = "household", _("The household (public page)")
    TASK = "task", _("Emergency task outcome")


class NeedStatus(models.TextChoices):
    OPEN = "open", _("Open, waiting for someone to take it")
    CLAIMED = "claimed", _("Taken, on its way")
    DELIVERED = "delivered", _("Delivered, awaiting confirmation")
    CONFIRMED = "confirmed", _("Received by the household")
    CANCELLED = "cancelled", _("Cancelled")


# The clock runs (and the need climbs when it passes) until the need is delivered.
RUNNING_STATUSES = (NeedStatus.OPEN, NeedStatus.CLAIMED)
SETTLED_STATUSES = (NeedStatus.CONFIRMED, NeedStatus.CANCELLED)


class Fulfiller(models.TextChoices):
    VOLUNTEER = "volunteer", _("Volunteer")
    DEPARTMENT = "department", _("Department")
    SUPPLIER = "supplier", _("Supplier")


class VolunteerStatus(models.TextChoices):
    PENDING = "pending", _("Waiting for verification")
    VERIFIED = "verified", _("Verified")
    REJECTED = "rejected", _("Not accepted")
