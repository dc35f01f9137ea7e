"""API shapes. Input goes through DRF serializers (field errors by name); output is built by plain
functions, which are several times cheaper than nested serializers on the filing hot path."""
from __future__ import annotations

from typing import Any

from django.contrib.gis.geos import Point
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import extend_schema_field
from rest_framework import serializers

from residents import privacy
from gridgov.api import BoundedDateTimeField, StrictFloatField
from gridgov.renderers import RawJSON

from . import clock
from .actions.machine import act_label, allowed_acts
from .actions.reporting import DESCRIPTION_MAX_LENGTH
from .models import Incident, Patrol, Source, Urgency
from .timeline import describe


@extend_schema_field(OpenApiTypes.STR)
class CategoryField(serializers.Field):
    """A minor class by code (``E0101``) or id."""

    default_error_messages = {"unknown": gettext_lazy("Unknown category “%(value)s”; see /api/v1/incidents/categories/.")}

    def to_internal_value(self, data):
        value = str(data).strip()
        category = clock.categories().get(value) if value else None
        if category is None:
            raise serializers.ValidationError(self.error_messages["unknown"] % {"value": value})
        return category

    def to_representation(self, value):
        return value.code


class ReportSerializer(serializers.Serializer):
    category = CategoryField()
    lat = StrictFloatField(required=False, min_value=-90, max_value=90)
    lng = StrictFloatField(required=False, min_value=-180, max_value=180)
    description = serializers.CharField(required=False, allow_blank=True, max_length=DESCRIPTION_MAX_LENGTH)
    urgency = serializers.ChoiceField(choices=Urgency.choices, required=False)
    source = serializers.ChoiceField(choices=[Source.PATROL, Source.SELF_REPORT, Source.API], required=False)
    address = serializers.CharField(required=False, allow_blank=True, max_length=200)
    patrol = serializers.IntegerField(required=False, allow_null=True)
    client_id = serializers.UUIDField(required=False, allow_null=True)
    accuracy = StrictFloatField(required=False, allow_null=True, min_value=0, max_value=100000,
                                help_text=gettext_lazy("The phone's fix: its accuracy in metres."))
    located_at = serializers.DateTimeField(required=False, allow_null=True, help_text=gettext_lazy("When the phone's fix was taken."))
    photos = serializers.ListField(child=serializers.FileField(), required=False, help_text=gettext_lazy("Multipart only."))
    settled = serializers.BooleanField(
        required=False, default=False,
        help_text=gettext_lazy("A grid worker settled this minor matter already: send after_photos too, and the case is closed at grid level."),
    )
    after_photos = serializers.ListField(child=serializers.FileField(), required=False, help_text=gettext_lazy("Multipart only."))

    def validate(self, attrs):
        if attrs.get("lat") is None or attrs.get("lng") is None:
            raise serializers.ValidationError(
                {"location": [_("A report needs a location: give lat and lng (WGS-84), from the phone or a pin on the map.")]}
            )
        attrs["location"] = Point(attrs.pop("lng"), attrs.pop("lat"), srid=4326)
        return attrs


# A note (reason, feedback, added information) is read by people: 2,000 characters is a long one.
# A 1 MB note was accepted and copied into every notification.
NOTE_MAX_LENGTH = 2000


class ActSerializer(serializers.Serializer):
    """Fields an act may take; which are needed depends on the act. Every channel that runs acts
    checks a body with this one serializer (incidents.channels); an act's runner reads the rest."""

    version = serializers.IntegerField(required=False, help_text=gettext_lazy("The version you read; a stale one answers 409."))
    note = serializers.CharField(required=False, allow_blank=True, max_length=NOTE_MAX_LENGTH, help_text=gettext_lazy("Reason or feedback; required to reject, "
                                                                                  "ask for help, send down or fail a verification."))
    assignee = serializers.IntegerField(required=False, help_text=gettext_lazy("assign: the user id (default yourself)."))
    passed = serializers.BooleanField(required=False, help_text=gettext_lazy("verify: false sends the case back for rework."))
    to_level = serializers.CharField(required=False, help_text=gettext_lazy("send_down: the level to send the case to."))
    original = serializers.RegexField(r"^#?\d{1,12}$", required=False,
                                      help_text=gettext_lazy("link_duplicate: the case this one duplicates."))
    photos = serializers.ListField(child=serializers.FileField(), required=False)


class PointSerializer(serializers.Serializer):
    id = serializers.UUIDField(help_text=gettext_lazy("Made by the phone; a point sent twice is stored once."))
    at = BoundedDateTimeField()
    lat = StrictFloatField(min_value=-90, max_value=90)
    lng = StrictFloatField(min_value=-180, max_value=180)
    accuracy = serializers.FloatField(required=False, allow_null=True, min_value=0)


class PointBatchSerializer(serializers.Serializer):
    points = PointSerializer(many=True, allow_empty=True)


class CheckInSerializer(serializers.Serializer):
    client_id = serializers.UUIDField(required=False, allow_null=True)
    lat = StrictFloatField(min_value=-90, max_value=90)
    lng = StrictFloatField(min_value=-180, max_value=180)
    note = serializers.CharField(required=False, allow_blank=True, max_length=200)
    at = BoundedDateTimeField(required=False)


class PatrolStartSerializer(serializers.Serializer):
    client_id = serializers.UUIDField(required=False, allow_null=True)


class PatrolEndSerializer(serializers.Serializer):
    note = serializers.CharField(required=False, allow_blank=True, max_length=NOTE_MAX_LENGTH)


# --- output ---------------------------------------------------------------------------------

def _area(area) -> dict[str, Any] | None:
    if area is None:
        return None
    return {"code": area.code, "name": area.name, "level": area.level}


def _user(user) -> dict[str, Any] | None:
    return {"id": user.pk, "name": user.display_name} if user is not None else None


def _when(value):
    return timezone.localtime(value).isoformat() if value else None


def photo_data(photo, request=None) -> dict[str, Any]:
    from django.urls import reverse

    url = reverse("incident-photo", args=[photo.pk]) if photo.ready else None
    return {"id": photo.pk, "url": (request.build_absolute_uri(url) if request else url) if url else None, "stage": photo.stage,
            # "pending": filed, being processed (no file yet); "failed": could not be read (``failure`` says why).
            "state": photo.state, "failure": photo.failure or None,
            "width": photo.width, "height": photo.height,
            # Evidence (docs/photo-evidence.md); null/empty for photos stored before it was kept.
            "flags": photo.flags, "marks": photo.marks(), "exif_source": photo.exif_source,
            "exif_taken_at": _when(photo.exif_taken_at), "exif_distance_m": photo.exif_distance_m,
            "original_sha256": photo.original_sha256 or None, "stamped": photo.stamped}


def incident_summary(incident: Incident, now=None) -> dict[str, Any]:
    light = getattr(incident, "light", None)
    if light is None:
        light = clock.light(
            status=incident.status,
            deadline=incident.deadline,
            started=incident.deadline_started_at,
            warn_at=incident.warn_at,
            now=now,
        )
    category = incident.category
    return {
        "id": incident.pk,
        "number": incident.number,
        "status": incident.status,
        "status_label": incident.get_status_display(),
        "level": incident.level,
        "level_label": incident.get_level_display(),
        "area": _area(incident.area),
        "cell": _area(incident.cell),
        "category": {"code": category.code, "name": category.label,
                     "major": category.parent.label if category.parent_id and category.parent else None},
        "urgency": incident.urgency,
        "source": incident.source,
        "description": incident.description,
        "address": incident.address,
        "location": {"lat": incident.location.y, "lng": incident.location.x},
        "outside_cells": incident.outside_cells,
        "deadline": _when(incident.deadline),
        "light": light or None,
        "version": incident.version,
        "created_at": _when(incident.created_at),
        "updated_at": _when(incident.updated_at),
    }


def incident_detail(incident: Incident, user, request=None) -> dict[str, Any]:
    data = incident_summary(incident)
    photos = list(incident.photos.all())
    timeline = list(incident.timeline.select_related("actor", "to_area").order_by("version"))
    photos_by_entry: dict[int, list] = {}
    for photo in photos:
        photos_by_entry.setdefault(photo.entry_id, []).append(photo_data(photo, request))
    data.update(
        filed_area=_area(incident.filed_area),
        deadline_started_at=_when(incident.deadline_started_at),
        reporter=_user(incident.reporter),
        assignee=_user(incident.assignee),
        # Masked for everyone (residents.privacy); the command centre reveals it, audited (dispatch.contact).
        contact=privacy.mask(privacy.CONTACT, incident.contact),
        patrol=incident.patrol_id,
        location_accuracy_m=incident.location_accuracy_m,
        located_at=_when(incident.located_at),
        duplicate_of=incident.duplicate_of_id,
        resolved_at_grid=incident.resolved_at_grid,
        escalations=incident.escalations,
        closed_at=_when(incident.closed_at),
        photos=[photo_data(photo, request) for photo in photos],
        timeline=[
            {
                "version": entry.version,
                "at": _when(entry.at),
                "actor": _user(entry.actor),
                "action": entry.action,
                "action_label": act_label(entry.action),
                # What happened, in the reader's language; "note" is the actor's own words.
                "text": describe(entry.action, entry.params),
                "from_status": entry.from_status,
                "to_status": entry.to_status,
                "from_level": entry.from_level,
                "to_level": entry.to_level,
                "to_area": _area(entry.to_area),
                "note": entry.note,
                "photos": photos_by_entry.get(entry.pk, []),
            }
            for entry in timeline
        ],
        actions=[act.name for act in allowed_acts(user, incident)],
    )
    return data


def patrol_data(patrol: Patrol, summary=None) -> dict[str, Any]:
    data = {
        "id": patrol.pk,
        "worker": _user(patrol.worker),
        "cell": _area(patrol.cell),
        "started_at": _when(patrol.started_at),
        "ended_at": _when(patrol.ended_at),
        "distance_m": round(patrol.distance_m, 1),
        "open": patrol.ended_at is None,
    }
    if summary is not None:
        data.update(
            duration_s=int(summary.duration.total_seconds()),
            points=summary.points,
            points_outside_own_cells=summary.points_outside_own_cells,
            cells_covered=[_area(cell) for cell in summary.cells],
            checkins=[{"at": _when(c.at), "lat": c.location.y, "lng": c.location.x, "cell": _area(c.cell), "note": c.note,
                       "outside_own_cells": c.outside_own_cells} for c in summary.checkins],
            findings=[incident_summary(i) for i in summary.findings],
            # [lat, lng] in time order (6 decimals): the points while they are kept, then the kept line.
            # JSON text from PostgreSQL, written as it is: the view answers with PASS_THROUGH_RENDERERS.
            track=RawJSON(summary.track_json),
        )
    return data
