from django.contrib import admin

from .models import NeedKind


@admin.register(NeedKind)
class NeedKindAdmin(admin.ModelAdmin):
    """The kinds of need are reference data administrators edit; needs themselves change only
    through needs.actions (no admin for them: it would write around the acts)."""

    list_display = ("code", "name", "name_en", "medical", "category", "active", "sort_order")
    list_editable = ("active", "sort_order")
    search_fields = ("code", "name", "name_en")
