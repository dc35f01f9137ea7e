"""Administration: default departments per category, the evaluation setting and Open311 clients are
edited here; shares, extensions and supervision are read-only, because they change only through
``dispatch.actions`` (each change is on the case's timeline)."""

from __future__ import annotations

from django import forms
from django.contrib import admin, messages
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _

from grids.models import Area, Level
from incidents.admin import ReadOnlyAdmin
from residents import privacy
from residents.policy import can_read_audit

from . import actions, public_admin  # noqa: F401 (public_admin: PublicCase, Verdict, SpamMark)
from .models import (
    Assignment,
    ContactReveal,
    DepartmentCategory,
    ExtensionRequest,
    IndicatorSettings,
    Open311Client,
    Open311Request,
    Supervision,
)


@admin.register(DepartmentCategory)
class DepartmentCategoryAdmin(admin.ModelAdmin):
    list_display = ("category", "department")
    list_filter = ("department",)
    search_fields = ("category__code", "category__name", "department__name")
    autocomplete_fields = ("department",)
    list_select_related = ("category__parent", "department")


@admin.register(Assignment)
class AssignmentAdmin(ReadOnlyAdmin):
    list_display = ("incident", "department", "status", "deadline", "dispatched_at", "reworks", "supervisions")
    list_filter = ("status", "department")
    search_fields = ("incident__id",)
    list_select_related = ("incident__category", "department")
    date_hierarchy = "dispatched_at"


@admin.register(ExtensionRequest)
class ExtensionRequestAdmin(ReadOnlyAdmin):
    list_display = ("assignment", "status", "previous_deadline", "requested_deadline", "requested_at", "decided_at")
    list_filter = ("status",)
    list_select_related = ("assignment__department", "assignment__incident__category")


@admin.register(Supervision)
class SupervisionAdmin(ReadOnlyAdmin):
    list_display = ("assignment", "by", "at", "overdue", "note")
    list_filter = ("overdue",)
    list_select_related = ("assignment__department", "assignment__incident__category", "by")


@admin.register(IndicatorSettings)
class IndicatorSettingsAdmin(admin.ModelAdmin):
    list_display = ("__str__", "exclude_deferred", "updated_at")

    def has_add_permission(self, request):
        # One row: the setting is edited, never duplicated.
        return not IndicatorSettings.objects.exists()

    def has_delete_permission(self, request, obj=None):
        return False

    def save_model(self, request, obj, form, change):
        actions.set_indicator_settings(exclude_deferred=obj.exclude_deferred)


class Open311ClientForm(forms.ModelForm):
    district = forms.ModelChoiceField(queryset=Area.objects.current().filter(level=Level.DISTRICT), label=_("district"))

    class Meta:
        model = Open311Client
        fields = ("name", "contact", "district", "active")


@admin.register(Open311Client)
class Open311ClientAdmin(admin.ModelAdmin):
    form = Open311ClientForm
    list_display = ("name", "district", "key_prefix", "active", "created_at", "last_used_at")
    list_filter = ("active",)
    readonly_fields = ("key_prefix", "created_at", "last_used_at")
    actions = ["issue_new_key"]

    def save_model(self, request, obj, form, change):
        if change:
            super().save_model(request, obj, form, change)
            return
        client, key = actions.create_open311_client(name=obj.name, district=obj.district, contact=obj.contact)
        obj.pk = client.pk
        obj.__dict__.update(client.__dict__)
        messages.warning(
            request,
            gettext("The api_key of %(name)s is %(key)s — copy it now: it is not shown again.")
            % {"name": client.name, "key": key},
        )

    @admin.action(description=_("Issue a new api_key (the old one stops working)"))
    def issue_new_key(self, request, queryset):
        for client in queryset:
            key = actions.rotate_open311_key(client)
            messages.warning(
                request,
                gettext("The new api_key of %(name)s is %(key)s — copy it now: it is not shown again.")
                % {"name": client.name, "key": key},
            )


@admin.register(Open311Request)
class Open311RequestAdmin(ReadOnlyAdmin):
    list_display = ("incident", "client", "created_at", "media_url")
    list_filter = ("client",)
    list_select_related = ("incident__category", "client")
    # The caller's own details only masked (residents.privacy), as on the case; the full contact
    # is revealed from the case page, audited (dispatch.contact).
    exclude = ("email", "first_name", "last_name", "phone", "device_id", "account_id")
    readonly_fields = ("caller",)

    @admin.display(description=_("caller"))
    def caller(self, obj: Open311Request) -> str:
        name = privacy.mask(privacy.PERSON_NAME, f"{obj.last_name}{obj.first_name}".strip())
        return " ".join(p for p in (name, privacy.mask(privacy.PHONE, obj.phone), privacy.mask(privacy.EMAIL, obj.email)) if p)


@admin.register(ContactReveal)
class ContactRevealAdmin(ReadOnlyAdmin):
    """The audit of caller-contact reveals, for those who read the residents' reveal audit."""

    list_display = ("at", "actor", "actor_role", "incident", "reason", "via")
    list_filter = ("via", "actor_role")
    search_fields = ("actor__username", "reason")
    raw_id_fields = ("actor", "incident")
    date_hierarchy = "at"

    def has_view_permission(self, request, obj=None):
        return can_read_audit(request.user)
