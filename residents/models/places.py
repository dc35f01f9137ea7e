"""Buildings, their dwellings and the households living in them, each in a grid cell."""
from __future__ import annotations

from django.contrib.gis.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from .scope import RecordScope


class Building(RecordScope, models.Model):
    SCOPE_AREA_PATH = "cell"

    code = models.CharField(_("building code"), max_length=32, unique=True)
    address = models.CharField(_("address"), max_length=200)
    location = models.PointField(_("location"), srid=4326)
    cell = models.ForeignKey(
        "grids.Area", verbose_name=_("grid cell"), on_delete=models.PROTECT, related_name="resident_buildings"
    )
    floors = models.PositiveSmallIntegerField(_("floors"), null=True, blank=True)
    units = models.PositiveSmallIntegerField(_("units"), null=True, blank=True)
    property_manager = models.CharField(_("property manager"), max_length=100, blank=True)
    created_at = models.DateTimeField(_("created at"), default=timezone.now)
    updated_at = models.DateTimeField(_("updated at"), default=timezone.now)

    class Meta:
        ordering = ["code"]
        verbose_name = _("building")
        verbose_name_plural = _("buildings")

    def __str__(self) -> str:
        return f"{self.address} ({self.code})"


class DwellingUse(models.TextChoices):
    RESIDENTIAL = "residential", _("Residential")
    RENTED = "rented", _("Rented out")
    COMMERCIAL = "commercial", _("Shop")
    OFFICE = "office", _("Office")
    VACANT = "vacant", _("Vacant")
    OTHER = "other", _("Other")


class Dwelling(RecordScope, models.Model):
    SCOPE_AREA_PATH = "building__cell"

    building = models.ForeignKey(Building, verbose_name=_("building"), on_delete=models.PROTECT, related_name="dwellings")
    unit = models.CharField(_("unit"), max_length=10, blank=True)
    floor = models.SmallIntegerField(_("floor"), null=True, blank=True)
    room = models.CharField(_("room"), max_length=20)
    use = models.CharField(_("use"), max_length=20, choices=DwellingUse.choices, default=DwellingUse.RESIDENTIAL)

    class Meta:
        ordering = ["building_id", "unit", "floor", "room"]
        verbose_name = _("dwelling")
        verbose_name_plural = _("dwellings")
        constraints = [models.UniqueConstraint(fields=["building", "unit", "room"], name="dwelling_unique_room")]

    def __str__(self) -> str:
        unit = _("unit %(unit)s ") % {"unit": self.unit} if self.unit else ""
        return f"{self.building.address} {unit}{self.room}"

    @property
    def label(self) -> str:
        parts = []
        if self.unit:
            parts.append(_("Unit %(unit)s") % {"unit": self.unit})
        parts.append(_("Room %(room)s") % {"room": self.room})
        return " ".join(str(p) for p in parts)


class Household(RecordScope, models.Model):
    SCOPE_AREA_PATH = "cell"

    number = models.CharField(_("household number"), max_length=32, unique=True)
    dwelling = models.ForeignKey(Dwelling, verbose_name=_("dwelling"), on_delete=models.PROTECT, related_name="households")
    head = models.ForeignKey(
        "Person", verbose_name=_("head of household"), on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    # Copy of dwelling.building.cell, kept in step by residents.actions (fast scoped lists).
    cell = models.ForeignKey("grids.Area", verbose_name=_("grid cell"), on_delete=models.PROTECT, related_name="+")
    created_at = models.DateTimeField(_("created at"), default=timezone.now)

    class Meta:
        ordering = ["number"]
        verbose_name = _("household")
        verbose_name_plural = _("households")

    def __str__(self) -> str:
        return self.number
