"""Campaigns (任务下派) and the door-to-door tasks they become, with their live counters."""
from __future__ import annotations

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from .core import Emergency, Zone


class Unit(models.TextChoices):
    HOUSEHOLD = "household", _("Per household")
    BUILDING = "building", _("Per building")
    PERSON = "person", _("Per person")


class Outcome(models.TextChoices):
    PENDING = "pending", _("Not visited yet")
    DONE = "done", _("Done")
    NOBODY_HOME = "nobody_home", _("Nobody home")
    REFUSED = "refused", _("Refused")
    NEEDS_HELP = "needs_help", _("Needs help")


# A household is "reached" once somebody answered the door, whatever they said (the one rule: the
# counters' columns below, the dashboard and the export read it from here).
REACHED_OUTCOMES = (Outcome.DONE, Outcome.REFUSED, Outcome.NEEDS_HELP)
RECORDED_OUTCOMES = tuple(o for o in Outcome.values if o != Outcome.PENDING)


class Campaign(models.Model):
    SCOPE_AREA_PATH = "emergency__area"

    emergency = models.ForeignKey(Emergency, verbose_name=_("emergency"), on_delete=models.CASCADE, related_name="campaigns")
    zone = models.ForeignKey(Zone, verbose_name=_("zone"), on_delete=models.CASCADE, related_name="campaigns")
    title = models.CharField(_("title"), max_length=200)
    instructions = models.TextField(_("instructions"), blank=True)
    unit = models.CharField(_("unit"), max_length=10, choices=Unit.choices, default=Unit.HOUSEHOLD)
    deadline = models.DateTimeField(_("deadline"))
    # Care-tagged residents first: their tasks are due by this earlier moment.
    care_deadline = models.DateTimeField(_("deadline for care-tagged residents"))
    issued_by = models.ForeignKey(settings.AUTH_USER_MODEL, verbose_name=_("issued by"), on_delete=models.PROTECT, related_name="+")
    issued_at = models.DateTimeField(_("issued at"), default=timezone.now)
    task_count = models.PositiveIntegerField(_("tasks"), default=0)
    # The health questions asked at the door (keys of emergencies.health.QUESTIONS), yes or no each.
    health_questions = models.JSONField(_("health questions"), default=list, blank=True)

    class Meta:
        ordering = ["-issued_at"]
        verbose_name = _("campaign")
        verbose_name_plural = _("campaigns")
        constraints = [models.CheckConstraint(condition=Q(care_deadline__lte=models.F("deadline")), name="campaign_care_first")]

    def __str__(self) -> str:
        return self.title


class Task(models.Model):
    """One unit of a campaign (a household, a building or a person), in the cell that holds it."""

    SCOPE_AREA_PATH = "cell"

    campaign = models.ForeignKey(Campaign, verbose_name=_("campaign"), on_delete=models.CASCADE, related_name="tasks")
    cell = models.ForeignKey("grids.Area", verbose_name=_("grid cell"), on_delete=models.PROTECT, related_name="+")
    building = models.ForeignKey("residents.Building", verbose_name=_("building"), on_delete=models.PROTECT, related_name="+")
    household = models.ForeignKey("residents.Household", verbose_name=_("household"), on_delete=models.PROTECT, null=True, blank=True, related_name="+")
    person = models.ForeignKey("residents.Person", verbose_name=_("person"), on_delete=models.PROTECT, null=True, blank=True, related_name="+")
    # Copies of the dwelling's place, for the walking order on the phone (building, floor, room).
    unit_label = models.CharField(_("unit"), max_length=10, blank=True)
    floor = models.SmallIntegerField(_("floor"), null=True, blank=True)
    room = models.CharField(_("room"), max_length=20, blank=True)
    care = models.BooleanField(_("care-tagged"), default=False)
    deadline = models.DateTimeField(_("deadline"))
    # The grid worker covering the cell when the campaign was issued; a volunteer it was handed to.
    worker = models.ForeignKey(settings.AUTH_USER_MODEL, verbose_name=_("grid worker"), on_delete=models.SET_NULL, null=True, blank=True, related_name="+")
    assignee = models.ForeignKey(settings.AUTH_USER_MODEL, verbose_name=_("volunteer"), on_delete=models.SET_NULL, null=True, blank=True, related_name="+")
    outcome = models.CharField(_("outcome"), max_length=12, choices=Outcome.choices, default=Outcome.PENDING)
    outcome_at = models.DateTimeField(_("recorded at"), null=True, blank=True)
    outcome_by = models.ForeignKey(settings.AUTH_USER_MODEL, verbose_name=_("recorded by"), on_delete=models.SET_NULL, null=True, blank=True, related_name="+")
    # Personal data gathered at the door (anonymised after the emergency, emergencies.actions.anonymising).
    note = models.CharField(_("note"), max_length=500, blank=True)
    answers = models.JSONField(_("health answers"), default=dict, blank=True)
    # Escalation (the case machine's level chain, incidents.levels): the level that answers for it now.
    level = models.CharField(_("level"), max_length=10, default="grid")
    escalations = models.PositiveSmallIntegerField(_("escalations"), default=0)

    class Meta:
        ordering = ["building_id", "unit_label", "floor", "room", "id"]
        verbose_name = _("task")
        verbose_name_plural = _("tasks")
        indexes = [
            models.Index(fields=["worker", "campaign", "building", "unit_label", "floor", "room"], name="task_worker_walk_idx"),
            models.Index(fields=["assignee", "campaign"], name="task_assignee_idx", condition=Q(assignee__isnull=False)),
            # The overdue sweep's scan (actions.escalation: pending or nobody home, by deadline).
            models.Index(fields=["deadline"], name="task_open_deadline_idx", condition=Q(outcome__in=["pending", "nobody_home"])),
            models.Index(fields=["campaign", "cell"], name="task_campaign_cell_idx"),
            # The care-tagged not reached yet, soonest due first (the dashboard's list).
            models.Index(fields=["campaign", "deadline", "id"], name="task_care_open_idx",
                         condition=Q(care=True, outcome__in=["pending", "nobody_home"])),
        ]

    @classmethod
    def scope_extra(cls, queryset, user):
        # A volunteer sees the tasks handed to him, nothing else of his community.
        from accounts.capabilities import role_can

        from ..capabilities import WORK_HANDED_TASKS

        if not user.is_superuser and role_can(user, WORK_HANDED_TASKS):
            return queryset.filter(assignee=user)
        return queryset


class TaskOutcome(models.Model):
    """Every outcome sent from a phone, once (``client_id``): a replay is answered with the first."""

    SCOPE_AREA_PATH = "task__cell"

    task = models.ForeignKey(Task, verbose_name=_("task"), on_delete=models.CASCADE, related_name="outcomes")
    outcome = models.CharField(_("outcome"), max_length=12, choices=Outcome.choices)
    client_id = models.UUIDField(_("client id"), unique=True)
    at = models.DateTimeField(_("recorded at"), default=timezone.now)
    by = models.ForeignKey(settings.AUTH_USER_MODEL, verbose_name=_("recorded by"), on_delete=models.SET_NULL, null=True, related_name="+")
    note = models.CharField(_("note"), max_length=500, blank=True)

    class Meta:
        ordering = ["at"]
        verbose_name = _("task outcome")
        verbose_name_plural = _("task outcomes")


class CellProgress(models.Model):
    """Live counters of a campaign in one cell, kept by the same statements that write tasks, so a
    dashboard of a million tasks sums a few thousand rows (rolled up by code prefix)."""

    SCOPE_AREA_PATH = "cell"

    campaign = models.ForeignKey(Campaign, on_delete=models.CASCADE, related_name="progress")
    cell = models.ForeignKey("grids.Area", on_delete=models.PROTECT, related_name="+")
    # The grid worker the cell's tasks went to (one per cell when issued): the load per worker is
    # then a sum over counters, not a count over a million tasks.
    worker = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+")
    total = models.PositiveIntegerField(default=0)
    care_total = models.PositiveIntegerField(default=0)
    reached = models.PositiveIntegerField(default=0)
    care_reached = models.PositiveIntegerField(default=0)
    nobody_home = models.PositiveIntegerField(default=0)
    needs_help = models.PositiveIntegerField(default=0)
    overdue = models.PositiveIntegerField(default=0)
    # "Yes" answers to the health questions (emergencies.health.QUESTIONS): figures, no households.
    fever = models.PositiveIntegerField(default=0, db_default=0)
    symptoms = models.PositiveIntegerField(default=0, db_default=0)
    tested_today = models.PositiveIntegerField(default=0, db_default=0)

    class Meta:
        constraints = [models.UniqueConstraint(fields=["campaign", "cell"], name="cell_progress_once")]
