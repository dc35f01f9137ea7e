"""What any public answer — the status page, Open311 — may show of a case, decided here once.

Shown: the case's number, class, public status, the times of its public steps, the departments
handling it (public bodies), the public notes and the one public photo the staff chose, and the
position rounded to a 50 m grid. Never shown: staff names, internal notes and reasons, the
reporter or caller, other photos, the exact position or address (docs/domain/public.md).
"""
from __future__ import annotations

import math
from dataclasses import dataclass, field
from datetime import datetime

from django.core import signing
from django.db.models import Q
from django.urls import reverse
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from gridgov.bilingual import in_language
from incidents.models import Incident, IncidentPhoto, PhotoState, Source, Status, TimelineEntry

from ..kinds import CaseStatus
from ..models import ACTIVE_ASSIGNMENT, Assignment, Moderation, PublicCase, Verdict

PHOTO_SALT = "open311-media"  # the public photo's signed link (served by dispatch.open311.media)
ROUND_M = 50
METRES_PER_DEGREE = 111_320.0

# Cases no public answer lists: waiting for moderation or marked as spam.
HIDDEN_MODERATION = (Moderation.HELD, Moderation.SPAM)

PUBLIC_STATUS = {
    Status.REPORTED: gettext_lazy("Received"),
    CaseStatus.HELD: gettext_lazy("Received, being checked"),
    Status.REGISTERED: gettext_lazy("Accepted for handling"),
    Status.ASSIGNED: gettext_lazy("Being handled"),
    Status.IN_PROGRESS: gettext_lazy("Being handled"),
    CaseStatus.DISPATCHED: gettext_lazy("Being handled"),
    Status.REWORK: gettext_lazy("Being handled again"),
    Status.HANDLED: gettext_lazy("Handled, being checked"),
    Status.VERIFIED: gettext_lazy("Handled, being checked"),
    CaseStatus.DEFERRED: gettext_lazy("On hold"),
    Status.CLOSED: gettext_lazy("Closed"),
    Status.REJECTED: gettext_lazy("Not accepted"),
    Status.DUPLICATE: gettext_lazy("Already reported: merged with another report"),
}

# The steps the public progress lists, by the act that made them (no actor, no internal note).
PUBLIC_STEPS = {
    "report": gettext_lazy("Report received"),
    "register": gettext_lazy("Accepted for handling"),
    "dispatch": gettext_lazy("Sent to the responsible department"),
    "to_locality": gettext_lazy("Sent to the street office"),
    "handle": gettext_lazy("Handled by the staff"),
    "feedback": gettext_lazy("Handled by the staff"),
    "verify": gettext_lazy("Checked on site"),
    "rework": gettext_lazy("Sent back for more work"),
    "close": gettext_lazy("Closed"),
    "resolve_at_grid": gettext_lazy("Settled on the spot and closed"),
    "reject": gettext_lazy("Not accepted"),
    "mark_spam": gettext_lazy("Not accepted"),
    "link_duplicate": gettext_lazy("Merged with an earlier report"),
    "reopen": gettext_lazy("Reopened: the reporter was not satisfied"),
    "publish": gettext_lazy("Update"),
}


def rounded(point) -> tuple[float, float]:
    """(lat, lng) snapped to a grid of about 50 m: the place is recognisable, the doorstep is not."""
    lat_step = ROUND_M / METRES_PER_DEGREE
    lat = round(point.y / lat_step) * lat_step
    lng_step = ROUND_M / (METRES_PER_DEGREE * max(math.cos(math.radians(lat)), 0.01))
    lng = round(point.x / lng_step) * lng_step
    return round(lat, 6), round(lng, 6)


@dataclass
class Step:
    at: datetime
    label: str
    note: str = ""


@dataclass
class PublicView:
    incident: Incident
    number: str
    status: str
    closed: bool
    lat: float
    lng: float
    place: str
    departments: list[str]
    steps: list[Step] = field(default_factory=list)
    notes: list[Step] = field(default_factory=list)
    photo_id: int | None = None
    photo_pending: bool = False  # a photo was filed and is still being processed (never shown raw)
    verdict: Verdict | None = None

    @property
    def latest_note(self) -> str:
        return self.notes[-1].note if self.notes else ""


def case_number(incident: Incident) -> str:
    """The number a reporter quotes (the readable one where cases have it)."""
    return str(getattr(incident, "number", "") or incident.pk)


def public_cases():
    """Every case a public list may show: all channels, but not those waiting for moderation or
    marked as spam (a held report has no public side but ``held``)."""
    hidden = PublicCase.objects.filter(moderation__in=HIDDEN_MODERATION).values("incident_id")
    return Incident.objects.exclude(pk__in=hidden).exclude(status=CaseStatus.HELD)


def _place(incident: Incident) -> str:
    area = incident.filed_area
    # The community (or the area filed under): a name on every map, not an address.
    while area is not None and area.level == "grid" and area.parent_id:
        area = area.parent
    return area.name if area is not None else ""


def present_many(incidents: list[Incident], *, with_steps: bool = False) -> dict[int, PublicView]:
    """{case id: its public view}, in a few queries whatever the number of cases."""
    ids = [incident.pk for incident in incidents]
    sides = {side.incident_id: side for side in PublicCase.objects.filter(incident_id__in=ids)}
    departments: dict[int, list[str]] = {}
    for incident_id, name, name_en in (
        Assignment.objects.filter(incident_id__in=ids, status__in=ACTIVE_ASSIGNMENT)
        .order_by("department__code").values_list("incident_id", "department__name", "department__name_en")
    ):
        departments.setdefault(incident_id, []).append(in_language(name, name_en))
    entries: dict[int, list[TimelineEntry]] = {}
    wanted = Q(action="publish") if not with_steps else Q(action__in=list(PUBLIC_STEPS))
    for entry in TimelineEntry.objects.filter(wanted, incident_id__in=ids).order_by("incident_id", "version").only(
        "incident_id", "action", "at", "params"
    ):
        entries.setdefault(entry.incident_id, []).append(entry)
    pending = set(IncidentPhoto.objects.filter(incident_id__in=ids, state=PhotoState.PENDING).values_list("incident_id", flat=True))
    views = {}
    for incident in incidents:
        side = sides.get(incident.pk)
        lat, lng = rounded(incident.location)
        view = PublicView(
            incident=incident, number=case_number(incident), status=str(PUBLIC_STATUS.get(incident.status, _("Received"))),
            closed=incident.status in (Status.CLOSED, Status.REJECTED, Status.DUPLICATE), lat=lat, lng=lng,
            place=_place(incident), departments=departments.get(incident.pk, []),
            photo_id=side.public_photo_id if side else None, photo_pending=incident.pk in pending,
        )
        for entry in entries.get(incident.pk, []):
            note = str((entry.params or {}).get("public_note") or "") if entry.action == "publish" else ""
            if entry.action == "publish" and not note:
                continue
            step = Step(at=entry.at, label=str(PUBLIC_STEPS[entry.action]), note=note)
            if note:
                view.notes.append(step)
            if with_steps:
                view.steps.append(step)
        views[incident.pk] = view
    return views


def present(incident: Incident) -> PublicView:
    view = present_many([incident], with_steps=True)[incident.pk]
    view.verdict = Verdict.objects.filter(incident_id=incident.pk).order_by("-at").first()
    return view


def is_resident_case(incident: Incident) -> bool:
    return incident.source == Source.RESIDENT


PHOTO_PENDING = gettext_lazy("Photo being processed")


def photo_url(request, photo_id: int | None) -> str:
    """The signed public link of a case's public photo ("" when it has none)."""
    if not photo_id:
        return ""
    token = signing.dumps(photo_id, salt=PHOTO_SALT, compress=False)
    return request.build_absolute_uri(reverse("open311-media", kwargs={"token": token}))
