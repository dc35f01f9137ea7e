"""Incidents' own acts on a case, each with its runner, and their rows of the machine's table.

========================  ==========================================  ===============  ==================
act                       from                                        to               who
========================  ==========================================  ===============  ==================
register (立案)           reported                                    registered       level holder
reject (不予立案)         reported                                    rejected         level holder, reason
assign                    registered, assigned, rework                assigned         level holder
start                     registered, assigned, rework                in_progress      assignee or holder
handle (反馈)             registered, assigned, in_progress, rework   handled          assignee or holder, after-photo
verify (核查) pass        handled                                     verified         cell's grid worker or holder
rework (verify failed)    handled                                     rework           cell's grid worker or holder, reason
close (结案)              verified                                    closed           level holder
resolve_at_grid           reported … rework, at grid level            closed           cell's grid worker, before+after photos, minor class
request_help              open, below district                        one level up     level holder, reason
send_down                 open, above grid                            a level down     level holder, reason
escalate (automatic)      open, below district, deadline passed       one level up     the sweep only
link_duplicate            any active                                  duplicate        level holder; the original in their jurisdiction
add_info                  any active                                  (unchanged)      anyone who works cases and sees it
========================  ==========================================  ===============  ==================

"Open" statuses (``kinds.OPEN_STATUSES``) run a deadline that escalates. Changing level hands a
taken case (assigned, in progress, rework …) back as registered, clears the assignee, and starts
the new level's deadline (``levels``).
"""
from __future__ import annotations

from typing import Sequence

from django.db import transaction
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from accounts.capabilities import Capability, role_can
from accounts.models import User
from accounts.scope import scoped
from grids.models import Area, Level

from .. import rules
from ..errors import InvalidInput, NotAllowed
from ..kinds import ACTIVE_STATUSES, OPEN_STATUSES
from ..levels import LEVEL_CHAIN, NEXT_LEVEL, code_at_level
from ..models import Incident, NotificationKind, PhotoStage, Status, TimelineEntry
from ..rules import level_staff
from .machine import Act, ActRequest, check, prepare, save_photos, transition

_WORKABLE = (Status.REGISTERED, Status.ASSIGNED, Status.REWORK)
_BEFORE_HANDLED = (Status.REPORTED, Status.REGISTERED, Status.ASSIGNED, Status.IN_PROGRESS, Status.REWORK)


def area_at_level(area: Area, level: str) -> Area | None:
    """The current area of ``level`` on the path of ``area`` (codes nest: docs/domain.md, "Codes")."""
    code = code_at_level(area.code, level)
    if code is None:
        return None
    found = Area.objects.current().filter(code=code, level=level).first()
    if found is None and code == area.code:
        return area
    return found


def resolvable(incident: Incident) -> bool:
    """A minor matter a grid worker may settle alone (小事不出网格): the rule of ``incidents.rules``."""
    return rules.minor_matter(incident)


def register(incident: Incident, *, actor, note: str = "", expected_version: int | None = None) -> TimelineEntry:
    check(incident, "register", actor, expected_version=expected_version, note=note)
    return transition(incident, action="register", to_status=Status.REGISTERED, actor=actor, expected_status=incident.status,
                      expected_version=expected_version, note=note)


def reject(incident: Incident, *, actor, reason: str, expected_version: int | None = None) -> TimelineEntry:
    check(incident, "reject", actor, expected_version=expected_version, note=reason)
    return transition(
        incident, action="reject", to_status=Status.REJECTED, actor=actor, expected_status=incident.status,
        expected_version=expected_version, note=reason, notifications=[([incident.reporter], NotificationKind.REJECTED)],
    )


def assign(incident: Incident, *, actor, assignee: User | None = None, note: str = "", expected_version: int | None = None) -> TimelineEntry:
    check(incident, "assign", actor, expected_version=expected_version, note=note)
    assignee = assignee or actor
    if not rules.may_be_assigned(assignee, incident) and not (assignee == actor and role_can(actor, Capability.RUN_COMMAND_CENTRE)):
        raise InvalidInput(
            _("%(name)s does not work at the level that holds case #%(id)s.") % {"name": assignee.display_name, "id": incident.pk},
            field="assignee",
        )
    return transition(
        incident, action="assign", to_status=Status.ASSIGNED, actor=actor, expected_status=incident.status,
        expected_version=expected_version, note=note, changes={"assignee": assignee}, params={"assignee": assignee.display_name},
        notifications=[([assignee], NotificationKind.ASSIGNED)],
    )


def start(incident: Incident, *, actor, note: str = "", expected_version: int | None = None) -> TimelineEntry:
    check(incident, "start", actor, expected_version=expected_version, note=note)
    changes = {} if incident.assignee_id else {"assignee": actor}
    return transition(incident, action="start", to_status=Status.IN_PROGRESS, actor=actor, expected_status=incident.status,
                      expected_version=expected_version, note=note, changes=changes)


def handle(incident: Incident, *, actor, note: str = "", photos: Sequence = (), expected_version: int | None = None) -> TimelineEntry:
    """Feedback (反馈): what was done, with at least one after-photo."""
    check(incident, "handle", actor, expected_version=expected_version, note=note)
    prepared = prepare(photos)
    if not prepared:
        raise InvalidInput(_("Add a photo of the place after the work."), field="photos")
    verifiers = level_staff(Level.GRID, incident.cell) if incident.cell_id else level_staff(incident.level, incident.area)
    return transition(
        incident, action="handle", to_status=Status.HANDLED, actor=actor, expected_status=incident.status,
        expected_version=expected_version, note=note, photos=prepared, photo_stage=PhotoStage.AFTER,
        notifications=[(verifiers, NotificationKind.HANDLED)],
    )


def verify(
    incident: Incident, *, actor, passed: bool, note: str = "", photos: Sequence = (), expected_version: int | None = None
) -> TimelineEntry:
    """On-site check (核查): pass → verified; fail → rework (返工), with the reason. A case with
    departments reopens their handled shares on their next act (dispatch)."""
    action = "verify" if passed else "rework"
    check(incident, action, actor, expected_version=expected_version, note=note)
    prepared = prepare(photos)
    notifications = [] if passed else [([incident.assignee] if incident.assignee_id else level_staff(incident.level, incident.area),
                                        NotificationKind.REWORK)]
    return transition(
        incident, action=action, to_status=Status.VERIFIED if passed else Status.REWORK, actor=actor,
        expected_status=incident.status, expected_version=expected_version, note=note, photos=prepared,
        notifications=notifications,
    )


def close(incident: Incident, *, actor, note: str = "", expected_version: int | None = None) -> TimelineEntry:
    check(incident, "close", actor, expected_version=expected_version, note=note)
    return transition(
        incident, action="close", to_status=Status.CLOSED, actor=actor, expected_status=incident.status,
        expected_version=expected_version, note=note, notifications=[([incident.reporter], NotificationKind.CLOSED)],
    )


def resolve_at_grid(
    incident: Incident, *, actor, note: str = "", before_photos: Sequence = (), after_photos: Sequence = (),
    expected_version: int | None = None,
) -> TimelineEntry:
    """A grid worker settles a minor case in the cell (小事不出网格): before and after photos, closed."""
    check(incident, "resolve_at_grid", actor, expected_version=expected_version, note=note)
    if not resolvable(incident):
        raise NotAllowed(
            _("“%(category)s” is not a minor matter a grid worker may settle alone; register it instead.")
            % {"category": incident.category.label}
        )
    before = prepare(before_photos, "before_photos")
    after = prepare(after_photos, "after_photos")
    if not before and not incident.photos.filter(stage=PhotoStage.BEFORE).exists():
        raise InvalidInput(_("Add a photo of the place before the work."), field="before_photos")
    if not after:
        raise InvalidInput(_("Add a photo of the place after the work."), field="after_photos")
    with transaction.atomic():
        entry = transition(
            incident, action="resolve_at_grid", to_status=Status.CLOSED, actor=actor, expected_status=incident.status,
            expected_version=expected_version, note=note, photos=after, photo_stage=PhotoStage.AFTER,
            changes={"resolved_at_grid": True, "assignee": actor},
        )
        save_photos(incident, entry, before, PhotoStage.BEFORE, actor)
    return entry


def request_help(incident: Incident, *, actor, reason: str, expected_version: int | None = None) -> TimelineEntry:
    """The level holding the case asks the level above to take it (escalation by hand)."""
    check(incident, "request_help", actor, expected_version=expected_version, note=reason)
    to_level = NEXT_LEVEL[incident.level]
    to_area = area_at_level(incident.area, to_level)
    return transition(
        incident, action="request_help", to_status=None, actor=actor, expected_status=incident.status,
        expected_version=expected_version, note=reason, to_level=to_level, to_area=to_area,
        notifications=[(level_staff(to_level, to_area), NotificationKind.HELP_REQUESTED)],
    )


def send_down(
    incident: Incident, *, actor, reason: str, to_level: str | None = None, expected_version: int | None = None
) -> TimelineEntry:
    """The level holding the case returns it to a lower level (by default the one below), with a reason."""
    check(incident, "send_down", actor, expected_version=expected_version, note=reason)
    current = LEVEL_CHAIN.index(incident.level)
    to_level = to_level or LEVEL_CHAIN[current - 1]
    if to_level not in LEVEL_CHAIN or LEVEL_CHAIN.index(to_level) >= current:
        raise InvalidInput(_("Choose a level below the one that holds the case."), field="to_level")
    to_area = area_at_level(incident.filed_area, to_level)
    if to_level == Level.GRID:
        to_area = incident.cell if incident.cell_id and incident.cell.valid_to is None else to_area
    if to_area is None:
        raise InvalidInput(
            _("Case #%(id)s lies outside every %(level)s area, so it cannot be sent down there.")
            % {"id": incident.pk, "level": Level(to_level).label},
            field="to_level",
        )
    return transition(
        incident, action="send_down", to_status=None, actor=actor, expected_status=incident.status,
        expected_version=expected_version, note=reason, to_level=to_level, to_area=to_area,
        notifications=[(level_staff(to_level, to_area), NotificationKind.SENT_DOWN)],
    )


def _first_of_chain(incident: Incident, original: Incident, actor) -> Incident:
    """Follow ``original``'s duplicate chain to its first case, without leaving the actor's
    jurisdiction: a case outside it ends the walk as if it did not exist."""
    seen = {incident.pk}
    visible = scoped(Incident.objects.all(), actor)
    while original.duplicate_of_id is not None and original.pk not in seen:
        seen.add(original.pk)
        earlier = visible.filter(pk=original.duplicate_of_id).first()
        if earlier is None:
            break
        original = earlier
    if original.pk in seen:
        raise InvalidInput(_("A case cannot be a duplicate of itself."), field="original")
    return original


def link_duplicate(
    incident: Incident, *, actor, original: Incident, note: str = "", expected_version: int | None = None
) -> TimelineEntry:
    """Mark the case a duplicate of ``original`` (followed to the first of its chain), noted on both.
    ``original`` must be a case the actor may see, like any other object an act names."""
    check(incident, "link_duplicate", actor, expected_version=expected_version, note=note)
    if not scoped(Incident.objects.filter(pk=original.pk), actor).exists():
        raise InvalidInput(_("No such case in your jurisdiction."), field="original")
    original = _first_of_chain(incident, original, actor)
    if original.status == Status.REJECTED:
        raise InvalidInput(_("Case #%(id)s was rejected; link to a live case.") % {"id": original.pk}, field="original")
    with transaction.atomic():
        # Lock both rows in pk order so two links made at once cannot deadlock.
        list(Incident.objects.select_for_update(of=("self",)).filter(pk__in=[incident.pk, original.pk]).order_by("pk"))
        entry = transition(
            incident, action="link_duplicate", to_status=Status.DUPLICATE, actor=actor, expected_status=incident.status,
            expected_version=expected_version, note=note, changes={"duplicate_of": original}, params={"original": original.pk},
        )
        original.refresh_from_db()
        transition(
            original, action="duplicate_linked", to_status=None, actor=actor, expected_status=original.status,
            params={"duplicate": incident.pk},
        )
    return entry


def add_info(incident: Incident, *, actor, note: str = "", photos: Sequence = (), expected_version: int | None = None) -> TimelineEntry:
    """More words or photos on an open case, e.g. from somebody who found it already reported."""
    check(incident, "add_info", actor, expected_version=expected_version, note=note)
    prepared = prepare(photos)
    if not (note or "").strip() and not prepared:
        raise InvalidInput(_("Add a note or a photo."), field="note")
    return transition(
        incident, action="add_info", to_status=None, actor=actor, expected_status=incident.status,
        expected_version=expected_version, note=note, photos=prepared, photo_stage=PhotoStage.BEFORE,
    )


# --- runners: an act's fields, read from a form or a JSON body ----------------------------------

def _assignee_from(request: ActRequest) -> User | None:
    raw = request.value("assignee")
    if raw is None:
        return None
    assignee = User.objects.filter(pk=int(raw)).first() if str(raw).isdigit() else None
    if assignee is None:
        raise InvalidInput(_("No such user."), field="assignee")
    return assignee


def _original_from(request: ActRequest) -> Incident:
    raw = str(request.value("original") or "").strip().lstrip("#")
    if not raw.isdigit():
        raise InvalidInput(_("Give the number of the case this one duplicates."), field="original")
    # Out of the actor's jurisdiction reads exactly as "no such case": nothing about it leaks.
    original = scoped(Incident.objects.all(), request.actor).filter(pk=int(raw)).first()
    if original is None:
        raise InvalidInput(_("No such case in your jurisdiction."), field="original")
    return original


def _passed(request: ActRequest, name: str) -> bool:
    return name == "verify" and str(request.data.get("passed", "true")).lower() not in ("false", "0", "no", "off")


def _run_verify(name: str):
    def runner(incident: Incident, request: ActRequest) -> TimelineEntry:
        return verify(incident, passed=_passed(request, name), note=request.note, photos=request.photos(), **request.acting())

    return runner


def _run_resolve_at_grid(incident: Incident, request: ActRequest) -> TimelineEntry:
    return resolve_at_grid(
        incident, note=request.note, before_photos=request.photos("before_photos"),
        after_photos=request.photos("after_photos") or request.photos(), **request.acting(),
    )


ACTS = [
    Act("register", gettext_lazy("Register"), [Status.REPORTED], Status.REGISTERED, rules.holds_level,
        runner=lambda incident, r: register(incident, note=r.note, **r.acting())),
    Act("reject", gettext_lazy("Reject"), [Status.REPORTED], Status.REJECTED, rules.holds_level, note_required=True,
        runner=lambda incident, r: reject(incident, reason=r.note, **r.acting())),
    Act("assign", gettext_lazy("Assign"), _WORKABLE, Status.ASSIGNED, rules.holds_level,
        message=gettext_lazy("Assigned to %(assignee)s."),
        runner=lambda incident, r: assign(incident, assignee=_assignee_from(r), note=r.note, **r.acting())),
    Act("start", gettext_lazy("Start work"), _WORKABLE, Status.IN_PROGRESS, rules.is_assignee_or_holder,
        runner=lambda incident, r: start(incident, note=r.note, **r.acting())),
    Act("handle", gettext_lazy("Report as handled"), _WORKABLE + (Status.IN_PROGRESS,), Status.HANDLED,
        rules.is_assignee_or_holder,
        runner=lambda incident, r: handle(incident, note=r.note, photos=r.photos(), **r.acting())),
    Act("verify", gettext_lazy("Verification passed"), [Status.HANDLED], Status.VERIFIED, rules.may_verify,
        runner=_run_verify("verify")),
    Act("rework", gettext_lazy("Verification failed: rework"), [Status.HANDLED], Status.REWORK, rules.may_verify,
        note_required=True, runner=_run_verify("rework")),
    Act("close", gettext_lazy("Close"), [Status.VERIFIED], Status.CLOSED, rules.holds_level,
        runner=lambda incident, r: close(incident, note=r.note, **r.acting())),
    Act("resolve_at_grid", gettext_lazy("Settled at grid level"), _BEFORE_HANDLED, Status.CLOSED, rules.may_resolve_at_grid,
        levels=frozenset([Level.GRID]), offered=resolvable, runner=_run_resolve_at_grid),
    Act("request_help", gettext_lazy("Ask the level above for help"), OPEN_STATUSES, None, rules.holds_level,
        levels=frozenset([Level.GRID, Level.COMMUNITY, Level.STREET]), note_required=True,
        runner=lambda incident, r: request_help(incident, reason=r.note, **r.acting())),
    Act("send_down", gettext_lazy("Send down a level"), OPEN_STATUSES, None, rules.holds_level,
        levels=frozenset([Level.COMMUNITY, Level.STREET, Level.DISTRICT]), note_required=True,
        runner=lambda incident, r: send_down(incident, reason=r.note, to_level=r.value("to_level"), **r.acting())),
    # Only the sweep escalates (actions.escalation); no channel runs it.
    Act("escalate", gettext_lazy("Escalated: deadline passed"), OPEN_STATUSES, None, lambda user, incident: False,
        levels=frozenset([Level.GRID, Level.COMMUNITY, Level.STREET])),
    Act("link_duplicate", gettext_lazy("Mark as a duplicate"), ACTIVE_STATUSES, Status.DUPLICATE, rules.holds_level,
        message=gettext_lazy("Duplicate of case #%(original)s."),
        runner=lambda incident, r: link_duplicate(incident, original=_original_from(r), note=r.note, **r.acting())),
    # Written on the original when a duplicate is linked to it; a record, not an act anybody runs.
    Act("duplicate_linked", gettext_lazy("A duplicate was linked"), ACTIVE_STATUSES, None, lambda user, incident: False,
        message=gettext_lazy("Case #%(duplicate)s was linked as a duplicate of this one.")),
    Act("add_info", gettext_lazy("Add information"), ACTIVE_STATUSES, None, rules.may_add_to,
        runner=lambda incident, r: add_info(incident, note=r.note, photos=r.photos(), **r.acting())),
]
