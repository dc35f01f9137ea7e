from django.contrib import admin
from leaflet.admin import LeafletGeoAdmin

from .models import Area, DraftCell, DraftRevision, Revision


@admin.register(Area)
class AreaAdmin(LeafletGeoAdmin):
    list_display = ("code", "name", "level", "area_m2", "valid_from", "valid_to")
    list_filter = ("level",)
    search_fields = ("code", "name")
    readonly_fields = ("area_m2", "valid_from", "valid_to", "revision", "retired_by")
    raw_id_fields = ("parent",)

    def has_change_permission(self, request, obj=None):
        # Boundaries change only through the editor's revisions (grids.actions), never in place.
        return request.method in ("GET", "HEAD") and super().has_view_permission(request, obj)

    def has_add_permission(self, request):
        return False

    def has_delete_permission(self, request, obj=None):
        return False


@admin.register(Revision)
class RevisionAdmin(admin.ModelAdmin):
    list_display = ("number", "scope", "published_at", "published_by", "reason")
    readonly_fields = ("number", "scope", "published_at", "published_by", "reason", "impact")


class DraftCellInline(admin.TabularInline):
    model = DraftCell
    fields = ("id", "origin")
    readonly_fields = ("id", "origin")
    extra = 0
    can_delete = False
    show_change_link = False


@admin.register(DraftRevision)
class DraftRevisionAdmin(admin.ModelAdmin):
    """Drafts are edited in the map editor; here they can be looked at and thrown away."""

    list_display = ("community", "created_by", "base_revision", "updated_at")
    list_filter = ("created_by",)
    search_fields = ("community__code", "community__name", "created_by__username")
    readonly_fields = ("community", "created_by", "base_revision", "created_at", "updated_at")
    inlines = [DraftCellInline]

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return request.method in ("GET", "HEAD") and super().has_view_permission(request, obj)


@admin.register(DraftCell)
class DraftCellAdmin(LeafletGeoAdmin):
    list_display = ("id", "draft", "origin")
    readonly_fields = ("draft", "origin")
    raw_id_fields = ("draft", "origin")

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        # Geometry changes go through the editor's actions, which keep the draft's bookkeeping.
        return request.method in ("GET", "HEAD") and super().has_view_permission(request, obj)
