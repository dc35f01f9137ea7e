"""Patrols of grid workers: a patrol, its track points (partitioned by day) and its check-ins."""
from __future__ import annotations

from django.conf import settings
from django.contrib.gis.db import models
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _


class Patrol(models.Model):
    """A grid worker's walk: started and ended on the phone, a track of points, check-ins and findings."""

    SCOPE_AREA_PATH = "cell"

    @staticmethod
    def scope_own(user) -> Q:
        """Her own patrols stay hers (accounts.scope): a cell handed over to someone else during
        her patrol must not make the running patrol a 404 — she finishes it and sends its points."""
        return Q(worker=user)

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
    no separate index on the foreign keys): each point costs ingestion two index entries (three
    for a point outside her cells).
    """

    patrol = models.ForeignKey(Patrol, on_delete=models.CASCADE, related_name="points", db_index=False)
    client_id = models.UUIDField(_("client id"))
    at = models.DateTimeField(_("recorded at"))
    location = models.PointField(_("location"), srid=4326, spatial_index=False)
    accuracy_m = models.FloatField(_("accuracy (m)"), null=True, blank=True)
    cell = models.ForeignKey("grids.Area", on_delete=models.SET_NULL, null=True, blank=True, related_name="+", db_index=False)
    # As a check-in: a point in a cell she did not answer for at its time (her cell was handed
    # over during the patrol, or she stood in for a colleague) is kept, and marked.
    outside_own_cells = models.BooleanField(_("outside own cells"), default=False, db_default=False)

    class Meta:
        ordering = ["at"]
        verbose_name = _("patrol point")
        verbose_name_plural = _("patrol points")
        # A unique constraint of a partitioned table holds the partition key: (patrol, at, client id).
        # The phone re-sends a point with its time, so a retry meets it; (patrol, at) first also
        # serves "the patrol's points in time order".
        # It carries the position and cell too (INCLUDE): a worker's day (2,880 points, spread over
        # as many heap pages by interleaved ingestion) is read from the index alone — ~40 pages
        # instead of ~2,900 (docs/scaling.md).
        constraints = [models.UniqueConstraint(fields=["patrol", "at", "client_id"], include=["location", "cell"],
                                               name="patrol_point_once")]
        # The points outside her cells, alone (they are few): the summary counts a patrol's there,
        # so that its one pass over the track still reads the unique index above alone (migration 0023).
        indexes = [models.Index(fields=["cell", "at"], name="patrolpoint_cell_day_idx"),
                   models.Index(fields=["patrol", "at"], condition=Q(outside_own_cells=True), name="patrolpoint_outside_idx")]


class PatrolCheckIn(models.Model):
    patrol = models.ForeignKey(Patrol, on_delete=models.CASCADE, related_name="checkins")
    client_id = models.UUIDField(_("client id"), null=True, blank=True)
    at = models.DateTimeField(_("at"), default=timezone.now)
    location = models.PointField(_("location"), srid=4326)
    cell = models.ForeignKey("grids.Area", on_delete=models.SET_NULL, null=True, blank=True, related_name="+")
    note = models.CharField(_("note"), max_length=200, blank=True)
    # Not in a cell the worker answered for at that moment (incidents.actions.check_in): kept,
    # since it was made on the spot and often sent later from the outbox, and shown as such.
    outside_own_cells = models.BooleanField(_("outside own cells"), default=False)

    class Meta:
        ordering = ["at"]
        verbose_name = _("check-in")
        verbose_name_plural = _("check-ins")
        constraints = [
            models.UniqueConstraint(fields=["patrol", "client_id"], condition=Q(client_id__isnull=False), name="checkin_once")
        ]
