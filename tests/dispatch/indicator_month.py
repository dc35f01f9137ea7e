"""The hand-built month of cases the evaluation tests read (test_indicators, test_indicators_pages).

March 2025, looked at on 10 April (so the period has ended: the cut is 1 April 00:00).

====  ========  ============  ==========  ==============  ==========  ====================================
case  where     status        deadline    closed          reporter    notes
====  ========  ============  ==========  ==============  ==========  ====================================
A     cell A    closed        03-06       03-05 (48 h)    worker A    settled at grid level
B     cell A    closed        03-08       03-10 (144 h)   worker A    reworked 03-07; 市政 returned, 水务 did it
C     cell A2   rework        03-20       —               worker A    水务 reported 03-12, reworked 03-18
D     cell A2   dispatched    04-15       —               centre      市政, pending, not due yet
E     cell B    rejected      —           —               centre
F     cell B    reported      03-20       —               centre      never registered
G     cell B    deferred      03-15       —               centre      on hold (缓办)
H     cell B    closed        03-25       04-05 (late)    centre      closed after the period
J     street 1  closed        03-15       03-13 (24 h)    centre      outside every cell, at street level
K     cell A    duplicate     —           —               centre
I     cell A    closed        —           02-21           centre      reported in February: not counted
====  ========  ============  ==========  ==============  ==========  ====================================
"""

from __future__ import annotations

from contextlib import contextmanager
from dataclasses import dataclass
from datetime import datetime

import pytest
from django.contrib.gis.geos import Point

from dispatch.indicators import Period
from dispatch.models import Assignment
from incidents.models import Category, Incident, TimelineEntry

from .conftest import inside, shanghai

NOW = shanghai(2025, 4, 10, 12, 0)
MARCH = Period(datetime(2025, 3, 1).date(), datetime(2025, 3, 31).date())


def make(
    world, name, *, where, status, created, deadline=None, closed=None, level="grid", reporter=None, grid=False, code="C0102"
):
    category = Category.objects.get(code=code)
    point = inside(where) if where.level == "grid" else Point(116.70001, 39.60001, srid=4326)
    incident = Incident.objects.create(
        cell=where if where.level == "grid" else None,
        filed_area=where,
        location=point,
        outside_cells=where.level != "grid",
        category=category,
        description=name,
        status=status,
        level=level,
        area=where,
        deadline=deadline or shanghai(2025, 3, 20, 17, 30),
        deadline_started_at=created,
        reporter=reporter or world.dispatcher,
        created_at=created,
        updated_at=created,
        closed_at=closed,
        resolved_at_grid=grid,
    )
    TimelineEntry.objects.create(incident=incident, version=1, at=created, action="report", to_status="reported", to_level=level)
    return incident


def rework(incident, at):
    TimelineEntry.objects.create(
        incident=incident,
        version=incident.timeline.count() + 1,
        at=at,
        action="rework",
        from_status="handled",
        to_status="rework",
        to_level=incident.level,
    )


@dataclass(frozen=True)
class Case:
    """One row of the month's table above: where (a ``world`` attribute), status, times as
    (year, month, day, hour[, minute]) in Shanghai time, reporter (a ``world`` attribute; None: the centre)."""

    name: str
    where: str
    status: str
    created: tuple
    deadline: tuple | None = None
    closed: tuple | None = None
    reporter: str | None = None
    level: str = "grid"
    grid: bool = False
    code: str = "C0102"


CASES = [
    Case("A", "cell_a", "closed", (2025, 3, 3, 10), (2025, 3, 6, 17, 30), (2025, 3, 5, 10), "grid_worker_a", grid=True),
    Case("B", "cell_a", "closed", (2025, 3, 4, 9), (2025, 3, 8, 17, 30), (2025, 3, 10, 9), "grid_worker_a", level="district"),
    Case("C", "cell_a2", "rework", (2025, 3, 9, 9), (2025, 3, 20, 17, 30), None, "grid_worker_a", level="district"),
    Case("D", "cell_a2", "dispatched", (2025, 3, 24, 9), (2025, 4, 15, 17, 30), level="district"),
    Case("E", "cell_b", "rejected", (2025, 3, 5, 9), closed=(2025, 3, 5, 10)),
    Case("F", "cell_b", "reported", (2025, 3, 6, 9)),
    Case("G", "cell_b", "deferred", (2025, 3, 7, 9), (2025, 3, 15, 17, 30), level="district"),
    Case("H", "cell_b", "closed", (2025, 3, 20, 9), (2025, 3, 25, 17, 30), (2025, 4, 5, 9), level="district"),
    Case("J", "street_1", "closed", (2025, 3, 12, 8), (2025, 3, 15, 17, 30), (2025, 3, 13, 8), level="street", code="E0404"),
    Case("K", "cell_a", "duplicate", (2025, 3, 14, 9), closed=(2025, 3, 14, 10)),
    Case("I", "cell_a", "closed", (2025, 2, 20, 9), (2025, 2, 25, 17, 30), (2025, 2, 21, 9)),
]
# (case, when) of each rework.
REWORKS = [("B", (2025, 3, 7, 9)), ("C", (2025, 3, 18, 9))]
# (case, department: a ``world`` attribute, status, deadline, dispatched at, other fields with their times).
ASSIGNMENTS = [
    ("B", "department", "returned", (2025, 3, 9, 17, 30), (2025, 3, 5, 9),
     {"returned_at": (2025, 3, 5, 9, 30), "return_reason": "不归我们"}),
    ("B", "other_department", "handled", (2025, 3, 9, 17, 30), (2025, 3, 5, 10),
     {"first_handled_at": (2025, 3, 6, 12), "handled_at": (2025, 3, 8, 12), "reworks": 1}),
    ("C", "other_department", "handled", (2025, 3, 14, 17, 30), (2025, 3, 10, 10),
     {"first_handled_at": (2025, 3, 12, 10), "handled_at": (2025, 3, 12, 10)}),
    ("D", "department", "pending", (2025, 4, 15, 17, 30), (2025, 3, 25, 9), {}),
    ("D", "other_department", "cancelled", (2025, 4, 15, 17, 30), (2025, 3, 24, 10), {}),  # withdrawn: never counted
]


def _at(when: tuple | None):
    return shanghai(*when) if when else None


@contextmanager
def _named(row: str):
    """Any failure while building a row says which row of the table it was."""
    try:
        yield
    except Exception as exc:
        exc.add_note(f"while building row {row} of the month (tests/dispatch/indicator_month.py)")
        raise


@pytest.fixture
def month(world):
    cases = {}
    for case in CASES:
        with _named(case.name):
            cases[case.name] = make(
                world, case.name, where=getattr(world, case.where), status=case.status, created=shanghai(*case.created),
                deadline=_at(case.deadline), closed=_at(case.closed),
                reporter=getattr(world, case.reporter) if case.reporter else None, level=case.level, grid=case.grid,
                code=case.code,
            )
    for name, when in REWORKS:
        with _named(f"{name} (rework)"):
            rework(cases[name], shanghai(*when))
    for name, department, status, deadline, dispatched, others in ASSIGNMENTS:
        with _named(f"{name} ({department}, {status})"):
            Assignment.objects.create(
                incident=cases[name], department=getattr(world, department), status=status, deadline=shanghai(*deadline),
                dispatched_at=shanghai(*dispatched),
                **{field: shanghai(*value) if isinstance(value, tuple) else value for field, value in others.items()},
            )
    return cases


def counts(row, *names):
    return tuple(getattr(row, name) for name in names)
