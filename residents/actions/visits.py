"""A grid worker's visit to a household."""
from __future__ import annotations

import datetime as dt
import uuid

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from ..models import Household, Visit
from ..policy import can_record_visit
from .history import _history


def record_visit(*, actor, household: Household, visited_on: dt.date | None = None, notes: str = "",
                 follow_up_needed: bool = False, client_id: uuid.UUID | str | None = None) -> Visit:
    """Record a visit. A visit re-sent with the same ``client_id`` by the same worker (the phone's
    outbox retrying after a weak network) answers the visit recorded the first time, marked
    ``repeated`` (the API answers it with 200 instead of 201)."""
    if not can_record_visit(actor):
        raise PermissionDenied(_("Your role does not record household visits."))
    if client_id:
        try:
            client_id = uuid.UUID(str(client_id))
        except ValueError:
            raise ValidationError({"client_id": [_("client_id must be a UUID.")]})
        existing = Visit.objects.filter(worker=actor, client_id=client_id).first()
        if existing is not None:
            existing.repeated = True
            return existing
    try:
        return _record_visit(actor=actor, household=household, visited_on=visited_on, notes=notes,
                             follow_up_needed=follow_up_needed, client_id=client_id or None)
    except IntegrityError:
        existing = Visit.objects.filter(worker=actor, client_id=client_id).first() if client_id else None
        if existing is None:
            raise
        existing.repeated = True
        return existing


@transaction.atomic
def _record_visit(*, actor, household, visited_on, notes, follow_up_needed, client_id) -> Visit:
    visited_on = visited_on or timezone.localdate()
    if visited_on > timezone.localdate():
        raise ValidationError({"visited_on": [_("The visit date lies in the future.")]})
    if visited_on < timezone.localdate() - dt.timedelta(days=366):
        raise ValidationError({"visited_on": [_("The visit date is more than a year ago.")]})
    visit = Visit.objects.create(household=household, worker=actor, visited_on=visited_on, notes=(notes or "").strip(),
                                 follow_up_needed=follow_up_needed, client_id=client_id)
    _history(actor=actor, model="visit", object_id=visit.pk, action="visit", household=household, cell_id=household.cell_id,
             changes={"visited_on": [None, visited_on.isoformat()], "follow_up_needed": [None, follow_up_needed]})
    return visit
