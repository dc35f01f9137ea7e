"""How a web request runs an act on a need — the same for the pages and the API: find the need in
the actor's view (404 outside), read the act's fields, call the act's function."""
from __future__ import annotations

from typing import Any, Callable

from django.utils.translation import gettext as _

from accounts.models import Department
from incidents.errors import InvalidInput

from . import actions
from .models import Need


def _department(data: dict[str, Any]) -> Department | None:
    raw = data.get("department")
    if raw in (None, ""):
        return None
    try:
        return Department.objects.get(pk=int(raw), active=True)
    except (TypeError, ValueError, Department.DoesNotExist):
        raise InvalidInput(_("Choose a department from the list."), field="department")


def _text(data: dict[str, Any], name: str) -> str:
    value = data.get(name, "")
    if value is not None and not isinstance(value, str):
        raise InvalidInput(_("%(field)s must be text.") % {"field": name}, field=name)
    return value or ""


ACTS: dict[str, Callable[[Need, Any, dict[str, Any]], Need]] = {
    "claim": lambda need, actor, data: actions.claim_need(need=need, actor=actor),
    "hand_on": lambda need, actor, data: actions.hand_on_need(
        need=need, actor=actor, department=_department(data), supplier=_text(data, "supplier")),
    "deliver": lambda need, actor, data: actions.deliver_need(need=need, actor=actor, note=_text(data, "note")),
    "confirm": lambda need, actor, data: actions.confirm_received(need=need, actor=actor),
    "release": lambda need, actor, data: actions.release_need(need=need, actor=actor, reason=_text(data, "reason")),
    "cancel": lambda need, actor, data: actions.cancel_need(need=need, actor=actor, reason=_text(data, "reason")),
}


def run(name: str, need: Need, actor, data) -> Need:
    """Run act ``name`` (a known act: the caller answers 404 for any other)."""
    if not isinstance(data, dict):
        if hasattr(data, "dict"):
            data = data.dict()
        else:
            raise InvalidInput(_("The body must be a JSON object of the act's fields."))
    return ACTS[name](need, actor, data)
