"""What the public may see of a case, the reporter's link to it, and the reporter's verdicts.

A case is public by default in a narrow sense (docs/domain/public.md): its class, its public
status, its position rounded to 50 m, the notes and the one photo the staff chose to publish.
``PublicCase`` holds that choice (one row per case, made on the first need) and, for a resident's
report, the hash of the status page's token and the reporter's keys (HMACs of the phone and of
the address the report came from, never the values). ``Verdict`` is the reporter's judgement of
one closure (满意 / 基本满意 / 不满意); ``SpamMark`` the keys of reporters whose report the intake
marked as spam: their later reports wait for moderation.
"""
from __future__ import annotations

from django.conf import settings
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _


class Moderation(models.TextChoices):
    NONE = "none", _("Not needed")
    HELD = "held", _("Waiting for moderation")
    APPROVED = "approved", _("Approved by the intake")
    SPAM = "spam", _("Marked as spam")


class PublicCase(models.Model):
    SCOPE_AREA_PATH = "incident__filed_area"

    incident = models.OneToOneField("incidents.Incident", verbose_name=_("case"), on_delete=models.CASCADE, related_name="public")
    # SHA-256 of the status page's token (the link the resident keeps); empty for other channels.
    token_hash = models.CharField(max_length=64, unique=True, null=True, blank=True, editable=False)
    public_note = models.TextField(_("public note"), blank=True)
    public_note_at = models.DateTimeField(_("public note written at"), null=True, blank=True)
    public_photo = models.ForeignKey(
        "incidents.IncidentPhoto", verbose_name=_("public photo"), on_delete=models.SET_NULL, null=True, blank=True,
        related_name="+",
    )
    reporter_key = models.CharField(max_length=64, blank=True, db_index=True, editable=False)
    ip_key = models.CharField(max_length=64, blank=True, db_index=True, editable=False)
    moderation = models.CharField(_("moderation"), max_length=10, choices=Moderation.choices, default=Moderation.NONE)
    created_at = models.DateTimeField(_("created at"), default=timezone.now)

    class Meta:
        verbose_name = _("public side of a case")
        verbose_name_plural = _("public sides of cases")

    def __str__(self) -> str:
        return f"#{self.incident_id}"


class VerdictValue(models.TextChoices):
    SATISFIED = "satisfied", _("Satisfied (满意)")
    BASICALLY = "basically", _("Basically satisfied (基本满意)")
    UNSATISFIED = "unsatisfied", _("Unsatisfied (不满意)")


class Verdict(models.Model):
    """The reporter's judgement of one closure of a case (回访). An unsatisfied verdict given
    within the reopening window reopens the case as rework (``reopened``)."""

    SCOPE_AREA_PATH = "incident__filed_area"

    incident = models.ForeignKey("incidents.Incident", verbose_name=_("case"), on_delete=models.CASCADE, related_name="verdicts")
    value = models.CharField(_("verdict"), max_length=12, choices=VerdictValue.choices)
    closed_at = models.DateTimeField(_("closure judged"))
    at = models.DateTimeField(_("given at"), default=timezone.now)
    channel = models.CharField(_("given through"), max_length=12)
    recorded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name=_("recorded by"), on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    reason = models.TextField(_("reason"), blank=True)
    reopened = models.BooleanField(_("reopened the case"), default=False)

    class Meta:
        ordering = ["-at", "-id"]
        verbose_name = _("verdict")
        verbose_name_plural = _("verdicts")
        constraints = [models.UniqueConstraint(fields=["incident", "closed_at"], name="verdict_once_per_closure")]
        indexes = [models.Index(fields=["at"], name="verdict_at_idx")]

    def __str__(self) -> str:
        return f"#{self.incident_id} {self.value}"


class SpamMark(models.Model):
    """A reporter key (phone or address HMAC) whose report was marked as spam."""

    SCOPE_AREA_PATH = "incident__filed_area"

    key = models.CharField(max_length=64, unique=True)
    incident = models.ForeignKey("incidents.Incident", on_delete=models.CASCADE, related_name="+")
    at = models.DateTimeField(default=timezone.now)

    class Meta:
        verbose_name = _("spam mark")
        verbose_name_plural = _("spam marks")
