from django.contrib import admin
from leaflet.admin import LeafletGeoAdmin

from .models import Area, Revision


@admin.register(Area)
class AreaAdmin(LeafletGeoAdmin):
    list_display = ("code", "name", "level", "area_m2", "valid_from", "valid_to")
    list_filter = ("level",)
    search_fields = ("code", "name")
    readonly_fields = ("area_m2", "valid_from", "valid_to", "revision")
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
    readonly_fields = ("number", "scope", "published_at", "published_by", "reason")
