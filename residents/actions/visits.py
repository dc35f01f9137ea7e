"""A grid worker's visit to a household."""
from __future__ import annotations

import datetime as dt

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from ..models import Household, Visit
from ..policy import can_record_visit
from .history import _history


@transaction.atomic
def record_visit(*, actor, household: Household, visited_on: dt.date | None = None, notes: str = "",
                 follow_up_needed: bool = False) -> Visit:
    if not can_record_visit(actor):
        raise PermissionDenied(_("Your role does not record household visits."))
    visited_on = visited_on or timezone.localdate()
    if visited_on > timezone.localdate():
        raise ValidationError({"visited_on": [_("The visit date lies in the future.")]})
    if visited_on < timezone.localdate() - dt.timedelta(days=366):
        raise ValidationError({"visited_on": [_("The visit date is more than a year ago.")]})
    visit = Visit.objects.create(household=household, worker=actor, visited_on=visited_on, notes=(notes or "").strip(),
                                 follow_up_needed=follow_up_needed)
    _history(actor=actor, model="visit", object_id=visit.pk, action="visit", household=household, cell_id=household.cell_id,
             changes={"visited_on": [None, visited_on.isoformat()], "follow_up_needed": [None, follow_up_needed]})
    return visit
