"""The hotline's page (docs/needs.md#the-hotline): the dispatcher finds the caller's household by
address or dwelling — or, for somebody who called before, by the number they call from — and
records the need through ``actions.record_need`` with source hotline.

The caller's phone is the need's own field, never part of the description: encrypted, with a keyed
hash that finds the earlier calls (``needs.phones``). Staff who work the need read it to call back
(``queries.row``); volunteers, departments, leaders, the household's public page and Open311 never
see it; the anonymisation job clears it with the description. The need belongs to the emergency
running over the household, when there is one.
"""
from __future__ import annotations

import re

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.db.models import Q
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _

from accounts.capabilities import Capability, can
from accounts.scope import scoped
from grids.models import CODE_LENGTH
from incidents.errors import IncidentError, InvalidInput
from incidents.models import Urgency
from residents.models import Household

from . import actions
from .actions.lifecycle import clean_caller_phone
from .models import Need, NeedKind, NeedSource
from .phones import phone_hashes

SEARCH_LIMIT = 30
# Typed as a number (digits, spaces, +, -, brackets): the search looks for earlier calls from it.
NUMBER_TYPED = re.compile(r"^\+?[\d\s\-()]{5,24}$")


def _caller_number(text: str) -> str:
    if not NUMBER_TYPED.match(text):
        return ""
    try:
        return clean_caller_phone(text)
    except InvalidInput:
        return ""


def find_households(user, text: str, *, by_number: bool = False):
    """Households of the reader's jurisdiction whose address, dwelling or household number holds
    ``text`` — or, with ``by_number`` and ``text`` a phone number, those its earlier calls were
    recorded for (found by the number's keyed hash; the need and the household both in the
    reader's view). A number is looked up only from a POST body (``by_number``): a full phone
    number never goes into a URL, which access logs and browser histories keep
    (residents.queries.identifier_in_address)."""
    text = (text or "").strip()[:100]
    if not text:
        return Household.objects.none()
    households = scoped(Household.objects.select_related("dwelling__building", "cell", "head"), user)
    order = ("dwelling__building__address", "dwelling__unit", "dwelling__floor", "dwelling__room")
    number = _caller_number(text) if by_number else ""
    if number:
        calls = scoped(Need.objects.filter(caller_phone_hash__in=phone_hashes(number)), user).values("household_id")
        by_number = households.filter(pk__in=calls)
        if by_number.exists():
            return by_number.order_by(*order)[:SEARCH_LIMIT]
    words = text.split()
    for word in words:
        households = households.filter(
            Q(dwelling__building__address__icontains=word) | Q(number__icontains=word) | Q(dwelling__room__icontains=word)
            | Q(dwelling__building__code__icontains=word)
        )
    return households.order_by(*order)[:SEARCH_LIMIT]


def running_emergency(household: Household):
    """The newest running emergency declared over the household's cell or an area holding it."""
    emergency_model = Need._meta.get_field("emergency").related_model  # needs stands below emergencies: no import
    code = household.cell.code
    prefixes = sorted({code[:length] for length in CODE_LENGTH.values() if length <= len(code)})
    running = emergency_model.objects.filter(status="active", ends_at__isnull=True, area__code__in=prefixes)
    return running.order_by("-starts_at", "-pk").first()


def record_call(*, actor, household_id: str, kind: str, urgency: str, description: str, caller_phone: str) -> Need:
    """Check the call's fields, naming the wrong one, then record the need (nothing half-saved)."""
    try:
        pk = int(household_id)
    except (TypeError, ValueError):
        raise InvalidInput(_("Find the caller's household first."), field="household")
    household = scoped(Household.objects.select_related("cell"), actor).filter(pk=pk).first()
    if household is None:
        raise InvalidInput(_("No such household in your jurisdiction."), field="household")
    if not clean_caller_phone(caller_phone):
        raise InvalidInput(_("Give the caller's phone number."), field="caller_phone")
    return actions.record_need(household=household, kind=kind, urgency=urgency or Urgency.NORMAL, description=description,
                               source=NeedSource.HOTLINE, actor=actor, emergency=running_emergency(household),
                               caller_phone=caller_phone)


@login_required
def hotline(request):
    """Find the household (POST ``find`` with ``q``: words of the address, or the number the caller
    called from before; GET ?q= takes words only), then record the call's need (POST)."""
    if not can(request.user, Capability.TAKE_HOTLINE_CALLS):
        raise PermissionDenied(_("Only the hotline records needs from calls."))
    form = request.POST if request.method == "POST" else {}
    errors: dict[str, str] = {}
    if request.method == "POST" and not form.get("find"):
        try:
            need = record_call(actor=request.user, household_id=form.get("household"), kind=form.get("kind", ""),
                               urgency=form.get("urgency", ""), description=form.get("description", ""),
                               caller_phone=form.get("caller_phone", ""))
        except IncidentError as exc:
            errors[exc.field or "form"] = exc.message
            messages.error(request, exc.message)
        else:
            messages.success(request, _("Need #%(number)s recorded from the call.") % {"number": need.pk})
            return redirect(reverse("needs:hotline") + f"?recorded={need.pk}")
    query = request.GET.get("q") or form.get("q", "")
    chosen = form.get("household") or request.GET.get("household", "")
    households = list(find_households(request.user, query, by_number=request.method == "POST"))
    if str(chosen).isdigit() and not any(str(h.pk) == str(chosen) for h in households):
        households += list(scoped(Household.objects.select_related("dwelling__building"), request.user).filter(pk=chosen))
    return render(request, "needs/hotline.html", {
        "query": query, "households": households, "chosen": str(chosen), "form": form, "errors": errors,
        "kinds": NeedKind.objects.filter(active=True), "urgencies": Urgency.choices,
        "recorded": request.GET.get("recorded", ""),
    }, status=400 if errors else 200)
