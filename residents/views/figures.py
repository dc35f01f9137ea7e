"""Resident pages of figures and records kept about the records: population statistics, the reveal audit log."""
from __future__ import annotations

import datetime as dt
from urllib.parse import urlencode

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.http import Http404
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _

from accounts.capabilities import Capability, role_can
from accounts.scope import get_scoped_or_404, scoped
from grids.models import Area

from ..models import ResidentType, RevealAudit
from ..policy import can_read_audit, can_see_records, can_see_sensitive_tags, can_see_statistics
from ..queries import area_statistics, my_cells
from ..pagination import CappedPaginator as Paginator


# --- statistics -----------------------------------------------------------------------------

@login_required
def statistics(request, code: str | None = None):
    user = request.user
    if not can_see_statistics(user):
        raise PermissionDenied(_("Your role does not read population statistics."))
    if code is None:
        if role_can(user, Capability.WORK_CELLS):
            first = my_cells(user).first()
        else:
            first = user.area if user.area_id else scoped(Area.objects.current(), user).order_by("code").first()
        if first is None:
            raise Http404(_("You have no area yet."))
        return redirect("residents:area", code=first.code)
    area = get_scoped_or_404(Area.objects.current().select_related("parent"), user, code=code)
    stats = area_statistics(area, include_sensitive=can_see_sensitive_tags(user))
    parent_visible = area.parent_id and scoped(Area.objects.filter(pk=area.parent_id), user).exists()
    labels = dict(ResidentType.choices)
    return render(request, "residents/statistics.html", {
        "area": area,
        "stats": stats,
        "by_type": [(labels[k], v) for k, v in stats["by_resident_type"].items()],
        "parent": area.parent if parent_visible else None,
        "can_list": can_see_records(user),
    })


# --- audit log ------------------------------------------------------------------------------

@login_required
def audit_log(request):
    if not can_read_audit(request.user):
        raise Http404
    audits = scoped(RevealAudit.objects.select_related("actor", "person"), request.user)
    actor = request.GET.get("actor", "").strip()
    if actor:
        audits = audits.filter(actor__username=actor)
    person = request.GET.get("person", "").strip()
    if person.isdigit():
        audits = audits.filter(person_id=int(person))
    since = request.GET.get("since", "")
    try:
        if since:
            audits = audits.filter(at__date__gte=dt.date.fromisoformat(since))
    except ValueError:
        messages.error(request, _("Give the date as YYYY-MM-DD."))
    page = Paginator(audits, 50).get_page(request.GET.get("page"))
    query = urlencode({k: v for k, v in (("actor", actor), ("person", person), ("since", since)) if v})
    return render(request, "residents/audit.html", {"page": page, "actor": actor, "person": person, "since": since, "query": query})
