from __future__ import annotations

from django.contrib.auth.decorators import login_required
from django.shortcuts import render

from grids.models import Area

from .models import GridAssignment, Role
from .scope import scoped

# Apps contribute cards to a role's home page: {role: [callable(request) -> dict | None]}.
HOME_CARDS: dict[str, list] = {}


def register_home_card(roles, card) -> None:
    for role in roles:
        HOME_CARDS.setdefault(role, []).append(card)


@login_required
def home(request):
    user = request.user
    areas = scoped(Area.objects.current(), user)
    context = {
        "role_label": Role(user.role).label if user.role in Role.values else "",
        "jurisdiction": user.area,
        "cells": [],
        "cards": [card for card in (make(request) for make in HOME_CARDS.get(user.role, [])) if card],
    }
    if user.role == Role.GRID_WORKER:
        context["cells"] = list(
            Area.objects.filter(
                pk__in=GridAssignment.objects.active().filter(user=user).values("cell")
            ).select_related("parent__parent")
        )
    else:
        context["child_count"] = areas.count()
    return render(request, "accounts/home.html", context)

