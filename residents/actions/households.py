"""Dwellings and households: a room in a building, the family registered in it, and its head."""
from __future__ import annotations

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from ..cells import cell_in_scope
from ..models import Building, Dwelling, DwellingUse, Household, Person, Relation
from .history import _history, _insert_checked


@transaction.atomic
def create_dwelling(*, actor, building: Building, room: str, unit: str = "", floor: int | None = None,
                    use: str = DwellingUse.RESIDENTIAL) -> Dwelling:
    room, unit = (room or "").strip(), (unit or "").strip()
    if not room:
        raise ValidationError({"room": [_("A dwelling needs a room number.")]})
    if use not in DwellingUse.values:
        raise ValidationError({"use": [_("Unknown use.")]})
    if Dwelling.objects.filter(building=building, unit=unit, room=room).exists():
        raise ValidationError({"room": [_("This room already exists in the building.")]})
    dwelling = _insert_checked(
        Dwelling, {"room": [_("This room already exists in the building.")]}, {"building": building, "unit": unit, "room": room},
        building=building, unit=unit, floor=floor, room=room, use=use,
    )
    _history(actor=actor, model="dwelling", object_id=dwelling.pk, action="create", cell_id=building.cell_id,
             changes={"building": [None, building.code], "unit": [None, unit], "room": [None, room]})
    return dwelling


def _household_number_errors(number: str) -> dict[str, list[str]]:
    number = (number or "").strip()
    if not number:
        return {"number": [_("A household needs a number.")]}
    if Household.objects.filter(number=number).exists():
        return {"number": [_("Household number %(number)s is already in use.") % {"number": number}]}
    return {}


@transaction.atomic
def create_household(*, actor, number: str, dwelling: Dwelling) -> Household:
    number = (number or "").strip()
    errors = _household_number_errors(number)
    if errors:
        raise ValidationError(errors)
    household = _insert_checked(
        Household, {"number": [_("Household number %(number)s is already in use.") % {"number": number}]}, {"number": number},
        number=number, dwelling=dwelling, cell_id=dwelling.building.cell_id,
    )
    _history(actor=actor, model="household", object_id=household.pk, action="create", household=household,
             cell_id=household.cell_id, changes={"number": [None, number], "dwelling": [None, str(dwelling)]})
    return household


@transaction.atomic
def register_household(
    *,
    actor,
    building: Building,
    number: str,
    dwelling: Dwelling | None = None,
    unit: str = "",
    floor: int | None = None,
    room: str = "",
    use: str = DwellingUse.RESIDENTIAL,
) -> Household:
    """A family moves in: a household in one of the building's dwellings, or in a new one described here.

    One transaction for both writes: a household the database refuses (a number in use) leaves
    no dwelling behind that nobody asked for on its own.
    """
    if not cell_in_scope(actor, building.cell):
        # The pages find the building through ``scoped`` first (404); this guards other callers.
        raise PermissionDenied(_("The building lies outside your jurisdiction."))
    if dwelling is not None:
        if dwelling.building_id != building.pk:
            raise ValidationError({"dwelling": [_("The dwelling is not in this building.")]})
        if (room or "").strip() or (unit or "").strip() or floor is not None:
            raise ValidationError({"dwelling": [_("Choose an existing dwelling or describe a new one, not both.")]})
    # Both halves are checked before anything is refused, so the form shows every problem at once.
    errors = _household_number_errors(number)
    if dwelling is None:
        try:
            dwelling = create_dwelling(actor=actor, building=building, unit=unit, floor=floor, room=room, use=use)
        except ValidationError as exc:
            errors.update(exc.message_dict)
    if errors:
        raise ValidationError(errors)
    return create_household(actor=actor, number=number, dwelling=dwelling)


@transaction.atomic
def set_household_head(*, actor, household: Household, person: Person) -> Household:
    if person.household_id != household.pk:
        raise ValidationError({"head": [_("The head must be a member of the household.")]})
    household = Household.objects.select_for_update().get(pk=household.pk)
    old = household.head
    if old is not None and old.pk == person.pk:
        return household
    household.head = person
    household.save(update_fields=["head"])
    Person.objects.filter(pk=person.pk).update(relation_to_head=Relation.HEAD, updated_at=timezone.now())
    if old is not None:
        Person.objects.filter(pk=old.pk, relation_to_head=Relation.HEAD).update(relation_to_head=Relation.OTHER)
    _history(actor=actor, model="household", object_id=household.pk, action="set_head", household=household,
             cell_id=household.cell_id, changes={"head": [old.name if old else None, person.name]})
    return household
