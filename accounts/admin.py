from django.contrib import admin
from django.contrib.auth.admin import UserAdmin as BaseUserAdmin
from django.utils.translation import gettext_lazy as _

from .capabilities import Capability, capabilities_of
from .models import Department, GridAssignment, User


@admin.register(User)
class UserAdmin(BaseUserAdmin):
    list_display = ("username", "first_name", "role", "area", "department", "is_active")
    list_filter = ("role", "is_active", "department")
    raw_id_fields = ("area",)
    fieldsets = BaseUserAdmin.fieldsets + (
        (_("Role and jurisdiction"), {"fields": ("role", "role_capabilities", "area", "department", "phone")}),
    )
    add_fieldsets = BaseUserAdmin.add_fieldsets + ((_("Role and jurisdiction"), {"fields": ("role", "area", "department")}),)
    readonly_fields = ("role_capabilities",)

    @admin.display(description=_("What the role may do"))
    def role_capabilities(self, obj: User) -> str:
        # The table in accounts.capabilities, so that whoever picks a role sees what it grants.
        held = capabilities_of(obj.role) if obj is not None else frozenset()
        return "; ".join(str(capability.label) for capability in Capability if capability in held) or "—"


@admin.register(Department)
class DepartmentAdmin(admin.ModelAdmin):
    list_display = ("code", "name", "active")
    search_fields = ("code", "name")


@admin.register(GridAssignment)
class GridAssignmentAdmin(admin.ModelAdmin):
    list_display = ("user", "cell", "started_at", "ended_at")
    raw_id_fields = ("user", "cell")
