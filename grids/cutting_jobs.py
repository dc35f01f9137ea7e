"""The cutting page's work, run by Celery (grids.tasks): plan the chosen communities' cells (the
preview), then publish them as one revision. Progress goes to the cache, which the page polls —
the publish writes inside one transaction, so the job's row cannot show it before the commit.
Each step claims the job's state with a conditional UPDATE, so a redelivered task does nothing.
"""
from __future__ import annotations

from django.core.cache import cache
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from .cutting import geojson_of, plan_cells, publish_cells, refuse_communities_with_cells
from .models import Area, CutJob, CutStatus, Level
from .validation import AreaValidationError, Problem

PROGRESS_TTL = 3600


def progress_key(job_id: int) -> str:
    return f"grids:cut:{job_id}:progress"


def job_progress(job_id: int) -> dict | None:
    return cache.get(progress_key(job_id))


def _reporter(job_id: int, phase: str):
    def report(done: int, total: int) -> None:
        cache.set(progress_key(job_id), {"phase": phase, "done": done, "total": total}, PROGRESS_TTL)

    return report


def create_cut_job(*, scope: Area, communities: list[Area], actor, size_m: float = 100.0) -> CutJob:
    """A new job for these communities (current, without cells, inside ``scope``); refused by name otherwise."""
    if not communities:
        raise AreaValidationError([_problem(_("Choose at least one community to cut."))])
    outside = [c.code for c in communities if c.level != Level.COMMUNITY or not c.code.startswith(scope.code)]
    if outside:
        raise AreaValidationError([_problem(_("%(codes)s is not a community of %(scope)s.") % {"codes": "、".join(outside), "scope": scope.code})])
    refuse_communities_with_cells(communities)
    return CutJob.objects.create(scope=scope, communities=[c.code for c in communities], size_m=size_m, created_by=actor)


def _problem(message: str) -> Problem:
    return Problem("communities", message)


def _communities(job: CutJob) -> list[Area]:
    found = {a.code: a for a in Area.objects.current().filter(code__in=job.communities, level=Level.COMMUNITY)}
    missing = [code for code in job.communities if code not in found]
    if missing:
        raise AreaValidationError([_problem(_("%(codes)s is no longer a current community.") % {"codes": "、".join(missing)})])
    return [found[code] for code in job.communities]


def _fail(job: CutJob, error: AreaValidationError) -> CutJob:
    job.errors = [p.as_dict() for p in error.problems if p.is_error][:50]
    job.status = CutStatus.FAILED
    job.finished_at = timezone.now()
    job.save(update_fields=["errors", "status", "finished_at"])
    return job


def plan_cut_job(job_id: int) -> CutJob:
    """Cut the job's communities in memory; keep the summary and the cells for the preview."""
    job = CutJob.objects.get(pk=job_id)
    if job.status != CutStatus.PLANNING or job.summary:
        return job  # planned already (a redelivered task)
    try:
        plans = plan_cells(_communities(job), size=job.size_m, progress=_reporter(job.pk, "planning"))
    except AreaValidationError as error:
        return _fail(job, error)
    summary = [plan.summary() for plan in plans]
    CutJob.objects.filter(pk=job.pk, status=CutStatus.PLANNING).update(
        summary=summary, preview=geojson_of(plans), status=CutStatus.READY
    )
    job.refresh_from_db()
    return job


def request_publish(*, job: CutJob, actor, reason: str) -> bool:
    """Claim a ready job for publishing (once); False when it is not ready any more."""
    return bool(
        CutJob.objects.filter(pk=job.pk, status=CutStatus.READY, created_by=actor).update(status=CutStatus.PUBLISHING, reason=reason.strip())
    )


def publish_cut_job(job_id: int) -> CutJob:
    """Cut again (the same rule gives the same cells) and publish them, all or nothing."""
    job = CutJob.objects.select_related("created_by").get(pk=job_id)
    if job.status != CutStatus.PUBLISHING or job.revision_id:
        return job
    report = _reporter(job.pk, "publishing")
    try:
        with transaction.atomic():
            plans = plan_cells(_communities(job), size=job.size_m, progress=report)
            revision = publish_cells(plans, actor=job.created_by, reason=job.reason)
            claimed = CutJob.objects.filter(pk=job.pk, status=CutStatus.PUBLISHING).update(
                status=CutStatus.PUBLISHED, revision=revision, finished_at=timezone.now(), preview={}
            )
            if not claimed:
                transaction.set_rollback(True)
    except AreaValidationError as error:
        return _fail(job, error)
    job.refresh_from_db()
    return job
