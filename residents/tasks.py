"""Celery tasks: check and import uploaded spreadsheets, reporting progress through the cache.

The import writes inside one transaction, so progress cannot live in the job's row (nobody
would see it before commit): it goes to the cache, which the job page polls. Tasks are
idempotent: each claims its job's state with a conditional UPDATE, so a redelivered task does
nothing the second time.
"""
from __future__ import annotations

import datetime as dt

from celery import shared_task
from django.core.cache import cache
from django.utils import timezone
from django.utils.translation import gettext as _

from .importer.jobs import check_import_job, run_import_job
from .models import ImportJob, ImportStatus

PROGRESS_TTL = 3600


def progress_key(job_id: int) -> str:
    return f"residents:import:{job_id}:progress"


def reporter(job_id: int):
    def report(phase: str, done: int, total: int) -> None:
        cache.set(progress_key(job_id), {"phase": phase, "done": done, "total": total}, PROGRESS_TTL)

    return report


def job_progress(job_id: int) -> dict | None:
    return cache.get(progress_key(job_id))


@shared_task(acks_late=True)
def check_import(job_id: int) -> str:
    return check_import_job(job_id, progress=reporter(job_id)).status


@shared_task(acks_late=True)
def run_import(job_id: int) -> str:
    return run_import_job(job_id, progress=reporter(job_id)).status


@shared_task
def sweep_imports() -> dict[str, int]:
    """Beat sweep: re-enqueue jobs whose task was lost, and drop files nobody imported within a day.

    A job still PENDING or QUEUED after five minutes lost its message (worker restart, Redis
    flush): enqueueing again is safe because the tasks claim their state. A READY file left
    for a day is dropped (it holds ID numbers) and the job marked failed.
    """
    now = timezone.now()
    stale = now - dt.timedelta(minutes=5)
    pending = list(ImportJob.objects.filter(status=ImportStatus.PENDING, created_at__lt=stale).values_list("pk", flat=True))
    queued = list(ImportJob.objects.filter(status=ImportStatus.QUEUED, created_at__lt=stale).values_list("pk", flat=True))
    for pk in pending:
        check_import.delay(pk)
    for pk in queued:
        run_import.delay(pk)
    expired = ImportJob.objects.filter(status=ImportStatus.READY, created_at__lt=now - dt.timedelta(days=1)).update(
        status=ImportStatus.FAILED, payload_enc="", finished_at=now,
        errors=[{"row": None, "column": "", "reason": _("The checked file was not imported within a day and has been deleted; upload it again.")}],
    )
    return {"pending": len(pending), "queued": len(queued), "expired": expired}
