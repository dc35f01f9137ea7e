"""Showing a full ID number or phone number: only with a reason, and always with an audit record."""
from __future__ import annotations

from dataclasses import dataclass
from typing import Sequence

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.utils.translation import gettext as _

from ..models import Person, RevealAudit, RevealField
from ..policy import can_reveal

MIN_REASON_LENGTH = 4


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
