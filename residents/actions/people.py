"""People: registering and changing a person, moving out or deceased, care tags.

The fields are checked by ``residents.person_input.clean_person_input`` (the same checks an
imported row gets); identifiers are stored sealed (``privacy.sealed_identifiers``) and the
history shows them masked.
"""
from __future__ import annotations

import datetime as dt
from typing import Any, Iterable

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from .. import privacy
from ..duplicates import id_number_conflict
from ..models import CareTag, Household, Person, PersonTag, Relation
from ..person_input import PERSON_FIELDS, PersonInput, clean_person_input
from .history import _diff, _history, _plain
from .households import set_household_head


def ensure_default_care_tags() -> None:
    """Create the default care tags if missing (they come with migration 0002; a flushed test
    database or a fresh demo needs them back). Existing tags are left as administrators set them."""
    from importlib import import_module

    defaults = import_module("residents.migrations.0002_default_care_tags").DEFAULT_TAGS
    for code, name, sensitive, order, description in defaults:
        CareTag.objects.get_or_create(code=code, defaults={"name": name, "sensitive": sensitive, "order": order, "description": description})


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
        **privacy.sealed_identifiers(data.id_number, data.phones),
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
        for name, value in privacy.sealed_identifiers(data.id_number, data.phones).items():
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
