"""How a web request runs an act of the case machine — the same way on every channel.

The case API, the case page, the command-centre console and its API all do the same four things,
here and nowhere else:

1. find the case in the actor's scope (out of scope: 404, whatever the act);
2. refuse an act no channel may run (the sweep's ``escalate``, record-only entries): 404;
3. read the act's fields from the body (a form or JSON; a field given several times is a list)
   and check their types with the one ``ActSerializer``;
4. hand them to ``machine.run()``, which checks the act and any other object it names (e.g. the
   original of a duplicate) against the actor's jurisdiction, and writes.

Each channel then answers in its own form (JSON body, or a message and a redirect).
"""
from __future__ import annotations

from typing import Any

from django.utils.translation import gettext as _
from rest_framework import status
from rest_framework.response import Response

from . import photo_evidence
from .actions import machine
from .errors import BadPoint, IncidentError, InvalidInput
from .models import Incident
from .serializers import ActSerializer


PHOTO_FIELDS = ("photos", "before_photos", "after_photos")


def no_such_act(name: str) -> str:
    return _("There is no action “%(name)s”.") % {"name": name}


def fields_of(body) -> dict[str, Any]:
    """The act's fields from a request body (QueryDict or parsed JSON), checked for their types.
    A field given several times (``departments``) is a list."""
    if hasattr(body, "lists"):
        fields = body.copy()
        for name in PHOTO_FIELDS:
            # Files come in request.FILES; an empty file box of a page form arrives here as "".
            # Their EXIF (``<name>_exif``) goes with them (photo_evidence.uploads).
            fields.pop(name, None)
            fields.pop(f"{name}_exif", None)
    else:
        fields = body
    checked = ActSerializer(data=fields)
    if not checked.is_valid():
        field, problems = next(iter(checked.errors.items()))
        raise InvalidInput(f"{field}: {problems[0]}", field=field)
    if hasattr(body, "lists"):
        return {key: values if len(values) > 1 else values[0] for key, values in fields.lists()}
    if not isinstance(body, dict):
        raise InvalidInput(_("The body must be a JSON object of the act's fields."))
    return {key: value for key, value in body.items() if key not in PHOTO_FIELDS and key.removesuffix("_exif") not in PHOTO_FIELDS}


def files_of(request) -> dict[str, list]:
    return {name: photo_evidence.uploads(request, name) for name in request.FILES}


def current_state(incident: Incident) -> dict[str, Any]:
    """What a client needs after a 409: the case's status and version now."""
    return Incident.objects.filter(pk=incident.pk).values("status", "version").first() or {}


def error_response(exc: IncidentError) -> Response:
    body: dict = {"detail": exc.message}
    if exc.field:
        body["errors"] = {exc.field: [exc.message]}
    if isinstance(exc, BadPoint):
        body["point"] = {"index": exc.index, "id": exc.point_id, "field": exc.field, "reason": exc.message}
    return Response(body, status=exc.http_status)


def api_run(request, incident: Incident, name: str) -> Response | None:
    """Run the act for an API request; None when it ran, else the error answer."""
    if not machine.runnable(name):
        return Response({"detail": no_such_act(name)}, status=status.HTTP_404_NOT_FOUND)
    try:
        machine.run(name, incident, actor=request.user, data=fields_of(request.data), files=files_of(request))
    except IncidentError as exc:
        response = error_response(exc)
        if exc.http_status == 409:
            response.data.update(current_state(incident))
        return response
    return None


def page_run(request, incident: Incident, name: str) -> IncidentError | None:
    """Run the act for a form posted from a page; None when it ran, else the refusal."""
    try:
        machine.run(name, incident, actor=request.user, data=fields_of(request.POST), files=files_of(request))
    except IncidentError as exc:
        return exc
    return None
