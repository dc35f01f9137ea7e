"""Resident spreadsheets in and out: the import (upload, check, confirm) and the export (masked, or
full by POST with a reason, audited per person)."""
from __future__ import annotations

import io
from functools import wraps
from urllib.parse import urlencode

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import HttpResponse, JsonResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from gridgov.spreadsheet import safe_row
from accounts.scope import get_scoped_or_404, scoped

from .. import actions
from ..forms import ExportForm, ImportForm
from ..importer import COLUMNS, export_rows, template_workbook
from ..models import ImportJob, ImportStatus, RevealField
from ..policy import can_import, can_reveal
from ..queries import IdentifierSearchLimit, search_persons, visible_tag_ids, with_list_relations
from ..tasks import job_progress
from .common import (
    EXPORT_LIMIT,
    XLSX,
    records_required,
    no_store,
    form_errors,
    ADDRESS_MESSAGE,
    SEARCH_LIMIT_MESSAGE,
    IdentifierInAddress,
    refuse_identifier_in_address,
)


# --- import ---------------------------------------------------------------------------------

def import_required(view):
    @login_required
    @wraps(view)
    def wrapper(request, *args, **kwargs):
        if not can_import(request.user):
            raise PermissionDenied(_("Your role does not import resident records."))
        return view(request, *args, **kwargs)

    return wrapper


@import_required
def import_page(request):
    if request.method == "POST":
        form = ImportForm(request.POST, request.FILES)
        if form.is_valid():
            upload = form.cleaned_data["file"]
            try:
                if upload.size > actions.MAX_IMPORT_BYTES:
                    raise ValidationError({"file": [_("The file is larger than %(mb)d MB.") % {"mb": actions.MAX_IMPORT_BYTES // (1024 * 1024)}]})
                job = actions.create_import_job(actor=request.user, filename=upload.name, content=upload.read())
            except ValidationError as exc:
                form_errors(form, exc)
            else:
                return redirect("residents:import_job", pk=job.pk)
    else:
        form = ImportForm()
    jobs = scoped(ImportJob.objects.all(), request.user).filter(uploaded_by=request.user)[:10]
    return render(request, "residents/import.html", {"form": form, "jobs": jobs, "columns": COLUMNS})


def _job_state(job: ImportJob) -> dict:
    progress = job_progress(job.pk) if not job.finished else None
    return {
        "status": job.status,
        "status_label": job.get_status_display(),
        "finished": job.finished,
        "total_rows": job.total_rows,
        "error_count": len(job.errors),
        "summary": job.summary,
        "progress": progress,
    }


@import_required
def import_job(request, pk: int):
    job = get_scoped_or_404(ImportJob.objects.all(), request.user, pk=pk)
    return render(request, "residents/import_job.html", {
        "job": job,
        "state": _job_state(job),
        "errors": job.errors[:1000],
        "more_errors": max(len(job.errors) - 1000, 0),
        "warnings": job.summary.get("warnings", 0) if isinstance(job.summary, dict) else 0,
        "status_url": reverse("residents:import_status", args=[job.pk]),
        "poll": job.status in (ImportStatus.PENDING, ImportStatus.CHECKING, ImportStatus.QUEUED, ImportStatus.IMPORTING),
        "i18n": {
            "check": _("Checking rows"), "encrypt": _("Encrypting"), "write": _("Writing"), "waiting": _("Waiting for the worker…"),
        },
    })


@import_required
def import_status(request, pk: int):
    job = get_scoped_or_404(ImportJob.objects.all(), request.user, pk=pk)
    return JsonResponse(_job_state(job))


@require_POST
@import_required
def import_confirm(request, pk: int):
    job = get_scoped_or_404(ImportJob.objects.all(), request.user, pk=pk)
    try:
        actions.queue_import(actor=request.user, job=job)
    except ValidationError as exc:
        messages.error(request, " ".join(exc.messages))
    return redirect("residents:import_job", pk=job.pk)


@import_required
def import_template(request):
    response = HttpResponse(template_workbook(), content_type=XLSX)
    response["Content-Disposition"] = 'attachment; filename="residents-template.xlsx"'
    return response


# --- export ---------------------------------------------------------------------------------

@records_required
def export(request):
    """The current search as .xlsx: masked; full identifiers only by POST with a reason (audited per person)."""
    params = request.POST if request.method == "POST" else request.GET
    try:
        refuse_identifier_in_address(request)
    except IdentifierInAddress:
        return HttpResponse(ADDRESS_MESSAGE, status=400, content_type="text/plain; charset=utf-8")
    filters = {
        "q": params.get("q", "").strip(), "tag": params.get("tag", ""), "area": params.get("area", "").strip(),
        "resident_type": params.get("resident_type", ""), "include_inactive": params.get("include_inactive") == "1",
    }
    try:
        people = with_list_relations(search_persons(request.user, **filters))
    except IdentifierSearchLimit:
        return HttpResponse(SEARCH_LIMIT_MESSAGE, status=429, content_type="text/plain; charset=utf-8")
    if people[: EXPORT_LIMIT + 1].count() > EXPORT_LIMIT:
        messages.error(request, _("More than %(limit)d people match; narrow the search to export.") % {"limit": EXPORT_LIMIT})
        return redirect(reverse("residents:persons") + "?" + urlencode({k: v for k, v in filters.items() if v}))
    revealed = None
    people = list(people)
    if request.method == "POST":
        if not can_reveal(request.user):
            raise PermissionDenied(_("You may not reveal personal data."))
        form = ExportForm(request.POST)
        if not form.is_valid():
            messages.error(request, " ".join(e for errors in form.errors.values() for e in errors))
            return redirect(reverse("residents:persons") + "?" + urlencode({k: v for k, v in filters.items() if v}))
        revealed = actions.reveal_many(actor=request.user, persons=people, fields=list(RevealField.values),
                                       reason=form.cleaned_data["reason"], via="export")
    from openpyxl import Workbook

    workbook = Workbook(write_only=True)
    sheet = workbook.create_sheet("居民")
    sheet.append([c.header for c in COLUMNS])
    for row in export_rows(people, revealed=revealed, visible_tag_ids=visible_tag_ids(request.user)):
        sheet.append(safe_row(row))
    out = io.BytesIO()
    workbook.save(out)
    response = HttpResponse(out.getvalue(), content_type=XLSX)
    stamp = timezone.localtime().strftime("%Y%m%d-%H%M")
    response["Content-Disposition"] = f'attachment; filename="residents-{stamp}{"-full" if revealed else ""}.xlsx"'
    return no_store(response)
