"""The history row every act writes, and the insert that turns a lost race into the same refusal.

Each act writes its ChangeHistory row in the same transaction as the change, with identifiers
only in masked form (``_masked_view`` in ``people``); ``_diff`` and ``_plain`` turn before/after
values into what the row stores.
"""
from __future__ import annotations

import datetime as dt
from typing import Any

from django.contrib.gis.geos import Point
from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction

from ..models import ChangeHistory, Household, Person, masked_changes


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
        changes=masked_changes(changes or {}),
        person=person,
        household_id=household.pk if household is not None else household_id,
        cell_id=cell_id,
        sensitive=sensitive,
    )


def _diff(before: dict[str, Any], after: dict[str, Any]) -> dict[str, list[Any]]:
    return {key: [_plain(before.get(key)), _plain(after.get(key))] for key in after if before.get(key) != after.get(key)}


def _plain(value: Any) -> Any:
    if isinstance(value, (dt.date, dt.datetime)):
        return value.isoformat()
    if isinstance(value, Point):
        return [round(value.x, 6), round(value.y, 6)]
    return value


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
