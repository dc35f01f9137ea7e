"""API representations. Identifiers appear only in masked form; the reveal endpoint is the one way to a full value."""
from __future__ import annotations

from rest_framework import serializers

from .models import Building, CareTag, Dwelling, Household, Person, ResidentType, RevealField, Visit


class AreaRefSerializer(serializers.Serializer):
    code = serializers.CharField()
    name = serializers.CharField()


class CareTagSerializer(serializers.ModelSerializer):
    class Meta:
        model = CareTag
        fields = ["code", "name", "sensitive", "description"]


class PersonSerializer(serializers.ModelSerializer):
    # Masked by residents.privacy.mask; the year, never the day, of birth (the day is the ID number's hidden middle).
    id_number_masked = serializers.CharField(source="id_number_shown", read_only=True)
    birth_year = serializers.CharField(read_only=True)
    phones_masked = serializers.ListField(source="phones_masked_list", child=serializers.CharField(), read_only=True)
    household = serializers.SerializerMethodField()
    building = serializers.SerializerMethodField()
    cell = AreaRefSerializer(read_only=True)
    tags = serializers.SerializerMethodField()

    class Meta:
        model = Person
        fields = [
            "id", "name", "gender", "birth_year", "ethnicity", "id_type", "id_number_masked", "phones_masked",
            "registered_address", "current_address", "resident_type", "relation_to_head", "household", "building", "cell",
            "moved_out", "moved_out_on", "deceased", "deceased_on", "tags",
        ]

    def get_household(self, person: Person) -> dict:
        return {"id": person.household_id, "number": person.household.number}

    def get_building(self, person: Person) -> dict:
        dwelling = person.household.dwelling
        return {"id": dwelling.building_id, "code": dwelling.building.code, "address": dwelling.building.address,
                "unit": dwelling.unit, "room": dwelling.room}

    def get_tags(self, person: Person) -> list[str]:
        visible = self.context.get("visible_tag_ids")
        return [t.code for t in person.tags.all() if visible is None or t.pk in visible]


class RevealRequestSerializer(serializers.Serializer):
    field = serializers.ChoiceField(choices=RevealField.choices)
    reason = serializers.CharField(max_length=500, trim_whitespace=True)


class RevealResponseSerializer(serializers.Serializer):
    field = serializers.CharField()
    value = serializers.CharField()
    audit_id = serializers.IntegerField()


class VisitSerializer(serializers.ModelSerializer):
    worker = serializers.CharField(source="worker.display_name", read_only=True)

    class Meta:
        model = Visit
        fields = ["id", "household", "worker", "visited_on", "notes", "follow_up_needed", "created_at"]
        read_only_fields = ["id", "household", "worker", "created_at"]


class VisitCreateSerializer(serializers.Serializer):
    visited_on = serializers.DateField(required=False)
    notes = serializers.CharField(required=False, allow_blank=True, max_length=2000)
    follow_up_needed = serializers.BooleanField(required=False, default=False)
    client_id = serializers.UUIDField(required=False, allow_null=True)


class DwellingSerializer(serializers.ModelSerializer):
    households = serializers.SerializerMethodField()

    class Meta:
        model = Dwelling
        fields = ["id", "unit", "floor", "room", "use", "households"]

    def get_households(self, dwelling: Dwelling) -> list[dict]:
        return [{"id": h.pk, "number": h.number} for h in dwelling.households.all()]


class BuildingSerializer(serializers.ModelSerializer):
    cell = AreaRefSerializer(read_only=True)
    longitude = serializers.FloatField(source="location.x", read_only=True)
    latitude = serializers.FloatField(source="location.y", read_only=True)

    class Meta:
        model = Building
        fields = ["id", "code", "address", "longitude", "latitude", "cell", "floors", "units", "property_manager"]


class BuildingDetailSerializer(BuildingSerializer):
    dwellings = DwellingSerializer(many=True, read_only=True)

    class Meta(BuildingSerializer.Meta):
        fields = BuildingSerializer.Meta.fields + ["dwellings"]


class HouseholdSerializer(serializers.ModelSerializer):
    head = serializers.SerializerMethodField()
    address = serializers.SerializerMethodField()
    cell = AreaRefSerializer(read_only=True)
    member_count = serializers.IntegerField(read_only=True)

    class Meta:
        model = Household
        fields = ["id", "number", "head", "address", "cell", "member_count"]

    def get_head(self, household: Household) -> dict | None:
        head = household.head
        return {"id": head.pk, "name": head.name} if head else None

    def get_address(self, household: Household) -> str:
        return str(household.dwelling)


class HouseholdDetailSerializer(HouseholdSerializer):
    members = serializers.SerializerMethodField()
    visits = serializers.SerializerMethodField()

    class Meta(HouseholdSerializer.Meta):
        fields = HouseholdSerializer.Meta.fields + ["members", "visits"]

    def get_members(self, household: Household) -> list[dict]:
        members = household.members.select_related("household__dwelling__building", "cell").prefetch_related("tags")
        return PersonSerializer(members, many=True, context=self.context).data

    def get_visits(self, household: Household) -> list[dict]:
        return VisitSerializer(household.visits.select_related("worker")[:20], many=True).data


class PersonSearchSerializer(serializers.Serializer):
    """The person list's filters, sent in a body (POST /api/v1/residents/persons/search/)."""

    q = serializers.CharField(required=False, allow_blank=True, max_length=100)
    tag = serializers.CharField(required=False, allow_blank=True, max_length=50)
    area = serializers.CharField(required=False, allow_blank=True, max_length=20)
    resident_type = serializers.ChoiceField(choices=ResidentType.values, required=False, allow_blank=True)
    include_inactive = serializers.BooleanField(required=False, default=False)
