from django import forms
from django.contrib import admin, messages
from django.contrib.auth.admin import UserAdmin as BaseUserAdmin
from django.contrib.auth.forms import AdminPasswordChangeForm
from django.core.exceptions import PermissionDenied
from django.http import HttpResponse
from django.template.response import TemplateResponse
from django.urls import path
from django.utils.translation import gettext_lazy as _
from django.utils.translation import ngettext

from . import passwords, roster
from .capabilities import Capability, can, capabilities_of
from .models import ApiToken, Department, GridAssignment, User


class RosterForm(forms.Form):
    file = forms.FileField(label=_("Roster file (.xlsx or .csv)"))
    dry_run = forms.BooleanField(label=_("Check only (write nothing)"), required=False, initial=True)


class TemporaryPasswordForm(AdminPasswordChangeForm):
    """A password an administrator types for someone is temporary: they choose their own at the next sign-in."""

    def save(self, commit=True):
        self.user.must_change_password = True
        return super().save(commit=commit)


@admin.register(User)
class UserAdmin(BaseUserAdmin):
    list_display = ("username", "first_name", "role", "area", "department", "is_active")
    list_filter = ("role", "is_active", "department")
    raw_id_fields = ("area",)
    fieldsets = BaseUserAdmin.fieldsets + (
        (_("Role and jurisdiction"), {"fields": ("role", "role_capabilities", "area", "department", "phone")}),
        (_("Sign-in"), {"fields": ("must_change_password",)}),
    )
    add_fieldsets = BaseUserAdmin.add_fieldsets + ((_("Role and jurisdiction"), {"fields": ("role", "area", "department")}),)
    readonly_fields = ("role_capabilities",)
    change_password_form = TemporaryPasswordForm
    actions = ["send_reset_links", "set_temporary_passwords"]
    change_list_template = "admin/accounts/user/change_list.html"

    def get_urls(self):
        own = [
            path("import-roster/", self.admin_site.admin_view(self.import_roster_view), name="accounts_user_import_roster"),
            path("roster-template.xlsx", self.admin_site.admin_view(self.roster_template_view), name="accounts_user_roster_template"),
        ]
        return own + super().get_urls()

    def import_roster_view(self, request):
        """The roster page: upload, check (dry run) or import; every problem per row and column, or the one-time passwords once."""
        if not can(request.user, Capability.IMPORT_ROSTER):
            raise PermissionDenied
        form = RosterForm(request.POST or None, request.FILES or None)
        context = {**self.admin_site.each_context(request), "title": _("Import the roster"), "form": form, "opts": self.model._meta,
                   "columns": roster.COLUMNS}
        if request.method == "POST" and form.is_valid():
            upload = form.cleaned_data["file"]
            try:
                result = roster.import_roster(actor=request.user, filename=upload.name, content=upload.read(),
                                              dry_run=form.cleaned_data["dry_run"])
            except roster.RosterRejected as exc:
                context.update(errors=exc.plan.errors, summary=exc.plan.summary())
            else:
                context.update(result=result, summary=result.summary, dry_run=form.cleaned_data["dry_run"])
        response = TemplateResponse(request, "admin/accounts/user/import_roster.html", context)
        response["Cache-Control"] = "no-store"  # the page may show one-time passwords
        return response

    def roster_template_view(self, request):
        if not can(request.user, Capability.IMPORT_ROSTER):
            raise PermissionDenied
        response = HttpResponse(roster.template_workbook(),
                                content_type="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet")
        response["Content-Disposition"] = 'attachment; filename="roster-template.xlsx"'
        return response

    @admin.action(description=_("Email a one-time link to choose a new password"), permissions=["change"])
    def send_reset_links(self, request, queryset):
        sent, missing = 0, []
        for user in queryset:
            if passwords.send_reset_link(user, base_url=request.build_absolute_uri("/")):
                sent += 1
            else:
                missing.append(user.username)
        if sent:
            self.message_user(request, ngettext("A link was emailed to %(n)d user.", "Links were emailed to %(n)d users.", sent) % {"n": sent})
        if missing:
            self.message_user(
                request, _("No email address (or not active): %(names)s. Give them a temporary password instead.")
                % {"names": ", ".join(missing)}, messages.WARNING,
            )

    @admin.action(description=_("Set a temporary password (shown once; changed at the next sign-in)"), permissions=["change"])
    def set_temporary_passwords(self, request, queryset):
        for user in queryset:
            password = passwords.set_temporary_password(user)
            # Shown to the administrator once, on the next page; it is not kept anywhere in clear.
            self.message_user(
                request, _("Temporary password of %(user)s: %(password)s — every sign-in of theirs has ended.")
                % {"user": user.username, "password": password}, messages.WARNING,
            )

    @admin.display(description=_("What the role may do"))
    def role_capabilities(self, obj: User) -> str:
        # The table in accounts.capabilities, so that whoever picks a role sees what it grants.
        held = capabilities_of(obj.role) if obj is not None else frozenset()
        return "; ".join(str(capability.label) for capability in Capability if capability in held) or "—"


@admin.register(ApiToken)
class ApiTokenAdmin(admin.ModelAdmin):
    """Who holds a token and until when (the keys themselves are not stored); delete one to end it."""

    list_display = ("user", "created_at", "expires_at", "refresh_expires_at")
    search_fields = ("user__username",)
    raw_id_fields = ("user",)
    readonly_fields = ("user", "created_at", "expires_at", "refresh_expires_at")

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False


@admin.register(Department)
class DepartmentAdmin(admin.ModelAdmin):
    list_display = ("code", "name", "name_en", "active")
    # Its list links to the import of categories and departments (incidents' admin: one file for both).
    change_list_template = "admin/accounts/department/change_list.html"
    search_fields = ("code", "name", "name_en")


@admin.register(GridAssignment)
class GridAssignmentAdmin(admin.ModelAdmin):
    list_display = ("user", "cell", "started_at", "ended_at")
    raw_id_fields = ("user", "cell")
