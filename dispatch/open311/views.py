"""The GeoReport v2 endpoints. Plain Django views: the spec fixes the shapes (JSON and XML) and the
error list, and clients post form-encoded data with an ``api_key`` rather than a session, so
there is no CSRF token to check (the key is the credential).

Every public case is listed, from every channel (``listing``); filing is in ``filing``. What a
request shows of a case is decided in ``dispatch.public.present``: never a staff name, an internal
note, a private photo, the exact position or the reporter's contact. Any other path or format
under /open311/v2/ answers the spec's error list too (``not_found``), not an HTML page.
"""

from __future__ import annotations

from typing import Any

from django.db.models import Q
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.csrf import csrf_exempt
from django.views.decorators.http import require_http_methods

from grids.models import Area, Level
from incidents.models import Category, Urgency

from ..models import Open311Request
from . import filing, listing
from .formats import Open311Error, error_response, render

SPECIFICATION = "http://wiki.open311.org/GeoReport_v2"
CHANGESET = "2025-01-01T00:00:00+08:00"  # when the service list's shape last changed


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


_services = filing.services


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


@csrf_exempt
@require_http_methods(["GET", "POST"])
@_guard
def requests_view(request, fmt: str):
    if request.method == "POST":
        return filing.create_request(request, fmt)
    return listing.list_requests(request, fmt)


@require_http_methods(["GET"])
@_guard
def request_detail(request, fmt: str, service_request_id: str):
    found = listing.listed().filter(pk=int(service_request_id)).first() if service_request_id.isdigit() and len(service_request_id) < 13 else None
    if found is None:
        raise Open311Error(404, _("There is no service request %(id)s.") % {"id": service_request_id[:40]})
    return listing.render_requests(request, fmt, [found])


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


def not_found(request, path: str = ""):
    """Any other path or format under /open311/v2/: the spec's error list, in XML when asked so."""
    fmt = "xml" if path.endswith(".xml") else "json"
    return error_response(fmt, [Open311Error(404, _("There is no Open311 endpoint “%(path)s”; see discovery.json.")
                                             % {"path": path[:100]})])
