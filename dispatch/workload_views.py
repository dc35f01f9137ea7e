"""The assignment map: each grid worker's load, the cells nobody covers, and reassignment.

Reading needs the right to assign cells or to evaluate (the command centre, leaders); assigning needs the right to
assign cells, and ``accounts.actions.cover_cells`` checks every cell and worker against the
assigner's jurisdiction (a community's staff assigns only inside her community). A cell or
worker outside it is answered 404, as everything out of scope is.
"""
from __future__ import annotations

import json

from django.conf import settings
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.http import JsonResponse
from django.shortcuts import render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from accounts.actions import AssignmentRefused, cover_cells
from accounts.capabilities import Capability, can
from accounts.scope import get_scoped_or_404, scoped
from grids.models import Area, Level

from .workload import MAP_CELLS, PATROL_DAYS, workload

MAX_CELLS_PER_REQUEST = 5_000


def _may_read(user) -> bool:
    # Those who assign cells, and those who evaluate as part of their work (the command centre,
    # leaders); not department handlers, whose figures are their department's own.
    return can(user, Capability.ASSIGN_CELLS) or can(user, Capability.EVALUATE)


def _area(request) -> Area:
    code = (request.GET.get("area") or "").strip()
    areas = Area.objects.current().exclude(level=Level.GRID)
    if code:
        return get_scoped_or_404(areas, request.user, code=code)
    own = request.user.area if request.user.area_id and request.user.area.valid_to is None else None
    if own is not None and own.level != Level.GRID:
        return own
    first = scoped(areas, request.user).order_by("code").first()
    if first is None:
        raise PermissionDenied
    return first


def _page_number(request) -> int:
    try:
        return max(1, min(int(request.GET.get("page", "1")), 10_000))
    except ValueError:
        return 1


@login_required
def workload_page(request):
    if not _may_read(request.user):
        raise PermissionDenied
    area = _area(request)
    config = {
        "area": area.code, "dataUrl": reverse("dispatch:workload-data"), "assignUrl": reverse("dispatch:workload-assign"), "pageUrl": reverse("dispatch:workload"),
        "canAssign": can(request.user, Capability.ASSIGN_CELLS), "mapCells": MAP_CELLS,
    }
    strings = {
        "nobody": _("nobody"), "assign": _("Assign the selected cells to"), "release": _("Release the selected cells"),
        "selected": _("cells selected"), "chooseWorker": _("Choose a grid worker"), "saved": _("Saved."),
        "tooMany": _("Choose a street office or a community to see its cells on the map."),
        "totals": _("{cells} cells: {covered} covered, {uncovered} covered by nobody; {workers} grid workers"),
        "households": _("households"), "residents": _("residents"), "openCases": _("open cases"), "uncoveredCell": _("Nobody covers this cell"),
    }
    return render(request, "dispatch/workload.html", {"area": area, "config": config, "strings": strings, "patrol_days": PATROL_DAYS,
                                                      "tile_url": settings.GRIDGOV_TILE_URL})


@login_required
def workload_data(request):
    if not _may_read(request.user):
        return JsonResponse({"detail": _("You may not read grid workers' load.")}, status=403)
    area = _area(request)
    return JsonResponse(workload(request.user, area, page=_page_number(request)))


@login_required
@require_POST
def workload_assign(request):
    """{"cells": [id, …], "worker": id or null}: the cells are from now on covered by that worker (or nobody)."""
    if not can(request.user, Capability.ASSIGN_CELLS):
        return JsonResponse({"detail": _("You may not assign grid cells.")}, status=403)
    if request.content_type != "application/json":
        # A form post: its body was read as a form already (by the CSRF check) and is no JSON anyway.
        return JsonResponse({"detail": _("The request is not JSON."), "field": "body"}, status=400)
    try:
        body = json.loads(request.body or b"{}")
    except (ValueError, UnicodeDecodeError):
        return JsonResponse({"detail": _("The request is not JSON."), "field": "body"}, status=400)
    if not isinstance(body, dict):
        return JsonResponse({"detail": _("The request is not a JSON object."), "field": "body"}, status=400)
    cells, worker = body.get("cells"), body.get("worker")
    if not isinstance(cells, list) or not cells or len(cells) > MAX_CELLS_PER_REQUEST or not all(
        isinstance(c, int) and not isinstance(c, bool) and 0 < c < 2**63 for c in cells
    ):
        return JsonResponse({"detail": _("Give the ids of the cells, a list of at most %(n)d numbers.") % {"n": MAX_CELLS_PER_REQUEST},
                             "field": "cells"}, status=400)
    if worker is not None and (not isinstance(worker, int) or isinstance(worker, bool) or not 0 < worker < 2**63):
        return JsonResponse({"detail": _("The worker is the id of a grid worker, or null for nobody."), "field": "worker"}, status=400)
    try:
        result = cover_cells(request.user, {cell: worker for cell in cells})
    except AssignmentRefused as exc:
        return JsonResponse({"detail": exc.message, "field": exc.field}, status=404)
    return JsonResponse({"ended": result.ended, "started": result.started})
