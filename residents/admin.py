"""Admin for resident records. Querysets are scoped; identifiers are shown masked; writes go through actions.

Personal identifiers are never put back into a form: an empty "new ID number" keeps what is stored.
"""
from __future__ import annotations

from django import forms
from django.contrib import admin
from django.utils.translation import gettext_lazy as _
from leaflet.admin import LeafletGeoAdmin

from accounts.scope import scoped

from . import actions
from .cells import cell_in_scope, find_cell
from .models import (
    Building,
    CareTag,
    ChangeHistory,
    Dwelling,
    Household,
    ImportJob,
    Person,
    PersonTag,
    RevealAudit,
    Visit,
)
from .person_input import PersonInput, clean_person_input


class ScopedMixin:
    def get_queryset(self, request):
        return scoped(super().get_queryset(request), request.user)


class ScopedAdmin(ScopedMixin, admin.ModelAdmin):
    pass


class ReadOnlyAdmin(ScopedAdmin):
    """Records that are written only by the product's acts (visits, history, audit, imports)."""

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False


@admin.register(CareTag)
class CareTagAdmin(admin.ModelAdmin):
    list_display = ("name", "code", "sensitive", "active", "order")
    list_editable = ("sensitive", "active", "order")
    search_fields = ("name", "code")

    def has_delete_permission(self, request, obj=None):
        # Retire a tag (active = off) rather than delete it: people carry it and history names it.
        return False


class BuildingAdminForm(forms.ModelForm):
    class Meta:
        model = Building
        fields = ["code", "address", "location", "floors", "units", "property_manager"]

    def clean(self):
        cleaned = super().clean()
        location = cleaned.get("location")
        if location is not None and "location" in self.changed_data:
            cell = find_cell(location)
            if cell is None:
                self.add_error("location", _("The location lies outside every grid cell."))
            elif not cell_in_scope(self.request_user, cell):
                self.add_error("location", _("The location lies outside your jurisdiction."))
        return cleaned


@admin.register(Building)
class BuildingAdmin(ScopedMixin, LeafletGeoAdmin):
    form = BuildingAdminForm
    list_display = ("code", "address", "cell", "floors", "units", "property_manager")
    search_fields = ("code", "address")
    readonly_fields = ("cell", "created_at", "updated_at")
    actions = ["relocate"]

    def get_form(self, request, obj=None, **kwargs):
        form = super().get_form(request, obj, **kwargs)
        form.request_user = request.user
        return form

    def get_readonly_fields(self, request, obj=None):
        return self.readonly_fields + (("code",) if obj else ())

    @admin.action(description=_("Re-find the grid cell of the selected buildings"))
    def relocate(self, request, queryset):
        moved = actions.relocate_buildings_to_current_cells(list(queryset.values_list("pk", flat=True)), actor=request.user)
        self.message_user(request, _("%(n)d buildings changed cell.") % {"n": len(moved)})

    def save_model(self, request, obj, form, change):
        if change:
            fields = {name: form.cleaned_data[name] for name in form.changed_data if name in ("address", "location", "floors", "units", "property_manager")}
            if fields:
                actions.update_building(actor=request.user, building=obj, **fields)
        else:
            created = actions.create_building(
                actor=request.user, code=obj.code, address=obj.address, location=obj.location, floors=obj.floors,
                units=obj.units, property_manager=obj.property_manager,
            )
            obj.pk = created.pk


@admin.register(Dwelling)
class DwellingAdmin(ScopedAdmin):
    list_display = ("building", "unit", "floor", "room", "use")
    search_fields = ("building__code", "building__address", "room")
    raw_id_fields = ("building",)

    def get_readonly_fields(self, request, obj=None):
        return ("building", "unit", "floor", "room", "use") if obj else ()

    def save_model(self, request, obj, form, change):
        if not change:
            created = actions.create_dwelling(actor=request.user, building=obj.building, unit=obj.unit, floor=obj.floor, room=obj.room, use=obj.use)
            obj.pk = created.pk


class MemberInline(admin.TabularInline):
    model = Person
    fields = ("name", "relation_to_head", "gender", "birth_year", "id_number_shown", "resident_type", "moved_out", "deceased")
    readonly_fields = fields
    extra = 0
    can_delete = False
    show_change_link = True

    def has_add_permission(self, request, obj=None):
        return False


@admin.register(Household)
class HouseholdAdmin(ScopedAdmin):
    list_display = ("number", "dwelling", "head", "cell")
    search_fields = ("number",)
    raw_id_fields = ("dwelling",)
    inlines = [MemberInline]

    def get_readonly_fields(self, request, obj=None):
        return ("number", "dwelling", "head", "cell", "created_at") if obj else ("head", "cell", "created_at")

    def save_model(self, request, obj, form, change):
        if not change:
            created = actions.create_household(actor=request.user, number=obj.number, dwelling=obj.dwelling)
            obj.pk = created.pk


# The birth date is not a plain field: the form would show it, and it is the hidden middle of the
# ID number. It is replaced like the identifiers (new_birth_date, blank keeps the stored date).
PERSON_ADMIN_FIELDS = (
    "household", "name", "gender", "ethnicity", "id_type", "registered_address", "current_address",
    "resident_type", "relation_to_head",
)


class PersonAdminForm(forms.ModelForm):
    new_id_number = forms.CharField(label=_("New ID number"), required=False, help_text=_("Leave blank to keep the stored number."))
    new_phones = forms.CharField(label=_("New phones"), required=False, help_text=_("Comma-separated; leave blank to keep the stored numbers."))
    new_birth_date = forms.DateField(label=_("New birth date"), required=False, help_text=_("Leave blank to keep the stored date."))

    class Meta:
        model = Person
        fields = list(PERSON_ADMIN_FIELDS)

    def changes(self) -> tuple[dict, str, list[str]]:
        # Not Meta.fields: the admin's generated form class lists the extra identifier fields there too.
        data = {name: self.cleaned_data.get(name) for name in PERSON_ADMIN_FIELDS if name != "household"}
        if self.cleaned_data.get("new_birth_date"):
            data["birth_date"] = self.cleaned_data["new_birth_date"]
        new_id = (self.cleaned_data.get("new_id_number") or "").strip()
        new_phones = [p.strip() for p in (self.cleaned_data.get("new_phones") or "").replace("，", ",").split(",") if p.strip()]
        return data, new_id, new_phones

    def clean(self):
        # Validate with the same rules as the actions, so that saving cannot fail half-way.
        cleaned = super().clean()
        if self.errors:
            return cleaned
        data, new_id, new_phones = self.changes()
        if self.instance.pk:
            # Identifiers not being replaced are re-validated from the stored values (never shown).
            stored = Person.objects.get(pk=self.instance.pk)
            probe = PersonInput(**{"birth_date": stored.birth_date, **data, "id_number": new_id or stored._decrypted_id_number(),
                                           "phones": new_phones or stored._decrypted_phones()})
        else:
            probe = PersonInput(**{**data, "id_number": new_id, "phones": new_phones})
        problems = clean_person_input(probe)
        if new_id and "id_number" not in problems and actions.id_number_taken(probe.id_number, exclude_pk=self.instance.pk):
            problems["id_number"] = [_("A person with this ID number is already registered.")]
        for name, messages_ in problems.items():
            target = {"id_number": "new_id_number", "phones": "new_phones"}.get(name, name)
            for message in messages_:
                self.add_error(target if target in self.fields else None, message)
        return cleaned


class PersonTagInline(admin.TabularInline):
    model = PersonTag
    fields = ("tag", "added_by", "added_at", "note")
    readonly_fields = fields
    extra = 0
    can_delete = False

    def has_add_permission(self, request, obj=None):
        return False


@admin.register(Person)
class PersonAdmin(ScopedAdmin):
    form = PersonAdminForm
    list_display = ("name", "gender", "birth_year", "id_number_shown", "phones_shown", "resident_type", "household", "cell", "moved_out", "deceased")
    list_filter = ("resident_type", "gender", "moved_out", "deceased")
    # No search by the last four of the ID number: the masks do not show them (residents.queries).
    search_fields = ("name", "household__number")
    raw_id_fields = ("household",)
    readonly_fields = ("birth_year", "id_number_shown", "phones_shown", "cell", "moved_out", "moved_out_on", "deceased", "deceased_on", "key_id")
    inlines = [PersonTagInline]
    list_select_related = ("household", "cell")

    def get_readonly_fields(self, request, obj=None):
        return self.readonly_fields + (("household",) if obj else ())

    @admin.display(description=_("phones"))
    def phones_shown(self, obj: Person) -> str:
        return ", ".join(obj.phones_masked_list)

    def save_model(self, request, obj, form, change):
        data, new_id, new_phones = form.changes()
        if change:
            changes = {name: data[name] for name in form.changed_data if name in data}
            if new_id:
                changes["id_number"] = new_id
            if new_phones:
                changes["phones"] = new_phones
            actions.update_person(actor=request.user, person=Person.objects.get(pk=obj.pk), changes=changes)
        else:
            person = actions.create_person(
                actor=request.user, household=form.cleaned_data["household"],
                data=PersonInput(**data, id_number=new_id, phones=new_phones),
            )
            obj.pk = person.pk

    def has_delete_permission(self, request, obj=None):
        # People move out or die; their record stays (history and audit point at it).
        return False


@admin.register(PersonTag)
class PersonTagAdmin(ReadOnlyAdmin):
    list_display = ("person", "tag", "added_by", "added_at")
    list_filter = ("tag",)
    raw_id_fields = ("person",)

    def get_queryset(self, request):
        from .queries import visible_tag_ids

        # Sensitive tags stay hidden here too from those who may not see them.
        return super().get_queryset(request).filter(tag_id__in=visible_tag_ids(request.user))


@admin.register(Visit)
class VisitAdmin(ReadOnlyAdmin):
    list_display = ("visited_on", "household", "worker", "follow_up_needed")
    list_filter = ("follow_up_needed",)
    search_fields = ("household__number", "worker__username")


@admin.register(ChangeHistory)
class ChangeHistoryAdmin(ReadOnlyAdmin):
    list_display = ("at", "actor", "model", "object_id", "action", "sensitive")
    # The raw JSON is not shown: rows stored before the current masks are masked again here.
    exclude = ("changes",)
    readonly_fields = ("shown_changes",)

    @admin.display(description=_("changes"))
    def shown_changes(self, obj: ChangeHistory) -> str:
        return "; ".join(f"{label}: {before} → {after}" for label, before, after in obj.readable_changes())
    list_filter = ("model", "action")
    search_fields = ("actor__username",)


@admin.register(RevealAudit)
class RevealAuditAdmin(ReadOnlyAdmin):
    list_display = ("at", "actor", "actor_role", "person", "field", "reason", "via")
    list_filter = ("field", "via", "actor_role")
    search_fields = ("actor__username", "person__name", "reason")
    date_hierarchy = "at"


@admin.register(ImportJob)
class ImportJobAdmin(ReadOnlyAdmin):
    list_display = ("created_at", "filename", "uploaded_by", "status", "total_rows", "finished_at")
    list_filter = ("status",)
    exclude = ("payload_enc",)
