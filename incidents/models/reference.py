"""Reference data of the case workflow, kept by administrators: the two-level taxonomy of classes,
time limits per level and condition, routing rules (where a new case starts), the case numbers'
counter and the working calendar."""
from __future__ import annotations

from django.contrib.gis.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from gridgov.bilingual import in_language
from grids.models import Level

from .choices import Clock, Kind, Urgency


class Category(models.Model):
    """Two-level taxonomy: a major class (parent empty) and its minor classes. Cases use minor classes."""

    kind = models.CharField(_("kind"), max_length=10, choices=Kind.choices)
    parent = models.ForeignKey(
        "self", verbose_name=_("major class"), on_delete=models.PROTECT, null=True, blank=True, related_name="children"
    )
    code = models.CharField(_("code"), max_length=10, unique=True)
    name = models.CharField(_("name (Chinese)"), max_length=60)
    name_en = models.CharField(_("name (English)"), max_length=60, blank=True)
    duplicate_radius_m = models.PositiveIntegerField(
        _("duplicate radius (m)"), default=50, help_text=_("Open cases of this class within this distance are shown as possible duplicates.")
    )
    default_urgency = models.CharField(_("default urgency"), max_length=10, choices=Urgency.choices, default=Urgency.NORMAL)
    grid_resolvable = models.BooleanField(
        _("minor: a grid worker may settle it"), default=False, help_text=_("Small matters settled inside the grid (小事不出网格).")
    )
    sort_order = models.PositiveSmallIntegerField(_("order"), default=0)
    active = models.BooleanField(_("active"), default=True)

    class Meta:
        ordering = ["sort_order", "code"]
        verbose_name = _("category")
        verbose_name_plural = _("categories")

    def __str__(self) -> str:
        return f"{self.parent.label} · {self.label}" if self.parent_id and self.parent else self.label

    @property
    def label(self) -> str:
        """The name in the viewer's language (Chinese unless English is asked for and given)."""
        return in_language(self.name, self.name_en)

    @property
    def is_major(self) -> bool:
        return self.parent_id is None


class TimeLimit(models.Model):
    """How long a level has to settle a case of a class under a condition, on one of three clocks.

    Looked up from the most specific row: the minor class, then its major class, then the row
    with no class (the default for the level)."""

    category = models.ForeignKey(
        Category, verbose_name=_("category"), on_delete=models.CASCADE, null=True, blank=True, related_name="time_limits"
    )
    level = models.CharField(_("level"), max_length=10, choices=Level.choices)
    condition = models.CharField(_("condition"), max_length=10, choices=Urgency.choices, default=Urgency.NORMAL)
    clock = models.CharField(_("clock"), max_length=15, choices=Clock.choices)
    amount = models.DecimalField(_("amount"), max_digits=6, decimal_places=2)

    class Meta:
        ordering = ["category__code", "level", "condition"]
        verbose_name = _("time limit")
        verbose_name_plural = _("time limits")
        constraints = [
            models.UniqueConstraint(
                fields=["category", "level", "condition"], name="one_time_limit_per_class_level_condition", nulls_distinct=False
            ),
            models.CheckConstraint(condition=Q(amount__gt=0), name="time_limit_positive"),
        ]

    def __str__(self) -> str:
        return f"{self.category or _('default')} · {self.get_level_display()} · {self.amount} {self.get_clock_display()}"


class RoutingRule(models.Model):
    """Where a new case of a class starts under a condition, and whether the command centre
    dispatches it to the class's default departments as soon as it is registered.

    Looked up like the time limits: the minor class, then its major class, then the row with no
    class (the default for every class); with no row at all a case starts at grid level. The
    routing function is ``incidents.routing.route_for`` (docs/domain/cases.md#routing)."""

    category = models.ForeignKey(
        Category, verbose_name=_("category"), on_delete=models.CASCADE, null=True, blank=True, related_name="routing_rules",
        help_text=_("A minor or a major class; empty: every class without a rule of its own."),
    )
    condition = models.CharField(_("condition"), max_length=10, choices=Urgency.choices, default=Urgency.NORMAL)
    start_level = models.CharField(
        _("starts at"), max_length=10, choices=Level.choices,
        help_text=_("Grid: the cell's grid worker; community or street: their staff; district: the command centre's intake (受理)."),
    )
    auto_dispatch = models.BooleanField(
        _("dispatch automatically"), default=False,
        help_text=_("When the command centre registers such a case, it goes to the class's default departments at once; "
                    "the dispatcher may correct it."),
    )

    class Meta:
        ordering = ["category__code", "condition"]
        verbose_name = _("routing rule")
        verbose_name_plural = _("routing rules")
        constraints = [
            models.UniqueConstraint(fields=["category", "condition"], name="one_routing_rule_per_class_condition", nulls_distinct=False),
            # Only the command centre dispatches: a case dispatched automatically starts there.
            models.CheckConstraint(
                condition=Q(auto_dispatch=False) | Q(start_level="district"), name="routing_auto_dispatch_at_centre",
                violation_error_message=_("Only the command centre dispatches: a rule that dispatches automatically starts at district level."),
            ),
        ]

    def __str__(self) -> str:
        return f"{self.category or _('every class')} · {self.get_condition_display()} → {self.get_start_level_display()}"


class CaseNumberCounter(models.Model):
    """The last case number given in a district on a local day (``incidents.numbering``): taken by
    one conditional upsert, so two reports filed at the same moment never get the same number."""

    district_code = models.CharField(_("district code"), max_length=6)
    day = models.DateField(_("day"))
    last = models.PositiveIntegerField(_("last number"))

    class Meta:
        verbose_name = _("case number counter")
        verbose_name_plural = _("case number counters")
        constraints = [models.UniqueConstraint(fields=["district_code", "day"], name="one_case_counter_per_district_day")]


class WorkingCalendar(models.Model):
    """Exceptions to the weekday rule: public holidays on weekdays and make-up working days (调休)
    on weekends. Seeded from ``chinese-calendar`` for the years it knows; administrators add the
    rows of later years. A date with no row follows the rule Monday–Friday work."""

    date = models.DateField(_("date"), unique=True)
    is_workday = models.BooleanField(_("working day"))
    name = models.CharField(_("name"), max_length=60, blank=True)
    from_package = models.BooleanField(_("from chinese-calendar"), default=False, editable=False)

    class Meta:
        ordering = ["date"]
        verbose_name = _("working-calendar day")
        verbose_name_plural = _("working calendar")

    def __str__(self) -> str:
        return f"{self.date} {'workday' if self.is_workday else 'holiday'} {self.name}"
