"""Users, their roles, the area each answers for, departments and grid-cell assignments."""
from __future__ import annotations

from django.conf import settings
from django.contrib.auth.models import AbstractUser
from django.db import models
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from gridgov.bilingual import in_language


class Role(models.TextChoices):
    GRID_WORKER = "grid_worker", _("Grid worker")
    COMMUNITY = "community", _("Community staff")
    STREET = "street", _("Street-office staff")
    DISPATCHER = "dispatcher", _("Command-centre dispatcher")
    DEPARTMENT = "department", _("Department handler")
    GIS_ADMIN = "gis_admin", _("GIS administrator")
    LEADER = "leader", _("Leader")
    # A verified volunteer (社会力量) of a community: claims and delivers its needs (needs app).
    VOLUNTEER = "volunteer", _("Volunteer")


class Department(models.Model):
    """A functional department (城管, 市政, 水务 …) that the command centre dispatches cases to."""

    code = models.CharField(_("code"), max_length=20, unique=True)
    name = models.CharField(_("name (Chinese)"), max_length=100, unique=True)
    name_en = models.CharField(_("name (English)"), max_length=100, blank=True)
    active = models.BooleanField(_("active"), default=True)

    class Meta:
        ordering = ["code"]
        verbose_name = _("department")
        verbose_name_plural = _("departments")

    def __str__(self) -> str:
        return self.label

    @property
    def label(self) -> str:
        """The name in the viewer's language (Chinese unless English is asked for and given)."""
        return in_language(self.name, self.name_en)


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
    # Set when an administrator gave a temporary password: until the user picks their own, every
    # page leads to the password change and the API answers nothing else (accounts.middleware).
    must_change_password = models.BooleanField(
        _("must change password"), default=False,
        help_text=_("The password was set by an administrator; the user must choose a new one at the next sign-in."),
    )

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

    def save(self, *args, **kwargs) -> None:
        # set_password() leaves the new raw password in ``_password`` until the save. Whatever
        # changed it (the user, a reset link, an administrator, the shell), every API token of
        # the user ends with it; sessions end by Django's session hash, which follows the password.
        # (A hash upgrade at login clears ``_password`` first: it is the same password.)
        password_changed = self._password is not None and self.pk is not None
        super().save(*args, **kwargs)
        if password_changed:
            # As accounts.tokens.revoke_all does (the model must not import the module above it).
            ApiToken.objects.filter(user_id=self.pk).delete()


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


class ApiToken(models.Model):
    """A token an API client (the phone, a script) signs in with: ``Authorization: Token <key>``.

    Only SHA-256 hashes of the keys are stored (the keys are random, 160 bits: no slow hash is
    needed). The access key ends at ``expires_at``; the refresh key trades the pair for a new one
    until ``refresh_expires_at`` (accounts.tokens), so a phone stays signed in without a key that
    never ends. A password change deletes every token of the user.
    """

    user = models.ForeignKey(settings.AUTH_USER_MODEL, verbose_name=_("user"), on_delete=models.CASCADE, related_name="api_tokens")
    key_hash = models.CharField(max_length=64, unique=True, editable=False)
    refresh_hash = models.CharField(max_length=64, unique=True, editable=False)
    created_at = models.DateTimeField(_("issued at"), default=timezone.now, editable=False)
    expires_at = models.DateTimeField(_("expires at"), editable=False)
    refresh_expires_at = models.DateTimeField(_("refresh until"), editable=False)

    class Meta:
        ordering = ["-created_at"]
        verbose_name = _("API token")
        verbose_name_plural = _("API tokens")
        indexes = [models.Index(fields=["user", "created_at"], name="apitoken_user_idx")]

    def __str__(self) -> str:
        return f"{self.user} · {self.created_at:%Y-%m-%d %H:%M}"
