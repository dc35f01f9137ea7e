"""The departments' acts on a case dispatched to them: accept, return, report back, ask for more
time — each with its runner and its row of the case machine's table.

=====================  ====================================  ===================  ====================
act                    case status from                      case status to       who
=====================  ====================================  ===================  ====================
accept (签收)           dispatched, in progress               in progress          the department
return (退回)           dispatched, in progress, rework       from the shares      the department, reason
feedback (反馈)         dispatched, in progress, rework       from the shares      the department, photo
request_extension      in progress, rework (share accepted)  (unchanged)          the department, reason
=====================  ====================================  ===================  ====================

"From the shares": see ``dispatch.shares.case_status_for``. When a case comes back for rework,
the departments' handled shares reopen on their next act.
"""
from __future__ import annotations

from datetime import datetime, timedelta
from typing import Sequence

from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from incidents.actions.machine import check, prepare, transition
from incidents.errors import Conflict, Forbidden, InvalidInput, NotAllowed
from incidents.models import Incident, NotificationKind, PhotoStage, Status, TimelineEntry
from incidents.timeline import local_time, when

from .. import rules
from ..kinds import CaseStatus, DispatchKind
from ..models import Assignment, AssignmentStatus, ExtensionRequest, ExtensionStatus
from ..rules import OPEN_SHARE
from ..shares import WITH_DEPARTMENTS, case_status_for, centre_staff, live_share, shares_after
from .centre import MAX_EXTENSION_DAYS
from .inputs import parse_deadline
from .shares import claim_share, reopen_for_rework
from .table import district_act

MAX_EXTENSION = timedelta(days=MAX_EXTENSION_DAYS)


def _own_share(incident: Incident, actor) -> Assignment:
    share = live_share(incident, getattr(actor, "department_id", None))
    if share is None:
        raise Forbidden(_("Case #%(id)s is not with your department.") % {"id": incident.pk})
    return share


def accept(
    incident: Incident, *, actor, note: str = "", expected_version: int | None = None, now: datetime | None = None
) -> TimelineEntry:
    """The department takes the case on (签收)."""
    check(incident, "accept", actor, expected_version=expected_version, note=note)
    now = now or timezone.now()
    share = _own_share(incident, actor)
    new_status = case_status_for(shares_after(incident, share, AssignmentStatus.ACCEPTED))
    with transaction.atomic():
        entry = transition(
            incident,
            action="accept",
            to_status=new_status,
            actor=actor,
            expected_status=incident.status,
            expected_version=expected_version,
            note=note,
            params={"department": share.department.name},
            now=now,
        )
        claim_share(
            share, states=[AssignmentStatus.PENDING], status=AssignmentStatus.ACCEPTED, accepted_at=now, accepted_by=actor
        )
    return entry


def return_case(
    incident: Incident, *, actor, reason: str, expected_version: int | None = None, now: datetime | None = None
) -> TimelineEntry:
    """The department says the case is not its own (退回), with a reason. It is counted against the
    department; when no department is left on the case, it goes back to the centre (registered)."""
    check(incident, "return", actor, expected_version=expected_version, note=reason)
    now = now or timezone.now()
    share = _own_share(incident, actor)
    reason = reason.strip()
    new_status = case_status_for(shares_after(incident, share, AssignmentStatus.RETURNED))
    with transaction.atomic():
        expected_status = incident.status
        entry = transition(
            incident,
            action="return",
            to_status=new_status,
            actor=actor,
            expected_status=expected_status,
            expected_version=expected_version,
            note=reason,
            params={"department": share.department.name},
            notifications=[(centre_staff(incident), DispatchKind.RETURNED)],
            now=now,
        )
        reopen_for_rework(incident, expected_status)
        claim_share(
            share, states=OPEN_SHARE, status=AssignmentStatus.RETURNED, returned_at=now, returned_by=actor, return_reason=reason
        )
        ExtensionRequest.objects.filter(assignment=share, status=ExtensionStatus.PENDING).update(
            status=ExtensionStatus.REFUSED, decided_at=now, decision_note=""
        )
    return entry


def feedback(
    incident: Incident,
    *,
    actor,
    note: str = "",
    photos: Sequence = (),
    expected_version: int | None = None,
    now: datetime | None = None,
) -> TimelineEntry:
    """The department reports the work done (反馈), with at least one after-photo. When every
    department on the case has reported, the case is *handled* and waits for verification."""
    check(incident, "feedback", actor, expected_version=expected_version, note=note)
    prepared = prepare(photos)
    if not prepared:
        raise InvalidInput(_("Add a photo of the place after the work."), field="photos")
    now = now or timezone.now()
    share = _own_share(incident, actor)
    new_status = case_status_for(shares_after(incident, share, AssignmentStatus.HANDLED))
    notify = [(centre_staff(incident), NotificationKind.HANDLED)] if new_status == Status.HANDLED else []
    with transaction.atomic():
        expected_status = incident.status
        entry = transition(
            incident,
            action="feedback",
            to_status=new_status,
            actor=actor,
            expected_status=expected_status,
            expected_version=expected_version,
            note=note,
            params={"department": share.department.name},
            photos=prepared,
            photo_stage=PhotoStage.AFTER,
            notifications=notify,
            now=now,
        )
        reopen_for_rework(incident, expected_status)
        claim_share(
            share,
            states=OPEN_SHARE,
            status=AssignmentStatus.HANDLED,
            handled_at=now,
            handled_by=actor,
            feedback=(note or "").strip(),
            accepted_at=share.accepted_at or now,
            accepted_by=share.accepted_by or actor,
        )
        Assignment.objects.filter(pk=share.pk, first_handled_at__isnull=True).update(first_handled_at=now)
    return entry


def request_extension(
    incident: Incident, *, actor, deadline, reason: str, expected_version: int | None = None, now: datetime | None = None
) -> ExtensionRequest:
    """The department asks for more time (延期), e.g. when a part must be ordered."""
    check(incident, "request_extension", actor, expected_version=expected_version, note=reason)
    now = now or timezone.now()
    share = _own_share(incident, actor)
    wanted = parse_deadline(deadline)
    if wanted is None:
        raise InvalidInput(_("Say until when you need the case."), field="deadline")
    if wanted <= max(share.deadline, now):
        raise InvalidInput(
            _("Ask for a deadline after the current one, %(deadline)s.") % {"deadline": local_time(share.deadline)}, field="deadline"
        )
    if wanted - share.deadline > MAX_EXTENSION:
        raise InvalidInput(_("An extension may add at most %(days)d days.") % {"days": MAX_EXTENSION.days}, field="deadline")
    if ExtensionRequest.objects.filter(assignment=share, status=ExtensionStatus.PENDING).exists():
        raise NotAllowed(_("Your department already waits for an answer about more time on case #%(id)s.") % {"id": incident.pk})
    with transaction.atomic():
        transition(
            incident,
            action="request_extension",
            to_status=None,
            actor=actor,
            expected_status=incident.status,
            expected_version=expected_version,
            note=reason,
            params={"department": share.department.name, "deadline": when(wanted)},
            notifications=[(centre_staff(incident), DispatchKind.EXTENSION_REQUESTED)],
            now=now,
        )
        try:
            with transaction.atomic():
                extension = ExtensionRequest.objects.create(
                    assignment=share,
                    requested_by=actor,
                    requested_at=now,
                    previous_deadline=share.deadline,
                    requested_deadline=wanted,
                    reason=reason.strip(),
                )
        except IntegrityError as exc:
            raise Conflict(_("Your department already asked for more time just now.")) from exc
    return extension


ACTS = [
    district_act("accept", gettext_lazy("Accept"), [CaseStatus.DISPATCHED, Status.IN_PROGRESS], Status.IN_PROGRESS,
         rules.department_may(AssignmentStatus.PENDING), lambda incident, r: accept(incident, note=r.note, **r.acting()),
         message=gettext_lazy("%(department)s accepted the case.")),
    district_act("return", gettext_lazy("Return to the centre"), WITH_DEPARTMENTS, None, rules.department_may(*OPEN_SHARE),
         lambda incident, r: return_case(incident, reason=r.note, **r.acting()), note_required=True,
         message=gettext_lazy("Returned by %(department)s.")),
    district_act("feedback", gettext_lazy("Report back as handled"), WITH_DEPARTMENTS, None, rules.department_may(*OPEN_SHARE),
         lambda incident, r: feedback(incident, note=r.note, photos=r.photos(), **r.acting()),
         message=gettext_lazy("%(department)s reports it handled.")),
    # Only after acceptance: a department that has not taken the case on cannot yet know it needs more time.
    district_act("request_extension", gettext_lazy("Ask for more time"), WITH_DEPARTMENTS, None,
         rules.department_may(AssignmentStatus.ACCEPTED),
         lambda incident, r: request_extension(incident, deadline=r.data.get("deadline"), reason=r.note, **r.acting()),
         note_required=True, refusal=rules.extension_refusal,
         message=gettext_lazy("%(department)s asks for more time, until %(deadline)s")),
]
