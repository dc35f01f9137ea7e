"""The case (``Incident``) and its photos."""
from __future__ import annotations

import uuid

from django.conf import settings
from django.contrib.gis.db import models
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from gridgov.choices import CachedChoiceLabels
from grids.models import Level

from .choices import ACTIVE_STATUSES, OPEN_STATUSES, SETTLED_OWN_STATUSES, Source, Status, Urgency, status_choices
from .patrols import Patrol
from .reference import Category


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
        from ..scope import narrow_incidents

        return narrow_incidents(queryset, user)

    @classmethod
    def scope_extra_key(cls, user) -> str:
        from ..scope import narrowing_key

        return narrowing_key(user)


def photo_path(instance: "IncidentPhoto", filename: str) -> str:
    # A random name: the URL reveals nothing and cannot be guessed from the case number.
    extension = filename.rsplit(".", 1)[-1].lower() if "." in filename else "jpg"
    return f"incidents/{timezone.localdate():%Y/%m}/{uuid.uuid4().hex}.{extension}"


class PhotoStage(models.TextChoices):
    BEFORE = "before", _("Before")
    AFTER = "after", _("After")


class PhotoState(models.TextChoices):
    """A photo is filed at once and processed after the answer (incidents.actions.photo_queue)."""

    READY = "ready", _("Ready")
    PENDING = "pending", _("Being processed")
    FAILED = "failed", _("Could not be read")


class IncidentPhoto(models.Model):
    SCOPE_AREA_PATH = "incident__filed_area"

    incident = models.ForeignKey(Incident, on_delete=models.CASCADE, related_name="photos")
    entry = models.ForeignKey("TimelineEntry", on_delete=models.SET_NULL, null=True, blank=True, related_name="photos")
    stage = models.CharField(_("stage"), max_length=6, choices=PhotoStage.choices, default=PhotoStage.BEFORE)
    image = models.FileField(_("image"), upload_to=photo_path, blank=True)  # empty until processed
    width = models.PositiveIntegerField(default=0)
    height = models.PositiveIntegerField(default=0)
    size_bytes = models.PositiveIntegerField(default=0)
    uploaded_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+")
    uploaded_at = models.DateTimeField(default=timezone.now)
    # Evidence (incidents.photo_evidence); all empty on photos stored before it was kept.
    exif_taken_at = models.DateTimeField(_("taken at (EXIF)"), null=True, blank=True)
    exif_location = models.PointField(_("taken where (EXIF)"), srid=4326, null=True, blank=True)
    exif_source = models.CharField(_("EXIF read by"), max_length=8, blank=True, help_text=_("file: the server; browser: the phone."))
    exif_distance_m = models.FloatField(_("distance from the report (m)"), null=True, blank=True)
    flags = models.JSONField(_("evidence marks"), null=True, blank=True, help_text=_("Codes of incidents.photo_evidence.RULES; null: not checked."))
    original_sha256 = models.CharField(_("SHA-256 of the original pixels"), max_length=64, blank=True)
    stamped = models.BooleanField(_("stamped"), default=False)
    state = models.CharField(_("state"), max_length=10, choices=PhotoState.choices, default=PhotoState.READY)
    failure = models.CharField(_("why it could not be read"), max_length=300, blank=True)

    class Meta:
        ordering = ["uploaded_at", "id"]
        verbose_name = _("photo")
        verbose_name_plural = _("photos")

    def marks(self) -> list[str]:
        """The evidence marks in the reader's language ([] for a photo stored before them)."""
        from ..photo_evidence import describe

        return describe(self)

    @property
    def ready(self) -> bool:
        return self.state == PhotoState.READY and bool(self.image)


class PendingPhoto(models.Model):
    """A photo not processed yet: its upload, as it came (EXIF, GPS and all), is the file
    ``file_name`` in GRIDGOV_PENDING_PHOTO_ROOT (incidents/pending_uploads.py), never under
    MEDIA_ROOT, so no URL, sendfile or media view can ever reach it. ``data`` held the bytes
    before they moved to the folder and is read only for rows queued then. The photo worker
    deletes the row when it has stored the clean copy (or given up on the file)."""

    photo = models.OneToOneField(IncidentPhoto, on_delete=models.CASCADE, primary_key=True, related_name="pending")
    file_name = models.CharField(max_length=64, blank=True)
    data = models.BinaryField(null=True, blank=True)
    original_name = models.CharField(max_length=255, blank=True)
    sent_claim = models.JSONField(default=dict, blank=True)  # what the phone read (photo_evidence)
    filed_at = models.DateTimeField()
    stamp = models.JSONField(default=dict, blank=True)  # incidents.watermark.Stamp's fields
    created_at = models.DateTimeField(default=timezone.now, db_index=True)
