"""The four-tier hierarchy: district → street office → community → grid cell.

Boundaries are versioned, never mutated in place (MapIt's generations): a redraw retires the old
area (``valid_to``) and creates a new one. ``AreaFragment`` holds each current boundary cut into
small pieces (``ST_Subdivide``) so that a point lookup touches a few short polygons instead of a
long ring; it is refreshed in the same write path that saves a boundary (``grids.actions``).
"""
from __future__ import annotations

from django.conf import settings
from django.contrib.gis.db import models
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _


class Level(models.TextChoices):
    DISTRICT = "district", _("District")
    STREET = "street", _("Street office")
    COMMUNITY = "community", _("Community")
    GRID = "grid", _("Grid cell")


# Code length per level (docs/domain/areas.md#codes): 6 digits, then three more per tier.
CODE_LENGTH = {Level.DISTRICT: 6, Level.STREET: 9, Level.COMMUNITY: 12, Level.GRID: 15}
LEVEL_ORDER = [Level.DISTRICT, Level.STREET, Level.COMMUNITY, Level.GRID]
PARENT_LEVEL = {child: parent for parent, child in zip(LEVEL_ORDER, LEVEL_ORDER[1:])}
CHILD_LEVEL = {parent: child for parent, child in zip(LEVEL_ORDER, LEVEL_ORDER[1:])}


class AreaQuerySet(models.QuerySet):
    def current(self) -> "AreaQuerySet":
        return self.filter(valid_to__isnull=True)

    def as_of(self, moment) -> "AreaQuerySet":
        return self.filter(valid_from__lte=moment).filter(Q(valid_to__isnull=True) | Q(valid_to__gt=moment))

    def subtree(self, code: str) -> "AreaQuerySet":
        return self.filter(code__startswith=code)


class Revision(models.Model):
    """One published change of boundaries: who, when and why. The first one is the initial load."""

    number = models.PositiveIntegerField(_("number"), unique=True)
    scope = models.ForeignKey(
        "Area", verbose_name=_("area redrawn"), on_delete=models.PROTECT, related_name="+", null=True, blank=True
    )
    published_at = models.DateTimeField(_("published at"), default=timezone.now)
    published_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name=_("published by"), on_delete=models.PROTECT, null=True, blank=True
    )
    reason = models.TextField(_("reason"))
    # What the publish moved, old cell → new cell per occupant (grids.registry), kept for the history.
    impact = models.JSONField(_("impact"), default=dict, blank=True)

    class Meta:
        ordering = ["-number"]
        verbose_name = _("boundary revision")
        verbose_name_plural = _("boundary revisions")

    def __str__(self) -> str:
        return f"r{self.number}"


class Area(models.Model):
    # Used by accounts.scope.scoped(): how an object of this model reaches its area code.
    SCOPE_AREA_PATH = ""

    code = models.CharField(_("code"), max_length=15, db_index=True)
    name = models.CharField(_("name"), max_length=100)
    level = models.CharField(_("level"), max_length=10, choices=Level.choices, db_index=True)
    parent = models.ForeignKey(
        "self", verbose_name=_("parent"), on_delete=models.PROTECT, null=True, blank=True, related_name="children"
    )
    boundary = models.MultiPolygonField(_("boundary"), srid=4326)
    area_m2 = models.FloatField(_("area (m²)"), editable=False)
    valid_from = models.DateTimeField(_("valid from"), default=timezone.now)
    valid_to = models.DateTimeField(_("valid to"), null=True, blank=True, db_index=True)
    revision = models.ForeignKey(
        Revision, verbose_name=_("revision"), on_delete=models.PROTECT, null=True, blank=True, related_name="areas"
    )
    # The revision that retired this area; with ``revision`` it dates every change of a community,
    # which is what a draft's optimistic concurrency check compares.
    retired_by = models.ForeignKey(
        Revision, verbose_name=_("retired by"), on_delete=models.PROTECT, null=True, blank=True, related_name="retired_areas"
    )

    objects = AreaQuerySet.as_manager()

    class Meta:
        ordering = ["code"]
        verbose_name = _("area")
        verbose_name_plural = _("areas")
        constraints = [
            models.UniqueConstraint(
                fields=["code"], condition=Q(valid_to__isnull=True), name="area_code_unique_while_current"
            ),
            models.CheckConstraint(
                condition=(
                    Q(level="district", code__regex=r"^[0-9]{6}$")
                    | Q(level="street", code__regex=r"^[0-9]{9}$")
                    | Q(level="community", code__regex=r"^[0-9]{12}$")
                    | Q(level="grid", code__regex=r"^[0-9]{15}$")
                ),
                name="area_code_matches_level",
            ),
        ]
        indexes = [models.Index(fields=["code"], name="area_code_prefix_idx", opclasses=["varchar_pattern_ops"])]

    def __str__(self) -> str:
        return f"{self.name} ({self.code})"

    @property
    def is_current(self) -> bool:
        return self.valid_to is None

    def ancestors(self) -> list["Area"]:
        """Root first, this area excluded."""
        chain: list[Area] = []
        node = self.parent
        while node is not None:
            chain.append(node)
            node = node.parent
        return list(reversed(chain))


class AreaFragment(models.Model):
    """A small piece of a current area's boundary, for fast point lookup (MapIt's subdivided table)."""

    area = models.ForeignKey(Area, on_delete=models.CASCADE, related_name="fragments")
    level = models.CharField(max_length=10, choices=Level.choices)
    # Indexed with SP-GiST (migration 0003), not Django's default GiST: a point probe among
    # 100 m cells and district-sized fragments is about a quarter faster (0.46 against 0.59 ms
    # at city scale), and this is the hottest query of all.
    geom = models.PolygonField(srid=4326, spatial_index=False)

    class Meta:
        verbose_name = _("area fragment")
        verbose_name_plural = _("area fragments")


class DraftRevision(models.Model):
    """An administrator's proposed redraw of one community's cells, staged until published.

    Each administrator has at most one draft per community. ``base_revision`` is the community's
    revision number when the draft was started; publishing is refused (409) when the community has
    changed since, and the draft stays so that nothing is lost.
    """

    SCOPE_AREA_PATH = "community"

    community = models.ForeignKey(
        Area, verbose_name=_("community"), on_delete=models.CASCADE, related_name="drafts", limit_choices_to={"level": Level.COMMUNITY}
    )
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, verbose_name=_("created by"), on_delete=models.CASCADE, related_name="+")
    base_revision = models.PositiveIntegerField(_("base revision"))
    created_at = models.DateTimeField(_("created at"), default=timezone.now)
    updated_at = models.DateTimeField(_("updated at"), default=timezone.now)

    class Meta:
        ordering = ["-updated_at"]
        verbose_name = _("draft redraw")
        verbose_name_plural = _("draft redraws")
        constraints = [models.UniqueConstraint(fields=["community", "created_by"], name="one_draft_per_community_and_user")]

    def __str__(self) -> str:
        return f"{self.community.code} · {self.created_by}"


class DraftCell(models.Model):
    """A proposed cell. ``origin`` is the current cell it was derived from by moving vertices (it keeps
    that cell's code); cells drawn, split or merged have none and get new codes when published."""

    draft = models.ForeignKey(DraftRevision, verbose_name=_("draft"), on_delete=models.CASCADE, related_name="cells")
    origin = models.ForeignKey(Area, verbose_name=_("origin"), on_delete=models.CASCADE, null=True, blank=True, related_name="+")
    geometry = models.MultiPolygonField(_("geometry"), srid=4326)

    class Meta:
        ordering = ["id"]
        verbose_name = _("draft cell")
        verbose_name_plural = _("draft cells")
        constraints = [models.UniqueConstraint(fields=["draft", "origin"], name="one_draft_cell_per_origin")]

    def __str__(self) -> str:
        return f"{self.draft_id}:{self.pk}"


class DraftStep(models.Model):
    """A draft's cells as they were before one edit, so that the edit can be undone.

    Only the last ``grids.actions.UNDO_STEPS`` edits are kept; a merge with newer cells (rebase)
    starts the history afresh, since cells of the older base cannot come back.
    """

    draft = models.ForeignKey(DraftRevision, verbose_name=_("draft"), on_delete=models.CASCADE, related_name="steps")
    created_at = models.DateTimeField(_("created at"), default=timezone.now)

    class Meta:
        ordering = ["-id"]
        verbose_name = _("draft edit")
        verbose_name_plural = _("draft edits")


class DraftStepCell(models.Model):
    step = models.ForeignKey(DraftStep, on_delete=models.CASCADE, related_name="cells")
    origin = models.ForeignKey(Area, on_delete=models.CASCADE, null=True, blank=True, related_name="+")
    # Never searched by place: no spatial index to keep up on every edit.
    geometry = models.MultiPolygonField(srid=4326, spatial_index=False)


class CutStatus(models.TextChoices):
    PLANNING = "planning", _("Cutting")
    READY = "ready", _("Ready to publish")
    PUBLISHING = "publishing", _("Publishing")
    PUBLISHED = "published", _("Published")
    FAILED = "failed", _("Failed")


class CutJob(models.Model):
    """An administrator's cutting of chosen communities into cells (grids.cutting), run by Celery:
    planned first (the preview: cells, counts and sizes), then published as one revision."""

    SCOPE_AREA_PATH = "scope"

    scope = models.ForeignKey(Area, verbose_name=_("area"), on_delete=models.CASCADE, related_name="+")
    communities = models.JSONField(_("communities"), default=list)  # codes
    size_m = models.FloatField(_("cell size (m)"), default=100.0)
    status = models.CharField(_("status"), max_length=12, choices=CutStatus.choices, default=CutStatus.PLANNING)
    summary = models.JSONField(_("summary"), default=list, blank=True)  # per community: cells, sizes
    preview = models.JSONField(_("preview"), default=dict, blank=True)  # the planned cells, GeoJSON
    errors = models.JSONField(_("errors"), default=list, blank=True)
    reason = models.TextField(_("reason"), blank=True)
    revision = models.ForeignKey(Revision, verbose_name=_("revision"), on_delete=models.SET_NULL, null=True, blank=True, related_name="+")
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, verbose_name=_("created by"), on_delete=models.CASCADE, related_name="+")
    created_at = models.DateTimeField(_("created at"), default=timezone.now)
    finished_at = models.DateTimeField(_("finished at"), null=True, blank=True)

    class Meta:
        ordering = ["-created_at"]
        verbose_name = _("cell cutting")
        verbose_name_plural = _("cell cuttings")

    def __str__(self) -> str:
        return f"{self.scope.code} · {self.get_status_display()}"
