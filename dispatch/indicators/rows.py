"""The figures of one row of the evaluation (an area, a grid worker, a category, a channel, a
department), their rates, their labels, which way is better, and the comparison with last period."""

from __future__ import annotations

from dataclasses import asdict, dataclass, field
from datetime import datetime
from typing import Any

from django.utils import timezone
from django.utils.translation import pgettext_lazy

from grids.models import Level


def rate(numerator: int | None, denominator: int | None) -> float | None:
    if not denominator or numerator is None:
        return None
    return round(float(numerator) / float(denominator), 4)


COUNTS = (
    "accepted",
    "registered",
    "due",
    "closed",
    "closed_on_time",
    "overdue",
    "handled",
    "reworked",
    "dispatched",
    "returned",
    "deferred",
    "grid_resolved",
)
# The satisfaction rate (满意率, from the reporters' verdicts) joins here, with its label in
# LABELS, its direction in BETTER (+1) and its formula in Row.finish and docs/domain/indicators.md.
RATES = ("filing_rate", "closure_rate", "on_time_rate", "rework_rate", "return_rate", "grid_resolution_rate",
         "satisfaction_rate")

LABELS = {
    "accepted": pgettext_lazy("indicator", "Accepted"),
    "registered": pgettext_lazy("indicator", "Registered"),
    "due": pgettext_lazy("indicator", "Due to close"),
    "closed": pgettext_lazy("indicator", "Closed"),
    "closed_on_time": pgettext_lazy("indicator", "Closed on time"),
    "overdue": pgettext_lazy("indicator", "Overdue"),
    "handled": pgettext_lazy("indicator", "Handled"),
    "reworked": pgettext_lazy("indicator", "Reworked"),
    "dispatched": pgettext_lazy("indicator", "Dispatched"),
    "returned": pgettext_lazy("indicator", "Returned"),
    "deferred": pgettext_lazy("indicator", "On hold"),
    "grid_resolved": pgettext_lazy("indicator", "Settled in the grid"),
    "avg_handling_hours": pgettext_lazy("indicator", "Average handling time (h)"),
    "filing_rate": pgettext_lazy("indicator", "Filing rate"),
    "closure_rate": pgettext_lazy("indicator", "Closure rate"),
    "on_time_rate": pgettext_lazy("indicator", "On-time closure rate"),
    "rework_rate": pgettext_lazy("indicator", "Rework rate"),
    "return_rate": pgettext_lazy("indicator", "Return rate"),
    "grid_resolution_rate": pgettext_lazy("indicator", "Grid-level resolution"),
    "verdicts": pgettext_lazy("indicator", "Verdicts given"),
    "satisfaction_rate": pgettext_lazy("indicator", "Satisfaction rate"),  # dispatch.satisfaction
}

# Which way is better: +1 a rise is good, -1 a rise is bad (more overdue, more returns, slower),
# 0 neither (how many cases came in says nothing of how they were handled).
BETTER = {
    "accepted": 0,
    "registered": 0,
    "due": 0,
    "closed": 1,
    "closed_on_time": 1,
    "overdue": -1,
    "handled": 1,
    "reworked": -1,
    "dispatched": 0,
    "returned": -1,
    "deferred": -1,
    "grid_resolved": 1,
    "avg_handling_hours": -1,
    "filing_rate": 1,
    "closure_rate": 1,
    "on_time_rate": 1,
    "rework_rate": -1,
    "return_rate": -1,
    "grid_resolution_rate": 1,
    "verdicts": 0,
    "satisfaction_rate": 1,
}


@dataclass
class Row:
    key: str
    name: str
    accepted: int = 0
    registered: int | None = 0
    due: int = 0
    closed: int = 0
    closed_on_time: int = 0
    overdue: int = 0
    handled: int = 0
    reworked: int = 0
    dispatched: int = 0
    returned: int = 0
    deferred: int = 0
    grid_resolved: int | None = 0
    avg_handling_hours: float | None = None
    filing_rate: float | None = field(default=None)
    closure_rate: float | None = field(default=None)
    on_time_rate: float | None = field(default=None)
    rework_rate: float | None = field(default=None)
    return_rate: float | None = field(default=None)
    grid_resolution_rate: float | None = field(default=None)
    # Set after finish() by dispatch.satisfaction.attach (verdicts are counted apart, in Python).
    verdicts: int = 0
    satisfaction_rate: float | None = field(default=None)

    def finish(self) -> "Row":
        # Overdue (超期): due to close and not closed on time — closed late, or still open past the deadline.
        self.overdue = max(0, (self.due or 0) - (self.closed_on_time or 0))
        self.filing_rate = rate(self.registered, self.accepted) if self.registered is not None else None
        self.closure_rate = rate(self.closed, self.due)
        self.on_time_rate = rate(self.closed_on_time, self.due)
        self.rework_rate = rate(self.reworked, self.handled)
        self.return_rate = rate(self.returned, self.dispatched)
        self.grid_resolution_rate = rate(self.grid_resolved, self.closed) if self.grid_resolved is not None else None
        if self.avg_handling_hours is not None:
            self.avg_handling_hours = round(float(self.avg_handling_hours), 2)
        return self

    def as_dict(self) -> dict[str, Any]:
        return asdict(self)


@dataclass(frozen=True)
class Change:
    """A figure against last period: the signed change (percentage points for rates) and whether
    it is for the better ("better"), the worse ("worse"), neither ("same", or a neutral figure:
    "neutral") or cannot be said (None: a side has no value)."""

    key: str
    now: float | int | None
    before: float | int | None
    delta: float | None
    verdict: str | None

    @property
    def points(self) -> bool:
        """Rates change by percentage points."""
        return self.key.endswith("_rate")

    @property
    def arrow(self) -> str:
        """▲ a rise, ▼ a fall (the colour, not the arrow, says whether that is for the better)."""
        if not self.delta:
            return ""
        return "▲" if self.delta > 0 else "▼"

    @property
    def signed(self) -> str:
        """The change with its sign: +3, -2, +1.25 (points for rates, hours for the handling time), ±0."""
        if self.delta is None:
            return "—"
        if self.delta == 0:
            return "±0"
        if self.points or self.key == "avg_handling_hours":
            return f"{self.delta:+.2f}"
        return f"{int(self.delta):+d}"


def change(key: str, now: Row, before: Row | None) -> Change:
    value = getattr(now, key)
    old = getattr(before, key) if before is not None else None
    if value is None or old is None:
        return Change(key, value, old, None, None)
    delta = round((value - old) * 100, 2) if key.endswith("_rate") else round(value - old, 2)
    direction = BETTER.get(key, 0)
    if delta == 0:
        verdict = "same"
    elif direction == 0:
        verdict = "neutral"
    else:
        verdict = "better" if (delta > 0) == (direction > 0) else "worse"
    return Change(key, value, old, delta, verdict)


@dataclass
class AreaResult:
    total: Row
    groups: dict[str, list[Row]]
    computed_at: datetime = field(default_factory=timezone.now)


@dataclass
class DepartmentResult:
    rows: list[Row]
    computed_at: datetime = field(default_factory=timezone.now)


CHILD_GROUP = {Level.DISTRICT: "street", Level.STREET: "community", Level.COMMUNITY: "cell", Level.GRID: None}


def ranked(rows: list[Row], key: str, *, reverse: bool = True) -> list[Row]:
    """Best first by ``key``; rows without a value (nothing due) last."""
    with_value = [row for row in rows if getattr(row, key) is not None]
    without = [row for row in rows if getattr(row, key) is None]
    return sorted(with_value, key=lambda row: getattr(row, key), reverse=reverse) + without


def percent(value: float | None) -> str:
    return "—" if value is None else f"{value * 100:.2f}%"
