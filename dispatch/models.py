"""The command centre's records: which department owns which category, what was dispatched to whom,
returns, extensions, supervision, the evaluation setting and Open311 clients.

A case (``incidents.Incident``) held at district level is dispatched to one or more departments;
each department's share is an ``Assignment`` with its own deadline and life
(pending → accepted → handled, or returned / cancelled). The case's own status follows from the
shares (see ``dispatch.actions``). Every change goes through ``dispatch.actions``, which claims the
case with incidents' ``transition()`` (status + version) and writes the timeline entry in the same
transaction, so a share can never change without a line on the case's timeline.
"""

from __future__ import annotations

import uuid

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy

from accounts.capabilities import Capability, can
from gridgov.choices import CachedChoiceLabels


class DepartmentCategory(models.Model):
    """A department that owns a category by default. A minor class's rows win over its major
    class's rows; when neither has one, the locality (the street office) handles it (属地兜底)."""

    category = models.ForeignKey(
        "incidents.Category", verbose_name=_("category"), on_delete=models.CASCADE, related_name="default_departments"
    )
    department = models.ForeignKey(
        "accounts.Department", verbose_name=_("department"), on_delete=models.CASCADE, related_name="default_categories"
    )

    class Meta:
        ordering = ["category__code", "department__code"]
        verbose_name = _("default department of a category")
        verbose_name_plural = _("default departments of categories")
        constraints = [
            models.UniqueConstraint(fields=["category", "department"], name="dispatch_one_default_per_category_department")
        ]

    def __str__(self) -> str:
        return f"{self.category} → {self.department}"


class AssignmentStatus(models.TextChoices):
    PENDING = "pending", pgettext_lazy("assignment", "Waiting to be accepted")
    ACCEPTED = "accepted", pgettext_lazy("assignment", "Accepted")
    HANDLED = "handled", pgettext_lazy("assignment", "Handled")
    RETURNED = "returned", pgettext_lazy("assignment", "Returned")
    CANCELLED = "cancelled", pgettext_lazy("assignment", "Withdrawn")


# A share the department still answers for (a handled share is reopened by a rework).
ACTIVE_ASSIGNMENT = (AssignmentStatus.PENDING, AssignmentStatus.ACCEPTED, AssignmentStatus.HANDLED)


class Assignment(CachedChoiceLabels, models.Model):
    """One department's share of a dispatched case (派遣单)."""

    # accounts.scope.scoped(): seen by whoever sees the case's area; a department handler sees
    # only their own department's shares (scope_extra).
    SCOPE_AREA_PATH = "incident__filed_area"

    incident = models.ForeignKey(
        "incidents.Incident", verbose_name=_("case"), on_delete=models.CASCADE, related_name="assignments"
    )
    department = models.ForeignKey(
        "accounts.Department", verbose_name=_("department"), on_delete=models.PROTECT, related_name="assignments"
    )
    status = models.CharField(_("status"), max_length=10, choices=AssignmentStatus.choices, default=AssignmentStatus.PENDING)
    deadline = models.DateTimeField(_("deadline"))
    # The share's deadline that had already passed when an approved extension replaced it: the
    # department's evaluation judges the share by it (docs/domain/indicators.md#departments).
    missed_deadline = models.DateTimeField(_("first missed deadline"), null=True, blank=True, editable=False)
    # When the share's light turns yellow (clock.due_by on the class's clock); NULL on older rows.
    warn_at = models.DateTimeField(_("turns yellow at"), null=True, blank=True)
    dispatched_at = models.DateTimeField(_("dispatched at"), default=timezone.now)
    dispatched_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("dispatched by"),
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
    )
    note = models.TextField(_("instructions"), blank=True)
    accepted_at = models.DateTimeField(_("accepted at"), null=True, blank=True)
    accepted_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("accepted by"),
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
    )
    first_handled_at = models.DateTimeField(_("first reported handled at"), null=True, blank=True)
    handled_at = models.DateTimeField(_("reported handled at"), null=True, blank=True)
    handled_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name=_("handled by"), on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    feedback = models.TextField(_("feedback"), blank=True)
    returned_at = models.DateTimeField(_("returned at"), null=True, blank=True)
    returned_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("returned by"),
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
    )
    return_reason = models.TextField(_("reason for the return"), blank=True)
    reworks = models.PositiveSmallIntegerField(_("reworks"), default=0)
    supervisions = models.PositiveSmallIntegerField(_("times supervised"), default=0)
    closed_at = models.DateTimeField(_("withdrawn at"), null=True, blank=True)
    # Copies of the case's filed area and reporting time, which never change for a case, so that
    # the evaluation counts shares per area and period without joining a million cases.
    filed_area = models.ForeignKey("grids.Area", on_delete=models.PROTECT, related_name="+", editable=False, db_index=False)
    incident_created_at = models.DateTimeField(editable=False)

    class Meta:
        ordering = ["-dispatched_at", "-id"]
        verbose_name = _("department assignment")
        verbose_name_plural = _("department assignments")
        constraints = [
            # Never a double dispatch: one live share per case and department.
            models.UniqueConstraint(
                fields=["incident", "department"],
                condition=Q(status__in=["pending", "accepted", "handled"]),
                name="dispatch_one_live_assignment_per_department",
            ),
            models.CheckConstraint(condition=~Q(status="returned") | ~Q(return_reason=""), name="dispatch_return_has_reason"),
        ]
        indexes = [
            models.Index(fields=["department", "status", "deadline"], name="dispatch_assign_inbox_idx"),
            models.Index(fields=["dispatched_at"], name="dispatch_assign_period_idx"),
            models.Index(fields=["incident_created_at"], include=["filed_area", "status"], name="dispatch_assign_case_idx"),
        ]

    def __str__(self) -> str:
        return f"#{self.incident_id} → {self.department}"

    @property
    def is_live(self) -> bool:
        return self.status in ACTIVE_ASSIGNMENT

    def save(self, *args, **kwargs):
        if self.incident_created_at is None or self.filed_area_id is None:
            self.filed_area_id = self.incident.filed_area_id
            self.incident_created_at = self.incident.created_at
        super().save(*args, **kwargs)

    @classmethod
    def scope_extra(cls, queryset, user):
        if user is not None and not can(user, Capability.SEE_EVERY_DEPARTMENT):
            return queryset.filter(department_id=user.department_id) if user.department_id else queryset.none()
        return queryset


class ExtensionStatus(models.TextChoices):
    PENDING = "pending", pgettext_lazy("extension", "Waiting for the centre")
    APPROVED = "approved", pgettext_lazy("extension", "Approved")
    REFUSED = "refused", pgettext_lazy("extension", "Refused")


class ExtensionRequest(models.Model):
    """A department asks for more time on its share (延期); the centre approves or refuses."""

    SCOPE_AREA_PATH = "assignment__incident__filed_area"

    assignment = models.ForeignKey(Assignment, verbose_name=_("assignment"), on_delete=models.CASCADE, related_name="extensions")
    requested_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name=_("asked by"), on_delete=models.SET_NULL, null=True, related_name="+"
    )
    requested_at = models.DateTimeField(_("asked at"), default=timezone.now)
    previous_deadline = models.DateTimeField(_("deadline before"))
    requested_deadline = models.DateTimeField(_("deadline asked for"))
    reason = models.TextField(_("reason"))
    status = models.CharField(_("status"), max_length=10, choices=ExtensionStatus.choices, default=ExtensionStatus.PENDING)
    decided_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name=_("decided by"), on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    decided_at = models.DateTimeField(_("decided at"), null=True, blank=True)
    decision_note = models.TextField(_("decision note"), blank=True)

    class Meta:
        ordering = ["-requested_at", "-id"]
        verbose_name = _("extension request")
        verbose_name_plural = _("extension requests")
        constraints = [
            models.UniqueConstraint(fields=["assignment"], condition=Q(status="pending"), name="dispatch_one_pending_extension"),
        ]

    def __str__(self) -> str:
        return f"{self.assignment} · {self.get_status_display()}"

    @classmethod
    def scope_extra(cls, queryset, user):
        if user is not None and not can(user, Capability.SEE_EVERY_DEPARTMENT):
            return queryset.filter(assignment__department_id=user.department_id) if user.department_id else queryset.none()
        return queryset


class Supervision(models.Model):
    """The centre presses a department that is late (督办)."""

    SCOPE_AREA_PATH = "assignment__incident__filed_area"

    assignment = models.ForeignKey(
        Assignment, verbose_name=_("assignment"), on_delete=models.CASCADE, related_name="supervision_log"
    )
    by = models.ForeignKey(settings.AUTH_USER_MODEL, verbose_name=_("by"), on_delete=models.SET_NULL, null=True, related_name="+")
    at = models.DateTimeField(_("at"), default=timezone.now)
    note = models.TextField(_("note"), blank=True)
    overdue = models.BooleanField(_("the department was late"), default=False)

    class Meta:
        ordering = ["-at", "-id"]
        verbose_name = _("supervision")
        verbose_name_plural = _("supervisions")

    def __str__(self) -> str:
        return f"{self.assignment} · {timezone.localtime(self.at):%Y-%m-%d %H:%M}"

    @classmethod
    def scope_extra(cls, queryset, user):
        if user is not None and not can(user, Capability.SEE_EVERY_DEPARTMENT):
            return queryset.filter(assignment__department_id=user.department_id) if user.department_id else queryset.none()
        return queryset


class IndicatorSettings(models.Model):
    """How the evaluation counts, set by administrators and shown on every indicator page. One row."""

    exclude_deferred = models.BooleanField(
        _("deferred cases leave the denominator"),
        default=True,
        help_text=_("Cases on hold (缓办) are not counted as due to close, as some cities do."),
    )
    updated_at = models.DateTimeField(_("updated at"), auto_now=True)

    class Meta:
        verbose_name = _("evaluation setting")
        verbose_name_plural = _("evaluation settings")

    def __str__(self) -> str:
        return str(_("Evaluation settings"))

    @classmethod
    def current(cls) -> "IndicatorSettings":
        found = cls.objects.filter(pk=1).first()
        return found or cls(pk=1)


class Open311Client(models.Model):
    """An application allowed to file requests over Open311 GeoReport v2, with its own api_key.

    Only a hash of the key is stored; the key is shown once, when it is issued. Requests are filed
    by the client's own inactive system user, so they enter the same workflow as any report."""

    name = models.CharField(_("name"), max_length=100, unique=True)
    contact = models.CharField(_("contact"), max_length=200, blank=True)
    district = models.ForeignKey(
        "grids.Area",
        verbose_name=_("district"),
        on_delete=models.PROTECT,
        related_name="+",
        limit_choices_to={"level": "district"},
    )
    user = models.OneToOneField(
        settings.AUTH_USER_MODEL,
        verbose_name=_("system user"),
        on_delete=models.PROTECT,
        related_name="open311_client",
        editable=False,
    )
    key_prefix = models.CharField(_("key prefix"), max_length=12, unique=True, editable=False)
    key_hash = models.CharField(_("key hash"), max_length=64, editable=False)
    active = models.BooleanField(_("active"), default=True)
    created_at = models.DateTimeField(_("created at"), default=timezone.now, editable=False)
    last_used_at = models.DateTimeField(_("last used at"), null=True, blank=True, editable=False)

    class Meta:
        ordering = ["name"]
        verbose_name = _("Open311 client")
        verbose_name_plural = _("Open311 clients")

    def __str__(self) -> str:
        return self.name


class Open311Request(models.Model):
    """What an Open311 client sent beyond the case itself (who asked, the token, a media URL)."""

    SCOPE_AREA_PATH = "incident__filed_area"

    incident = models.OneToOneField(
        "incidents.Incident", verbose_name=_("case"), on_delete=models.CASCADE, related_name="open311"
    )
    client = models.ForeignKey(Open311Client, verbose_name=_("client"), on_delete=models.PROTECT, related_name="requests")
    token = models.UUIDField(_("token"), default=uuid.uuid4, unique=True, editable=False)
    media_url = models.URLField(_("media URL"), max_length=500, blank=True)
    email = models.EmailField(_("email"), blank=True)
    first_name = models.CharField(_("first name"), max_length=100, blank=True)
    last_name = models.CharField(_("last name"), max_length=100, blank=True)
    phone = models.CharField(_("phone"), max_length=40, blank=True)
    device_id = models.CharField(_("device id"), max_length=100, blank=True)
    account_id = models.CharField(_("account id"), max_length=100, blank=True)
    created_at = models.DateTimeField(_("received at"), default=timezone.now)

    class Meta:
        ordering = ["-created_at"]
        verbose_name = _("Open311 request")
        verbose_name_plural = _("Open311 requests")

    def __str__(self) -> str:
        return f"{self.client} · #{self.incident_id}"


class ContactReveal(models.Model):
    """One reveal of a caller's full contact (hotline or Open311): who, which case, when, why.

    Everyone who may see a case sees its caller masked (residents.privacy.mask); the command
    centre calls callers back and may reveal the contact, with a reason (``dispatch.contact``).
    Read in the admin by whoever may read the residents' reveal audit log.
    """

    SCOPE_AREA_PATH = "incident__filed_area"

    at = models.DateTimeField(_("at"), default=timezone.now, db_index=True)
    actor = models.ForeignKey(settings.AUTH_USER_MODEL, verbose_name=_("by"), on_delete=models.PROTECT, related_name="+")
    actor_role = models.CharField(_("role"), max_length=20, blank=True)
    incident = models.ForeignKey("incidents.Incident", verbose_name=_("case"), on_delete=models.PROTECT, related_name="contact_reveals")
    reason = models.TextField(_("reason"))
    via = models.CharField(_("via"), max_length=20, default="web")

    class Meta:
        ordering = ["-at", "-id"]
        verbose_name = _("caller contact reveal")
        verbose_name_plural = _("caller contact reveals")
        permissions = [("reveal_caller_contact", _("Can reveal the full contact of a hotline or Open311 caller (audited)"))]

    def __str__(self) -> str:
        return f"{self.at:%Y-%m-%d %H:%M} {self.actor} → #{self.incident_id}"

    @classmethod
    def scope_extra(cls, queryset, user):
        from residents.policy import can_read_audit

        return queryset if can_read_audit(user) else queryset.none()


# What the public sees of a case and the reporter's verdicts: in a module of their own.
from .public_models import Moderation, PublicCase, SpamMark, Verdict, VerdictValue  # noqa: E402,F401
