"""The one way a need changes: a conditional UPDATE on its expected statuses, checked to have
changed one row, and the history line of the new version, in the caller's transaction."""
from __future__ import annotations

from datetime import datetime
from typing import Any, Iterable

from django.db.models import F
from django.utils.translation import gettext as _

from accounts.scope import scoped
from incidents.errors import Conflict, Forbidden, InvalidInput

from ..models import Need, NeedEvent

NOTE_MAX = 500


def clean_text(value, *, field: str, limit: int = NOTE_MAX, required: bool = False) -> str:
    text = "" if value is None else value
    if not isinstance(text, str):
        raise InvalidInput(_("%(field)s must be text.") % {"field": field}, field=field)
    if "\x00" in text:
        raise InvalidInput(_("The text holds a character that cannot be stored."), field=field)
    text = text.strip()
    if len(text) > limit:
        raise InvalidInput(_("At most %(count)s characters.") % {"count": limit}, field=field)
    if required and not text:
        raise InvalidInput(_("Say why."), field=field)
    return text


def check_visible(need: Need, actor) -> None:
    """An act on a need outside the actor's view is refused like a read: as if it did not exist."""
    if actor is not None and not scoped(Need.objects.filter(pk=need.pk), actor).exists():
        raise Forbidden(_("No such need in your jurisdiction."))


def move(
    need: Need, *, expected: Iterable[str], changes: dict[str, Any], action: str, actor, now: datetime,
    params: dict | None = None, note: str = "", conflict: str | None = None,
) -> Need:
    """Claim the need in one of its ``expected`` statuses and apply ``changes``; write its history line."""
    updated = Need.objects.filter(pk=need.pk, status__in=list(expected)).update(version=F("version") + 1, **changes)
    if updated != 1:
        raise Conflict(conflict or _("Somebody changed this need first; reload it."))
    need.refresh_from_db()
    NeedEvent.objects.create(
        need=need, version=need.version, at=now, actor=actor if getattr(actor, "pk", None) else None, action=action,
        params=params or {}, note=note,
    )
    return need
