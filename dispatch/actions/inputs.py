"""Reading the fields of the centre's and the departments' acts from a form or a JSON body."""
from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime
from typing import Sequence

from django.utils.translation import gettext as _

from accounts.models import Department
from gridgov.dates import DateError, check_moment, parse_moment
from grids.models import Level
from incidents import clock
from incidents.actions.machine import check
from incidents.errors import InvalidInput, NotAllowed
from incidents.models import Incident
from incidents.timeline import joined, local_time

from ..models import ExtensionRequest, ExtensionStatus
from ..shares import district_clock


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


def chosen_departments(departments) -> list[Department]:
    """The departments an act sends the case to: at least one, each once, every one taking cases."""
    chosen: list[Department] = []
    for department in departments or []:
        if department not in chosen:
            chosen.append(department)
    if not chosen:
        raise InvalidInput(_("Choose at least one department."), field="departments")
    inactive = [d.name for d in chosen if not d.active]
    if inactive:
        raise InvalidInput(_("%(names)s no longer takes cases.") % {"names": joined(inactive)}, field="departments")
    return chosen


def dispatch_deadline(incident: Incident, deadline: datetime | None, now: datetime) -> tuple[datetime, datetime | None]:
    """(deadline, turns yellow at) of a dispatch: by default the district's time limit for the
    class; a chosen one turns yellow on the class's own clock. A deadline passed already is a 400."""
    if deadline is None:
        deadline, warn_at = clock.due_for(incident.category_id, Level.DISTRICT, incident.urgency, now)
    else:
        deadline, warn_at = clock.due_by(now, deadline, district_clock(incident))
    if deadline <= now:
        raise InvalidInput(_("The deadline %(deadline)s has already passed.") % {"deadline": local_time(deadline)}, field="deadline")
    return deadline, warn_at


@dataclass(frozen=True)
class DispatchChoice:
    """What a dispatch sends: the departments (checked) and the deadline with its yellow time."""

    departments: list[Department]
    deadline: datetime
    warn_at: datetime | None


def checked_dispatch(
    incident: Incident, act: str, *, actor, departments: Sequence[Department], deadline: datetime | None, note: str,
    expected_version: int | None, now: datetime,
) -> DispatchChoice:
    """The one rule of every dispatch by a person (派遣 ``dispatch``, 改派 ``correct_dispatch``),
    checked before anything is written:

    1. the act's row of the case machine's table (status, level, who, the note), by ``act``;
    2. the departments: at least one, each once, every one taking cases;
    3. the deadline: the district's limit for the class by default, never one already passed.
    """
    check(incident, act, actor, expected_version=expected_version, note=note)
    chosen = chosen_departments(departments)
    due, warn_at = dispatch_deadline(incident, deadline, now)
    return DispatchChoice(chosen, due, warn_at)


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
