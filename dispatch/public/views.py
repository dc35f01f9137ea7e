"""The public pages, without an account: a resident reports (随手拍), follows the case by the link
it answers, and gives the verdict when it is closed. Phone first; every act through the machine.

Abuse (docs/domain/public.md): reports per address and per phone number are limited in Redis
(``limits``), a small question must be answered (``challenge``), the body and the photos are
limited in size, and a reporter once marked as spam waits for moderation (``actions.public``).
"""
from __future__ import annotations

import json
import re

from django.conf import settings
from django.contrib import messages
from django.contrib.gis.geos import Point
from django.http import Http404, HttpResponseRedirect
from django.shortcuts import render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods

from gridgov.client_ip import client_address
from grids.models import Area, Level
from incidents import clock, photo_evidence
from incidents.actions import machine
from incidents.errors import IncidentError, InvalidInput
from incidents.models import Category

from .. import actions
from ..models import PublicCase
from ..rules import PublicReporter
from . import challenge, limits
from .present import photo_url, present

TOKEN = re.compile(r"^[A-Za-z0-9_-]{20,64}$")
TEXT_FIELDS = ("category", "lat", "lng", "description", "phone", "answer", "challenge")


def _categories():
    groups: dict[str, list[Category]] = {}
    for category in Category.objects.filter(active=True, parent__isnull=False).select_related("parent").order_by(
        "parent__sort_order", "parent__code", "sort_order", "code"
    ):
        groups.setdefault(category.parent.label, []).append(category)
    return groups


def _districts() -> dict:
    """The outlines of the districts served (public geography), so the map shows where to tap
    even without a base map."""
    features = [
        {"type": "Feature", "properties": {"name": area.name},
         "geometry": json.loads(area.boundary.simplify(0.0002, preserve_topology=True).geojson)}
        for area in Area.objects.current().filter(level=Level.DISTRICT).only("name", "boundary")[:50]
    ]
    return {"type": "FeatureCollection", "features": features}


def _form(request, *, error: IncidentError | None = None, status: int = 200, values=None):
    question, token = challenge.new_challenge()
    return render(request, "dispatch/public/report.html", {
        "groups": _categories(), "question": question, "challenge": token, "error": error,
        "values": values or {}, "max_photos": settings.GRIDGOV_PUBLIC_MAX_PHOTOS,
        "max_photo_mb": settings.GRIDGOV_PHOTO_MAX_BYTES // (1024 * 1024),
        "tile_url": settings.GRIDGOV_TILE_URL, "tile_attribution": settings.GRIDGOV_TILE_ATTRIBUTION,
        "districts": _districts(),
    }, status=status)


def _number(raw: str, name: str, low: float, high: float) -> float:
    try:
        value = float(raw)
    except (TypeError, ValueError):
        raise InvalidInput(_("Put a pin on the map or use your position."), field="location")
    if not (low <= value <= high) or value != value:
        raise InvalidInput(_("Put a pin on the map or use your position."), field="location")
    return value


def _read_report(request) -> dict:
    data = request.POST
    for name in TEXT_FIELDS:
        if "\x00" in (data.get(name) or ""):
            raise InvalidInput(_("The form holds a character that cannot be stored."), field=name)
    category = clock.categories().get((data.get("category") or "").strip())
    if category is None:
        raise InvalidInput(_("Choose what the problem is."), field="category")
    if not data.get("lat") or not data.get("lng"):
        raise InvalidInput(_("Put a pin on the map or use your position."), field="location")
    lat = _number(data.get("lat"), "lat", -90, 90)
    lng = _number(data.get("lng"), "lng", -180, 180)
    photos = photo_evidence.uploads(request, "photos")
    if len(photos) > settings.GRIDGOV_PUBLIC_MAX_PHOTOS:
        raise InvalidInput(_("At most %(count)s photos.") % {"count": settings.GRIDGOV_PUBLIC_MAX_PHOTOS}, field="photos")
    return {
        "category": category, "location": Point(lng, lat, srid=4326), "description": (data.get("description") or "")[:10000],
        "photos": photos, "phone": (data.get("phone") or "")[:40],
    }


@require_http_methods(["GET", "POST"])
def report(request):
    """GET the form; POST files the report and leads to the case's status page."""
    if request.method == "GET":
        return _form(request)
    ip = client_address(request)
    values = {key: request.POST.get(key, "") for key in ("category", "lat", "lng", "description", "phone")}
    if not limits.report_from_address(ip):
        return _form(request, error=InvalidInput(_("Too many reports from this connection; try again in an hour.")),
                     status=429, values=values)
    try:
        challenge.verify(request.POST.get("challenge", ""), request.POST.get("answer", ""))
    except challenge.ChallengeFailed as exc:
        return _form(request, error=InvalidInput(str(exc), field="answer"), status=400, values=values)
    try:
        fields = _read_report(request)
        phone = actions.public.normalise_phone(fields["phone"])
        if phone and not limits.report_from_phone(phone):
            return _form(request, error=InvalidInput(_("Too many reports from this phone number today."), field="phone"),
                         status=429, values=values)
        incident, token = actions.file_resident_report(
            category=fields["category"], location=fields["location"], description=fields["description"],
            photos=fields["photos"], phone=phone, ip=ip,
        )
    except IncidentError as exc:
        return _form(request, error=exc, status=exc.http_status, values=values)
    return HttpResponseRedirect(reverse("public:case", kwargs={"token": token}) + "?new=1")


def _side_for(request, token: str) -> PublicCase:
    ip = client_address(request)
    if not limits.token_misses_left(ip):
        raise Http404("No such case.")
    side = None
    if TOKEN.match(token or ""):
        side = PublicCase.objects.filter(token_hash=actions.public.token_hash(token)).select_related(
            "incident__category__parent", "incident__filed_area__parent"
        ).first()
    if side is None:
        limits.count_token_miss(ip)
        raise Http404("No such case.")
    return side


@require_http_methods(["GET"])
def case(request, token: str):
    """The public progress of the reporter's case; the verdict form once it is closed."""
    side = _side_for(request, token)
    incident = side.incident
    view = present(incident)
    return render(request, "dispatch/public/case.html", {
        "view": view, "token": token, "new": request.GET.get("new") == "1",
        "link": request.build_absolute_uri(reverse("public:case", kwargs={"token": token})),
        "verdict_open": actions.verdict_pending(incident), "verdict_choices": actions.public.VerdictValue.choices,
        "photo_url": photo_url(request, view.photo_id), "reopen_days": actions.public.REOPEN_DAYS,
    })


@require_http_methods(["POST"])
def verdict(request, token: str):
    side = _side_for(request, token)
    try:
        machine.run("verdict", side.incident, actor=PublicReporter(side.incident_id), data={
            "verdict": (request.POST.get("verdict") or "")[:20], "note": (request.POST.get("note") or "")[:2000].replace("\x00", ""),
        })
    except IncidentError as exc:
        messages.error(request, exc.message)
    else:
        messages.success(request, _("Thank you: your verdict is recorded."))
    return HttpResponseRedirect(reverse("public:case", kwargs={"token": token}))
