"""Users, their roles, the area each answers for, departments and grid-cell assignments."""
from __future__ import annotations

from django.conf import settings
from django.contrib.auth.models import AbstractUser
from django.db import models
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _


class Role(models.TextChoices):
    GRID_WORKER = "grid_worker", _("Grid worker")
    COMMUNITY = "community", _("Community staff")
    STREET = "street", _("Street-office staff")
    DISPATCHER = "dispatcher", _("Command-centre dispatcher")
    DEPARTMENT = "department", _("Department handler")
    GIS_ADMIN = "gis_admin", _("GIS administrator")
    LEADER = "leader", _("Leader")


class Department(models.Model):
    """A functional department (城管, 市政, 水务 …) that the command centre dispatches cases to."""

    code = models.CharField(_("code"), max_length=20, unique=True)
    name = models.CharField(_("name"), max_length=100, unique=True)
    active = models.BooleanField(_("active"), default=True)

    class Meta:
        ordering = ["code"]
        verbose_name = _("department")
        verbose_name_plural = _("departments")

    def __str__(self) -> str:
        return self.name


class User(AbstractUser):
    role = models.CharField(_("role"), max_length=20, choices=Role.choices, default=Role.LEADER)
    area = models.ForeignKey(
        "grids.Area",
        verbose_name=_("jurisdiction"),
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="staff",
        help_text=_("The area this user answers for; they see its whole subtree."),
    )
    department = models.ForeignKey(
        Department, verbose_name=_("department"), on_delete=models.PROTECT, null=True, blank=True, related_name="members"
    )
    phone = models.CharField(_("phone"), max_length=30, blank=True)

    class Meta:
        verbose_name = _("user")
        verbose_name_plural = _("users")
        constraints = [
            models.CheckConstraint(
                condition=~Q(role="department") | Q(department__isnull=False),
                name="department_handler_has_department",
            )
        ]

    @property
    def display_name(self) -> str:
        return self.get_full_name() or self.username


class GridAssignmentQuerySet(models.QuerySet):
    def active(self):
        return self.filter(ended_at__isnull=True)


class GridAssignment(models.Model):
    """A grid worker answers for a cell from `started_at` until `ended_at`."""

    user = models.ForeignKey(settings.AUTH_USER_MODEL, verbose_name=_("grid worker"), on_delete=models.CASCADE, related_name="assignments")
    cell = models.ForeignKey("grids.Area", verbose_name=_("grid cell"), on_delete=models.PROTECT, related_name="assignments")
    started_at = models.DateTimeField(_("since"), default=timezone.now)
    ended_at = models.DateTimeField(_("until"), null=True, blank=True)

    objects = GridAssignmentQuerySet.as_manager()

    class Meta:
        verbose_name = _("grid assignment")
        verbose_name_plural = _("grid assignments")
        constraints = [
            models.UniqueConstraint(fields=["user", "cell"], condition=Q(ended_at__isnull=True), name="one_active_assignment_per_cell")
        ]

    def __str__(self) -> str:
        return f"{self.user} → {self.cell.code}"
