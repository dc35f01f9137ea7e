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


@pytest.fixture
def month(world):
    w = world
    cases = {
        "A": make(
            w,
            "A",
            where=w.cell_a,
            status="closed",
            created=shanghai(2025, 3, 3, 10),
            deadline=shanghai(2025, 3, 6, 17, 30),
            closed=shanghai(2025, 3, 5, 10),
            reporter=w.grid_worker_a,
            grid=True,
        ),
        "B": make(
            w,
            "B",
            where=w.cell_a,
            status="closed",
            created=shanghai(2025, 3, 4, 9),
            deadline=shanghai(2025, 3, 8, 17, 30),
            closed=shanghai(2025, 3, 10, 9),
            reporter=w.grid_worker_a,
            level="district",
        ),
        "C": make(
            w,
            "C",
            where=w.cell_a2,
            status="rework",
            created=shanghai(2025, 3, 9, 9),
            deadline=shanghai(2025, 3, 20, 17, 30),
            reporter=w.grid_worker_a,
            level="district",
        ),
        "D": make(
            w,
            "D",
            where=w.cell_a2,
            status="dispatched",
            created=shanghai(2025, 3, 24, 9),
            deadline=shanghai(2025, 4, 15, 17, 30),
            level="district",
        ),
        "E": make(w, "E", where=w.cell_b, status="rejected", created=shanghai(2025, 3, 5, 9), closed=shanghai(2025, 3, 5, 10)),
        "F": make(w, "F", where=w.cell_b, status="reported", created=shanghai(2025, 3, 6, 9)),
        "G": make(
            w,
            "G",
            where=w.cell_b,
            status="deferred",
            created=shanghai(2025, 3, 7, 9),
            deadline=shanghai(2025, 3, 15, 17, 30),
            level="district",
        ),
        "H": make(
            w,
            "H",
            where=w.cell_b,
            status="closed",
            created=shanghai(2025, 3, 20, 9),
            deadline=shanghai(2025, 3, 25, 17, 30),
            closed=shanghai(2025, 4, 5, 9),
            level="district",
        ),
        "J": make(
            w,
            "J",
            where=w.street_1,
            status="closed",
            created=shanghai(2025, 3, 12, 8),
            deadline=shanghai(2025, 3, 15, 17, 30),
            closed=shanghai(2025, 3, 13, 8),
            level="street",
            code="E0404",
        ),
        "K": make(w, "K", where=w.cell_a, status="duplicate", created=shanghai(2025, 3, 14, 9), closed=shanghai(2025, 3, 14, 10)),
        "I": make(
            w,
            "I",
            where=w.cell_a,
            status="closed",
            created=shanghai(2025, 2, 20, 9),
            deadline=shanghai(2025, 2, 25, 17, 30),
            closed=shanghai(2025, 2, 21, 9),
        ),
    }
    rework(cases["B"], shanghai(2025, 3, 7, 9))
    rework(cases["C"], shanghai(2025, 3, 18, 9))
    sz, sw = w.department, w.other_department
    Assignment.objects.create(
        incident=cases["B"],
        department=sz,
        status="returned",
        deadline=shanghai(2025, 3, 9, 17, 30),
        dispatched_at=shanghai(2025, 3, 5, 9),
        returned_at=shanghai(2025, 3, 5, 9, 30),
        return_reason="不归我们",
    )
    Assignment.objects.create(
        incident=cases["B"],
        department=sw,
        status="handled",
        deadline=shanghai(2025, 3, 9, 17, 30),
        dispatched_at=shanghai(2025, 3, 5, 10),
        first_handled_at=shanghai(2025, 3, 6, 12),
        handled_at=shanghai(2025, 3, 8, 12),
        reworks=1,
    )
    Assignment.objects.create(
        incident=cases["C"],
        department=sw,
        status="handled",
        deadline=shanghai(2025, 3, 14, 17, 30),
        dispatched_at=shanghai(2025, 3, 10, 10),
        first_handled_at=shanghai(2025, 3, 12, 10),
        handled_at=shanghai(2025, 3, 12, 10),
    )
    Assignment.objects.create(
        incident=cases["D"],
        department=sz,
        status="pending",
        deadline=shanghai(2025, 4, 15, 17, 30),
        dispatched_at=shanghai(2025, 3, 25, 9),
    )
    Assignment.objects.create(
        incident=cases["D"],
        department=sw,
        status="cancelled",
        deadline=shanghai(2025, 4, 15, 17, 30),
        dispatched_at=shanghai(2025, 3, 24, 10),
    )  # withdrawn: never counted
    return cases


def counts(row, *names):
    return tuple(getattr(row, name) for name in names)
