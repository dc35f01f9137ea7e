"""Resident pages of people: search and list, the record with its audited reveal, tags, status, edits.

Every queryset goes through ``accounts.scope.scoped``; a record outside the user's scope is 404.
Every write calls ``residents.actions``.
"""
from __future__ import annotations

from urllib.parse import urlencode

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.http import Http404
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from accounts.scope import get_scoped_or_404

from .. import actions
from ..forms import ExportForm, PersonForm, RevealForm, StatusForm, TagForm
from ..models import Household, Person, ResidentType, RevealField
from ..policy import can_reveal, can_see_sensitive_tags
from ..queries import (
    IdentifierSearchLimit,
    is_exact_identifier,
    search_persons,
    visible_tag_ids,
    visible_tags,
    with_list_relations,
)
from ..pagination import CappedPaginator as Paginator
from .common import (
    PAGE_SIZE,
    records_required,
    no_store,
    form_errors,
    ADDRESS_MESSAGE,
    SEARCH_LIMIT_MESSAGE,
    IdentifierInAddress,
    refuse_identifier_in_address,
)


# --- people ---------------------------------------------------------------------------------

def _filters(request) -> dict:
    return {
        "q": request.GET.get("q", "").strip(),
        "tag": request.GET.get("tag", ""),
        "area": request.GET.get("area", "").strip(),
        "resident_type": request.GET.get("resident_type", ""),
        "include_inactive": request.GET.get("include_inactive") == "1",
    }



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
            refuse_identifier_in_address(request)
            people = search_persons(request.user, **filters)
        except IdentifierInAddress:
            # Refused without searching and without echoing the number back into the page.
            filters, people, status, refusal = {**filters, "q": ""}, Person.objects.none(), 400, ADDRESS_MESSAGE
        except IdentifierSearchLimit:
            people, status, refusal = Person.objects.none(), 429, SEARCH_LIMIT_MESSAGE
    page = Paginator(with_list_relations(people), PAGE_SIZE).get_page(request.GET.get("page"))
    visible = visible_tag_ids(request.user)
    query = {k: ("1" if v is True else v) for k, v in filters.items() if v}
    return no_store(render(request, "residents/person_list.html", {
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
    return no_store(render(request, "residents/person_detail.html", _person_context(request, person)))


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
            form_errors(form, exc)
            status = 400
        else:
            context["revealed"] = {field_name: revealed.value}
    else:
        status = 400
    return no_store(render(request, "residents/person_detail.html", context, status=status))


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
                form_errors(form, exc)
            else:
                messages.success(request, _("Saved."))
                return redirect("residents:person", pk=person.pk)
    else:
        initial = {name: getattr(person, name) for name in PersonForm.base_fields if name not in ("id_number", "phones", "birth_date")}
        form = PersonForm(initial=initial, editing=True)
    return no_store(render(request, "residents/person_form.html", {"form": form, "person": person, "household": person.household}))


@records_required
def person_new(request, household_pk: int):
    household = get_scoped_or_404(Household.objects.select_related("dwelling__building"), request.user, pk=household_pk)
    if request.method == "POST":
        form = PersonForm(request.POST)
        if form.is_valid():
            try:
                person = actions.create_person(actor=request.user, household=household, data=actions.PersonInput(**_person_changes(form)))
            except ValidationError as exc:
                form_errors(form, exc)
            else:
                messages.success(request, _("%(name)s added to household %(number)s.") % {"name": person.name, "number": household.number})
                return redirect("residents:household", pk=household.pk)
    else:
        form = PersonForm(initial={"resident_type": ResidentType.REGISTERED, "current_address": str(household.dwelling)})
    return no_store(render(request, "residents/person_form.html", {"form": form, "household": household}))
