"""The shapes the emergencies API reads and writes."""
from __future__ import annotations

from django.utils.translation import gettext_lazy as _
from rest_framework import serializers

from gridgov.api import BoundedDateTimeField

from .models import RECORDED_OUTCOMES, EmergencyKind, Measure, Unit


class ZoneInputSerializer(serializers.Serializer):
    name = serializers.CharField(max_length=100)
    measure = serializers.ChoiceField(choices=Measure.choices)
    areas = serializers.ListField(child=serializers.CharField(max_length=15), required=False, max_length=500)
    geometry = serializers.JSONField(required=False)


class DeclareSerializer(serializers.Serializer):
    kind = serializers.ChoiceField(choices=EmergencyKind.choices)
    title = serializers.CharField(max_length=200)
    description = serializers.CharField(max_length=5000, required=False, allow_blank=True, default="")
    area = serializers.CharField(max_length=15, help_text=_("Code of the area the emergency is declared over."))
    starts_at = BoundedDateTimeField(required=False)
    zones = ZoneInputSerializer(many=True, max_length=50)


class IssueSerializer(serializers.Serializer):
    title = serializers.CharField(max_length=200)
    unit = serializers.ChoiceField(choices=Unit.choices, default=Unit.HOUSEHOLD)
    deadline = BoundedDateTimeField()
    care_deadline = BoundedDateTimeField(required=False)
    instructions = serializers.CharField(max_length=5000, required=False, allow_blank=True, default="")
    health_questions = serializers.ListField(child=serializers.CharField(max_length=30), required=False, max_length=10, default=list)


class OutcomeSerializer(serializers.Serializer):
    outcome = serializers.ChoiceField(choices=[(o, o) for o in RECORDED_OUTCOMES])
    client_id = serializers.UUIDField()
    note = serializers.CharField(max_length=500, required=False, allow_blank=True, default="")
    # {question key: true/false}; checked against the campaign's questions by record_outcome.
    answers = serializers.DictField(child=serializers.BooleanField(), required=False, default=dict)


class HandSerializer(serializers.Serializer):
    tasks = serializers.ListField(child=serializers.IntegerField(min_value=1), min_length=1, max_length=5000)
    volunteer = serializers.IntegerField(min_value=1, allow_null=True)
