"""Every write to resident records goes through a function here (DESIGN.md §8).

Views, serializers, the admin, the importer and Celery tasks call these; none of them saves a
resident model itself. Each act writes its ChangeHistory row in the same transaction, with
identifiers only in masked form.
"""
from __future__ import annotations

import datetime as dt
import re
from dataclasses import dataclass, field
from typing import Any, Callable, Iterable, Sequence

from django.contrib.gis.geos import Point
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import IntegrityError, connection, transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from accounts.scope import scope_codes
from grids.models import Area, Level
from grids.queries import lookup_point

from . import privacy
from .duplicates import id_number_conflict
from .idnumbers import parse_id_number
from .models import (
    Building,
    CareTag,
    ChangeHistory,
    Dwelling,
    DwellingUse,
    Gender,
    Household,
    IdType,
    ImportJob,
    ImportStatus,
    Person,
    PersonTag,
    Relation,
    ResidentType,
    RevealAudit,
    RevealField,
    Visit,
)
from .policy import can_import, can_record_visit, can_reveal

MIN_REASON_LENGTH = 4
# Choice values as sets: checked once per imported row, where rebuilding them each time shows.
ID_TYPES = frozenset(IdType.values)
RESIDENT_TYPES = frozenset(ResidentType.values)
RELATIONS = frozenset(Relation.values)
GENDERS = frozenset(Gender.values)
MOBILE_RE = re.compile(r"^1[3-9]\d{9}$")
LANDLINE_RE = re.compile(r"^(0\d{9,11}|\d{7,8})$")


# --- helpers ------------------------------------------------------------------------------

def _history(
    *,
    actor,
    model: str,
    object_id: int,
    action: str,
    changes: dict[str, Any] | None = None,
    person: Person | None = None,
    household: Household | None = None,
    household_id: int | None = None,
    cell_id: int | None = None,
    sensitive: bool = False,
) -> ChangeHistory:
    return ChangeHistory.objects.create(
        actor=actor if actor is not None and actor.is_authenticated else None,
        model=model,
        object_id=object_id,
        action=action,
        changes=changes or {},
        person=person,
        household_id=household.pk if household is not None else household_id,
        cell_id=cell_id,
        sensitive=sensitive,
    )


def cell_in_scope(user, cell: Area) -> bool:
    """May this user file records in the cell? None user = the system (seed, management commands)."""
    if user is None:
        return True
    codes = scope_codes(user)
    if codes is None:
        return True
    return any(cell.code.startswith(code) for code in codes)


def find_cell(point: Point) -> Area | None:
    found = lookup_point(point.x, point.y).get(Level.GRID)
    return Area.objects.get(pk=found["id"]) if found else None


def _diff(before: dict[str, Any], after: dict[str, Any]) -> dict[str, list[Any]]:
    return {key: [_plain(before.get(key)), _plain(after.get(key))] for key in after if before.get(key) != after.get(key)}


def _plain(value: Any) -> Any:
    if isinstance(value, (dt.date, dt.datetime)):
        return value.isoformat()
    if isinstance(value, Point):
        return [round(value.x, 6), round(value.y, 6)]
    return value


# --- care tags ----------------------------------------------------------------------------

def ensure_default_care_tags() -> None:
    """Create the default care tags if missing (they come with migration 0002; a flushed test
    database or a fresh demo needs them back). Existing tags are left as administrators set them."""
    from importlib import import_module

    defaults = import_module("residents.migrations.0002_default_care_tags").DEFAULT_TAGS
    for code, name, sensitive, order, description in defaults:
        CareTag.objects.get_or_create(code=code, defaults={"name": name, "sensitive": sensitive, "order": order, "description": description})


# --- buildings, dwellings, households -----------------------------------------------------

def _insert_checked(model, refusal: dict[str, list[str]], taken: dict[str, Any], **values: Any):
    """Insert a row whose unique key was found free just before. Two people registering the same
    key at once both pass that check; the second insert then meets the unique index, and gets
    the same message as if it had come second all along (not a server error)."""
    try:
        with transaction.atomic():
            return model.objects.create(**values)
    except IntegrityError:
        if model.objects.filter(**taken).exists():
            raise ValidationError(refusal)
        raise



@transaction.atomic
def create_building(
    *,
    actor,
    code: str,
    address: str,
    location: Point,
    floors: int | None = None,
    units: int | None = None,
    property_manager: str = "",
) -> Building:
    code = (code or "").strip()
    errors: dict[str, list[str]] = {}
    if not code:
        errors["code"] = [_("A building needs a code.")]
    elif Building.objects.filter(code=code).exists():
        errors["code"] = [_("Building code %(code)s is already in use.") % {"code": code}]
    if not (address or "").strip():
        errors["address"] = [_("A building needs an address.")]
    cell = find_cell(location) if location is not None else None
    if location is None:
        errors["location"] = [_("A building needs a location.")]
    elif cell is None:
        errors["location"] = [_("The location lies outside every grid cell.")]
    elif not cell_in_scope(actor, cell):
        errors["location"] = [_("The location lies outside your jurisdiction.")]
    if errors:
        raise ValidationError(errors)
    building = _insert_checked(
        Building, {"code": [_("Building code %(code)s is already in use.") % {"code": code}]}, {"code": code},
        code=code, address=address.strip(), location=location, cell=cell, floors=floors, units=units,
        property_manager=property_manager.strip(),
    )
    _history(actor=actor, model="building", object_id=building.pk, action="create", cell_id=cell.pk,
             changes={"code": [None, code], "address": [None, building.address], "cell": [None, cell.code]})
    return building


@transaction.atomic
def update_building(*, actor, building: Building, **changes: Any) -> Building:
    """Change a building's details; a new location re-finds its cell and moves its households and people."""
    allowed = {"address", "location", "floors", "units", "property_manager"}
    unknown = set(changes) - allowed
    if unknown:
        raise ValidationError({name: [_("This field cannot be changed here.")] for name in sorted(unknown)})
    building = Building.objects.select_for_update().get(pk=building.pk)
    before = {name: getattr(building, name) for name in changes}
    for name, value in changes.items():
        setattr(building, name, value)
    if "location" in changes:
        cell = find_cell(building.location)
        if cell is None:
            raise ValidationError({"location": [_("The location lies outside every grid cell.")]})
        if not cell_in_scope(actor, cell):
            raise ValidationError({"location": [_("The location lies outside your jurisdiction.")]})
        if cell.pk != building.cell_id:
            before["cell"] = building.cell.code
            changes = {**changes, "cell": cell.code}
            building.cell = cell
    building.updated_at = timezone.now()
    building.save()
    diff = _diff(before, {k: (v if k != "cell" else building.cell.code) for k, v in changes.items()})
    if diff:
        _history(actor=actor, model="building", object_id=building.pk, action="update", changes=diff, cell_id=building.cell_id)
    if "cell" in diff:
        sync_cells_from_buildings([building.pk])
    return building


_RELOCATE_SQL = """
WITH found AS (
    SELECT DISTINCT ON (b.id) b.id AS building_id, b.cell_id AS old_cell, a.id AS new_cell
    FROM residents_building b
    JOIN grids_areafragment f ON f.level = 'grid' AND ST_Intersects(f.geom, b.location)
    JOIN grids_area a ON a.id = f.area_id AND a.valid_to IS NULL
    WHERE b.id = ANY(%s)
    ORDER BY b.id, a.code
)
UPDATE residents_building b SET cell_id = found.new_cell, updated_at = now()
FROM found
WHERE b.id = found.building_id AND found.old_cell IS DISTINCT FROM found.new_cell
RETURNING b.id, found.old_cell, found.new_cell
"""


@transaction.atomic
def relocate_buildings_to_current_cells(building_ids: Sequence[int], *, actor=None) -> dict[int, tuple[int, int]]:
    """Re-find the cell of each building by its point (after a boundary redraw).

    1. One set-based UPDATE looks every building's point up among the current cells' fragments
       and changes the buildings whose cell differs (a building outside every cell keeps its old one).
    2. Households and people of the moved buildings follow (their cell columns are copies).
    3. One history row per moved building.
    Returns {building id: (old cell id, new cell id)}.
    """
    ids = list(building_ids)
    if not ids:
        return {}
    with connection.cursor() as cursor:
        cursor.execute(_RELOCATE_SQL, [ids])
        moved = {row[0]: (row[1], row[2]) for row in cursor.fetchall()}
    if moved:
        sync_cells_from_buildings(list(moved))
        codes = dict(Area.objects.filter(pk__in={c for pair in moved.values() for c in pair}).values_list("pk", "code"))
        ChangeHistory.objects.bulk_create(
            ChangeHistory(actor=actor, model="building", object_id=pk, action="relocate", cell_id=new,
                          changes={"cell": [codes.get(old), codes.get(new)]})
            for pk, (old, new) in moved.items()
        )
    return moved


def sync_cells_from_buildings(building_ids: Sequence[int] | None = None) -> int:
    """Copy each building's cell onto its households and people where they differ; returns rows changed.

    Called after buildings change cell — by the relocation above, and safe to call after a
    boundary publish that moved buildings through the grids registry (None = all buildings).
    """
    where = "AND b.id = ANY(%s)" if building_ids is not None else ""
    params = [list(building_ids)] if building_ids is not None else []
    with connection.cursor() as cursor:
        cursor.execute(
            f"""UPDATE residents_household h SET cell_id = b.cell_id
                FROM residents_dwelling d JOIN residents_building b ON b.id = d.building_id
                WHERE h.dwelling_id = d.id AND h.cell_id <> b.cell_id {where}""",
            params,
        )
        changed = cursor.rowcount
        cursor.execute(
            f"""UPDATE residents_person p SET cell_id = h.cell_id
                FROM residents_household h JOIN residents_dwelling d ON d.id = h.dwelling_id
                JOIN residents_building b ON b.id = d.building_id
                WHERE p.household_id = h.id AND p.cell_id <> h.cell_id {where}""",
            params,
        )
        changed += cursor.rowcount
    return changed


def apply_redraw_building_moves(occupant, moves) -> None:
    """grids registry hook: a published redraw moves buildings (by their point); their households and people follow.

    Runs inside the publishing transaction. ``moves`` are grids.registry.Move(pk, old_cell_id, new_cell_id).
    """
    by_target: dict[int, list[int]] = {}
    for move in moves:
        by_target.setdefault(move.new_cell_id, []).append(move.pk)
    now = timezone.now()
    for new_cell_id, pks in sorted(by_target.items()):
        Building.objects.filter(pk__in=pks).update(cell_id=new_cell_id, updated_at=now)
    sync_cells_from_buildings([m.pk for m in moves])
    codes = dict(Area.objects.filter(pk__in={c for m in moves for c in (m.old_cell_id, m.new_cell_id)}).values_list("pk", "code"))
    ChangeHistory.objects.bulk_create(
        ChangeHistory(at=now, model="building", object_id=m.pk, action="relocate", cell_id=m.new_cell_id,
                      changes={"cell": [codes.get(m.old_cell_id), codes.get(m.new_cell_id)]})
        for m in moves
    )


def apply_redraw_follow_building(occupant, moves) -> None:
    """grids registry hook for households and people: they carry a copy of their building's cell.

    The building hook already copied it; syncing again from the buildings is harmless and keeps
    the copies right whatever order the occupants are applied in.
    """
    model = occupant.queryset().model
    path = "dwelling__building_id" if model is Household else "household__dwelling__building_id"
    building_ids = set(model.objects.filter(pk__in=[m.pk for m in moves]).values_list(path, flat=True))
    sync_cells_from_buildings(sorted(building_ids))


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


# --- people -------------------------------------------------------------------------------

@dataclass
class PersonInput:
    name: str = ""
    gender: str = ""
    birth_date: dt.date | None = None
    ethnicity: str = ""
    id_type: str = IdType.RESIDENT_ID
    id_number: str = ""
    phones: list[str] = field(default_factory=list)
    registered_address: str = ""
    current_address: str = ""
    resident_type: str = ResidentType.REGISTERED
    relation_to_head: str = Relation.OTHER


PERSON_FIELDS = tuple(PersonInput.__dataclass_fields__)


def clean_person_input(data: PersonInput, *, today: dt.date | None = None) -> dict[str, list[str]]:
    """Check one person's fields without touching the database; fills gender and birth date from the ID.

    Returns {field: [messages]} (empty when all is well) and normalises ``data`` in place.
    """
    errors: dict[str, list[str]] = {}

    def add(name: str, message: str) -> None:
        errors.setdefault(name, []).append(message)

    data.name = (data.name or "").strip()
    if not data.name:
        add("name", _("The name is missing."))
    elif len(data.name) > 50:
        add("name", _("The name is longer than 50 characters."))
    if data.id_type not in ID_TYPES:
        add("id_type", _("Unknown document type."))
    if data.resident_type not in RESIDENT_TYPES:
        add("resident_type", _("Unknown resident type."))
    if data.relation_to_head not in RELATIONS:
        add("relation_to_head", _("Unknown relation to the head of household."))
    if data.gender and data.gender not in GENDERS:
        add("gender", _("Unknown gender."))
    today = today or timezone.localdate()
    if data.birth_date and data.birth_date > today:
        add("birth_date", _("The birth date lies in the future."))
    data.id_number = privacy.normalise_id_number(data.id_number)
    if data.id_type == IdType.RESIDENT_ID:
        try:
            info = parse_id_number(data.id_number, today=today)
        except ValidationError as exc:
            add("id_number", exc.messages[0])
        else:
            if data.birth_date and data.birth_date != info.birth_date:
                add("birth_date", _("The birth date does not match the ID number (%(date)s).") % {"date": info.birth_date.isoformat()})
            if data.gender and data.gender != info.gender:
                add("gender", _("The gender does not match the ID number."))
            data.birth_date = data.birth_date or info.birth_date
            data.gender = data.gender or info.gender
    elif data.id_number and not re.fullmatch(r"[A-Z0-9-]{5,30}", data.id_number):
        add("id_number", _("A document number has 5–30 letters, digits or dashes."))
    elif not data.id_number and data.resident_type != ResidentType.FOREIGN:
        add("id_number", _("The document number is missing."))
    if not data.gender and "gender" not in errors and "id_number" not in errors:
        # With a bad ID number the gender could not be read from it: one error is enough.
        add("gender", _("The gender is missing."))
    phones: list[str] = []
    for raw in data.phones:
        phone = privacy.normalise_phone(raw)
        if not phone:
            continue
        if not (MOBILE_RE.match(phone) or LANDLINE_RE.match(phone)):
            add("phones", _("%(phone)s is not a valid phone number.") % {"phone": privacy.mask_phone(phone) if len(phone) > 6 else raw})
        elif phone not in phones:
            phones.append(phone)
    data.phones = phones
    for name in ("registered_address", "current_address", "ethnicity"):
        setattr(data, name, (getattr(data, name) or "").strip())
    return errors


def sealed_identifiers(id_number: str, phones: Sequence[str]) -> dict[str, Any]:
    """Ciphertext, search hashes and masked forms of a person's identifiers: the columns Person stores."""
    key = privacy.keyring().current
    joined = ",".join(phones)
    return {
        "id_number_enc": privacy.encrypt(id_number, privacy.AAD_ID_NUMBER, key=key),
        "id_number_hash": privacy.search_hash("id", id_number, key=key),
        "id_last4": privacy.last4(id_number),
        "id_number_masked": privacy.mask_id_number(id_number),
        "phones_enc": privacy.encrypt(joined, privacy.AAD_PHONES, key=key),
        "phone_hashes": [privacy.search_hash("phone", p, key=key) for p in phones],
        "phones_masked": ",".join(privacy.mask_phone(p) for p in phones),
        "key_id": key.key_id if (id_number or phones) else "",
    }


def id_number_taken(id_number: str, *, exclude_pk: int | None = None) -> bool:
    if not id_number:
        return False
    queryset = Person.objects.filter(id_number_hash__in=privacy.search_hashes("id", id_number))
    if exclude_pk is not None:
        queryset = queryset.exclude(pk=exclude_pk)
    return queryset.exists()


def _masked_view(person: Person) -> dict[str, Any]:
    values = {name: getattr(person, name) for name in PERSON_FIELDS if name not in ("id_number", "phones")}
    values["id_number"] = person.id_number_masked
    values["phones"] = person.phones_masked
    return values


@transaction.atomic
def create_person(*, actor, household: Household, data: PersonInput, tags: Iterable[CareTag] = ()) -> Person:
    """Register a person in a household; a head of household becomes the household's head."""
    errors = clean_person_input(data)
    if "id_number" not in errors and (conflict := id_number_conflict(data.id_number, actor=actor)):
        errors["id_number"] = [conflict]
    household = Household.objects.select_for_update().get(pk=household.pk)
    if data.relation_to_head == Relation.HEAD and household.head_id is not None:
        errors.setdefault("relation_to_head", []).append(_("The household already has a head."))
    if errors:
        raise ValidationError(errors)
    person = Person.objects.create(
        household=household,
        cell_id=household.cell_id,
        **{name: getattr(data, name) for name in PERSON_FIELDS if name not in ("id_number", "phones")},
        **sealed_identifiers(data.id_number, data.phones),
    )
    if data.relation_to_head == Relation.HEAD:
        household.head = person
        household.save(update_fields=["head"])
    _history(actor=actor, model="person", object_id=person.pk, action="create", person=person, household=household,
             cell_id=person.cell_id, changes={k: [None, _plain(v)] for k, v in _masked_view(person).items() if v})
    for tag in tags:
        add_person_tag(actor=actor, person=person, tag=tag)
    return person


@transaction.atomic
def update_person(*, actor, person: Person, changes: dict[str, Any]) -> Person:
    """Change a person's details. ``changes`` may hold any PersonInput field; identifiers are re-sealed."""
    unknown = set(changes) - set(PERSON_FIELDS)
    if unknown:
        raise ValidationError({name: [_("This field cannot be changed here.")] for name in sorted(unknown)})
    person = Person.objects.select_for_update().get(pk=person.pk)
    data = PersonInput(**{name: getattr(person, name) for name in PERSON_FIELDS if name not in ("id_number", "phones")})
    # The identifiers are decrypted only to re-validate them against the other fields; nothing leaves this function.
    data.id_number = person._decrypted_id_number()
    data.phones = person._decrypted_phones()
    for name, value in changes.items():
        setattr(data, name, value)
    errors = clean_person_input(data)
    if "id_number" in changes and "id_number" not in errors and (
        conflict := id_number_conflict(data.id_number, actor=actor, exclude_pk=person.pk)
    ):
        errors["id_number"] = [conflict]
    if changes.get("relation_to_head") == Relation.HEAD and person.household.head_id not in (None, person.pk):
        errors.setdefault("relation_to_head", []).append(_("The household already has a head."))
    if errors:
        raise ValidationError(errors)
    before = _masked_view(person)
    for name in PERSON_FIELDS:
        if name not in ("id_number", "phones"):
            setattr(person, name, getattr(data, name))
    if "id_number" in changes or "phones" in changes:
        for name, value in sealed_identifiers(data.id_number, data.phones).items():
            setattr(person, name, value)
    person.updated_at = timezone.now()
    person.save()
    diff = _diff(before, _masked_view(person))
    if diff:
        _history(actor=actor, model="person", object_id=person.pk, action="update", person=person,
                 household=person.household, cell_id=person.cell_id, changes=diff)
    if diff.get("relation_to_head") and person.relation_to_head == Relation.HEAD:
        set_household_head(actor=actor, household=person.household, person=person)
    elif diff.get("relation_to_head") and Household.objects.filter(pk=person.household_id, head=person).update(head=None):
        # The head is no longer the head: the household shows "no head" until someone is named.
        _history(actor=actor, model="household", object_id=person.household_id, action="set_head",
                 household_id=person.household_id, cell_id=person.cell_id, changes={"head": [person.name, None]})
    return person


def _claim_flag(*, actor, person: Person, flag: str, on_date: dt.date | None, action: str) -> Person:
    on_date = on_date or timezone.localdate()
    if on_date > timezone.localdate():
        raise ValidationError({f"{flag}_on": [_("The date lies in the future.")]})
    with transaction.atomic():
        # Conditional UPDATE: two clicks (or two clerks) record it once.
        claimed = Person.objects.filter(pk=person.pk, **{flag: False}).update(
            **{flag: True, f"{flag}_on": on_date, "updated_at": timezone.now()}
        )
        if claimed != 1:
            raise ValidationError({flag: [_("This has already been recorded.")]})
        _history(actor=actor, model="person", object_id=person.pk, action=action, person=person,
                 household_id=person.household_id, cell_id=person.cell_id, changes={f"{flag}_on": [None, on_date.isoformat()]})
    person.refresh_from_db()
    return person


def move_person_out(*, actor, person: Person, on_date: dt.date | None = None) -> Person:
    return _claim_flag(actor=actor, person=person, flag="moved_out", on_date=on_date, action="move_out")


def mark_person_deceased(*, actor, person: Person, on_date: dt.date | None = None) -> Person:
    return _claim_flag(actor=actor, person=person, flag="deceased", on_date=on_date, action="deceased")


@transaction.atomic
def add_person_tag(*, actor, person: Person, tag: CareTag, note: str = "") -> PersonTag:
    if not tag.active:
        raise ValidationError({"tag": [_("This tag is no longer in use.")]})
    person_tag, created = PersonTag.objects.get_or_create(
        person=person, tag=tag, defaults={"added_by": actor if actor and actor.is_authenticated else None, "note": note.strip()}
    )
    if created:
        _history(actor=actor, model="person", object_id=person.pk, action="add_tag", person=person, cell_id=person.cell_id,
                 changes={"tag": [None, tag.name]}, sensitive=tag.sensitive)
    return person_tag


@transaction.atomic
def remove_person_tag(*, actor, person: Person, tag: CareTag) -> bool:
    deleted, _count = PersonTag.objects.filter(person=person, tag=tag).delete()
    if deleted:
        _history(actor=actor, model="person", object_id=person.pk, action="remove_tag", person=person, cell_id=person.cell_id,
                 changes={"tag": [tag.name, None]}, sensitive=tag.sensitive)
    return bool(deleted)


# --- visits -------------------------------------------------------------------------------

@transaction.atomic
def record_visit(*, actor, household: Household, visited_on: dt.date | None = None, notes: str = "",
                 follow_up_needed: bool = False) -> Visit:
    if not can_record_visit(actor):
        raise PermissionDenied(_("Your role does not record household visits."))
    visited_on = visited_on or timezone.localdate()
    if visited_on > timezone.localdate():
        raise ValidationError({"visited_on": [_("The visit date lies in the future.")]})
    if visited_on < timezone.localdate() - dt.timedelta(days=366):
        raise ValidationError({"visited_on": [_("The visit date is more than a year ago.")]})
    visit = Visit.objects.create(household=household, worker=actor, visited_on=visited_on, notes=(notes or "").strip(),
                                 follow_up_needed=follow_up_needed)
    _history(actor=actor, model="visit", object_id=visit.pk, action="visit", household=household, cell_id=household.cell_id,
             changes={"visited_on": [None, visited_on.isoformat()], "follow_up_needed": [None, follow_up_needed]})
    return visit


# --- reveal (audited) ---------------------------------------------------------------------

def _clean_reveal(actor, field_name: str, reason: str) -> str:
    if not can_reveal(actor):
        raise PermissionDenied(_("You may not reveal personal data."))
    errors: dict[str, list[str]] = {}
    if field_name not in RevealField.values:
        errors["field"] = [_("Choose one of: %(fields)s.") % {"fields": ", ".join(RevealField.values)}]
    reason = (reason or "").strip()
    if len(reason) < MIN_REASON_LENGTH:
        errors["reason"] = [_("Say why you need the full value (at least %(n)d characters).") % {"n": MIN_REASON_LENGTH}]
    if errors:
        raise ValidationError(errors)
    return reason


@dataclass(frozen=True)
class Revealed:
    value: str
    audit: RevealAudit


def reveal_person_field(*, actor, person: Person, field_name: str, reason: str, via: str = "web") -> Revealed:
    """The full ID number or phones of one person, and exactly one audit record of the act.

    The caller has already found the person through ``scoped`` (outside scope is 404 before we
    get here). Decryption happens inside the transaction that writes the audit row: if it
    fails, no audit claims a reveal that did not happen.
    """
    reason = _clean_reveal(actor, field_name, reason)
    with transaction.atomic():
        audit = RevealAudit.objects.create(actor=actor, actor_role=actor.role, person=person, field=field_name, reason=reason, via=via)
        if field_name == RevealField.ID_NUMBER:
            value = person._decrypted_id_number()
        else:
            value = ", ".join(person._decrypted_phones())
    return Revealed(value=value, audit=audit)


def reveal_many(*, actor, persons: Sequence[Person], fields: Sequence[str], reason: str, via: str = "export") -> dict[int, dict[str, str]]:
    """Full values for an export: one audit record per person and field, all written before anything is returned."""
    for name in fields:
        reason = _clean_reveal(actor, name, reason)
    with transaction.atomic():
        RevealAudit.objects.bulk_create(
            [RevealAudit(actor=actor, actor_role=actor.role, person=p, field=name, reason=reason, via=via) for p in persons for name in fields],
            batch_size=2000,
        )
        values: dict[int, dict[str, str]] = {}
        for person in persons:
            row = {}
            if RevealField.ID_NUMBER in fields:
                row[RevealField.ID_NUMBER] = person._decrypted_id_number()
            if RevealField.PHONES in fields:
                row[RevealField.PHONES] = ", ".join(person._decrypted_phones())
            values[person.pk] = row
    return values


# --- key rotation -------------------------------------------------------------------------

def rotate_keys(*, batch_size: int = 1000, progress: Callable[[int, int], None] | None = None) -> int:
    """Re-encrypt and re-hash every person (and pending import file) not yet under the current key.

    Works in batches, each in its own transaction with its rows locked, so it can be stopped
    and run again: it picks up where it left off. Returns the number of people re-encrypted.
    """
    current = privacy.keyring().current.key_id
    stale = Person.objects.exclude(key_id="").exclude(key_id=current)
    total = stale.count()
    done = 0
    last_pk = 0
    while True:
        with transaction.atomic():
            batch = list(stale.filter(pk__gt=last_pk).order_by("pk").select_for_update(of=("self",))[:batch_size])
            if not batch:
                break
            for person in batch:
                for name, value in sealed_identifiers(person._decrypted_id_number(), person._decrypted_phones()).items():
                    setattr(person, name, value)
            Person.objects.bulk_update(
                batch,
                ["id_number_enc", "id_number_hash", "id_last4", "id_number_masked", "phones_enc", "phone_hashes", "phones_masked", "key_id"],
            )
        last_pk = batch[-1].pk
        done += len(batch)
        if progress:
            progress(done, total)
    for job in ImportJob.objects.exclude(payload_enc="").exclude(payload_enc__startswith=f"{current}$"):
        payload = privacy.decrypt_bytes(job.payload_enc, privacy.AAD_IMPORT)
        ImportJob.objects.filter(pk=job.pk, payload_enc=job.payload_enc).update(payload_enc=privacy.encrypt_bytes(payload, privacy.AAD_IMPORT))
    return done


# --- imports ------------------------------------------------------------------------------

MAX_IMPORT_BYTES = 20 * 1024 * 1024


@transaction.atomic
def create_import_job(*, actor, filename: str, content: bytes) -> ImportJob:
    """Keep the uploaded file (encrypted) and queue its check (dry run) after commit."""
    from .tasks import check_import

    if not can_import(actor):
        raise PermissionDenied(_("Your role does not import resident records."))
    if not content:
        raise ValidationError({"file": [_("The file is empty.")]})
    if len(content) > MAX_IMPORT_BYTES:
        raise ValidationError({"file": [_("The file is larger than %(mb)d MB.") % {"mb": MAX_IMPORT_BYTES // (1024 * 1024)}]})
    job = ImportJob.objects.create(
        uploaded_by=actor, area=actor.area, filename=filename[:200],
        payload_enc=privacy.encrypt_bytes(content, privacy.AAD_IMPORT),
    )
    transaction.on_commit(lambda: check_import.delay(job.pk))
    return job


@transaction.atomic
def queue_import(*, actor, job: ImportJob) -> ImportJob:
    """The user confirmed a checked file: claim READY → QUEUED once and enqueue the import after commit."""
    from .tasks import run_import

    if job.uploaded_by_id != actor.pk and not actor.is_superuser:
        raise PermissionDenied(_("Only the person who uploaded the file can import it."))
    claimed = ImportJob.objects.filter(pk=job.pk, status=ImportStatus.READY).update(status=ImportStatus.QUEUED)
    if claimed != 1:
        raise ValidationError({"status": [_("This file is not ready to import (it has errors, or is already imported).")]})
    transaction.on_commit(lambda: run_import.delay(job.pk))
    job.refresh_from_db()
    return job


def check_import_job(job_id: int, *, progress: Callable[[str, int, int], None] | None = None) -> ImportJob:
    """Dry run: claim PENDING → CHECKING, parse and validate every row, record the report; nothing else is written."""
    from .importer import validate_file

    if ImportJob.objects.filter(pk=job_id, status=ImportStatus.PENDING).update(status=ImportStatus.CHECKING) != 1:
        return ImportJob.objects.get(pk=job_id)
    job = ImportJob.objects.select_related("uploaded_by").get(pk=job_id)
    try:
        plan = validate_file(job.filename, privacy.decrypt_bytes(job.payload_enc, privacy.AAD_IMPORT), actor=job.uploaded_by, progress=progress)
    except Exception:
        ImportJob.objects.filter(pk=job_id).update(status=ImportStatus.FAILED, finished_at=timezone.now(), payload_enc="",
                                                    errors=[{"row": None, "column": "", "reason": _("The file could not be checked (internal error).")}])
        raise
    status = ImportStatus.INVALID if plan.errors else ImportStatus.READY
    ImportJob.objects.filter(pk=job_id).update(
        status=status, total_rows=plan.row_count, errors=plan.error_dicts(), summary=plan.summary(),
        # A file with errors is never imported: drop it now rather than keep ID numbers around.
        **({"payload_enc": "", "finished_at": timezone.now()} if plan.errors else {}),
    )
    return ImportJob.objects.get(pk=job_id)


def run_import_job(job_id: int, *, progress: Callable[[str, int, int], None] | None = None) -> ImportJob:
    """Claim QUEUED → IMPORTING once, validate again against today's data, and write everything or nothing."""
    from .importer import ImportRejected, validate_file

    if ImportJob.objects.filter(pk=job_id, status=ImportStatus.QUEUED).update(status=ImportStatus.IMPORTING) != 1:
        return ImportJob.objects.get(pk=job_id)
    job = ImportJob.objects.select_related("uploaded_by").get(pk=job_id)
    try:
        content = privacy.decrypt_bytes(job.payload_enc, privacy.AAD_IMPORT)
        summary = import_file(actor=job.uploaded_by, filename=job.filename, content=content, progress=progress, job_id=job.pk)
    except ImportRejected as exc:
        ImportJob.objects.filter(pk=job_id).update(status=ImportStatus.INVALID, errors=exc.plan.error_dicts(),
                                                    payload_enc="", finished_at=timezone.now())
    except Exception:
        ImportJob.objects.filter(pk=job_id).update(status=ImportStatus.FAILED, payload_enc="", finished_at=timezone.now(),
                                                    errors=[{"row": None, "column": "", "reason": _("The import failed; nothing was saved.")}])
        raise
    else:
        ImportJob.objects.filter(pk=job_id).update(status=ImportStatus.DONE, summary=summary, payload_enc="", finished_at=timezone.now())
    return ImportJob.objects.get(pk=job_id)


def import_file(*, actor, filename: str, content: bytes, progress=None, job_id: int | None = None) -> dict[str, int]:
    """Validate a whole file and, only if every row is good, write it in one transaction.

    Raises importer.ImportRejected (with the full report) when any row or the file is bad.
    """
    from .importer import ImportRejected, validate_file, write_plan

    with transaction.atomic():
        plan = validate_file(filename, content, actor=actor, progress=progress, lock=True)
        if plan.errors:
            raise ImportRejected(plan)
        return write_plan(plan, actor=actor, progress=progress, job_id=job_id)
