"""The public pages of needs, without a staff account (docs/needs.md#the-households-page):

- a household opens its page by its dwelling number and the code its grid worker gave it, then
  records a need and confirms what it received; wrong codes are counted per address and per
  dwelling (Redis, ``dispatch.public.limits``) and the form asks the public report's signed
  question (``dispatch.public.challenge``), so a code cannot be guessed;
- a person registers as a volunteer (an account that signs in once community staff verify it).
"""
from __future__ import annotations

import time

from django.conf import settings
from django.contrib import messages
from django.http import Http404, HttpResponseRedirect
from django.shortcuts import render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods, require_POST

from dispatch.public import challenge, limits
from gridgov.client_ip import client_address
from grids.models import Area, Level
from incidents.errors import IncidentError, InvalidInput
from incidents.models import Urgency

from . import actions
from .actions.codes import code_hash, household_for
from .models import HouseholdCode, Need, NeedKind, NeedSource, NeedStatus

SESSION_KEY = "needs_household"
SESSION_SECONDS = 3600
MISS_WINDOW_IP_S = 600
MISS_WINDOW_DWELLING_S = 3600


def _open_form(request, *, error=None, status=200, dwelling=""):
    question, token = challenge.new_challenge()
    return render(request, "needs/public/open.html", {
        "question": question, "challenge": token, "error": error, "dwelling": dwelling,
    }, status=status)


def _count_miss(ip: str, dwelling: str) -> None:
    limits.count("needs-code-ip", ip, MISS_WINDOW_IP_S, settings.GRIDGOV_NEEDS_CODE_MISSES_PER_IP)
    limits.count("needs-code-dwelling", dwelling, MISS_WINDOW_DWELLING_S, settings.GRIDGOV_NEEDS_CODE_MISSES_PER_DWELLING)


@require_http_methods(["GET", "POST"])
def open_page(request):
    """GET: the form (dwelling number, code, question). POST: opens the household's page."""
    if request.method == "GET":
        return _open_form(request)
    ip = client_address(request)
    raw_dwelling = (request.POST.get("dwelling") or "").strip()[:20]
    if "\x00" in raw_dwelling or "\x00" in (request.POST.get("code") or ""):
        return _open_form(request, error=InvalidInput(_("The form holds a character that cannot be stored.")), status=400)
    if not limits.below("needs-code-ip", ip, MISS_WINDOW_IP_S, settings.GRIDGOV_NEEDS_CODE_MISSES_PER_IP) or not limits.below(
        "needs-code-dwelling", raw_dwelling, MISS_WINDOW_DWELLING_S, settings.GRIDGOV_NEEDS_CODE_MISSES_PER_DWELLING
    ):
        return _open_form(request, error=InvalidInput(_("Too many wrong codes; try again later or ask your grid worker.")),
                          status=429, dwelling=raw_dwelling)
    try:
        challenge.verify(request.POST.get("challenge", ""), request.POST.get("answer", ""))
    except challenge.ChallengeFailed as exc:
        return _open_form(request, error=InvalidInput(str(exc), field="answer"), status=400, dwelling=raw_dwelling)
    household = household_for(int(raw_dwelling), request.POST.get("code", "")) if raw_dwelling.isdigit() and len(raw_dwelling) < 12 else None
    if household is None:
        _count_miss(ip, raw_dwelling)
        return _open_form(request, error=InvalidInput(_("That dwelling number and code do not match."), field="code"),
                          status=400, dwelling=raw_dwelling)
    request.session.cycle_key()
    request.session[SESSION_KEY] = {
        "household": household.pk, "code": code_hash(household.pk, request.POST.get("code", "")), "until": time.time() + SESSION_SECONDS,
    }
    return HttpResponseRedirect(reverse("public_needs:household"))


def _household(request):
    """The household this browser opened, while its code is live and within the hour; else 404."""
    opened = request.session.get(SESSION_KEY) or {}
    if not opened or opened.get("until", 0) < time.time():
        raise Http404(_("Open your household's page with its code first."))
    live = HouseholdCode.objects.filter(
        household_id=opened.get("household"), code_hash=opened.get("code"), revoked_at__isnull=True
    ).select_related("household__dwelling__building").first()
    if live is None:
        request.session.pop(SESSION_KEY, None)
        raise Http404(_("Open your household's page with its code first."))
    return live.household


@require_http_methods(["GET", "POST"])
def household_page(request):
    """The household's own needs (no staff names), a form to record one, and "received" buttons."""
    household = _household(request)
    error = None
    status = 200
    if request.method == "POST":
        if not limits.count("needs-household-day", str(household.pk), 86400, settings.GRIDGOV_NEEDS_PUBLIC_PER_HOUSEHOLD_DAY):
            error, status = InvalidInput(_("Your household recorded many needs today; call your grid worker.")), 429
        else:
            try:
                actions.record_need(
                    household=household, kind=(request.POST.get("kind") or "")[:30],
                    urgency=request.POST.get("urgency") or Urgency.NORMAL, description=request.POST.get("description", ""),
                    source=NeedSource.HOUSEHOLD, actor=None,
                )
            except IncidentError as exc:
                error, status = exc, exc.http_status
            else:
                messages.success(request, _("Your need is recorded. Your grid worker and the community see it now."))
                return HttpResponseRedirect(reverse("public_needs:household"))
    needs = Need.objects.filter(household=household).select_related("kind").order_by("-created_at")[:30]
    return render(request, "needs/public/household.html", {
        "household": household, "needs": needs, "kinds": NeedKind.objects.filter(active=True), "error": error,
        "delivered": NeedStatus.DELIVERED, "urgencies": Urgency.choices,
    }, status=status)


@require_POST
def confirm(request, pk: int):
    household = _household(request)
    need = Need.objects.filter(pk=pk, household=household).first()
    if need is None:
        raise Http404(_("No such need for your household."))
    try:
        actions.confirm_received(need=need, household=household)
    except IncidentError as exc:
        messages.error(request, exc.message)
    else:
        messages.success(request, _("Thank you: marked as received."))
    return HttpResponseRedirect(reverse("public_needs:household"))


@require_POST
def leave(request):
    request.session.pop(SESSION_KEY, None)
    return HttpResponseRedirect(reverse("public_needs:open"))


def _communities():
    return Area.objects.current().filter(level=Level.COMMUNITY).select_related("parent").order_by("code")[:2000]


@require_http_methods(["GET", "POST"])
def volunteer_register(request):
    """A person offers to help: name, mobile number, a password, the community."""
    values = {key: (request.POST.get(key) or "")[:200] for key in ("name", "phone", "community", "skills")}
    error, status = None, 200
    if request.method == "POST":
        ip = client_address(request)
        if not limits.count("volunteer-register-ip", ip, 3600, settings.GRIDGOV_PUBLIC_REPORTS_PER_IP_HOUR):
            error, status = InvalidInput(_("Too many registrations from this connection; try again in an hour.")), 429
        else:
            try:
                challenge.verify(request.POST.get("challenge", ""), request.POST.get("answer", ""))
                community = Area.objects.current().filter(level=Level.COMMUNITY, code=values["community"][:20]).first()
                actions.register_volunteer(
                    name=values["name"], phone=values["phone"], password=request.POST.get("password") or "",
                    community=community, skills=values["skills"],
                )
            except challenge.ChallengeFailed as exc:
                error, status = InvalidInput(str(exc), field="answer"), 400
            except IncidentError as exc:
                error, status = exc, exc.http_status
            else:
                return render(request, "needs/public/registered.html")
    question, token = challenge.new_challenge()
    return render(request, "needs/public/volunteer.html", {
        "communities": _communities(), "values": values, "error": error, "question": question, "challenge": token,
    }, status=status)
