"""An emergency and its zones: the two models other apps may point at (by string FK)."""
from __future__ import annotations

from django.conf import settings
from django.contrib.gis.db import models
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _


class EmergencyKind(models.TextChoices):
    EPIDEMIC = "epidemic", _("Epidemic")
    FLOOD = "flood", _("Flood")
    FIRE = "fire", _("Fire")
    EARTHQUAKE = "earthquake", _("Earthquake")
    OTHER = "other", _("Other emergency")


class EmergencyStatus(models.TextChoices):
    ACTIVE = "active", _("Active")
    ENDED = "ended", _("Ended")


class Measure(models.TextChoices):
    LOCKDOWN = "lockdown", _("Lockdown zone")
    CONTROLLED = "controlled", _("Controlled zone")
    PRECAUTION = "precaution", _("Precaution zone")


class Emergency(models.Model):
    # accounts.scope.scoped(): an emergency belongs to the area it was declared over.
    SCOPE_AREA_PATH = "area"

    kind = models.CharField(_("kind"), max_length=20, choices=EmergencyKind.choices)
    title = models.CharField(_("title"), max_length=200)
    description = models.TextField(_("description"), blank=True)
    starts_at = models.DateTimeField(_("starts at"), default=timezone.now)
    # Null while the emergency runs; set when it is ended (emergencies.actions).
    ends_at = models.DateTimeField(_("ended at"), null=True, blank=True, db_index=True)
    area = models.ForeignKey("grids.Area", verbose_name=_("area"), on_delete=models.PROTECT, related_name="+")
    declared_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name=_("declared by"), on_delete=models.PROTECT, related_name="+"
    )
    status = models.CharField(_("status"), max_length=10, choices=EmergencyStatus.choices, default=EmergencyStatus.ACTIVE)
    # When the personal data gathered during the emergency was anonymised (null until then).
    anonymised_at = models.DateTimeField(_("anonymised at"), null=True, blank=True)

    class Meta:
        ordering = ["-starts_at"]
        verbose_name = _("emergency")
        verbose_name_plural = _("emergencies")
        constraints = [
            models.CheckConstraint(
                condition=Q(status="active", ends_at__isnull=True) | Q(status="ended", ends_at__isnull=False),
                name="emergency_ended_has_end_time",
            ),
        ]

    def __str__(self) -> str:
        return self.title


class Zone(models.Model):
    SCOPE_AREA_PATH = "emergency__area"

    emergency = models.ForeignKey(Emergency, verbose_name=_("emergency"), on_delete=models.CASCADE, related_name="zones")
    name = models.CharField(_("name"), max_length=100)
    measure = models.CharField(_("measure"), max_length=12, choices=Measure.choices)
    geometry = models.MultiPolygonField(_("geometry"), srid=4326)

    class Meta:
        ordering = ["emergency", "id"]
        verbose_name = _("zone")
        verbose_name_plural = _("zones")
        constraints = [models.UniqueConstraint(fields=["emergency", "name"], name="zone_name_unique_per_emergency")]

    def __str__(self) -> str:
        return f"{self.name} ({self.get_measure_display()})"
