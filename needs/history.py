"""A need's history in the reader's language: each line stores its act and parameters, and is
rendered when it is read (like the case timeline, incidents.timeline)."""
from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from accounts.models import Department
from grids.models import Level

from .models import NeedEvent, NeedKind, NeedSource

MESSAGES = {
    "record": gettext_lazy("Recorded (%(kind)s, from %(source)s)."),
    "claim": gettext_lazy("Taken by a volunteer."),
    "hand_on": gettext_lazy("Handed on to %(fulfiller)s."),
    "deliver": gettext_lazy("Delivered."),
    "release": gettext_lazy("Given back: open again."),
    "confirm": gettext_lazy("Received, confirmed by %(by)s."),
    "cancel": gettext_lazy("Cancelled."),
    "escalate": gettext_lazy("Overdue: moved up from %(from_level)s to %(to_level)s."),
}


def label_of(choices, value: str) -> str:
    return str(dict(choices.choices).get(value, value))


@dataclass(frozen=True)
class Line:
    at: datetime
    who: str
    text: str
    note: str


def _text(event: NeedEvent) -> str:
    params = event.params or {}
    message = MESSAGES.get(event.action)
    if message is None:
        return event.action
    if event.action == "record":
        kind = NeedKind.objects.filter(pk=params.get("kind")).first()
        return str(message) % {"kind": kind.label if kind else "?", "source": label_of(NeedSource, params.get("source", ""))}
    if event.action == "hand_on":
        department = Department.objects.filter(pk=params.get("department")).first() if params.get("department") else None
        return str(message) % {"fulfiller": department.label if department else params.get("supplier", "")}
    if event.action == "confirm":
        return str(message) % {"by": _("the household") if params.get("by_household") else (event.actor.display_name if event.actor else "?")}
    if event.action == "escalate":
        return str(message) % {
            "from_level": label_of(Level, params.get("from_level", "")), "to_level": label_of(Level, params.get("to_level", "")),
        }
    return str(message)


def lines(need, *, show_people: bool = True) -> list[Line]:
    """The history, oldest first; ``show_people`` False hides staff names and notes (a volunteer's view)."""
    out = []
    for event in need.events.select_related("actor").order_by("version"):
        who = (event.actor.display_name if event.actor else _("the system")) if show_people else ""
        out.append(Line(at=event.at, who=who, text=_text(event), note=event.note if show_people else ""))
    return out
