"""The hotline's page (docs/needs.md#the-hotline): the dispatcher finds the caller's household by
address or dwelling, and records the need through ``actions.record_need`` with source hotline.

The caller's phone goes into the need's description as the first words (``☎ 13812345678｜…``):
it is what the grid worker calls back, staff who work the need read it, a volunteer reads it
masked (``queries.row`` masks every personal number for those who only deliver), and the
anonymisation job clears it with the description. The need belongs to the emergency running over
the household, when there is one.
"""
from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.db.models import Q
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _

from accounts.capabilities import Capability, can
from accounts.scope import scoped
from dispatch.actions.public import normalise_phone
from grids.models import CODE_LENGTH
from incidents.errors import IncidentError, InvalidInput
from incidents.models import Urgency
from residents.models import Household

from . import actions
from .models import Need, NeedKind, NeedSource

SEARCH_LIMIT = 30
DESCRIPTION_MAX = 500


def find_households(user, text: str):
    """Households of the reader's jurisdiction whose address, dwelling or household number holds ``text``."""
    text = (text or "").strip()[:100]
    if not text:
        return Household.objects.none()
    households = scoped(Household.objects.select_related("dwelling__building", "cell", "head"), user)
    words = text.split()
    for word in words:
        households = households.filter(
            Q(dwelling__building__address__icontains=word) | Q(number__icontains=word) | Q(dwelling__room__icontains=word)
            | Q(dwelling__building__code__icontains=word)
        )
    order = ("dwelling__building__address", "dwelling__unit", "dwelling__floor", "dwelling__room")
    return households.order_by(*order)[:SEARCH_LIMIT]


def running_emergency(household: Household):
    """The newest running emergency declared over the household's cell or an area holding it."""
    emergency_model = Need._meta.get_field("emergency").related_model  # needs stands below emergencies: no import
    code = household.cell.code
    prefixes = sorted({code[:length] for length in CODE_LENGTH.values() if length <= len(code)})
    running = emergency_model.objects.filter(status="active", ends_at__isnull=True, area__code__in=prefixes)
    return running.order_by("-starts_at", "-pk").first()


def caller_description(phone: str, text: str) -> str:
    """The description as stored: the caller's number first, then what they said."""
    phone = normalise_phone(phone)
    if not phone:
        raise InvalidInput(_("Give the caller's phone number."), field="caller_phone")
    text = (text or "").strip()
    composed = f"☎ {phone}｜{text}" if text else f"☎ {phone}"
    if len(composed) > DESCRIPTION_MAX:
        raise InvalidInput(_("At most %(count)s characters.") % {"count": DESCRIPTION_MAX - len(phone) - 3}, field="description")
    return composed


def record_call(*, actor, household_id: str, kind: str, urgency: str, description: str, caller_phone: str) -> Need:
    """Check the call's fields, naming the wrong one, then record the need (nothing half-saved)."""
    try:
        pk = int(household_id)
    except (TypeError, ValueError):
        raise InvalidInput(_("Find the caller's household first."), field="household")
    household = scoped(Household.objects.select_related("cell"), actor).filter(pk=pk).first()
    if household is None:
        raise InvalidInput(_("No such household in your jurisdiction."), field="household")
    text = caller_description(caller_phone, description)
    return actions.record_need(household=household, kind=kind, urgency=urgency or Urgency.NORMAL, description=text,
                               source=NeedSource.HOTLINE, actor=actor, emergency=running_emergency(household))


@login_required
def hotline(request):
    """Find the household (GET ?q=), then record the call's need (POST)."""
    if not can(request.user, Capability.TAKE_HOTLINE_CALLS):
        raise PermissionDenied(_("Only the hotline records needs from calls."))
    form = request.POST if request.method == "POST" else {}
    errors: dict[str, str] = {}
    if request.method == "POST":
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
    households = list(find_households(request.user, query))
    if str(chosen).isdigit() and not any(str(h.pk) == str(chosen) for h in households):
        households += list(scoped(Household.objects.select_related("dwelling__building"), request.user).filter(pk=chosen))
    return render(request, "needs/hotline.html", {
        "query": query, "households": households, "chosen": str(chosen), "form": form, "errors": errors,
        "kinds": NeedKind.objects.filter(active=True), "urgencies": Urgency.choices,
        "recorded": request.GET.get("recorded", ""),
    }, status=400 if errors else 200)
