"""GET requests.json: every public case, from every channel (grid workers, the hotline, residents,
Open311), as GeoReport v2 service requests.

What a request shows is decided once, in ``dispatch.public.present``: the class, the public status,
the position rounded to 50 m, the departments, the public notes (``status_notes``: the latest;
``service_notice``: the first) and the public photo. The description and the address are the
reporter's own words only where the reporter wrote them for the public — a resident's report or an
Open311 filing; a grid worker's or a hotline operator's text is internal and stays out (PIPL).

Dates (docs/domain/public.md): with neither date, the last 90 days; with both, at most 90 days
apart; ``end_date`` alone, the 90 days before it; ``start_date`` alone, everything from it up to
now — the reading that returns the most recent requests — newest first, at most 1,000.
"""
from __future__ import annotations

from datetime import datetime, timedelta
from typing import Any

from django.utils import timezone
from django.utils.dateparse import parse_date, parse_datetime
from django.utils.translation import gettext as _

from gridgov.dates import DateError, check_day
from incidents.errors import IncidentError
from incidents.models import Category, Incident, Source, Status
from incidents.numbering import parse_number
from residents import privacy

from ..public.present import PHOTO_PENDING, PublicView, photo_url, present_many, public_cases
from .formats import Open311Error, render

MAX_DAYS = 90
MAX_RESULTS = 1000
CLOSED = (Status.CLOSED, Status.REJECTED, Status.DUPLICATE)
OWN_WORDS = (Source.RESIDENT, Source.OPEN311)


def _iso(moment: datetime | None) -> str | None:
    return timezone.localtime(moment).isoformat() if moment else None


def _request_data(view: PublicView, request) -> dict[str, Any]:
    incident = view.incident
    filed = getattr(incident, "open311", None) if incident.source == Source.OPEN311 else None
    media = photo_url(request, view.photo_id) or (filed.media_url if filed is not None else "")
    own_words = incident.source in OWN_WORDS
    return {
        "service_request_id": str(incident.pk),
        # Our extension: the number a caller quotes on the phone (YYYYMMDD-NNNN).
        "case_number": incident.number,
        "status": "closed" if incident.status in CLOSED else "open",
        "status_notes": view.latest_note or view.status,
        "service_name": incident.category.label,
        "service_code": incident.category.code,
        # Published to anybody: a caller's phone or ID number typed into the text is masked.
        "description": privacy.mask(privacy.PUBLIC_TEXT, incident.description) if own_words else "",
        "agency_responsible": "、".join(view.departments) if view.departments else incident.area.name,
        "service_notice": view.notes[0].note if view.notes else "",
        "requested_datetime": _iso(incident.created_at),
        "updated_datetime": _iso(incident.updated_at),
        "expected_datetime": _iso(incident.deadline) if incident.status not in CLOSED else None,
        "address": (privacy.mask(privacy.PUBLIC_TEXT, incident.address) if incident.source == Source.OPEN311 and incident.address
                    else view.place),
        "address_id": "",
        "zipcode": "",
        "lat": view.lat,
        "long": view.lng,
        "media_url": media,
        # Our extension: a photo filed with the request is still being processed ("" otherwise).
        "photo_notice": str(PHOTO_PENDING) if view.photo_pending else "",
    }


def render_requests(request, fmt: str, incidents: list[Incident]):
    views = present_many(incidents)
    body = [_request_data(views[incident.pk], request) for incident in incidents]
    return render(fmt, body, root="service_requests", item="request")


def listed():
    return (
        public_cases()
        .select_related("category", "area", "filed_area__parent", "open311")
        .order_by("-created_at", "-id")
    )


def when(raw: str, name: str, *, end: bool = False) -> datetime:
    """A W3C date-time or date within the product's years (gridgov.dates), else the spec's 400."""
    invalid = Open311Error(
        400,
        _("%(name)s “%(value)s” is not a W3C date and time (e.g. 2025-03-01T10:00:00+08:00).") % {"name": name, "value": raw[:40]},
    )
    try:
        # Well formed but impossible (9999-99-99T99:99) raises ValueError rather than answering None.
        moment = parse_datetime(raw.replace(" ", "+")) if "T" in raw else None
        day = moment.date() if moment is not None else parse_date(raw)
    except ValueError:
        raise invalid
    if day is None:
        raise invalid
    try:
        check_day(day, name)
    except DateError as exc:
        raise Open311Error(400, exc.message)
    if moment is None:
        moment = datetime.combine(day + timedelta(days=1) if end else day, datetime.min.time())
    if timezone.is_naive(moment):
        moment = timezone.make_aware(moment, timezone.get_current_timezone())
    return moment


def _window(params) -> tuple[datetime | None, datetime | None]:
    start = when(params["start_date"], "start_date") if params.get("start_date") else None
    end = when(params["end_date"], "end_date", end=True) if params.get("end_date") else None
    if start and end and start >= end:
        raise Open311Error(400, _("start_date must come before end_date."))
    if start and end and end - start > timedelta(days=MAX_DAYS):
        raise Open311Error(400, _("The range between start_date and end_date may be at most %(days)d days.") % {"days": MAX_DAYS})
    if start is None and end is None:
        end = timezone.now()
    if start is None:
        start = end - timedelta(days=MAX_DAYS)
    return start, end


def list_requests(request, fmt: str):
    params = request.GET
    queryset = listed()
    ids = [value.strip() for value in (params.get("service_request_id") or "").split(",") if value.strip()]
    if ids:
        # The spec: with service_request_id, the other parameters are ignored.
        if not all(value.isdigit() and len(value) < 13 for value in ids):
            raise Open311Error(400, _("service_request_id must be numbers separated by commas."))
        return render_requests(request, fmt, list(queryset.filter(pk__in=[int(v) for v in ids])[:MAX_RESULTS]))
    if (raw := params.get("case_number")) is not None:
        # Our extension, an identifier like service_request_id: the other parameters are ignored.
        try:
            number = parse_number(raw, field="case_number")
        except IncidentError as exc:
            raise Open311Error(400, exc.message)
        return render_requests(request, fmt, list(queryset.filter(number=number)[:MAX_RESULTS]))
    codes = [value.strip() for value in (params.get("service_code") or "").split(",") if value.strip()]
    if codes:
        known = set(Category.objects.filter(code__in=codes).values_list("code", flat=True))
        unknown = [code for code in codes if code not in known]
        if unknown:
            raise Open311Error(404, _("There is no service with service_code “%(code)s”.") % {"code": ", ".join(unknown)[:200]})
        queryset = queryset.filter(category__code__in=codes)
    start, end = _window(params)
    queryset = queryset.filter(created_at__gte=start)
    if end is not None:
        queryset = queryset.filter(created_at__lte=end)
    statuses = [value.strip() for value in (params.get("status") or "").split(",") if value.strip()]
    if statuses:
        if set(statuses) - {"open", "closed"}:
            raise Open311Error(400, _("status may be open, closed or both (comma-separated)."))
        if statuses == ["open"]:
            queryset = queryset.exclude(status__in=CLOSED)
        elif statuses == ["closed"]:
            queryset = queryset.filter(status__in=CLOSED)
    return render_requests(request, fmt, list(queryset[:MAX_RESULTS]))
