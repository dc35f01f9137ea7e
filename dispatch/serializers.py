"""API shapes of the command centre: input through DRF serializers (field errors by name), output
built by plain functions (as incidents does)."""

from __future__ import annotations

from typing import Any

from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from rest_framework import serializers

from incidents.serializers import NOTE_MAX_LENGTH, ActSerializer, incident_detail

from .indicators import Row
from .models import Assignment, ExtensionRequest
from .queries import CaseView, share_data
from .shares import returned_department_ids, suggested_departments


class DispatchActionSerializer(ActSerializer):
    """The fields of the centre's and the departments' acts, for the schema; a body is checked by
    the machine's one ``ActSerializer`` on every channel, and each act's runner reads the rest."""

    version = serializers.IntegerField(required=False, help_text=_("The version you read; a stale one answers 409."))
    note = serializers.CharField(
        required=False,
        allow_blank=True,
        max_length=NOTE_MAX_LENGTH,
        help_text=_("Reason or feedback; required to return, ask for more time, refuse an extension and put on hold."),
    )
    departments = serializers.ListField(
        child=serializers.CharField(),
        required=False,
        help_text=_("dispatch, correct_dispatch: department ids or codes (a comma-separated string is accepted too)."),
    )
    deadline = serializers.CharField(
        required=False,
        help_text=_("dispatch, request_extension: ISO 8601 date-time (Asia/Shanghai when no offset) or a date."),
    )
    department = serializers.CharField(
        required=False, help_text=_("supervise: the department to press (default: every late one).")
    )
    extension = serializers.IntegerField(required=False, help_text=_("approve_extension, refuse_extension: which request."))
    passed = serializers.BooleanField(required=False, help_text=_("verify: false sends the case back for rework."))
    photos = serializers.ListField(
        child=serializers.FileField(), required=False, help_text=_("feedback: after-photos (multipart).")
    )


def _when(value):
    return timezone.localtime(value).isoformat() if value else None


def extension_data(extension: ExtensionRequest) -> dict[str, Any]:
    return {
        "id": extension.pk,
        "department": extension.assignment.department.label,
        "status": extension.status,
        "status_label": extension.get_status_display(),
        "requested_at": _when(extension.requested_at),
        "previous_deadline": _when(extension.previous_deadline),
        "requested_deadline": _when(extension.requested_deadline),
        "reason": extension.reason,
        "decided_at": _when(extension.decided_at),
        "decision_note": extension.decision_note,
    }


def case_data(view: CaseView, user, request=None) -> dict[str, Any]:
    data = incident_detail(view.incident, user, request)
    now = timezone.now()
    data["departments"] = [share_data(share, now) for share in view.shares]
    data["extensions"] = [extension_data(extension) for extension in view.extensions]
    # What a dispatch form ticks (the class's default departments, less those that returned it).
    data["suggested_departments"] = [d.pk for d in suggested_departments(view.incident)]
    data["returned_departments"] = sorted(returned_department_ids(view.incident))
    return data


def inbox_item(share: Assignment, now=None) -> dict[str, Any]:
    from .queries import share_light

    incident = share.incident
    return {
        **share_data(share, now),
        "light": share_light(share, now),
        "incident": {
            "id": incident.pk,
            "number": incident.number,
            "version": incident.version,
            "status": incident.status,
            "status_label": incident.get_status_display(),
            "category": incident.category.label,
            "urgency": incident.urgency,
            "area": incident.filed_area.name,
            "address": incident.address,
            "description": incident.description,
            "location": {"lat": incident.location.y, "lng": incident.location.x},
        },
    }


def row_data(row: Row) -> dict[str, Any]:
    return row.as_dict()


class IndicatorRowSerializer(serializers.Serializer):
    """One subject's indicators (documentation of the response)."""

    key = serializers.CharField()
    name = serializers.CharField()
    accepted = serializers.IntegerField()
    registered = serializers.IntegerField(allow_null=True)
    due = serializers.IntegerField()
    closed = serializers.IntegerField()
    closed_on_time = serializers.IntegerField()
    overdue = serializers.IntegerField(help_text=_("Due and not closed on time (超期)."))
    handled = serializers.IntegerField()
    reworked = serializers.IntegerField()
    dispatched = serializers.IntegerField()
    returned = serializers.IntegerField()
    deferred = serializers.IntegerField()
    grid_resolved = serializers.IntegerField(allow_null=True)
    avg_handling_hours = serializers.FloatField(allow_null=True)
    filing_rate = serializers.FloatField(allow_null=True)
    closure_rate = serializers.FloatField(allow_null=True)
    on_time_rate = serializers.FloatField(allow_null=True)
    rework_rate = serializers.FloatField(allow_null=True)
    return_rate = serializers.FloatField(allow_null=True)
    grid_resolution_rate = serializers.FloatField(allow_null=True)


class IndicatorPeriodSerializer(serializers.Serializer):
    # "from" is a Python keyword: declared below under its real name.
    to = serializers.DateField()


IndicatorPeriodSerializer._declared_fields["from"] = serializers.DateField()


class IndicatorSettingsSerializer(serializers.Serializer):
    exclude_deferred = serializers.BooleanField(
        help_text=_("Whether cases on hold (缓办) leave the denominator of the closure rates.")
    )


class IndicatorAreaSerializer(serializers.Serializer):
    code = serializers.CharField()
    name = serializers.CharField()
    level = serializers.CharField()


class IndicatorDepartmentSerializer(serializers.Serializer):
    id = serializers.IntegerField()
    code = serializers.CharField()
    name = serializers.CharField()


class IndicatorPreviousSerializer(serializers.Serializer):
    period = IndicatorPeriodSerializer(help_text=_("Last period: the same number of whole months, or of days, just before."))
    indicators = IndicatorRowSerializer()


class IndicatorResponseSerializer(serializers.Serializer):
    period = IndicatorPeriodSerializer()
    computed_at = serializers.DateTimeField(help_text=_("When the figures were computed: they are kept for up to a minute."))
    settings = IndicatorSettingsSerializer()
    area = IndicatorAreaSerializer(required=False)
    department = IndicatorDepartmentSerializer(required=False)
    indicators = IndicatorRowSerializer(help_text=_("The area's (or the department's) own indicators."))
    previous = IndicatorPreviousSerializer(required=False, help_text=_("The same indicators last period, to compare with."))
    breakdown = IndicatorRowSerializer(
        many=True, required=False, help_text=_("The area's children (streets, communities or cells).")
    )
    departments = IndicatorRowSerializer(many=True, required=False, help_text=_("When several departments were asked for."))


class ContactRevealRequestSerializer(serializers.Serializer):
    reason = serializers.CharField(max_length=500, trim_whitespace=True)
