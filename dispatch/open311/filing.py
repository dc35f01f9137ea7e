"""POST requests.json: a service request filed as a case (source open311), in GeoReport v2's terms.

Where: lat/long (WGS-84), or else ``address_string`` / ``address_id`` resolved by the local
geocoder (``geocode``). The description may be 4,000 characters (the spec's limit). The answer
carries ``service_request_id`` — the case exists at once — and no ``token``: the spec asks for one
or the other (a token is for servers that file later).
"""
from __future__ import annotations

from django.contrib.gis.geos import Point
from django.core.exceptions import ValidationError
from django.core.validators import EmailValidator, URLValidator
from django.utils.translation import gettext as _

from grids.models import Level
from grids.queries import lookup_point
from incidents.actions import IncidentError
from incidents.actions.reporting import DESCRIPTION_MAX_LENGTH
from incidents.models import Category, Urgency

from .. import actions
from ..models import Open311Client
from . import geocode
from .formats import Open311Error, render


def services():
    return (
        Category.objects.filter(active=True, parent__isnull=False)
        .select_related("parent")
        .order_by("parent__sort_order", "parent__code", "sort_order", "code")
    )


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
        raise Open311Error(400, _("%(name)s “%(value)s” is not a number.") % {"name": name, "value": str(raw)[:40]})
    if not low <= value <= high:
        raise Open311Error(400, _("%(name)s must lie between %(low)s and %(high)s.") % {"name": name, "low": low, "high": high})
    return value


def _where(data, client: Open311Client) -> tuple[Point, str]:
    """The position given, or the address resolved; and the address to keep."""
    address = (data.get("address_string") or "").strip()[:200]
    if data.get("lat") in (None, "") or data.get("long") in (None, ""):
        point, registered = geocode.resolve(
            client.district.code, address_string=address, address_id=(data.get("address_id") or "").strip()[:64]
        )
        return Point(point.x, point.y, srid=4326), address or registered
    lat = _float(data.get("lat"), "lat", -90, 90)
    lng = _float(data.get("long"), "long", -180, 180)
    return Point(lng, lat, srid=4326), address


def _checked(data, name: str, validator, message: str) -> str:
    value = (data.get(name) or "").strip()
    if value:
        try:
            validator(value)
        except ValidationError:
            raise Open311Error(400, message)
    return value


def create_request(request, fmt: str):
    data = request.POST
    if any("\x00" in value for values in data.lists() for value in values[1]):
        raise Open311Error(400, _("The request holds a NUL character, which no field may hold."))
    client = _client(request)
    code = (data.get("service_code") or "").strip()
    if not code:
        raise Open311Error(400, _("service_code is missing."))
    category = services().filter(code=code[:20]).first()
    if category is None:
        raise Open311Error(404, _("There is no service with service_code “%(code)s”.") % {"code": code[:40]})
    location, address = _where(data, client)
    district = lookup_point(location.x, location.y).get(Level.DISTRICT)
    if district is None or district["code"] != client.district.code:
        raise Open311Error(
            400,
            _("(%(lat)s, %(long)s) lies outside %(district)s, which this service covers.")
            % {"lat": location.y, "long": location.x, "district": client.district.name},
        )
    urgency = (data.get("attribute[urgency]") or "").strip() or None
    if urgency is not None and urgency not in Urgency.values:
        raise Open311Error(400, _("attribute[urgency] must be one of: %(values)s.") % {"values": ", ".join(Urgency.values)})
    description = (data.get("description") or "").strip()
    if len(description) > DESCRIPTION_MAX_LENGTH:
        raise Open311Error(400, _("description may be at most %(count)s characters.") % {"count": f"{DESCRIPTION_MAX_LENGTH:,}"})
    media_url = _checked(data, "media_url", URLValidator(schemes=["http", "https"]), _("media_url is not an http(s) URL."))
    email = _checked(data, "email", EmailValidator(), _("email is not an email address."))
    try:
        filed = actions.file_open311_request(
            client, category=category, location=location, description=description, address=address, urgency=urgency,
            media_url=media_url, email=email, first_name=(data.get("first_name") or "").strip(),
            last_name=(data.get("last_name") or "").strip(), phone=(data.get("phone") or "").strip(),
            device_id=(data.get("device_id") or "").strip(), account_id=(data.get("account_id") or "").strip(),
        )
    except IncidentError as exc:
        raise Open311Error(400, exc.message)
    body = [
        {
            "service_request_id": str(filed.incident_id),
            "case_number": filed.incident.number,
            "service_notice": _("Received; the district command centre follows it up."),
            "account_id": filed.account_id or None,
        }
    ]
    return render(fmt, body, root="service_requests", item="request", status=201)
