"""The two acts of a spreadsheet import: uploading a file (queues its check) and confirming it (queues the import).

The checking and the import itself run in the worker (``residents.tasks`` →
``residents.importer.jobs``); the tasks are enqueued after commit, so a worker never looks for a
job that is not saved yet.
"""
from __future__ import annotations

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.utils.translation import gettext as _

from .. import privacy
from ..models import ImportJob, ImportStatus
from ..policy import can_import
from ..tasks import check_import, run_import

MAX_IMPORT_BYTES = 20 * 1024 * 1024


@transaction.atomic
def create_import_job(*, actor, filename: str, content: bytes) -> ImportJob:
    """Keep the uploaded file (encrypted) and queue its check (dry run) after commit."""
    if not can_import(actor):
        raise PermissionDenied(_("Your role does not import resident records."))
    if not content:
        raise ValidationError({"file": [_("The file is empty.")]})
    if len(content) > MAX_IMPORT_BYTES:
        raise ValidationError({"file": [_("The file is larger than %(mb)d MB.") % {"mb": MAX_IMPORT_BYTES // (1024 * 1024)}]})
    job = ImportJob.objects.create(
        uploaded_by=actor, area=actor.area, filename=filename[:200],
        payload_enc=privacy.encrypt_bytes(content, privacy.AAD_IMPORT),
    )
    transaction.on_commit(lambda: check_import.delay(job.pk))
    return job


@transaction.atomic
def queue_import(*, actor, job: ImportJob) -> ImportJob:
    """The user confirmed a checked file: claim READY → QUEUED once and enqueue the import after commit."""
    if job.uploaded_by_id != actor.pk and not actor.is_superuser:
        raise PermissionDenied(_("Only the person who uploaded the file can import it."))
    claimed = ImportJob.objects.filter(pk=job.pk, status=ImportStatus.READY).update(status=ImportStatus.QUEUED)
    if claimed != 1:
        raise ValidationError({"status": [_("This file is not ready to import (it has errors, or is already imported).")]})
    transaction.on_commit(lambda: run_import.delay(job.pk))
    job.refresh_from_db()
    return job
