"""The department's inbox and the grid worker's on-site checks."""

from __future__ import annotations

from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.shortcuts import render
from django.utils import timezone

from accounts.capabilities import Capability, can
from incidents.models import Status

from .. import queries
from ..models import AssignmentStatus
from ..shares import share_state


@login_required
def inbox(request):
    if not can(request.user, Capability.WORK_DEPARTMENT_SHARES):
        raise PermissionDenied
    now = timezone.now()
    shares = list(queries.department_inbox(request.user)[:300])
    history = list(queries.department_inbox(request.user, include_done=True).exclude(pk__in=[s.pk for s in shares])[:50])
    rows = []
    for share in shares:
        state = share_state(share, share.incident)
        rows.append(
            {
                "share": share,
                "light": queries.share_light(share, now),
                "state": state,
                "rework": share.status == AssignmentStatus.HANDLED and share.incident.status == Status.REWORK,
                "waiting": state in (AssignmentStatus.PENDING, AssignmentStatus.ACCEPTED),
            }
        )
    return render(request, "dispatch/inbox.html", {"rows": rows, "history": history, "department": request.user.department})


# --- the grid worker's checks -------------------------------------------------------------------------------


@login_required
def checks(request):
    cases = list(queries.checks_for(request.user)[:100])
    return render(request, "dispatch/checks.html", {"cases": cases})
