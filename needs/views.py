"""The needs pages of staff and volunteers, phone first (docs/needs.md#pages)."""
from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.http import Http404
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_POST

from accounts.capabilities import Capability, can
from accounts.models import Department
from accounts.scope import get_scoped_or_404, scoped
from incidents.errors import IncidentError
from incidents.models import Urgency
from residents.models import Household

from . import actions, channels, counting, history, queries, rules
from .models import Need, NeedKind, NeedSource, Volunteer, VolunteerStatus


def _require(user, capability: Capability, message: str) -> None:
    if not can(user, capability):
        raise PermissionDenied(message)


@login_required
@require_GET
def work_list(request):
    """Grid worker (her cells), community and street staff, the command centre."""
    _require(request.user, Capability.WORK_NEEDS, _("Your role does not work on needs."))
    return render(request, "needs/list.html", {
        "rows": queries.rows(queries.worklist(request.user), request.user), "mode": "work",
        "can_record": rules.may_record(request.user), "can_hotline": can(request.user, Capability.TAKE_HOTLINE_CALLS),
    })


@login_required
@require_GET
def volunteer_list(request):
    _require(request.user, Capability.CLAIM_NEEDS, _("Only volunteers claim needs."))
    claimable, mine = queries.volunteer_list(request.user)
    return render(request, "needs/volunteer.html", {
        "claimable": queries.rows(claimable, request.user), "mine": queries.rows(mine, request.user),
    })


@login_required
@require_GET
def department_list(request):
    _require(request.user, Capability.FULFIL_DEPARTMENT_NEEDS, _("Your role does not deliver needs."))
    return render(request, "needs/list.html", {"rows": queries.rows(queries.department_list(request.user), request.user), "mode": "department"})


@login_required
@require_GET
def overview(request):
    """A leader's figures: open and overdue needs by kind, and the list without households' details."""
    _require(request.user, Capability.READ_NEEDS, _("Your role does not read needs."))
    area = request.user.area
    return render(request, "needs/overview.html", {
        "counts": counting.open_by_kind(area), "rows": queries.rows(queries.worklist(request.user), request.user),
    })


@login_required
@require_GET
def detail(request, pk: int):
    need = get_scoped_or_404(queries.visible_needs(request.user), request.user, pk=pk)
    staff = can(request.user, Capability.WORK_NEEDS)
    return render(request, "needs/detail.html", {
        # The one page that shows a hotline caller's number in full, to those who work the need: they call back.
        "row": queries.row(need, request.user, full_caller_phone=True), "lines": history.lines(need, show_people=staff),
        "departments": Department.objects.filter(active=True) if rules.may_hand_on(request.user, need) else [],
    })


@login_required
@require_POST
def act(request, pk: int, action: str):
    if action not in channels.ACTS:
        raise Http404(_("There is no such act."))
    need = get_scoped_or_404(queries.visible_needs(request.user), request.user, pk=pk)
    try:
        channels.run(action, need, request.user, request.POST)
    except IncidentError as exc:
        messages.error(request, exc.message)
    else:
        messages.success(request, _("Done."))
    back = request.POST.get("next", "")
    if back.startswith("/needs/") and "//" not in back:
        return redirect(back)
    return redirect(reverse("needs:detail", args=[need.pk]))


def _households(user):
    return scoped(Household.objects.select_related("dwelling__building"), user).order_by(
        "dwelling__building__address", "dwelling__unit", "dwelling__floor", "dwelling__room")[:500]


@login_required
def new(request):
    """Record a need. With JavaScript the form goes through the phone's outbox to the API (works
    offline); without it, this view records it."""
    _require(request.user, Capability.WORK_NEEDS, _("Your role does not record needs."))
    kinds = NeedKind.objects.filter(active=True)
    chosen = request.GET.get("household") or request.POST.get("household") or ""
    if request.method == "POST":
        household = get_scoped_or_404(Household.objects.all(), request.user, pk=_int(chosen))
        try:
            need = actions.record_need(
                household=household, kind=request.POST.get("kind", ""), urgency=request.POST.get("urgency", Urgency.NORMAL),
                description=request.POST.get("description", ""), source=NeedSource.GRID_WORKER, actor=request.user,
                client_id=request.POST.get("client_id", ""),
            )
        except IncidentError as exc:
            messages.error(request, exc.message)
        else:
            messages.success(request, _("Need recorded."))
            return redirect(reverse("needs:detail", args=[need.pk]))
    return render(request, "needs/new.html", {
        "kinds": kinds, "households": _households(request.user), "chosen": chosen, "urgencies": Urgency.choices,
    })


def _int(raw) -> int:
    try:
        return int(raw)
    except (TypeError, ValueError):
        raise Http404(_("No such household in your jurisdiction."))


@login_required
@require_POST
def household_code(request, pk: int):
    """Issue (or, with ``revoke``, withdraw) the household's code for the public page."""
    household = get_scoped_or_404(Household.objects.select_related("dwelling__building"), request.user, pk=pk)
    try:
        if request.POST.get("revoke"):
            actions.revoke_code(household=household, actor=request.user)
            messages.success(request, _("The household's code no longer works."))
            return redirect(reverse("needs:new") + f"?household={household.pk}")
        code = actions.issue_code(household=household, actor=request.user)
    except IncidentError as exc:
        raise PermissionDenied(exc.message)
    return render(request, "needs/code.html", {
        "household": household, "code": code, "dwelling": household.dwelling,
        "public_url": request.build_absolute_uri(reverse("public_needs:open")),
    })


@login_required
@require_GET
def volunteers(request):
    _require(request.user, Capability.VERIFY_VOLUNTEERS, _("Your role does not verify volunteers."))
    listed = scoped(Volunteer.objects.select_related("community"), request.user)
    return render(request, "needs/volunteers.html", {
        "pending": listed.filter(status=VolunteerStatus.PENDING), "verified": listed.filter(status=VolunteerStatus.VERIFIED)[:200],
    })


@login_required
@require_POST
def volunteer_decision(request, pk: int, decision: str):
    _require(request.user, Capability.VERIFY_VOLUNTEERS, _("Your role does not verify volunteers."))
    volunteer = get_scoped_or_404(Volunteer.objects.all(), request.user, pk=pk)
    act = {"verify": actions.verify_volunteer, "reject": actions.reject_volunteer}.get(decision)
    if act is None:
        raise Http404(_("There is no such act."))
    try:
        act(volunteer=volunteer, actor=request.user)
    except IncidentError as exc:
        messages.error(request, exc.message)
    else:
        messages.success(request, _("Volunteer verified.") if decision == "verify" else _("Registration not accepted."))
    return redirect(reverse("needs:volunteers"))
