"""Who may run the command centre's and the departments' acts on a case.

At district level the case is held by the command centre: its dispatchers (``incidents.rules``).
A department acts on a case only through its live share of it (``Assignment``), and only in the
share's states the act starts from.
"""
from __future__ import annotations

from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from accounts.capabilities import Capability, role_can
from incidents.rules import holds_level, may_verify

from .models import ACTIVE_ASSIGNMENT, Assignment, AssignmentStatus, ExtensionRequest, ExtensionStatus
from .shares import live_share, share_state

OPEN_SHARE = (AssignmentStatus.PENDING, AssignmentStatus.ACCEPTED)

# The level refusal of every act of the centre and the departments.
ONLY_AT_CENTRE = gettext_lazy(
    "“%(action)s” is only possible while the command centre holds case #%(id)s; it is held at %(level)s level."
)


def department_may(*states: str):
    """The actor's department has a live share of the case in one of ``states``."""
    def permission(user, incident) -> bool:
        if not role_can(user, Capability.WORK_DEPARTMENT_SHARES):
            return False
        share = live_share(incident, user.department_id)
        return share is not None and share_state(share, incident) in states

    return permission


def centre(user, incident) -> bool:
    return holds_level(user, incident)


def centre_with_pending_extension(user, incident) -> bool:
    return (
        centre(user, incident)
        and ExtensionRequest.objects.filter(assignment__incident_id=incident.pk, status=ExtensionStatus.PENDING).exists()
    )


def centre_with_late_share(user, incident) -> bool:
    return centre(user, incident) and Assignment.objects.filter(incident_id=incident.pk, status__in=OPEN_SHARE).exists()


def extension_refusal(user, incident) -> str:
    """A department asks for more time only on a case it has accepted (签收 first, then 延期)."""
    if role_can(user, Capability.WORK_DEPARTMENT_SHARES):
        share = live_share(incident, user.department_id)
        if share is not None and share_state(share, incident) == AssignmentStatus.PENDING:
            return _("Accept case #%(id)s before asking for more time.") % {"id": incident.pk}
    return refusal(user, incident)


def centre_with_open_share(user, incident) -> bool:
    """The centre, on a case some department still has open (what a correction withdraws)."""
    return centre(user, incident) and Assignment.objects.filter(incident_id=incident.pk, status__in=ACTIVE_ASSIGNMENT).exists()


def refusal(user, incident) -> str:
    if role_can(user, Capability.WORK_DEPARTMENT_SHARES):
        return _("Case #%(id)s is not with your department for that now.") % {"id": incident.pk}
    return _("Only the command centre that holds case #%(id)s can do that.") % {"id": incident.pk}


# --- the public side: publishing, moderation, verdicts ------------------------------------------

class PublicReporter:
    """A resident who reported without an account, acting through the status page's token: an
    actor of the machine with no user behind it (the timeline shows the act, no name)."""

    pk = None
    is_authenticated = False
    is_active = False
    is_superuser = False

    def __init__(self, incident_id: int):
        self.incident_id = incident_id


def may_publish(user, incident) -> bool:
    """The public note and photo: whoever holds the case, or the cell's grid worker who checks it."""
    return not isinstance(user, PublicReporter) and may_verify(user, incident)


def may_give_verdict(user, incident) -> bool:
    """The reporter judges the closure: a resident by the status page (their own case only), a grid
    worker her own report in her app, the command centre a hotline or Open311 caller's call-back."""
    from incidents.models import Source

    if isinstance(user, PublicReporter):
        return user.incident_id == incident.pk and incident.source == Source.RESIDENT
    if not getattr(user, "is_authenticated", False) or not user.is_active:
        return False
    if incident.source in (Source.PATROL, Source.SELF_REPORT):
        return incident.reporter_id == user.pk
    if incident.source in (Source.HOTLINE, Source.OPEN311):
        return role_can(user, Capability.RUN_COMMAND_CENTRE) and holds_level(user, incident)
    return False
