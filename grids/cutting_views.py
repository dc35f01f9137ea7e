"""The cutting page (GIS administrators): choose communities without cells, preview the cells the
100 m rule gives them on a map with counts and sizes, publish them as one revision. The work runs
in Celery (grids.tasks); the page polls its progress."""
from __future__ import annotations

from django.conf import settings
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.db import transaction
from django.db.models import Count, Q
from django.http import Http404, JsonResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from accounts.scope import get_scoped_or_404, scoped

from .cutting_jobs import create_cut_job, job_progress, request_publish
from .models import Area, CutJob, CutStatus, Level
from .permissions import can_edit_boundaries
from .tasks import plan_cut, publish_cut
from .validation import AreaValidationError


def _require_editor(request) -> None:
    if not can_edit_boundaries(request.user):
        raise PermissionDenied


def _job(request, job_id: int) -> CutJob:
    # Another administrator's job, or one outside the jurisdiction: 404, like anything unseen.
    job = scoped(CutJob.objects.select_related("scope", "revision"), request.user).filter(pk=job_id, created_by=request.user).first()
    if job is None:
        raise Http404(_("No such cutting."))
    return job


def _texts() -> dict[str, str]:
    return {
        "planning": _("Cutting the communities: %(done)s of %(total)s"),
        "publishing": _("Checking and publishing: %(done)s of %(total)s"),
        "waiting": _("Waiting for the worker…"),
        "cell": _("Cell %(number)s of %(community)s, %(area)s m²"),
    }


@login_required
def cut_page(request):
    """Choose the communities to cut: those without cells under an area of the jurisdiction."""
    _require_editor(request)
    visible = scoped(Area.objects.current(), request.user)
    code = request.GET.get("area") or request.POST.get("area") or ""
    if code:
        scope = get_scoped_or_404(Area.objects.current(), request.user, code=code)
    else:
        scope = visible.exclude(level=Level.GRID).order_by("code").first()
        if scope is None:
            raise Http404(_("No area in your jurisdiction."))
    communities = list(
        Area.objects.current().subtree(scope.code).filter(level=Level.COMMUNITY).select_related("parent")
        .annotate(cells=Count("children", filter=Q(children__valid_to__isnull=True))).order_by("code")
    )
    problems = []
    if request.method == "POST":
        chosen = set(request.POST.getlist("communities"))
        try:
            with transaction.atomic():
                job = create_cut_job(scope=scope, communities=[c for c in communities if c.code in chosen], actor=request.user)
                transaction.on_commit(lambda: plan_cut.delay(job.pk))
            return redirect("grids:cut_job", job_id=job.pk)
        except AreaValidationError as error:
            problems = error.problems
    parents = visible.filter(level__in=[Level.DISTRICT, Level.STREET]).order_by("code")[:200]
    return render(request, "grids/cut.html", {"scope": scope, "communities": communities, "problems": problems, "parents": parents})


@login_required
def cut_job_page(request, job_id: int):
    _require_editor(request)
    job = _job(request, job_id)
    totals = {"communities": len(job.summary), "cells": sum(row["cells"] for row in job.summary)}
    if job.summary:
        cells = max(totals["cells"], 1)
        totals["mean_m2"] = round(sum(row["mean_m2"] * row["cells"] for row in job.summary) / cells)
        totals["min_m2"] = min(row["min_m2"] for row in job.summary)
        totals["max_m2"] = max(row["max_m2"] for row in job.summary)
    config = {
        "status": job.status,
        "urls": {"status": reverse("grids:cut_status", args=[job.pk]), "cells": reverse("grids:cut_cells", args=[job.pk]),
                 "scope": reverse("area-list") + "?level=community&parent="},
        "scope": job.scope.code,
        "tileUrl": settings.GRIDGOV_TILE_URL,
        "tileAttribution": settings.GRIDGOV_TILE_ATTRIBUTION,
        "texts": _texts(),
    }
    return render(request, "grids/cut_job.html", {"job": job, "totals": totals, "cut_config": config,
                                                  "poll": job.status in (CutStatus.PLANNING, CutStatus.PUBLISHING)})


@login_required
def cut_job_status(request, job_id: int):
    _require_editor(request)
    job = _job(request, job_id)
    return JsonResponse({
        "status": job.status,
        "label": job.get_status_display(),
        "progress": job_progress(job.pk) if job.status in (CutStatus.PLANNING, CutStatus.PUBLISHING) else None,
        "revision": job.revision.number if job.revision_id else None,
    })


@login_required
def cut_job_cells(request, job_id: int):
    """The planned cells (6 decimals) for the preview map."""
    _require_editor(request)
    job = _job(request, job_id)
    return JsonResponse(job.preview or {"type": "FeatureCollection", "features": []}, content_type="application/geo+json")


@login_required
@require_POST
def cut_job_publish(request, job_id: int):
    _require_editor(request)
    job = _job(request, job_id)
    if request_publish(job=job, actor=request.user, reason=request.POST.get("reason", "")):
        transaction.on_commit(lambda: publish_cut.delay(job.pk))
    return redirect("grids:cut_job", job_id=job.pk)
