"""An import job in the worker: the check (dry run) of an uploaded file, then — once confirmed — its import.

Each step claims the job's state with a conditional UPDATE (PENDING → CHECKING, QUEUED →
IMPORTING), so a redelivered task does nothing the second time; the outcome (report, summary or
failure) is recorded on the job and the uploaded file is dropped once it is no longer needed.
``residents.tasks`` runs these; ``import_file`` is also the synchronous path of the management
command.
"""
from __future__ import annotations

from django.utils import timezone
from django.utils.translation import gettext as _

from gridgov.spreadsheet import check_then_write

from .. import privacy
from ..models import ImportJob, ImportStatus
from .checking import validate_file
from .plan import ImportRejected, Progress
from .writing import write_plan


def check_import_job(job_id: int, *, progress: Progress | None = None) -> ImportJob:
    """Dry run: claim PENDING → CHECKING, parse and validate every row, record the report; nothing else is written."""
    if ImportJob.objects.filter(pk=job_id, status=ImportStatus.PENDING).update(status=ImportStatus.CHECKING) != 1:
        return ImportJob.objects.get(pk=job_id)
    job = ImportJob.objects.select_related("uploaded_by").get(pk=job_id)
    try:
        plan = validate_file(job.filename, privacy.decrypt_bytes(job.payload_enc, privacy.AAD_IMPORT), actor=job.uploaded_by, progress=progress)
    except Exception:
        ImportJob.objects.filter(pk=job_id).update(status=ImportStatus.FAILED, finished_at=timezone.now(), payload_enc="",
                                                    errors=[{"row": None, "column": "", "reason": _("The file could not be checked (internal error).")}])
        raise
    status = ImportStatus.INVALID if plan.errors else ImportStatus.READY
    ImportJob.objects.filter(pk=job_id).update(
        status=status, total_rows=plan.row_count, errors=plan.error_dicts(), summary=plan.summary(),
        # A file with errors is never imported: drop it now rather than keep ID numbers around.
        **({"payload_enc": "", "finished_at": timezone.now()} if plan.errors else {}),
    )
    return ImportJob.objects.get(pk=job_id)


def run_import_job(job_id: int, *, progress: Progress | None = None) -> ImportJob:
    """Claim QUEUED → IMPORTING once, validate again against today's data, and write everything or nothing."""
    if ImportJob.objects.filter(pk=job_id, status=ImportStatus.QUEUED).update(status=ImportStatus.IMPORTING) != 1:
        return ImportJob.objects.get(pk=job_id)
    job = ImportJob.objects.select_related("uploaded_by").get(pk=job_id)
    try:
        content = privacy.decrypt_bytes(job.payload_enc, privacy.AAD_IMPORT)
        summary = import_file(actor=job.uploaded_by, filename=job.filename, content=content, progress=progress, job_id=job.pk)
    except ImportRejected as exc:
        ImportJob.objects.filter(pk=job_id).update(status=ImportStatus.INVALID, errors=exc.plan.error_dicts(),
                                                    payload_enc="", finished_at=timezone.now())
    except Exception:
        ImportJob.objects.filter(pk=job_id).update(status=ImportStatus.FAILED, payload_enc="", finished_at=timezone.now(),
                                                    errors=[{"row": None, "column": "", "reason": _("The import failed; nothing was saved.")}])
        raise
    else:
        ImportJob.objects.filter(pk=job_id).update(status=ImportStatus.DONE, summary=summary, payload_enc="", finished_at=timezone.now())
    return ImportJob.objects.get(pk=job_id)


def import_file(*, actor, filename: str, content: bytes, progress: Progress | None = None, job_id: int | None = None) -> dict[str, int]:
    """Validate a whole file and, only if every row is good, write it in one transaction.

    Raises ImportRejected (with the full report) when any row or the file is bad.
    """
    return check_then_write(lambda: validate_file(filename, content, actor=actor, progress=progress, lock=True),
                            lambda plan: write_plan(plan, actor=actor, progress=progress, job_id=job_id), ImportRejected)
