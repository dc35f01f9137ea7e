"""An uploaded residents' spreadsheet: checked, then imported whole or not at all."""
from __future__ import annotations

from django.conf import settings
from django.contrib.gis.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _


class ImportStatus(models.TextChoices):
    PENDING = "pending", _("Waiting to be checked")
    CHECKING = "checking", _("Checking")
    INVALID = "invalid", _("Has errors")
    READY = "ready", _("Checked, ready to import")
    QUEUED = "queued", _("Waiting to import")
    IMPORTING = "importing", _("Importing")
    DONE = "done", _("Imported")
    FAILED = "failed", _("Failed")


class ImportJob(models.Model):
    """One uploaded spreadsheet: checked (dry run), then imported whole or not at all.

    The file is kept encrypted (it holds ID numbers) and dropped once the job ends.
    """

    SCOPE_AREA_PATH = "area"

    uploaded_by = models.ForeignKey(settings.AUTH_USER_MODEL, verbose_name=_("uploaded by"), on_delete=models.PROTECT, related_name="+")
    area = models.ForeignKey("grids.Area", verbose_name=_("jurisdiction"), on_delete=models.PROTECT, null=True, blank=True, related_name="+")
    filename = models.CharField(_("file name"), max_length=200)
    payload_enc = models.TextField(_("file (encrypted)"), blank=True, editable=False)
    status = models.CharField(_("status"), max_length=20, choices=ImportStatus.choices, default=ImportStatus.PENDING, db_index=True)
    total_rows = models.PositiveIntegerField(_("rows"), default=0)
    errors = models.JSONField(_("errors"), default=list, blank=True)
    summary = models.JSONField(_("summary"), default=dict, blank=True)
    created_at = models.DateTimeField(_("uploaded at"), default=timezone.now)
    finished_at = models.DateTimeField(_("finished at"), null=True, blank=True)

    class Meta:
        ordering = ["-created_at"]
        verbose_name = _("import")
        verbose_name_plural = _("imports")

    def __str__(self) -> str:
        return f"{self.filename} ({self.get_status_display()})"

    @classmethod
    def scope_extra(cls, queryset, user):
        if user.is_superuser:
            return queryset
        return queryset.filter(uploaded_by=user)

    @property
    def finished(self) -> bool:
        return self.status in (ImportStatus.INVALID, ImportStatus.DONE, ImportStatus.FAILED)
