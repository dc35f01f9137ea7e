from __future__ import annotations

from typing import Callable

from django.contrib.auth.decorators import login_required
from django.http import HttpRequest
from django.shortcuts import render

from grids.models import Area

from .capabilities import Capability, role_can
from .models import GridAssignment
from .scope import scoped

# Apps contribute cards to the home page of the roles whose work a capability is, by ``order``
# (then in the order registered): [(order, capability, callable(request) -> dict | None)]. A card
# is a title, a body, a link, optionally ``items`` (a short list: url, text, meta) or its own
# ``template`` (included with ``card`` in its context).
HOME_CARDS: list[tuple[int, Capability, Callable[[HttpRequest], dict | None]]] = []


def register_home_card(capability: Capability, card: Callable[[HttpRequest], dict | None], order: int = 50) -> None:
    HOME_CARDS.append((order, Capability(capability), card))
    HOME_CARDS.sort(key=lambda entry: entry[0])


@login_required
def home(request):
    user = request.user
    areas = scoped(Area.objects.current(), user)
    context = {
        "role_label": user.get_role_display(),
        "jurisdiction": user.area,
        "cells": [],
        # The role's work, not a superuser's every power: role_can.
        "cards": [card for card in (make(request) for _order, capability, make in HOME_CARDS if role_can(user, capability)) if card],
    }
    if role_can(user, Capability.WORK_CELLS):
        context["cells"] = list(
            Area.objects.filter(
                pk__in=GridAssignment.objects.active().filter(user=user).values("cell")
            ).select_related("parent__parent")
        )
    else:
        context["child_count"] = areas.count()
    return render(request, "accounts/home.html", context)

