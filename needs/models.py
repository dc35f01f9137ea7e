"""Needs (诉求), their history, the households' codes for the public page, and volunteers.

A need belongs to a household and carries a copy of its cell (``cell``: who may see it, fixed
for ever) and, separately, the level of the chain that holds it now with that level's area
(``level``, ``area``): the same two places a case keeps (docs/domain/cases.md#levels), so the
escalation sweep climbs the same chain with the same tables (``needs.sweep``).

Personal data is kept minimal (PIPL): the household link, a short description and, for a need
taken on the hotline, the caller's number (encrypted, ``needs.phones``), all cleared by the
anonymisation job (``needs.retention``) once the emergency is over.
"""
from __future__ import annotations

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy

from gridgov.bilingual import in_language
from grids.models import Level
from incidents.models import Urgency

from .choices import RUNNING_STATUSES, SETTLED_STATUSES, Fulfiller, NeedSource, NeedStatus, VolunteerStatus


class NeedKind(models.Model):
    """Reference data: what a household needs (medicine, food, a ride to dialysis …), configurable."""

    code = models.CharField(_("code"), max_length=30, unique=True)
    name = models.CharField(_("name (Chinese)"), max_length=60, unique=True)
    name_en = models.CharField(_("name (English)"), max_length=60, blank=True)
    # Medical needs run on urgent hours whatever urgency the recorder chose.
    medical = models.BooleanField(_("medical (always urgent)"), default=False)
    # The case class whose time limits the need follows (incidents' TimeLimit rows); none: the
    # levels' default limits.
    category = models.ForeignKey(
        "incidents.Category", verbose_name=_("time limits of case class"), on_delete=models.SET_NULL, null=True, blank=True,
        related_name="+",
    )
    active = models.BooleanField(_("active"), default=True)
    sort_order = models.PositiveSmallIntegerField(_("order"), default=0)

    class Meta:
        ordering = ["sort_order", "code"]
        verbose_name = _("kind of need")
        verbose_name_plural = _("kinds of need")

    def __str__(self) -> str:
        return self.label

    @property
    def label(self) -> str:
        return in_language(self.name, self.name_en)


class NeedScope:
    """Who sees a need besides its area (docs/needs.md#who-sees-what): roles whose work needs it;
    a volunteer only what he may claim in his community and his own claims; a department handler
    only the needs handed to his department."""

    @classmethod
    def scope_extra(cls, queryset, user):
        from .rules import narrow_needs

        return narrow_needs(queryset, user)


class Need(NeedScope, models.Model):
    SCOPE_AREA_PATH = "cell"

    household = models.ForeignKey(
        "residents.Household", verbose_name=_("household"), on_delete=models.PROTECT, null=True, blank=True, related_name="needs"
    )
    # Copy of the household's cell when the need was recorded: who may see it (never changes).
    cell = models.ForeignKey("grids.Area", verbose_name=_("grid cell"), on_delete=models.PROTECT, related_name="+")
    # The emergency it was recorded for (named by its model only: emergencies stands above needs).
    emergency = models.ForeignKey(
        "emergencies.Emergency", verbose_name=_("emergency"), on_delete=models.PROTECT, null=True, blank=True, related_name="needs"
    )
    kind = models.ForeignKey(NeedKind, verbose_name=_("kind"), on_delete=models.PROTECT, related_name="needs")
    urgency = models.CharField(_("urgency"), max_length=10, choices=Urgency.choices, default=Urgency.NORMAL)
    description = models.CharField(_("description"), max_length=500, blank=True)
    # The hotline caller's number, to call back: encrypted as residents' numbers are, with a keyed
    # hash that finds the earlier calls from it (needs.phones); never in clear, never in the
    # description (where the hotline used to write it, migration 0005 moved it out).
    caller_phone_enc = models.TextField(_("caller's phone (encrypted)"), blank=True, default="")
    caller_phone_hash = models.CharField(_("caller's phone search hash"), max_length=64, blank=True, default="")
    source = models.CharField(_("source"), max_length=20, choices=NeedSource.choices)
    status = models.CharField(_("status"), max_length=20, choices=NeedStatus.choices, default=NeedStatus.OPEN)
    # The level holding the need and that level's area (the cell, its community …).
    level = models.CharField(_("level"), max_length=10, choices=Level.choices, default=Level.GRID)
    area = models.ForeignKey("grids.Area", verbose_name=_("responsible area"), on_delete=models.PROTECT, related_name="+")
    deadline = models.DateTimeField(_("deadline"), null=True, blank=True)
    warn_at = models.DateTimeField(_("turns yellow at"), null=True, blank=True)
    deadline_started_at = models.DateTimeField(_("clock started at"), null=True, blank=True)
    escalations = models.PositiveSmallIntegerField(_("escalations"), default=0)
    overdue_notified_at = models.DateTimeField(_("flagged overdue at the top"), null=True, blank=True)
    # Who fulfils it: a volunteer (the user who claimed), a department, or a named supplier.
    fulfiller = models.CharField(_("fulfilled by"), max_length=20, choices=Fulfiller.choices, blank=True)
    claimed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name=_("claimed by"), on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    department = models.ForeignKey(
        "accounts.Department", verbose_name=_("department"), on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    supplier = models.CharField(_("supplier"), max_length=100, blank=True)
    claimed_at = models.DateTimeField(_("claimed at"), null=True, blank=True)
    delivered_at = models.DateTimeField(_("delivered at"), null=True, blank=True)
    settled_at = models.DateTimeField(_("confirmed or cancelled at"), null=True, blank=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name=_("recorded by"), on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    created_at = models.DateTimeField(_("recorded at"), default=timezone.now)
    version = models.PositiveIntegerField(_("version"), default=1)
    client_id = models.CharField(_("client id"), max_length=64, blank=True)
    anonymised_at = models.DateTimeField(_("anonymised at"), null=True, blank=True)

    class Meta:
        ordering = ["deadline", "id"]
        verbose_name = _("need")
        verbose_name_plural = _("needs")
        constraints = [
            # The outbox's repeat answers the first need (docs/offline.md).
            models.UniqueConstraint(fields=["created_by", "client_id"], condition=~Q(client_id=""), name="need_unique_client_id"),
            models.CheckConstraint(condition=~Q(status="claimed") | ~Q(fulfiller=""), name="claimed_need_has_fulfiller"),
        ]
        indexes = [
            # The sweep's scan: running needs below the top, by deadline.
            models.Index(fields=["deadline"], condition=Q(status__in=["open", "claimed"]), name="need_running_deadline_idx"),
            models.Index(fields=["cell", "status"], name="need_cell_status_idx"),
            models.Index(fields=["claimed_by", "status"], name="need_claimer_idx"),
            # The hotline finds a repeat caller's household by the number's hash.
            models.Index(fields=["caller_phone_hash"], condition=~Q(caller_phone_hash=""), name="need_caller_phone_hash_idx"),
        ]

    def __str__(self) -> str:
        return f"#{self.pk} {self.kind}"

    @property
    def running(self) -> bool:
        return self.status in RUNNING_STATUSES


class NeedEvent(models.Model):
    """One line of a need's history per version: the act and its parameters, rendered in the
    reader's language (``needs.history``); ``note`` is a person's own words, shown as written."""

    need = models.ForeignKey(Need, on_delete=models.CASCADE, related_name="events")
    version = models.PositiveIntegerField(_("version"))
    at = models.DateTimeField(_("at"), default=timezone.now)
    actor = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+")
    action = models.CharField(_("act"), max_length=30)
    params = models.JSONField(_("parameters"), default=dict, blank=True)
    note = models.CharField(_("note"), max_length=500, blank=True)

    class Meta:
        ordering = ["need_id", "version"]
        verbose_name = _("need history entry")
        verbose_name_plural = _("need history")
        constraints = [models.UniqueConstraint(fields=["need", "version"], name="need_event_unique_version")]


class HouseholdCode(models.Model):
    """The code a grid worker gives a household for the public page: stored as a keyed hash,
    one live code per household, revocable."""

    household = models.ForeignKey("residents.Household", on_delete=models.CASCADE, related_name="need_codes")
    code_hash = models.CharField(max_length=64, unique=True, editable=False)
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, related_name="+")
    created_at = models.DateTimeField(default=timezone.now)
    revoked_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        verbose_name = _("household code")
        verbose_name_plural = _("household codes")
        constraints = [
            models.UniqueConstraint(fields=["household"], condition=Q(revoked_at__isnull=True), name="one_live_code_per_household")
        ]


class Volunteer(models.Model):
    """A volunteer's registration (社会力量). The account (``user``, role volunteer) signs in only
    once community staff verified him and attached him to a community (``user.area``)."""

    SCOPE_AREA_PATH = "community"

    user = models.OneToOneField(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="volunteer")
    name = models.CharField(pgettext_lazy("person", "name"), max_length=50)
    phone_masked = models.CharField(_("phone"), max_length=20)
    # His mobile number, as residents' are (residents.privacy): encrypted, and a keyed hash to
    # sign in by it (needs.auth) — never in clear, not as the login name either.
    phone_enc = models.TextField(_("phone (encrypted)"), blank=True, default="")
    phone_hash = models.CharField(_("phone search hash"), max_length=64, blank=True, default="", db_index=True)
    # The community he asked to help in; staff of that community verify him.
    community = models.ForeignKey("grids.Area", verbose_name=_("community"), on_delete=models.PROTECT, related_name="+")
    skills = models.CharField(_("what he can do"), max_length=200, blank=True)
    status = models.CharField(_("status"), max_length=20, choices=VolunteerStatus.choices, default=VolunteerStatus.PENDING)
    registered_at = models.DateTimeField(_("registered at"), default=timezone.now)
    verified_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+")
    verified_at = models.DateTimeField(_("verified at"), null=True, blank=True)

    class Meta:
        ordering = ["-registered_at"]
        verbose_name = _("volunteer")
        verbose_name_plural = _("volunteers")
        constraints = [models.UniqueConstraint(fields=["phone_hash"], condition=~models.Q(phone_hash=""), name="volunteer_phone_once")]

    def __str__(self) -> str:
        return self.name
