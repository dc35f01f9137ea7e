from __future__ import annotations

import json
import shutil
import tempfile
from pathlib import Path

from django.conf import settings
from django.contrib.auth.decorators import login_required
from django.contrib.gis.db.models.functions import AsGeoJSON
from django.core.exceptions import PermissionDenied
from django.shortcuts import render
from django.urls import reverse
from django.utils.translation import gettext as _

from accounts.capabilities import Capability, role_can
from accounts.models import GridAssignment
from accounts.scope import get_scoped_or_404, scoped

from . import tiles
from .forms import ImportForm
from .imports import import_boundaries
from .models import Area, Level
from .queries import parse_moment
from .permissions import can_edit_boundaries


def _map_texts() -> dict[str, str]:
    """Every string the map script shows, translated here (JS gets them through json_script)."""
    texts = {level: str(label) for level, label in Level.choices}
    texts.update(
        area=_("Area"),
        code=_("Code"),
        workers=_("Grid workers"),
        all=_("All"),
        loading=_("Loading…"),
        failed=_("Could not load the map data. Check the connection and try again."),
        none=_("None"),
        children=_("Sub-areas"),
        edit=_("Edit boundaries"),
        retired=_("Retired"),
        history=_("Revisions"),
        nothingThen=_("No boundaries existed on that day."),
    )
    return texts


def _map_config(request, **extra) -> dict:
    return {
        "tileMinZoom": {level: tiles.MIN_ZOOM[level] for level in Level.values},
        "canEdit": can_edit_boundaries(request.user),
        "texts": _map_texts(),
        **extra,
    }


@login_required
def map_page(request):
    """The hierarchy on a map: the user's top areas first, drill down by clicking.

    Street offices and communities come as vector tiles, a community's cells as GeoJSON; with
    ``?as_of=`` everything is drawn as it was at that moment.
    """
    user = request.user
    visible = scoped(Area.objects.current(), user)
    if role_can(user, Capability.WORK_CELLS):
        start_level = Level.GRID
        start_codes = list(GridAssignment.objects.active().filter(user=user).values_list("cell__code", flat=True))
    elif user.area_id:
        start_level = user.area.level
        start_codes = [user.area.code]
    else:
        top = visible.order_by("code").first()
        start_level = top.level if top else Level.DISTRICT
        start_codes = [top.code] if top else []
    as_of_raw = request.GET.get("as_of", "")
    moment = parse_moment(as_of_raw) if as_of_raw else None
    nothing_then = False
    if moment is not None:
        then = scoped(Area.objects.as_of(moment), user)
        if start_level != Level.GRID and not then.filter(code__in=start_codes).exists():
            # The user's area did not exist yet (or had another generation's code): start from
            # the top area they may see as it was then, or say that nothing existed.
            top = then.order_by("code").first()
            start_level, start_codes = (top.level, [top.code]) if top else (start_level, [])
        nothing_then = not then.exists()
    return render(
        request,
        "grids/map.html",
        {
            "start_codes": start_codes,
            "start_level": start_level,
            "tile_url": settings.GRIDGOV_TILE_URL,
            "tile_attribution": settings.GRIDGOV_TILE_ATTRIBUTION,
            "as_of": as_of_raw if moment else "",
            "nothing_then": nothing_then,
            "first_published": _first_published() if nothing_then else None,
            "revision": tiles.revision_number(moment),
            "map_config": _map_config(request),
        },
    )


def _first_published():
    return Area.objects.order_by("valid_from").values_list("valid_from", flat=True).first()


def _require_editor(request) -> None:
    if not can_edit_boundaries(request.user):
        raise PermissionDenied


@login_required
def editor_page(request, code: str):
    """The redraw editor on one community's cells (GIS administrators)."""
    _require_editor(request)
    community = get_scoped_or_404(Area.objects.current().select_related("parent__parent"), request.user, code=code, level=Level.COMMUNITY)
    outline = Area.objects.filter(pk=community.pk).annotate(geojson=AsGeoJSON("boundary", precision=15)).values_list("geojson", flat=True)[0]
    config = {
        "community": {"code": community.code, "name": community.name, "boundary": json.loads(outline)},
        "urls": {
            "start": reverse("community-draft", args=[community.code]),
            "draft": reverse("draft-detail", args=[0]),
            "revisions": reverse("area-revisions", args=[community.code]),
            "map": reverse("grids:map"),
        },
        "tileUrl": settings.GRIDGOV_TILE_URL,
        "tileAttribution": settings.GRIDGOV_TILE_ATTRIBUTION,
        "texts": _editor_texts(),
    }
    return render(request, "grids/editor.html", {"community": community, "editor_config": config})


def _editor_texts() -> dict[str, str]:
    return {
        "draftFrom": _("Draft started from revision r%(base)s; %(cells)s cells."),
        "stale": _("The map changed since this draft was started (now r%(current)s): publishing will be refused. Carry your changes over to the current map, or discard the draft and redraw."),
        "rebased": _("Your changes now start from revision r%(base)s: %(taken)s cells taken from it, %(dropped)s cells it retired left out. Check the problems, then publish."),
        "noProblems": _("No problems: the draft can be published."),
        "errors": _("%(n)s errors"),
        "warnings": _("%(n)s warnings"),
        "selectFirst": _("Select a cell first."),
        "drawHint": _("Click to place corners; click the first corner to close the cell. Corners snap to neighbouring edges."),
        "splitHint": _("Draw a line across the selected cell; click its last point again to finish."),
        "mergeHint": _("Click the cells to merge, then press “Merge them”."),
        "selectHint": _("Click a cell to select it, then drag its corners; they snap to the edges of neighbouring cells."),
        "newCell": _("new"),
        "published": _("Published revision r%(number)s."),
        "moved": _("%(label)s moving to another cell: %(n)s"),
        "nothingMoves": _("Nothing filed in these cells changes cell."),
        "unchanged": _("%(n)s cells unchanged"),
        "from": _("From"),
        "to": _("To"),
        "count": _("Count"),
        "revision": _("Revision"),
        "when": _("When"),
        "who": _("Who"),
        "why": _("Why"),
        "changes": _("Cells"),
        "movedCol": _("Moved"),
        "failed": _("The server did not accept this: %(detail)s"),
        "reasonNeeded": _("Give a reason for this revision."),
        "saving": _("Saving…"),
    }


@login_required
def import_page(request):
    """Upload GeoJSON or a zipped Shapefile; the same checks as ``manage.py import_boundaries``."""
    _require_editor(request)
    report = None
    if request.method == "POST":
        form = ImportForm(request.POST, request.FILES)
        if form.is_valid():
            parent = form.cleaned_data["parent"].strip() or None
            if parent:
                # The parent must lie in the administrator's jurisdiction, like anything else they touch.
                get_scoped_or_404(Area.objects.current(), request.user, code=parent)
            elif not request.user.is_superuser:
                # Without a parent the file could create districts or reach any parent by its codes.
                form.add_error("parent", _("Give the code of the area the file divides."))
        if form.is_valid():
            upload = form.cleaned_data["file"]
            folder = Path(tempfile.mkdtemp(prefix="gridgov-upload-"))
            try:
                path = folder / ("upload" + Path(upload.name).suffix.lower())
                with open(path, "wb") as handle:
                    for chunk in upload.chunks():
                        handle.write(chunk)
                report = import_boundaries(
                    path,
                    level=form.cleaned_data["level"],
                    parent_code=parent,
                    dry_run=form.cleaned_data["dry_run"],
                    actor=request.user,
                    reason=form.cleaned_data["reason"] or "",
                    replace=form.cleaned_data["replace"],
                )
            finally:
                shutil.rmtree(folder, ignore_errors=True)
    else:
        form = ImportForm()
    problems = []
    if report is not None:
        for problem in report.problems:
            shown = {k: v for k, v in problem.properties.items() if not k.startswith("_")}
            problems.append({"problem": problem, "properties": json.dumps(shown, ensure_ascii=False) if shown else ""})
    return render(request, "grids/import.html", {"form": form, "report": report, "problems": problems})
