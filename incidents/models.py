"""Patrols, incidents (cases), their append-only timeline, time limits and the working calendar.

A case (``Incident``) keeps the grid cell it was filed against forever (``cell``), and the area it
is filed under for visibility (``filed_area``: the cell, or the smallest area holding the point
when no cell does). Separately it has a *level* (grid → community → street office → district) and
the area responsible at that level (``area``), which move when the case escalates or is sent
down. Every change of state goes through ``incidents.actions`` and writes one ``TimelineEntry``
whose ``version`` equals the case's new version: a unique (incident, version) pair makes a lost
or doubled transition impossible, whatever process wrote it.
"""
from __future__ import annotations

import uuid

from django.conf import settings
from django.contrib.gis.db import models
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from gridgov.bilingual import in_language
from gridgov.choices import CachedChoiceLabels
from grids.models import Level


class Kind(models.TextChoices):
    COMPONENT = "component", _("Component (部件)")
    EVENT = "event", _("Event (事件)")


class Urgency(models.TextChoices):
    NORMAL = "normal", _("Normal")
    URGENT = "urgent", _("Urgent")


class Source(models.TextChoices):
    PATROL = "patrol", _("Patrol")
    SELF_REPORT = "self_report", _("Grid worker report")
    HOTLINE = "hotline", _("Hotline 12345")
    API = "api", _("API")
    OPEN311 = "open311", _("Open311")
    RESIDENT = "resident", _("Resident (随手拍)")


# The statuses, their groups and the level chain are defined in ``kinds`` and ``levels`` (other apps
# extend the statuses); they are importable from here as well, where most callers look for them.
from .kinds import (  # noqa: E402,F401
    ACTIVE_STATUSES,
    FINAL_STATUSES,
    OPEN_STATUSES,
    SETTLED_OWN_STATUSES,
    NotificationKind,
    Status,
    is_email_kind,
    notification_kind_choices,
    status_choices,
)
from .levels import LEVEL_CHAIN, NEXT_LEVEL, PREVIOUS_LEVEL  # noqa: E402,F401


class Clock(models.TextChoices):
    URGENT_HOURS = "urgent_hours", _("Urgent hours (continuous)")
    WORKING_HOURS = "working_hours", _("Working hours (office time)")
    WORKING_DAYS = "working_days", _("Working days")


class Category(models.Model):
    """Two-level taxonomy: a major class (parent empty) and its minor classes. Cases use minor classes."""

    kind = models.CharField(_("kind"), max_length=10, choices=Kind.choices)
    parent = models.ForeignKey(
        "self", verbose_name=_("major class"), on_delete=models.PROTECT, null=True, blank=True, related_name="children"
    )
    code = models.CharField(_("code"), max_length=10, unique=True)
    name = models.CharField(_("name (Chinese)"), max_length=60)
    name_en = models.CharField(_("name (English)"), max_length=60, blank=True)
    duplicate_radius_m = models.PositiveIntegerField(
        _("duplicate radius (m)"), default=50, help_text=_("Open cases of this class within this distance are shown as possible duplicates.")
    )
    default_urgency = models.CharField(_("default urgency"), max_length=10, choices=Urgency.choices, default=Urgency.NORMAL)
    grid_resolvable = models.BooleanField(
        _("minor: a grid worker may settle it"), default=False, help_text=_("Small matters settled inside the grid (小事不出网格).")
    )
    sort_order = models.PositiveSmallIntegerField(_("order"), default=0)
    active = models.BooleanField(_("active"), default=True)

    class Meta:
        ordering = ["sort_order", "code"]
        verbose_name = _("category")
        verbose_name_plural = _("categories")

    def __str__(self) -> str:
        return f"{self.parent.label} · {self.label}" if self.parent_id and self.parent else self.label

    @property
    def label(self) -> str:
        """The name in the viewer's language (Chinese unless English is asked for and given)."""
        return in_language(self.name, self.name_en)

    @property
    def is_major(self) -> bool:
        return self.parent_id is None


class TimeLimit(models.Model):
    """How long a level has to settle a case of a class under a condition, on one of three clocks.

    Looked up from the most specific row: the minor class, then its major class, then the row
    with no class (the default for the level)."""

    category = models.ForeignKey(
        Category, verbose_name=_("category"), on_delete=models.CASCADE, null=True, blank=True, related_name="time_limits"
    )
    level = models.CharField(_("level"), max_length=10, choices=Level.choices)
    condition = models.CharField(_("condition"), max_length=10, choices=Urgency.choices, default=Urgency.NORMAL)
    clock = models.CharField(_("clock"), max_length=15, choices=Clock.choices)
    amount = models.DecimalField(_("amount"), max_digits=6, decimal_places=2)

    class Meta:
        ordering = ["category__code", "level", "condition"]
        verbose_name = _("time limit")
        verbose_name_plural = _("time limits")
        constraints = [
            models.UniqueConstraint(
                fields=["category", "level", "condition"], name="one_time_limit_per_class_level_condition", nulls_distinct=False
            ),
            models.CheckConstraint(condition=Q(amount__gt=0), name="time_limit_positive"),
        ]

    def __str__(self) -> str:
        return f"{self.category or _('default')} · {self.get_level_display()} · {self.amount} {self.get_clock_display()}"


class RoutingRule(models.Model):
    """Where a new case of a class starts under a condition, and whether the command centre
    dispatches it to the class's default departments as soon as it is registered.

    Looked up like the time limits: the minor class, then its major class, then the row with no
    class (the default for every class); with no row at all a case starts at grid level. The
    routing function is ``incidents.routing.route_for`` (docs/domain/cases.md#routing)."""

    category = models.ForeignKey(
        Category, verbose_name=_("category"), on_delete=models.CASCADE, null=True, blank=True, related_name="routing_rules",
        help_text=_("A minor or a major class; empty: every class without a rule of its own."),
    )
    condition = models.CharField(_("condition"), max_length=10, choices=Urgency.choices, default=Urgency.NORMAL)
    start_level = models.CharField(
        _("starts at"), max_length=10, choices=Level.choices,
        help_text=_("Grid: the cell's grid worker; community or street: their staff; district: the command centre's intake (受理)."),
    )
    auto_dispatch = models.BooleanField(
        _("dispatch automatically"), default=False,
        help_text=_("When the command centre registers such a case, it goes to the class's default departments at once; "
                    "the dispatcher may correct it."),
    )

    class Meta:
        ordering = ["category__code", "condition"]
        verbose_name = _("routing rule")
        verbose_name_plural = _("routing rules")
        constraints = [
            models.UniqueConstraint(fields=["category", "condition"], name="one_routing_rule_per_class_condition", nulls_distinct=False),
            # Only the command centre dispatches: a case dispatched automatically starts there.
            models.CheckConstraint(
                condition=Q(auto_dispatch=False) | Q(start_level="district"), name="routing_auto_dispatch_at_centre",
                violation_error_message=_("Only the command centre dispatches: a rule that dispatches automatically starts at district level."),
            ),
        ]

    def __str__(self) -> str:
        return f"{self.category or _('every class')} · {self.get_condition_display()} → {self.get_start_level_display()}"


class CaseNumberCounter(models.Model):
    """The last case number given in a district on a local day (``incidents.numbering``): taken by
    one conditional upsert, so two reports filed at the same moment never get the same number."""

    district_code = models.CharField(_("district code"), max_length=6)
    day = models.DateField(_("day"))
    last = models.PositiveIntegerField(_("last number"))

    class Meta:
        verbose_name = _("case number counter")
        verbose_name_plural = _("case number counters")
        constraints = [models.UniqueConstraint(fields=["district_code", "day"], name="one_case_counter_per_district_day")]


class WorkingCalendar(models.Model):
    """Exceptions to the weekday rule: public holidays on weekdays and make-up working days (调休)
    on weekends. Seeded from ``chinese-calendar`` for the years it knows; administrators add the
    rows of later years. A date with no row follows the rule Monday–Friday work."""

    date = models.DateField(_("date"), unique=True)
    is_workday = models.BooleanField(_("working day"))
    name = models.CharField(_("name"), max_length=60, blank=True)
    from_package = models.BooleanField(_("from chinese-calendar"), default=False, editable=False)

    class Meta:
        ordering = ["date"]
        verbose_name = _("working-calendar day")
        verbose_name_plural = _("working calendar")

    def __str__(self) -> str:
        return f"{self.date} {'workday' if self.is_workday else 'holiday'} {self.name}"


class Patrol(models.Model):
    """A grid worker's walk: started and ended on the phone, a track of points, check-ins and findings."""

    SCOPE_AREA_PATH = "cell"

    worker = models.ForeignKey(settings.AUTH_USER_MODEL, verbose_name=_("grid worker"), on_delete=models.PROTECT, related_name="patrols")
    cell = models.ForeignKey(
        "grids.Area", verbose_name=_("home cell"), on_delete=models.PROTECT, related_name="patrols",
        help_text=_("The worker's cell when the patrol started; it decides who may see the patrol."),
    )
    client_id = models.UUIDField(_("client id"), null=True, blank=True)
    started_at = models.DateTimeField(_("started at"), default=timezone.now)
    ended_at = models.DateTimeField(_("ended at"), null=True, blank=True)
    distance_m = models.FloatField(_("distance (m)"), default=0)
    # Kept on the patrol, so that what a patrol was outlives its points (dropped after
    # GRIDGOV_PATROL_POINT_DAYS, docs/domain/patrols.md): how many points it had, and its track as one
    # simplified line, written when it ends and before a day of points is dropped.
    point_count = models.PositiveIntegerField(_("points"), default=0, db_default=0)
    track = models.LineStringField(_("track"), srid=4326, null=True, blank=True, spatial_index=True)
    note = models.TextField(_("note"), blank=True)

    class Meta:
        ordering = ["-started_at"]
        verbose_name = _("patrol")
        verbose_name_plural = _("patrols")
        constraints = [
            models.UniqueConstraint(fields=["worker", "client_id"], condition=Q(client_id__isnull=False), name="patrol_client_id_once"),
            models.UniqueConstraint(fields=["worker"], condition=Q(ended_at__isnull=True), name="one_open_patrol_per_worker"),
        ]

    def __str__(self) -> str:
        return f"{self.worker} {timezone.localtime(self.started_at):%Y-%m-%d %H:%M}"

    @property
    def is_open(self) -> bool:
        return self.ended_at is None


class PatrolPoint(models.Model):
    """One position of the track. ``client_id`` is made by the phone so a re-sent batch adds nothing.

    The table is partitioned by day of ``at`` (migration 0010, ``incidents.patrol_days``): its primary
    key in the database is (id, at), ``id`` comes from one sequence, so it is unique on its own and
    Django may treat it as the key. Only the indexes declared here exist (no GiST on ``location``,
    no separate index on the foreign keys): each point costs ingestion two index entries.
    """

    patrol = models.ForeignKey(Patrol, on_delete=models.CASCADE, related_name="points", db_index=False)
    client_id = models.UUIDField(_("client id"))
    at = models.DateTimeField(_("recorded at"))
    location = models.PointField(_("location"), srid=4326, spatial_index=False)
    accuracy_m = models.FloatField(_("accuracy (m)"), null=True, blank=True)
    cell = models.ForeignKey("grids.Area", on_delete=models.SET_NULL, null=True, blank=True, related_name="+", db_index=False)

    class Meta:
        ordering = ["at"]
        verbose_name = _("patrol point")
        verbose_name_plural = _("patrol points")
        # A unique constraint of a partitioned table holds the partition key: (patrol, at, client id).
        # The phone re-sends a point with its time, so a retry meets it; (patrol, at) first also
        # serves "the patrol's points in time order".
        constraints = [models.UniqueConstraint(fields=["patrol", "at", "client_id"], name="patrol_point_once")]
        indexes = [models.Index(fields=["cell", "at"], name="patrolpoint_cell_day_idx")]


class PatrolCheckIn(models.Model):
    patrol = models.ForeignKey(Patrol, on_delete=models.CASCADE, related_name="checkins")
    client_id = models.UUIDField(_("client id"), null=True, blank=True)
    at = models.DateTimeField(_("at"), default=timezone.now)
    location = models.PointField(_("location"), srid=4326)
    cell = models.ForeignKey("grids.Area", on_delete=models.SET_NULL, null=True, blank=True, related_name="+")
    note = models.CharField(_("note"), max_length=200, blank=True)

    class Meta:
        ordering = ["at"]
        verbose_name = _("check-in")
        verbose_name_plural = _("check-ins")
        constraints = [
            models.UniqueConstraint(fields=["patrol", "client_id"], condition=Q(client_id__isnull=False), name="checkin_once")
        ]


class IncidentQuerySet(models.QuerySet):
    def open(self) -> "IncidentQuerySet":
        return self.filter(status__in=OPEN_STATUSES)

    def active(self) -> "IncidentQuerySet":
        return self.filter(status__in=ACTIVE_STATUSES)


class Incident(CachedChoiceLabels, models.Model):
    # accounts.scope.scoped(): a case is seen by whoever answers for the area it was filed in.
    SCOPE_AREA_PATH = "filed_area"

    client_id = models.UUIDField(_("client id"), null=True, blank=True, help_text=_("Made by the phone, so a re-sent report is filed once."))
    # The number people quote (YYYYMMDD-NNNN): unique per district and local day (incidents.numbering).
    number = models.CharField(_("case number"), max_length=16, blank=True, default="", db_default="", editable=False)
    cell = models.ForeignKey(
        "grids.Area", verbose_name=_("grid cell as filed"), on_delete=models.PROTECT, null=True, blank=True, related_name="incidents_filed"
    )
    # Indexed first in (filed_area_id, created_at) by dispatch's migration 0005 (the evaluation's
    # scan); a single-column index beside it would only cost the escalation sweep.
    filed_area = models.ForeignKey(
        "grids.Area", verbose_name=_("filed under"), on_delete=models.PROTECT, related_name="incidents_under",
        help_text=_("The cell, or the smallest area holding the point when no cell does; decides who may see the case."),
        db_index=False,
    )
    location = models.PointField(_("location"), srid=4326)
    # The phone's fix the report was filed with (empty for a pin set by hand, a hotline call …).
    location_accuracy_m = models.FloatField(_("position accuracy (m)"), null=True, blank=True)
    located_at = models.DateTimeField(_("position taken at"), null=True, blank=True)
    address = models.CharField(_("address"), max_length=200, blank=True)
    outside_cells = models.BooleanField(_("outside every grid cell"), default=False)
    # area and category are indexed first in (area, status) and (category, status) below; a second
    # index on each alone would only cost the escalation sweep, which rewrites index entries of
    # every case it moves.
    category = models.ForeignKey(Category, verbose_name=_("category"), on_delete=models.PROTECT, related_name="incidents",
                                 db_index=False)
    description = models.TextField(_("description"), blank=True)
    urgency = models.CharField(_("urgency"), max_length=10, choices=Urgency.choices, default=Urgency.NORMAL)
    source = models.CharField(_("source"), max_length=12, choices=Source.choices, default=Source.PATROL)
    contact = models.CharField(_("caller contact"), max_length=100, blank=True)
    status = models.CharField(_("status"), max_length=12, choices=status_choices, default=Status.REPORTED)
    level = models.CharField(_("level"), max_length=10, choices=Level.choices, default=Level.GRID)
    area = models.ForeignKey(
        "grids.Area", verbose_name=_("responsible area"), on_delete=models.PROTECT, related_name="incidents_held", db_index=False
    )
    # Mostly empty references are indexed only where set (partial indexes below).
    assignee = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name=_("assignee"), on_delete=models.SET_NULL, null=True, blank=True, related_name="+",
        db_index=False,
    )
    deadline = models.DateTimeField(_("deadline"))
    deadline_started_at = models.DateTimeField(_("clock started at"))
    # When the light turns yellow: the yellow share of the limit on the limit's own clock (office
    # time for working hours and days), set with every deadline (clock.due_for). NULL on rows
    # written before it existed: the light then falls back to the wall-clock share.
    warn_at = models.DateTimeField(_("turns yellow at"), null=True, blank=True)
    overdue_notified_at = models.DateTimeField(null=True, blank=True, editable=False)
    # The first deadline the case missed while registered and running (not on hold), kept when a
    # later one replaced it (escalation, dispatch, extension): the evaluation judges the case by it
    # (incidents.deadlines, docs/domain/indicators.md). Every deadline itself is in CaseDeadline.
    missed_deadline = models.DateTimeField(_("first missed deadline"), null=True, blank=True, editable=False)
    reporter = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name=_("reporter"), on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    patrol = models.ForeignKey(Patrol, verbose_name=_("patrol"), on_delete=models.SET_NULL, null=True, blank=True, related_name="findings",
                               db_index=False)
    duplicate_of = models.ForeignKey(
        "self", verbose_name=_("duplicate of"), on_delete=models.PROTECT, null=True, blank=True, related_name="duplicates",
        db_index=False,
    )
    resolved_at_grid = models.BooleanField(_("settled at grid level"), default=False)
    escalations = models.PositiveSmallIntegerField(_("escalations"), default=0)
    version = models.PositiveIntegerField(_("version"), default=1)
    created_at = models.DateTimeField(_("reported at"), default=timezone.now)
    updated_at = models.DateTimeField(_("updated at"), default=timezone.now)
    closed_at = models.DateTimeField(_("closed at"), null=True, blank=True)

    objects = IncidentQuerySet.as_manager()

    class Meta:
        ordering = ["-created_at"]
        verbose_name = _("incident")
        verbose_name_plural = _("incidents")
        constraints = [
            models.UniqueConstraint(fields=["reporter", "client_id"], condition=Q(client_id__isnull=False), name="incident_client_id_once"),
            models.CheckConstraint(condition=~Q(duplicate_of=models.F("id")), name="incident_not_own_duplicate"),
        ]
        indexes = [
            # The sweep's claim: open cases below the district whose deadline has passed.
            models.Index(
                fields=["deadline"],
                name="incident_escalation_due_idx",
                condition=~Q(status__in=[s.value for s in SETTLED_OWN_STATUSES]) & ~Q(level="district"),
            ),
            models.Index(
                fields=["deadline"],
                name="incident_overdue_top_idx",
                condition=~Q(status__in=[s.value for s in SETTLED_OWN_STATUSES]) & Q(level="district", overdue_notified_at__isnull=True),
            ),
            models.Index(fields=["status", "level"], name="incident_status_level_idx"),
            models.Index(fields=["number"], name="incident_number_idx", condition=~Q(number="")),
            models.Index(fields=["area", "status"], name="incident_area_status_idx"),
            models.Index(fields=["category", "status"], name="incident_category_status_idx"),
            models.Index(fields=["assignee"], name="incident_assignee_idx", condition=Q(assignee__isnull=False)),
            models.Index(fields=["patrol"], name="incident_patrol_idx", condition=Q(patrol__isnull=False)),
            models.Index(fields=["duplicate_of"], name="incident_duplicate_of_idx", condition=Q(duplicate_of__isnull=False)),
        ]

    def __str__(self) -> str:
        return f"{self.label} {self.category.label if self.category_id else ''}"

    @property
    def label(self) -> str:
        """How a case is named to people: its number, or #id for a row that has none."""
        return self.number or f"#{self.pk}"

    @property
    def is_open(self) -> bool:
        return self.status in OPEN_STATUSES

    @classmethod
    def scope_extra(cls, queryset, user):
        from .scope import narrow_incidents

        return narrow_incidents(queryset, user)


def photo_path(instance: "IncidentPhoto", filename: str) -> str:
    # A random name: the URL reveals nothing and cannot be guessed from the case number.
    extension = filename.rsplit(".", 1)[-1].lower() if "." in filename else "jpg"
    return f"incidents/{timezone.localdate():%Y/%m}/{uuid.uuid4().hex}.{extension}"


class PhotoStage(models.TextChoices):
    BEFORE = "before", _("Before")
    AFTER = "after", _("After")


class IncidentPhoto(models.Model):
    SCOPE_AREA_PATH = "incident__filed_area"

    incident = models.ForeignKey(Incident, on_delete=models.CASCADE, related_name="photos")
    entry = models.ForeignKey("TimelineEntry", on_delete=models.SET_NULL, null=True, blank=True, related_name="photos")
    stage = models.CharField(_("stage"), max_length=6, choices=PhotoStage.choices, default=PhotoStage.BEFORE)
    image = models.FileField(_("image"), upload_to=photo_path)
    width = models.PositiveIntegerField(default=0)
    height = models.PositiveIntegerField(default=0)
    size_bytes = models.PositiveIntegerField(default=0)
    uploaded_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+")
    uploaded_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["uploaded_at", "id"]
        verbose_name = _("photo")
        verbose_name_plural = _("photos")


class TimelineEntry(models.Model):
    """Append-only: one row per change of a case, written in the same transaction as the change."""

    SCOPE_AREA_PATH = "incident__filed_area"

    incident = models.ForeignKey(Incident, on_delete=models.CASCADE, related_name="timeline")
    version = models.PositiveIntegerField(_("version"))
    at = models.DateTimeField(_("at"), default=timezone.now)
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name=_("by"), on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    action = models.CharField(_("action"), max_length=20)
    from_status = models.CharField(_("from status"), max_length=12, blank=True)
    to_status = models.CharField(_("to status"), max_length=12)
    from_level = models.CharField(_("from level"), max_length=10, blank=True)
    to_level = models.CharField(_("to level"), max_length=10)
    to_area = models.ForeignKey("grids.Area", on_delete=models.PROTECT, null=True, blank=True, related_name="+")
    # The act's parameters (departments, deadline, the other case …), rendered in the reader's
    # language at read time (incidents.timeline); ``note`` is the actor's own words, as written.
    params = models.JSONField(_("parameters"), default=dict, db_default=models.Value({}, output_field=models.JSONField()), blank=True)
    note = models.TextField(_("note"), blank=True)
    # Made by the phone for an act sent from its outbox (an on-site check): sent twice, run once.
    client_id = models.UUIDField(_("client id"), null=True, blank=True)

    class Meta:
        ordering = ["incident", "version"]
        verbose_name = _("timeline entry")
        verbose_name_plural = _("timeline entries")
        constraints = [
            models.UniqueConstraint(fields=["incident", "version"], name="timeline_one_entry_per_version"),
            models.UniqueConstraint(fields=["incident", "client_id"], condition=Q(client_id__isnull=False), name="timeline_client_id_once"),
        ]

    def __str__(self) -> str:
        return f"#{self.incident_id} v{self.version} {self.action}"


class CaseDeadline(models.Model):
    """Append-only history of a case's deadlines: one row each time one is set (report, a change of
    level by hand or by the sweep, dispatch, resumption, an approved extension), written by the
    function that sets it (incidents.deadlines), so the deadline that applied at any time is known."""

    incident = models.ForeignKey(Incident, on_delete=models.CASCADE, related_name="deadlines")
    level = models.CharField(_("level"), max_length=10, choices=Level.choices)
    deadline = models.DateTimeField(_("deadline"))
    started_at = models.DateTimeField(_("clock started at"))
    set_at = models.DateTimeField(_("set at"))
    action = models.CharField(_("action"), max_length=20)

    class Meta:
        ordering = ["incident", "set_at", "id"]
        verbose_name = _("case deadline")
        verbose_name_plural = _("case deadlines")
        indexes = [models.Index(fields=["incident", "set_at"], name="casedeadline_incident_idx")]

    def __str__(self) -> str:
        return f"#{self.incident_id} {self.level} {self.deadline:%Y-%m-%d %H:%M}"


class EmailState(models.TextChoices):
    NONE = "none", _("No email")
    PENDING = "pending", _("Waiting to be sent")
    SENT = "sent", _("Sent")


class Notification(models.Model):
    """The in-app inbox. Always read through ``user=request.user``."""

    SCOPE_AREA_PATH = "incident__filed_area"

    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="notifications")
    incident = models.ForeignKey(Incident, on_delete=models.CASCADE, related_name="notifications")
    kind = models.CharField(_("kind"), max_length=20, choices=notification_kind_choices)
    # What happened, rendered in the reader's language (incidents.timeline): the act and its
    # parameters, as on the timeline entry; ``text`` is the actor's own words, shown as written.
    action = models.CharField(_("act"), max_length=20, blank=True, default="", db_default="")
    params = models.JSONField(_("parameters"), default=dict, db_default=models.Value({}, output_field=models.JSONField()), blank=True)
    text = models.CharField(_("text"), max_length=300, blank=True)
    created_at = models.DateTimeField(_("at"), default=timezone.now)
    read_at = models.DateTimeField(_("read at"), null=True, blank=True)
    email_state = models.CharField(max_length=8, choices=EmailState.choices, default=EmailState.NONE)
    emailed_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-created_at", "-id"]
        verbose_name = _("notification")
        verbose_name_plural = _("notifications")
        indexes = [
            models.Index(fields=["user", "created_at"], name="notification_unread_idx", condition=Q(read_at__isnull=True)),
            models.Index(fields=["created_at"], name="notification_email_due_idx", condition=Q(email_state="pending")),
        ]

    def __str__(self) -> str:
        return f"{self.user} · {self.get_kind_display()} · #{self.incident_id}"
