"""Resident pages: phone-first for grid workers (cells → buildings → households → people, visits),
search, records with audited reveal, statistics, import and export, the reveal audit log.

Every queryset goes through ``accounts.scope.scoped``; a record outside the user's scope is 404.
Every write calls ``residents.actions``.
"""
from __future__ import annotations

import datetime as dt
import io
import json
from functools import wraps
from urllib.parse import urlencode

from django.conf import settings
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.db.models import Count
from django.http import Http404, HttpResponse, JsonResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_POST

from accounts.capabilities import Capability, role_can
from gridgov.spreadsheet import safe_row
from accounts.scope import get_scoped_or_404, scoped
from grids.models import Area, Level

from . import actions
from .forms import BuildingForm, ExportForm, HouseholdForm, ImportForm, PersonForm, RevealForm, StatusForm, TagForm, VisitForm
from .importer import COLUMNS, export_rows, template_workbook
from .models import Building, Dwelling, Household, ImportJob, ImportStatus, Person, ResidentType, RevealAudit, RevealField
from .policy import can_import, can_read_audit, can_record_visit, can_reveal, can_see_records, can_see_sensitive_tags, can_see_statistics
from .queries import (
    IdentifierSearchLimit,
    area_statistics,
    identifier_in_address,
    is_exact_identifier,
    cell_counts,
    due_for_visit,
    last_visit_subquery,
    my_cells,
    search_persons,
    visible_tag_ids,
    visible_tags,
    with_list_relations,
)
from .pagination import CappedPaginator as Paginator
from .tasks import job_progress

PAGE_SIZE = 25
EXPORT_LIMIT = 50_000
XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


def records_required(view):
    @login_required
    @wraps(view)
    def wrapper(request, *args, **kwargs):
        if not can_see_records(request.user):
            raise PermissionDenied(_("Your role does not work with resident records."))
        return view(request, *args, **kwargs)

    return wrapper


def _no_store(response: HttpResponse) -> HttpResponse:
    # Pages that may carry a revealed identifier must never sit in a browser or proxy cache.
    response["Cache-Control"] = "no-store"
    return response


def _safe_next(request, default: str) -> str:
    target = request.POST.get("next") or request.GET.get("next")
    if target and url_has_allowed_host_and_scheme(target, allowed_hosts={request.get_host()}, require_https=request.is_secure()):
        return target
    return default


def _form_errors(form, exc: ValidationError) -> None:
    for name, messages_ in (exc.message_dict.items() if hasattr(exc, "error_dict") else [(None, exc.messages)]):
        for message in messages_:
            form.add_error(name if name in form.fields else None, message)


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
                _form_errors(form, exc)
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
                _form_errors(form, exc)
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
            _form_errors(form, exc)
    if not form.errors:
        messages.success(request, _("Visit to household %(number)s recorded.") % {"number": household.number})
        return redirect(_safe_next(request, reverse("residents:household", args=[household.pk])))
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


# --- people ---------------------------------------------------------------------------------

def _filters(request) -> dict:
    return {
        "q": request.GET.get("q", "").strip(),
        "tag": request.GET.get("tag", ""),
        "area": request.GET.get("area", "").strip(),
        "resident_type": request.GET.get("resident_type", ""),
        "include_inactive": request.GET.get("include_inactive") == "1",
    }


ADDRESS_MESSAGE = gettext_lazy(
    "A full ID, passport or phone number must not travel in the address, where servers and proxies log it: "
    "use the box “Find by full ID or phone number”, which sends it by POST."
)
SEARCH_LIMIT_MESSAGE = gettext_lazy("You have made today's number of searches by ID, passport or phone number.")


class IdentifierInAddress(Exception):
    pass


def _refuse_identifier_in_address(request) -> None:
    """The rule the API follows too (residents.queries.identifier_in_address)."""
    if identifier_in_address(request.GET):
        raise IdentifierInAddress()


@records_required
def person_list(request):
    """Search and list. A full ID or phone number is searched by POST ("exact" box), so that it
    never appears in a URL, a browser history or an access log; the GET box takes names,
    addresses and the last four characters."""
    exact = ""
    status = 200
    refusal = ""
    if request.method == "POST":
        exact = request.POST.get("exact", "").strip()
        filters = {"q": "", "tag": "", "area": "", "resident_type": "", "include_inactive": True}
        people = Person.objects.none()
        if is_exact_identifier(exact):
            try:
                people = search_persons(request.user, q=exact, include_inactive=True)
            except IdentifierSearchLimit:
                status, refusal = 429, SEARCH_LIMIT_MESSAGE
    else:
        filters = _filters(request)
        try:
            _refuse_identifier_in_address(request)
            people = search_persons(request.user, **filters)
        except IdentifierInAddress:
            # Refused without searching and without echoing the number back into the page.
            filters, people, status, refusal = {**filters, "q": ""}, Person.objects.none(), 400, ADDRESS_MESSAGE
        except IdentifierSearchLimit:
            people, status, refusal = Person.objects.none(), 429, SEARCH_LIMIT_MESSAGE
    page = Paginator(with_list_relations(people), PAGE_SIZE).get_page(request.GET.get("page"))
    visible = visible_tag_ids(request.user)
    query = {k: ("1" if v is True else v) for k, v in filters.items() if v}
    return _no_store(render(request, "residents/person_list.html", {
        "filters": filters,
        "exact": exact,
        "exact_invalid": bool(exact) and not is_exact_identifier(exact),
        "page": page,
        "rows": [(p, [t for t in p.tags.all() if t.pk in visible]) for p in page.object_list],
        "tags": visible_tags(request.user),
        "resident_types": ResidentType.choices,
        "query": urlencode(query) if request.method == "GET" else "",
        "can_reveal": can_reveal(request.user),
        "export_form": ExportForm(),
        "refusal": refusal,
        # A refused address must not come back in the page (the language switch returns to it).
        **({"language_next": request.path} if refusal else {}),
    }, status=status))


def _person_context(request, person: Person, **extra) -> dict:
    sensitive = can_see_sensitive_tags(request.user)
    history = person.history.select_related("actor")
    if not sensitive:
        history = history.filter(sensitive=False)
    visible = visible_tag_ids(request.user)
    tags = [t for t in person.tags.all() if t.pk in visible]
    context = {
        "person": person,
        "tags": tags,
        "history": history[:30],
        "can_reveal": can_reveal(request.user),
        "reveal_forms": {name: RevealForm(initial={"field": name}, prefix=name) for name in RevealField.values},
        "revealed": {},
        "tag_form": TagForm(tags=visible_tags(request.user).exclude(pk__in=[t.pk for t in tags]), prefix="tag"),
        "status_form": StatusForm(),
        "reveal_fields": RevealField,
    }
    context.update(extra)
    return context


def _get_person(request, pk: int) -> Person:
    return get_scoped_or_404(
        Person.objects.select_related("household__dwelling__building", "household__head", "cell__parent").prefetch_related("tags"),
        request.user, pk=pk,
    )


@records_required
def person_detail(request, pk: int):
    person = _get_person(request, pk)
    return _no_store(render(request, "residents/person_detail.html", _person_context(request, person)))


@require_POST
@records_required
def person_reveal(request, pk: int):
    person = _get_person(request, pk)
    field_name = request.POST.get("field_name", "")
    if field_name not in RevealField.values:
        raise Http404
    form = RevealForm(request.POST, prefix=field_name)
    context = _person_context(request, person)
    context["reveal_forms"][field_name] = form
    status = 200
    if form.is_valid():
        try:
            revealed = actions.reveal_person_field(
                actor=request.user, person=person, field_name=field_name, reason=form.cleaned_data["reason"], via="web"
            )
        except ValidationError as exc:
            _form_errors(form, exc)
            status = 400
        else:
            context["revealed"] = {field_name: revealed.value}
    else:
        status = 400
    return _no_store(render(request, "residents/person_detail.html", context, status=status))


@require_POST
@records_required
def person_tag(request, pk: int):
    person = _get_person(request, pk)
    tags = visible_tags(request.user)
    form = TagForm(request.POST, tags=tags, prefix="tag")
    if form.is_valid():
        try:
            if form.cleaned_data["operation"] == "remove":
                actions.remove_person_tag(actor=request.user, person=person, tag=form.cleaned_data["tag"])
            else:
                actions.add_person_tag(actor=request.user, person=person, tag=form.cleaned_data["tag"])
        except ValidationError as exc:
            messages.error(request, " ".join(exc.messages))
    else:
        messages.error(request, _("Choose a care tag."))
    return redirect("residents:person", pk=person.pk)


@require_POST
@records_required
def person_status(request, pk: int):
    person = _get_person(request, pk)
    form = StatusForm(request.POST)
    if form.is_valid():
        act = actions.move_person_out if form.cleaned_data["status"] == "moved_out" else actions.mark_person_deceased
        try:
            act(actor=request.user, person=person, on_date=form.cleaned_data["on_date"])
            messages.success(request, _("Recorded."))
        except ValidationError as exc:
            messages.error(request, " ".join(exc.messages))
    else:
        messages.error(request, _("Give a valid date."))
    return redirect("residents:person", pk=person.pk)


def _person_changes(form: PersonForm) -> dict:
    data = dict(form.cleaned_data)
    phones = [p for p in (data.pop("phones") or "").replace("，", ",").replace("、", ",").split(",") if p.strip()]
    changes = {**data, "phones": phones}
    if form.editing:
        # Blank identifier fields mean "keep what is stored".
        if not changes["id_number"]:
            changes.pop("id_number")
        if not phones:
            changes.pop("phones")
        if not changes.get("birth_date"):
            changes.pop("birth_date", None)
    return changes


@records_required
def person_edit(request, pk: int):
    person = _get_person(request, pk)
    if request.method == "POST":
        form = PersonForm(request.POST, editing=True)
        if form.is_valid():
            changes = _person_changes(form)
            if not changes.get("gender"):
                changes.pop("gender", None)
            try:
                actions.update_person(actor=request.user, person=person, changes=changes)
            except ValidationError as exc:
                _form_errors(form, exc)
            else:
                messages.success(request, _("Saved."))
                return redirect("residents:person", pk=person.pk)
    else:
        initial = {name: getattr(person, name) for name in PersonForm.base_fields if name not in ("id_number", "phones", "birth_date")}
        form = PersonForm(initial=initial, editing=True)
    return _no_store(render(request, "residents/person_form.html", {"form": form, "person": person, "household": person.household}))


@records_required
def person_new(request, household_pk: int):
    household = get_scoped_or_404(Household.objects.select_related("dwelling__building"), request.user, pk=household_pk)
    if request.method == "POST":
        form = PersonForm(request.POST)
        if form.is_valid():
            try:
                person = actions.create_person(actor=request.user, household=household, data=actions.PersonInput(**_person_changes(form)))
            except ValidationError as exc:
                _form_errors(form, exc)
            else:
                messages.success(request, _("%(name)s added to household %(number)s.") % {"name": person.name, "number": household.number})
                return redirect("residents:household", pk=household.pk)
    else:
        form = PersonForm(initial={"resident_type": ResidentType.REGISTERED, "current_address": str(household.dwelling)})
    return _no_store(render(request, "residents/person_form.html", {"form": form, "household": household}))


# --- statistics -----------------------------------------------------------------------------

@login_required
def statistics(request, code: str | None = None):
    user = request.user
    if not can_see_statistics(user):
        raise PermissionDenied(_("Your role does not read population statistics."))
    if code is None:
        if role_can(user, Capability.WORK_CELLS):
            first = my_cells(user).first()
        else:
            first = user.area if user.area_id else scoped(Area.objects.current(), user).order_by("code").first()
        if first is None:
            raise Http404(_("You have no area yet."))
        return redirect("residents:area", code=first.code)
    area = get_scoped_or_404(Area.objects.current().select_related("parent"), user, code=code)
    stats = area_statistics(area, include_sensitive=can_see_sensitive_tags(user))
    parent_visible = area.parent_id and scoped(Area.objects.filter(pk=area.parent_id), user).exists()
    labels = dict(ResidentType.choices)
    return render(request, "residents/statistics.html", {
        "area": area,
        "stats": stats,
        "by_type": [(labels[k], v) for k, v in stats["by_resident_type"].items()],
        "parent": area.parent if parent_visible else None,
        "can_list": can_see_records(user),
    })


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
                _form_errors(form, exc)
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
        _refuse_identifier_in_address(request)
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
    return _no_store(response)


# --- audit log ------------------------------------------------------------------------------

@login_required
def audit_log(request):
    if not can_read_audit(request.user):
        raise Http404
    audits = scoped(RevealAudit.objects.select_related("actor", "person"), request.user)
    actor = request.GET.get("actor", "").strip()
    if actor:
        audits = audits.filter(actor__username=actor)
    person = request.GET.get("person", "").strip()
    if person.isdigit():
        audits = audits.filter(person_id=int(person))
    since = request.GET.get("since", "")
    try:
        if since:
            audits = audits.filter(at__date__gte=dt.date.fromisoformat(since))
    except ValueError:
        messages.error(request, _("Give the date as YYYY-MM-DD."))
    page = Paginator(audits, 50).get_page(request.GET.get("page"))
    query = urlencode({k: v for k, v in (("actor", actor), ("person", person), ("since", since)) if v})
    return render(request, "residents/audit.html", {"page": page, "actor": actor, "person": person, "since": since, "query": query})
