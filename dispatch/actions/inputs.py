"""Reading the fields of the centre's and the departments' acts from a form or a JSON body."""
from __future__ import annotations

from datetime import date, datetime

from django.utils import timezone
from django.utils.dateparse import parse_date, parse_datetime
from django.utils.translation import gettext as _

from accounts.models import Department
from incidents import clock
from incidents.errors import InvalidInput, NotAllowed
from incidents.models import Incident

from ..models import ExtensionRequest, ExtensionStatus


def parse_deadline(value, *, field: str = "deadline") -> datetime | None:
    """A deadline from a form or JSON: ISO date-time (a naive one is in Asia/Shanghai) or a date
    (meaning the end of that day's office hours)."""
    if value in (None, ""):
        return None
    if isinstance(value, datetime):
        moment = value
    elif isinstance(value, date):
        moment = datetime.combine(value, clock.office_hours()[-1][1])
    else:
        text = str(value).strip()
        moment = parse_datetime(text.replace(" ", "T")) if "T" in text or " " in text else None
        if moment is None:
            day = parse_date(text)
            if day is None:
                raise InvalidInput(
                    _("“%(value)s” is not a date and time; write it as 2025-03-01T17:30.") % {"value": text}, field=field
                )
            moment = datetime.combine(day, clock.office_hours()[-1][1])
    if timezone.is_naive(moment):
        moment = timezone.make_aware(moment, timezone.get_current_timezone())
    return moment


def departments_from(raw) -> list[Department]:
    if raw in (None, ""):
        return []
    values = raw if isinstance(raw, (list, tuple)) else str(raw).split(",")
    ids: list[int] = []
    for value in values:
        text = str(value).strip()
        if not text:
            continue
        if not text.isdigit():
            found = Department.objects.filter(code=text).values_list("pk", flat=True).first()
            if found is None:
                raise InvalidInput(_("No department “%(value)s”.") % {"value": text}, field="departments")
            ids.append(found)
        else:
            ids.append(int(text))
    by_id = Department.objects.in_bulk(ids)
    missing = [str(pk) for pk in ids if pk not in by_id]
    if missing:
        raise InvalidInput(_("No department “%(value)s”.") % {"value": ", ".join(missing)}, field="departments")
    return [by_id[pk] for pk in ids]


def pending_extension(incident: Incident, data: dict) -> ExtensionRequest:
    pending = ExtensionRequest.objects.filter(assignment__incident_id=incident.pk, status=ExtensionStatus.PENDING).select_related(
        "assignment__department"
    )
    raw = data.get("extension")
    if raw not in (None, ""):
        if not str(raw).isdigit():
            raise InvalidInput(_("extension must be the number of the request."), field="extension")
        pending = pending.filter(pk=int(raw))
    found = list(pending[:2])
    if not found:
        raise NotAllowed(_("No request for more time waits on case #%(id)s.") % {"id": incident.pk})
    if len(found) > 1:
        raise InvalidInput(_("Several departments asked for more time; say which request you decide."), field="extension")
    return found[0]
