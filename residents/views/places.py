"""Resident pages of places, phone-first for grid workers: cells → buildings → households, visits.

Every queryset goes through ``accounts.scope.scoped``; a record outside the user's scope is 404.
Every write calls ``residents.actions``.
"""
from __future__ import annotations

import json

from django.conf import settings
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.db.models import Count
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from accounts.capabilities import Capability, role_can
from accounts.scope import get_scoped_or_404, scoped
from grids.models import Area, Level

from .. import actions
from ..forms import BuildingForm, HouseholdForm, VisitForm
from ..models import Building, Dwelling, Household
from ..policy import can_record_visit
from ..queries import (
    cell_counts,
    due_for_visit,
    last_visit_subquery,
    my_cells,
    visible_tag_ids,
    with_list_relations,
)
from ..pagination import CappedPaginator as Paginator
from .common import PAGE_SIZE, records_required, safe_next, form_errors


# --- grid worker: cells → buildings → households --------------------------------------------

@records_required
def index(request):
    user = request.user
    if not role_can(user, Capability.WORK_CELLS):
        return redirect("residents:persons")
    cells = list(my_cells(user).select_related("parent"))
    counts = cell_counts(cells)
    return render(request, "residents/cells.html", {
        "cells": [(cell, counts[cell.pk]) for cell in cells],
        "due_count": due_for_visit(user).count(),
    })


def _current_cell(request, code: str) -> Area:
    return get_scoped_or_404(Area.objects.current().filter(level=Level.GRID).select_related("parent"), request.user, code=code)


@records_required
def cell_detail(request, code: str):
    cell = _current_cell(request, code)
    buildings = (
        scoped(Building.objects.filter(cell=cell), request.user)
        .annotate(household_count=Count("dwellings__households", distinct=True))
        .order_by("code")
    )
    return render(request, "residents/cell.html", {"cell": cell, "buildings": buildings})


@records_required
def building_detail(request, pk: int):
    building = get_scoped_or_404(Building.objects.select_related("cell"), request.user, pk=pk)
    households = (
        scoped(Household.objects.filter(dwelling__building=building), request.user)
        .select_related("dwelling", "head")
        .annotate(member_count=Count("members"), last_visit=last_visit_subquery("pk"))
        .order_by("dwelling__unit", "dwelling__floor", "dwelling__room", "number")
    )
    return render(request, "residents/building.html", {"building": building, "households": households})


@records_required
def building_new(request, code: str):
    """Register a new building from the cell's page: the pin starts at the cell's centre.

    The action finds the cell from the point (a pin dropped in the next cell files the building
    there, if that cell is the user's too) and refuses a point outside the user's jurisdiction.
    """
    cell = _current_cell(request, code)
    if request.method == "POST":
        form = BuildingForm(request.POST)
        if form.is_valid():
            data = form.cleaned_data
            try:
                building = actions.create_building(
                    actor=request.user, code=data["code"], address=data["address"], location=data["location"],
                    floors=data["floors"], units=data["units"], property_manager=data["property_manager"],
                )
            except ValidationError as exc:
                form_errors(form, exc)
            else:
                messages.success(request, _("Building %(code)s registered.") % {"code": building.code})
                return redirect("residents:building", pk=building.pk)
    else:
        form = BuildingForm(initial={"location": cell.boundary.point_on_surface})
    return render(request, "residents/building_form.html", {
        "form": form,
        "cell": cell,
        # A grid cell is a few hundred metres across: its outline goes to the page as it is.
        "outline": json.loads(cell.boundary.geojson),
        "tile_url": settings.GRIDGOV_TILE_URL,
        "tile_attribution": settings.GRIDGOV_TILE_ATTRIBUTION,
    })


@records_required
def household_new(request, pk: int):
    """Register a family that moved in: in one of the building's dwellings, or in a new one."""
    building = get_scoped_or_404(Building.objects.select_related("cell"), request.user, pk=pk)
    dwellings = (
        scoped(Dwelling.objects.filter(building=building), request.user)
        .annotate(household_count=Count("households"))
        .order_by("unit", "floor", "room")
    )
    if request.method == "POST":
        form = HouseholdForm(request.POST, dwellings=dwellings)
        if form.is_valid():
            data = form.cleaned_data
            try:
                household = actions.register_household(
                    actor=request.user, building=building, number=data["number"], dwelling=data["dwelling"],
                    unit=data["unit"], floor=data["floor"], room=data["room"], use=data["use"],
                )
            except ValidationError as exc:
                form_errors(form, exc)
            else:
                messages.success(request, _("Household %(number)s registered. Add its members now.") % {
                    "number": household.number})
                return redirect("residents:household", pk=household.pk)
    else:
        form = HouseholdForm(dwellings=dwellings)
    return render(request, "residents/household_form.html", {
        "form": form, "building": building, "has_dwellings": dwellings.exists(),
    })


@records_required
def household_detail(request, pk: int):
    household = get_scoped_or_404(Household.objects.select_related("dwelling__building", "cell", "head"), request.user, pk=pk)
    members = with_list_relations(household.members.all())
    visible = visible_tag_ids(request.user)
    return render(request, "residents/household.html", {
        "household": household,
        "members": [(m, [t for t in m.tags.all() if t.pk in visible]) for m in members],
        "visits": household.visits.select_related("worker")[:10],
        "visit_form": VisitForm() if can_record_visit(request.user) else None,
    })


@require_POST
@records_required
def household_visit(request, pk: int):
    household = get_scoped_or_404(Household.objects.all(), request.user, pk=pk)
    form = VisitForm(request.POST)
    if form.is_valid():
        try:
            actions.record_visit(actor=request.user, household=household, **form.cleaned_data)
        except ValidationError as exc:
            form_errors(form, exc)
    if not form.errors:
        messages.success(request, _("Visit to household %(number)s recorded.") % {"number": household.number})
        return redirect(safe_next(request, reverse("residents:household", args=[household.pk])))
    messages.error(request, " ".join(
        f"{form.fields[name].label}: {e}" if name in form.fields else str(e) for name, errors in form.errors.items() for e in errors
    ))
    return redirect(reverse("residents:household", args=[household.pk]))


@login_required
def due_list(request):
    if not can_record_visit(request.user):
        raise PermissionDenied(_("Your role does not record household visits."))
    people = with_list_relations(due_for_visit(request.user))
    page = Paginator(people, PAGE_SIZE).get_page(request.GET.get("page"))
    visible = visible_tag_ids(request.user)
    return render(request, "residents/due.html", {
        "page": page,
        "rows": [(p, [t for t in p.tags.all() if t.pk in visible]) for p in page.object_list],
        "today": timezone.localdate(),
    })
