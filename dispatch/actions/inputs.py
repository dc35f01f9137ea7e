"""Reading the fields of the centre's and the departments' acts from a form or a JSON body."""
from __future__ import annotations

from datetime import date, datetime

from django.utils.translation import gettext as _

from accounts.models import Department
from gridgov.dates import DateError, check_moment, parse_moment
from incidents import clock
from incidents.errors import InvalidInput, NotAllowed
from incidents.models import Incident

from ..models import ExtensionRequest, ExtensionStatus


def parse_deadline(value, *, field: str = "deadline") -> datetime | None:
    """A deadline from a form or JSON: ISO date-time (a naive one is in Asia/Shanghai) or a date
    (meaning the end of that day's office hours), within the product's years (gridgov.dates)."""
    if value in (None, ""):
        return None
    try:
        if isinstance(value, datetime):
            return check_moment(value, field)
        if isinstance(value, date):
            return check_moment(datetime.combine(value, clock.office_hours()[-1][1]), field)
        return parse_moment(str(value), field, day_ends_at=clock.office_hours()[-1][1])
    except DateError as exc:
        raise InvalidInput(exc.message, field=field)


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
