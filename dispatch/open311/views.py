"""The GeoReport v2 endpoints. Plain Django views: the spec fixes the shapes (JSON and XML) and the
error list, and clients post form-encoded data with an ``api_key`` rather than a session, so
there is no CSRF token to check (the key is the credential).

Which requests are public: those filed through Open311. Reports of grid workers, hotline callers
and the API may name residents and stay inside the system (PIPL); a city app follows what its
users filed. Contact details sent with a request are never shown.
"""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Any

from django.contrib.gis.geos import Point
from django.core.exceptions import ValidationError
from django.core.validators import EmailValidator, URLValidator
from django.db.models import Q
from django.urls import reverse
from django.utils import timezone
from django.utils.dateparse import parse_date, parse_datetime
from django.utils.translation import gettext as _
from django.views.decorators.csrf import csrf_exempt
from django.views.decorators.http import require_http_methods

from gridgov.bilingual import in_language
from gridgov.dates import DateError, check_day
from grids.models import Area, Level
from grids.queries import lookup_point
from incidents.actions import IncidentError
from incidents.models import Category, Incident, Status, TimelineEntry, Urgency
from residents import privacy

from .. import actions
from ..models import ACTIVE_ASSIGNMENT, Assignment, Open311Client, Open311Request
from .formats import Open311Error, error_response, render
from .media import public_url as public_media_url
from .media import published_photos

SPECIFICATION = "http://wiki.open311.org/GeoReport_v2"
CHANGESET = "2025-01-01T00:00:00+08:00"  # when the service list's shape last changed
MAX_DAYS = 90
MAX_RESULTS = 1000
CLOSED = (Status.CLOSED, Status.REJECTED, Status.DUPLICATE)


def _guard(view):
    """Answer every refusal in the spec's error format and the right status."""

    def wrapped(request, fmt: str, *args, **kwargs):
        try:
            jurisdiction = request.GET.get("jurisdiction_id") or request.POST.get("jurisdiction_id")
            if not jurisdiction_ok(jurisdiction):
                raise Open311Error(404, _("There is no jurisdiction “%(id)s”; use a district code.") % {"id": jurisdiction})
            return view(request, fmt, *args, **kwargs)
        except Open311Error as error:
            return error_response(fmt, [error])

    wrapped.__name__ = view.__name__
    wrapped.__doc__ = view.__doc__
    return wrapped


def _services():
    return (
        Category.objects.filter(active=True, parent__isnull=False)
        .select_related("parent")
        .order_by("parent__sort_order", "parent__code", "sort_order", "code")
    )


def _service(category: Category) -> dict[str, Any]:
    return {
        "service_code": category.code,
        "service_name": category.label,
        "description": f"{category.parent.label} · {category.label}",
        "metadata": True,
        "type": "realtime",
        "keywords": ", ".join([category.parent.label, category.get_kind_display()]),
        "group": category.parent.label,
    }


def _attributes(category: Category) -> list[dict[str, Any]]:
    return [
        {
            "variable": True,
            "code": "urgency",
            "datatype": "singlevaluelist",
            "required": False,
            "datatype_description": _("normal or urgent"),
            "order": 1,
            "description": _("How urgent is it? (default: %(default)s)") % {"default": Urgency(category.default_urgency).label},
            "values": [{"key": value, "name": str(label)} for value, label in Urgency.choices],
        }
    ]


# --- discovery and services ---------------------------------------------------------------------------


@require_http_methods(["GET"])
@_guard
def discovery(request, fmt: str):
    base = request.build_absolute_uri(reverse("open311-discovery", kwargs={"fmt": fmt})).rsplit("/", 1)[0]
    body = {
        "changeset": CHANGESET,
        "contact": _("The district command centre (指挥中心)"),
        "key_service": _("Ask the system administrators for an api_key."),
        "endpoints": [
            {
                "specification": SPECIFICATION,
                "url": base,
                "changeset": CHANGESET,
                "type": "production",
                "formats": ["application/json", "text/xml"],
            }
        ],
    }
    return render(fmt, body, root="discovery")


@require_http_methods(["GET"])
@_guard
def services(request, fmt: str):
    return render(fmt, [_service(category) for category in _services()], root="services", item="service")


@require_http_methods(["GET"])
@_guard
def service_definition(request, fmt: str, service_code: str):
    category = _services().filter(code=service_code).first()
    if category is None:
        raise Open311Error(404, _("There is no service with service_code “%(code)s”.") % {"code": service_code})
    return render(fmt, {"service_code": category.code, "attributes": _attributes(category)}, root="service_definition")


# --- requests ------------------------------------------------------------------------------------------


def _status_notes(incident: Incident) -> str:
    if incident.status in CLOSED:
        entry = (
            TimelineEntry.objects.filter(incident=incident, to_status=incident.status)
            .exclude(note="")
            .order_by("-version")
            .first()
        )
        if entry is not None:
            return entry.note[:500]
    return incident.get_status_display()


def _agency(incident: Incident, departments: dict[int, list[str]]) -> str:
    names = departments.get(incident.pk)
    if names:
        return "、".join(names)
    return incident.area.name


def _iso(moment: datetime | None) -> str | None:
    return timezone.localtime(moment).isoformat() if moment else None


def _request_data(item: Open311Request, departments: dict[int, list[str]], photos: dict[int, Any], request) -> dict[str, Any]:
    incident = item.incident
    # The client's own picture, or the public copy of the reporter's photo filed with the request
    # (media.py) — never an internal photo.
    media = item.media_url
    if not media and incident.pk in photos:
        media = public_media_url(request, photos[incident.pk])
    return {
        "service_request_id": str(incident.pk),
        "status": "closed" if incident.status in CLOSED else "open",
        "status_notes": _status_notes(incident),
        "service_name": incident.category.label,
        "service_code": incident.category.code,
        # Published to anybody: a caller's phone or ID number typed into the text is masked.
        "description": privacy.mask(privacy.PUBLIC_TEXT, incident.description),
        "agency_responsible": _agency(incident, departments),
        "service_notice": "",
        "requested_datetime": _iso(incident.created_at),
        "updated_datetime": _iso(incident.updated_at),
        "expected_datetime": _iso(incident.deadline),
        "address": privacy.mask(privacy.PUBLIC_TEXT, incident.address),
        "address_id": "",
        "zipcode": "",
        "lat": round(incident.location.y, 6),
        "long": round(incident.location.x, 6),
        "media_url": media,
    }


def _render_requests(request, fmt: str, items: list[Open311Request]):
    ids = [item.incident_id for item in items]
    departments: dict[int, list[str]] = {}
    for incident_id, name, name_en in (
        Assignment.objects.filter(incident_id__in=ids, status__in=ACTIVE_ASSIGNMENT)
        .order_by("department__code")
        .values_list("incident_id", "department__name", "department__name_en")
    ):
        departments.setdefault(incident_id, []).append(in_language(name, name_en))
    photos = published_photos(ids)
    body = [_request_data(item, departments, photos, request) for item in items]
    return render(fmt, body, root="service_requests", item="request")


def _published():
    return Open311Request.objects.select_related("incident__category", "incident__area").order_by("-incident__created_at", "-id")


def _when(raw: str, name: str, *, end: bool = False) -> datetime:
    """A W3C date-time or date within the product's years (gridgov.dates), else the spec's 400."""
    invalid = Open311Error(
        400,
        _("%(name)s “%(value)s” is not a W3C date and time (e.g. 2025-03-01T10:00:00+08:00).") % {"name": name, "value": raw},
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


def _list_requests(request, fmt: str):
    params = request.GET
    queryset = _published()
    ids = [value.strip() for value in (params.get("service_request_id") or "").split(",") if value.strip()]
    if ids:
        # The spec: with service_request_id, the other parameters are ignored.
        if not all(value.isdigit() for value in ids):
            raise Open311Error(400, _("service_request_id must be numbers separated by commas."))
        return _render_requests(request, fmt, list(queryset.filter(incident_id__in=[int(v) for v in ids])[:MAX_RESULTS]))
    codes = [value.strip() for value in (params.get("service_code") or "").split(",") if value.strip()]
    if codes:
        known = set(Category.objects.filter(code__in=codes).values_list("code", flat=True))
        unknown = [code for code in codes if code not in known]
        if unknown:
            raise Open311Error(404, _("There is no service with service_code “%(code)s”.") % {"code": ", ".join(unknown)})
        queryset = queryset.filter(incident__category__code__in=codes)
    now = timezone.now()
    start = _when(params["start_date"], "start_date") if params.get("start_date") else None
    end = _when(params["end_date"], "end_date", end=True) if params.get("end_date") else None
    if start and end and start >= end:
        raise Open311Error(400, _("start_date must come before end_date."))
    if start and end and end - start > timedelta(days=MAX_DAYS):
        raise Open311Error(400, _("The range between start_date and end_date may be at most %(days)d days.") % {"days": MAX_DAYS})
    if start is None and end is None:
        end = now
    if start is None:
        start = end - timedelta(days=MAX_DAYS)
    if end is None:
        end = start + timedelta(days=MAX_DAYS)
    queryset = queryset.filter(incident__created_at__gte=start, incident__created_at__lte=end)
    statuses = [value.strip() for value in (params.get("status") or "").split(",") if value.strip()]
    if statuses:
        if set(statuses) - {"open", "closed"}:
            raise Open311Error(400, _("status may be open, closed or both (comma-separated)."))
        if statuses == ["open"]:
            queryset = queryset.exclude(incident__status__in=CLOSED)
        elif statuses == ["closed"]:
            queryset = queryset.filter(incident__status__in=CLOSED)
    return _render_requests(request, fmt, list(queryset[:MAX_RESULTS]))


def _client(request) -> Open311Client:
    key = (request.POST.get("api_key") or "").strip()
    if not key:
        raise Open311Error(403, _("api_key is missing."))
    client = actions.open311_client_for(key)
    if client is None:
        raise Open311Error(403, _("api_key is not valid."))
    return client


def _float(raw: str | None, name: str, low: float, high: float) -> float:
    try:
        value = float(raw)  # type: ignore[arg-type]
    except (TypeError, ValueError):
        raise Open311Error(400, _("%(name)s “%(value)s” is not a number.") % {"name": name, "value": raw})
    if not low <= value <= high:
        raise Open311Error(400, _("%(name)s must lie between %(low)s and %(high)s.") % {"name": name, "low": low, "high": high})
    return value


def _create_request(request, fmt: str):
    """File a service request: api_key, service_code and lat/long are required (addresses alone
    cannot be placed on the map: no geocoder runs here)."""
    data = request.POST
    client = _client(request)
    code = (data.get("service_code") or "").strip()
    if not code:
        raise Open311Error(400, _("service_code is missing."))
    category = _services().filter(code=code).first()
    if category is None:
        raise Open311Error(404, _("There is no service with service_code “%(code)s”.") % {"code": code})
    if data.get("lat") in (None, "") or data.get("long") in (None, ""):
        raise Open311Error(400, _("lat and long are required: give the position of the problem (WGS-84)."))
    lat = _float(data.get("lat"), "lat", -90, 90)
    lng = _float(data.get("long"), "long", -180, 180)
    found = lookup_point(lng, lat)
    district = found.get(Level.DISTRICT)
    if district is None or district["code"] != client.district.code:
        raise Open311Error(
            400,
            _("(%(lat)s, %(long)s) lies outside %(district)s, which this service covers.")
            % {"lat": lat, "long": lng, "district": client.district.name},
        )
    urgency = (data.get("attribute[urgency]") or "").strip() or None
    if urgency is not None and urgency not in Urgency.values:
        raise Open311Error(400, _("attribute[urgency] must be one of: %(values)s.") % {"values": ", ".join(Urgency.values)})
    description = (data.get("description") or "").strip()
    if len(description) > 2000:
        raise Open311Error(400, _("description may be at most 2,000 characters."))
    media_url = (data.get("media_url") or "").strip()
    if media_url:
        try:
            URLValidator(schemes=["http", "https"])(media_url)
        except ValidationError:
            raise Open311Error(400, _("media_url is not an http(s) URL."))
    email = (data.get("email") or "").strip()
    if email:
        try:
            EmailValidator()(email)
        except ValidationError:
            raise Open311Error(400, _("email is not an email address."))
    try:
        filed = actions.file_open311_request(
            client,
            category=category,
            location=Point(lng, lat, srid=4326),
            description=description,
            address=(data.get("address_string") or "").strip(),
            urgency=urgency,
            media_url=media_url,
            email=email,
            first_name=(data.get("first_name") or "").strip(),
            last_name=(data.get("last_name") or "").strip(),
            phone=(data.get("phone") or "").strip(),
            device_id=(data.get("device_id") or "").strip(),
            account_id=(data.get("account_id") or "").strip(),
        )
    except IncidentError as exc:
        raise Open311Error(400, exc.message)
    body = [
        {
            "service_request_id": str(filed.incident_id),
            "token": str(filed.token),
            "service_notice": _("Received; the district command centre follows it up."),
            "account_id": filed.account_id or None,
        }
    ]
    return render(fmt, body, root="service_requests", item="request", status=201)


@csrf_exempt
@require_http_methods(["GET", "POST"])
@_guard
def requests_view(request, fmt: str):
    if request.method == "POST":
        return _create_request(request, fmt)
    return _list_requests(request, fmt)


@require_http_methods(["GET"])
@_guard
def request_detail(request, fmt: str, service_request_id: str):
    item = _published().filter(incident_id=int(service_request_id)).first() if service_request_id.isdigit() else None
    if item is None:
        raise Open311Error(404, _("There is no service request %(id)s.") % {"id": service_request_id})
    return _render_requests(request, fmt, [item])


@require_http_methods(["GET"])
@_guard
def token_detail(request, fmt: str, token: str):
    item = Open311Request.objects.filter(Q(token=token) if _is_uuid(token) else Q(pk__in=[])).first()
    if item is None:
        raise Open311Error(404, _("There is no token %(token)s.") % {"token": token})
    body = [{"service_request_id": str(item.incident_id), "token": str(item.token)}]
    return render(fmt, body, root="service_requests", item="request")


def _is_uuid(value: str) -> bool:
    import uuid

    try:
        uuid.UUID(value)
    except ValueError:
        return False
    return True


def jurisdiction_ok(code: str | None) -> bool:
    return not code or Area.objects.current().filter(code=code, level=Level.DISTRICT).exists()
