"""Administration. Reference data (categories, time limits, the working calendar) is edited here;
cases, timelines, patrols and notifications are read-only, because they change only through
``incidents.actions`` (the timeline is append-only)."""
from django import forms
from django.contrib import admin, messages
from django.core.exceptions import PermissionDenied
from django.http import HttpResponse
from django.template.response import TemplateResponse
from django.urls import path, reverse
from django.utils.html import format_html
from django.utils.translation import gettext_lazy as _
from leaflet.admin import LeafletGeoAdmin

from residents import privacy

from . import reference_file, routing, seeds
from .models import (
    Category,
    Incident,
    IncidentPhoto,
    Notification,
    Patrol,
    PatrolCheckIn,
    PatrolPoint,
    RoutingRule,
    TimeLimit,
    TimelineEntry,
    WorkingCalendar,
)


class ReadOnlyAdmin(admin.ModelAdmin):
    """Rows that only acts write (timeline, shares, audits): the admin reads them."""

    def has_add_permission(self, request, obj=None):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False


class TimeLimitInline(admin.TabularInline):
    model = TimeLimit
    extra = 0


class RoutingRuleInline(admin.TabularInline):
    model = RoutingRule
    extra = 0


def _route_label(category: Category, urgency: str) -> str:
    if category.parent_id is None:
        return "—"
    route = routing.rule_for(category, urgency)
    label = str(dict(RoutingRule._meta.get_field("start_level").choices)[route.level])
    return "{} · {}".format(label, _("automatic dispatch")) if route.auto_dispatch else label


class ReferenceFileForm(forms.Form):
    file = forms.FileField(label=_("File of categories and departments (.xlsx or .csv)"))
    dry_run = forms.BooleanField(label=_("Check only (write nothing)"), required=False, initial=True)


@admin.register(Category)
class CategoryAdmin(admin.ModelAdmin):
    list_display = (
        "code", "name", "name_en", "kind", "parent", "default_urgency", "grid_resolvable", "starts_normal", "starts_urgent",
        "duplicate_radius_m", "active",
    )
    list_filter = ("kind", "active", "grid_resolvable", "parent")
    search_fields = ("code", "name", "name_en")
    inlines = [TimeLimitInline, RoutingRuleInline]
    change_list_template = "admin/incidents/category/change_list.html"

    def get_urls(self):
        own = [
            path("import/", self.admin_site.admin_view(self.import_view), name="incidents_category_import_reference"),
            path("reference-template.xlsx", self.admin_site.admin_view(self.template_view), name="incidents_category_reference_template"),
        ]
        return own + super().get_urls()

    def import_view(self, request):
        """Categories and departments from a file: check (dry run) or import; every problem per row and column."""
        if not reference_file.may_import(request.user):
            raise PermissionDenied
        form = ReferenceFileForm(request.POST or None, request.FILES or None)
        context = {**self.admin_site.each_context(request), "title": _("Import categories and departments"), "form": form,
                   "opts": self.model._meta, "columns": reference_file.COLUMNS}
        if request.method == "POST" and form.is_valid():
            upload = form.cleaned_data["file"]
            dry_run = form.cleaned_data["dry_run"]
            try:
                plan = reference_file.import_reference(actor=request.user, filename=upload.name, content=upload.read(), dry_run=dry_run)
            except reference_file.ReferenceRejected as exc:
                context.update(errors=exc.plan.errors, summary=exc.plan.summary())
            else:
                context.update(done=True, summary=plan.summary(), warnings=plan.warnings, dry_run=dry_run)
        return TemplateResponse(request, "admin/incidents/category/import_reference.html", context)

    def template_view(self, request):
        if not reference_file.may_import(request.user):
            raise PermissionDenied
        response = HttpResponse(reference_file.template_workbook(),
                                content_type="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet")
        response["Content-Disposition"] = 'attachment; filename="categories-departments-template.xlsx"'
        return response

    @admin.display(description=_("a normal case starts at"))
    def starts_normal(self, obj: Category) -> str:
        return _route_label(obj, "normal")

    @admin.display(description=_("an urgent case starts at"))
    def starts_urgent(self, obj: Category) -> str:
        return _route_label(obj, "urgent")


@admin.register(RoutingRule)
class RoutingRuleAdmin(admin.ModelAdmin):
    """Where a new case starts (incidents.routing): the minor class's rule, else its major class's,
    else the rule of every class; the category list shows the outcome for every minor class."""

    list_display = ("category", "condition", "start_level", "auto_dispatch")
    list_editable = ("start_level", "auto_dispatch")
    list_filter = ("start_level", "auto_dispatch", "condition")
    search_fields = ("category__code", "category__name")
    list_select_related = ("category__parent",)


@admin.register(TimeLimit)
class TimeLimitAdmin(admin.ModelAdmin):
    list_display = ("category", "level", "condition", "clock", "amount")
    list_filter = ("level", "condition", "clock")
    search_fields = ("category__code", "category__name")


@admin.action(description=_("Refresh holidays and make-up days from chinese-calendar"))
def sync_from_package(modeladmin, request, queryset):
    count = seeds.sync_calendar()
    modeladmin.message_user(request, _("%(count)d days written from chinese-calendar.") % {"count": count}, messages.SUCCESS)


@admin.register(WorkingCalendar)
class WorkingCalendarAdmin(admin.ModelAdmin):
    list_display = ("date", "is_workday", "name", "from_package")
    list_filter = ("is_workday", "from_package")
    date_hierarchy = "date"
    search_fields = ("name",)
    actions = [sync_from_package]

    def save_model(self, request, obj, form, change):
        # A row typed by an administrator is theirs: a later sync from the package leaves it alone.
        obj.from_package = False
        super().save_model(request, obj, form, change)


class TimelineInline(admin.TabularInline):
    model = TimelineEntry
    extra = 0
    can_delete = False
    fields = ("version", "at", "actor", "action", "from_status", "to_status", "from_level", "to_level", "note")
    readonly_fields = fields

    def has_add_permission(self, request, obj=None):
        return False


@admin.display(description=_("image"))
def photo_link(photo: IncidentPhoto) -> str:
    # Through the scoped photo view: MEDIA_ROOT has no public URL, so the file field's own link
    # (/media/…) would lead nowhere.
    if not photo.pk:
        return ""
    return format_html('<a href="{}" target="_blank" rel="noopener">{}</a>', reverse("incident-photo", args=[photo.pk]), _("open"))


class PhotoInline(admin.TabularInline):
    model = IncidentPhoto
    extra = 0
    can_delete = False
    fields = ("stage", photo_link, "width", "height", "uploaded_by", "uploaded_at")
    readonly_fields = fields

    def has_add_permission(self, request, obj=None):
        return False


@admin.register(Incident)
class IncidentAdmin(LeafletGeoAdmin, ReadOnlyAdmin):
    # The caller's contact only masked, as on the case pages (residents.privacy).
    exclude = ("contact",)
    readonly_fields = ("caller_contact",)

    @admin.display(description=_("caller contact"))
    def caller_contact(self, obj: Incident) -> str:
        return privacy.mask(privacy.CONTACT, obj.contact)

    list_display = ("id", "category", "status", "level", "area", "deadline", "source", "created_at")
    list_filter = ("status", "level", "source", "urgency", "outside_cells")
    search_fields = ("id", "description", "address")
    raw_id_fields = ("cell", "filed_area", "area", "reporter", "assignee", "patrol", "duplicate_of")
    inlines = [TimelineInline, PhotoInline]
    date_hierarchy = "created_at"

    def has_view_permission(self, request, obj=None):
        return request.user.is_staff


@admin.register(TimelineEntry)
class TimelineEntryAdmin(ReadOnlyAdmin):
    list_display = ("incident", "version", "at", "actor", "action", "from_status", "to_status", "from_level", "to_level")
    list_filter = ("action", "to_level")
    raw_id_fields = ("incident", "actor", "to_area")


@admin.register(IncidentPhoto)
class IncidentPhotoAdmin(ReadOnlyAdmin):
    list_display = ("incident", "stage", "width", "height", "size_bytes", "uploaded_at")
    exclude = ("image",)
    readonly_fields = (photo_link,)
    raw_id_fields = ("incident", "entry", "uploaded_by")


@admin.register(Patrol)
class PatrolAdmin(ReadOnlyAdmin):
    list_display = ("worker", "cell", "started_at", "ended_at", "distance_m")
    raw_id_fields = ("worker", "cell")
    date_hierarchy = "started_at"


@admin.register(PatrolPoint)
class PatrolPointAdmin(ReadOnlyAdmin):
    list_display = ("patrol", "at", "accuracy_m", "cell")
    raw_id_fields = ("patrol", "cell")


@admin.register(PatrolCheckIn)
class PatrolCheckInAdmin(ReadOnlyAdmin):
    list_display = ("patrol", "at", "cell", "note")
    raw_id_fields = ("patrol", "cell")


@admin.register(Notification)
class NotificationAdmin(ReadOnlyAdmin):
    list_display = ("user", "incident", "kind", "created_at", "read_at", "email_state")
    list_filter = ("kind", "email_state")
    raw_id_fields = ("user", "incident")
