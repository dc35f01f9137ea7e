"""What happened to a case: the append-only timeline, the deadline history and the notifications."""
from __future__ import annotations

from django.conf import settings
from django.contrib.gis.db import models
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from grids.models import Level

from .cases import Incident
from .choices import notification_kind_choices


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
    # The case it is about; empty for what other apps announce through the same inbox (an
    # emergency's overdue tasks, a need that climbed): those name the page to open in ``link``.
    incident = models.ForeignKey(Incident, on_delete=models.CASCADE, related_name="notifications", null=True, blank=True)
    link = models.CharField(_("link"), max_length=200, blank=True, default="", db_default="")
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
        return f"{self.user} · {self.get_kind_display()} · {f'#{self.incident_id}' if self.incident_id else self.link}"

    @property
    def target_url(self) -> str:
        """The page the notification opens: its case, or the link another app gave it."""
        if self.incident_id:
            from django.urls import reverse

            return reverse("incidents:detail", args=[self.incident_id])
        return self.link
