"""One person's fields as a form, the API, the admin or a spreadsheet row gives them, and their checks.

``clean_person_input`` checks the fields without touching the database (the ID number's
checksum and the birth date and gender it encodes, phone numbers, choices) and normalises them
in place. Registering a person (``residents.actions.people``) and checking an import
(``residents.importer.checking``) both call it, so a row of a file and a form are held to the
same rules.
"""
from __future__ import annotations

import datetime as dt
import re
from dataclasses import dataclass, field

from django.core.exceptions import ValidationError
from django.utils import timezone
from django.utils.translation import gettext as _

from . import privacy
from .idnumbers import EARLIEST_BIRTH, parse_id_number
from .models import Gender, IdType, Relation, ResidentType

# Choice values as sets: checked once per imported row, where rebuilding them each time shows.
ID_TYPES = frozenset(IdType.values)
RESIDENT_TYPES = frozenset(ResidentType.values)
RELATIONS = frozenset(Relation.values)
GENDERS = frozenset(Gender.values)
MOBILE_RE = re.compile(r"^1[3-9]\d{9}$")
LANDLINE_RE = re.compile(r"^(0\d{9,11}|\d{7,8})$")


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
    # The same bounds as a birth date read from an ID number (residents.idnumbers): a year-1 date
    # is a typing or spreadsheet slip (Excel's empty date), not a person.
    if data.birth_date and data.birth_date > today:
        add("birth_date", _("The birth date lies in the future."))
    elif data.birth_date and data.birth_date < EARLIEST_BIRTH:
        add("birth_date", _("The birth date %(date)s is before 1900: check the year.") % {"date": data.birth_date.isoformat()})
    _clean_document(data, today, add)
    if not data.gender and "gender" not in errors and "id_number" not in errors:
        # With a bad ID number the gender could not be read from it: one error is enough.
        add("gender", _("The gender is missing."))
    data.phones = _clean_phones(data.phones, add)
    for name in ("registered_address", "current_address", "ethnicity"):
        setattr(data, name, (getattr(data, name) or "").strip())
    return errors


def _clean_document(data: PersonInput, today: dt.date, add) -> None:
    """The document number; a resident ID also gives (or confirms) the birth date and gender."""
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


def _clean_phones(raw_phones: list[str], add) -> list[str]:
    """Normalised phone numbers, each once; a malformed one is reported (masked) and dropped."""
    phones: list[str] = []
    for raw in raw_phones:
        phone = privacy.normalise_phone(raw)
        if not phone:
            continue
        if not (MOBILE_RE.match(phone) or LANDLINE_RE.match(phone)):
            add("phones", _("%(phone)s is not a valid phone number.") % {"phone": privacy.mask_phone(phone) if len(phone) > 6 else raw})
        elif phone not in phones:
            phones.append(phone)
    return phones
