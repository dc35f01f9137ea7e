"""Evaluation (考核): every indicator of docs/domain/indicators.md checked on a hand-built month
of cases.

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

from dispatch import indicators
from dispatch.indicators import Period, PeriodError, parse_period
from dispatch.models import Assignment, IndicatorSettings
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


def test_the_district_counts_follow_the_definitions(world, month):
    total = indicators.area_indicators(world.district.code, MARCH, exclude_deferred=True, now=NOW).total
    assert total.accepted == 10  # A B C D E F G H J K; I was reported in February
    assert total.registered == 7  # not E (rejected), F (never registered), K (duplicate)
    assert total.due == 5  # A B J closed, C and H past their deadline; D not yet due; G on hold
    assert total.closed == 3  # A B J; H closed after the period
    assert total.closed_on_time == 2  # A J
    assert total.handled == 5 and total.reworked == 2  # A B C H J handled (so far); B C reworked
    assert (total.dispatched, total.returned) == (4, 1)  # the withdrawn share is not counted
    assert total.deferred == 1 and total.grid_resolved == 1
    assert total.avg_handling_hours == pytest.approx((48 + 144 + 24) / 3)


def test_each_rate_is_its_numerator_over_its_denominator(world, month):
    total = indicators.area_indicators(world.district.code, MARCH, exclude_deferred=True, now=NOW).total
    assert total.filing_rate == pytest.approx(7 / 10)  # registered ÷ accepted
    assert total.closure_rate == pytest.approx(3 / 5)  # closed ÷ due
    assert total.on_time_rate == pytest.approx(2 / 5)  # closed on time ÷ due
    assert total.rework_rate == pytest.approx(2 / 5)  # reworked ÷ handled
    assert total.return_rate == pytest.approx(1 / 4)  # returned ÷ dispatched
    assert total.grid_resolution_rate == pytest.approx(round(1 / 3, 4))  # settled in the grid ÷ closed


def test_whether_deferred_cases_leave_the_denominator_is_a_setting(world, month):
    included = indicators.area_indicators(world.district.code, MARCH, exclude_deferred=False, now=NOW).total
    assert included.due == 6
    assert included.closure_rate == pytest.approx(0.5) and included.on_time_rate == pytest.approx(round(2 / 6, 4))
    IndicatorSettings.objects.update_or_create(pk=1, defaults={"exclude_deferred": False})
    assert indicators.area_indicators(world.district.code, MARCH, now=NOW).total.due == 6
    IndicatorSettings.objects.update_or_create(pk=1, defaults={"exclude_deferred": True})
    assert indicators.area_indicators(world.district.code, MARCH, now=NOW).total.due == 5


def test_a_period_not_yet_over_counts_as_due_only_what_is_due_by_now(world, month):
    total = indicators.area_indicators(world.district.code, MARCH, exclude_deferred=True, now=shanghai(2025, 3, 16, 12)).total
    assert total.due == 3  # A B J closed by then; C (03-20) and H (03-25) not yet due
    assert total.closure_rate == 1.0


def test_streets_communities_cells_and_grid_workers_each_get_their_share(world, month):
    result = indicators.area_indicators(
        world.district.code,
        MARCH,
        groups=["street", "community", "cell", "worker", "category", "day"],
        exclude_deferred=True,
        now=NOW,
    )
    streets = {row.key: row for row in result.groups["street"]}
    one, two = streets[world.street_1.code], streets[world.street_2.code]
    assert counts(one, "accepted", "registered", "due", "closed", "closed_on_time") == (6, 5, 4, 3, 2)
    assert (one.closure_rate, one.on_time_rate, one.return_rate) == (0.75, 0.5, 0.25)
    assert one.name == world.street_1.name
    assert counts(two, "accepted", "registered", "due", "closed") == (4, 2, 1, 0)
    assert two.closure_rate == 0.0
    communities = {row.key: row for row in result.groups["community"]}
    assert communities[world.community_1.code].accepted == 5  # J was filed under the street, not a community
    cells = {row.key: row for row in result.groups["cell"]}
    assert (cells[world.cell_a.code].accepted, cells[world.cell_a2.code].accepted, cells[world.cell_b.code].accepted) == (3, 2, 4)
    workers = {row.name: row for row in result.groups["worker"]}
    # Each case counts for the grid worker who covered its cell when it was filed (cell A: worker A,
    # cell B: worker B), whoever reported it; cell A2 is nobody's, so its cases are no worker's.
    assert set(workers) == {world.grid_worker_a.display_name, world.grid_worker_b.display_name}
    assert workers[world.grid_worker_b.display_name].accepted == 4
    # Cell A: A and B, closed, and K, a duplicate (accepted, never due); C, which worker A reported
    # in cell A2, is not theirs.
    assert counts(workers[world.grid_worker_a.display_name], "accepted", "due", "closed", "closed_on_time", "grid_resolved") == (
        3,
        2,
        2,
        1,
        1,
    )
    assert sum(row.accepted for row in result.groups["category"]) == 10
    assert [row.key for row in result.groups["day"]][:2] == ["2025-03-03", "2025-03-04"]


def test_a_street_looks_only_at_its_own_ground(world, month):
    total = indicators.area_indicators(world.street_2.code, MARCH, exclude_deferred=True, now=NOW).total
    assert (total.accepted, total.registered, total.due, total.closed) == (4, 2, 1, 0)
    assert (total.handled, total.rework_rate) == (1, 0.0)  # H, never reworked
    assert total.return_rate is None  # nothing dispatched: no rate rather than 0 %
    assert total.grid_resolution_rate is None  # nothing closed in the period


def test_a_district_counts_only_its_own_cases_in_every_grouping(world, month):
    from shapely.geometry import box

    from grids.demo import build_district
    from grids.models import Area

    neighbour = build_district(
        "990103", name="邻区", boundary=box(116.730, 39.600, 116.7345, 39.6035), streets=1, communities_per_street=1
    )
    their_cell = Area.objects.current().filter(code__startswith=neighbour.code, level="grid").order_by("code").first()
    # Reported by our grid worker, in our categories and days, but in the neighbouring district.
    make(
        world,
        "X",
        where=their_cell,
        status="closed",
        created=shanghai(2025, 3, 3, 11),
        closed=shanghai(2025, 3, 4, 11),
        reporter=world.grid_worker_a,
    )
    # Filed under the district itself, outside every street office: the district's, no street's.
    make(world, "Y", where=world.district, status="reported", created=shanghai(2025, 3, 3, 12))
    groups = ["street", "community", "cell", "worker", "category", "day"]
    ours = indicators.area_indicators(world.district.code, MARCH, groups=groups, exclude_deferred=True, now=NOW)
    assert ours.total.accepted == 11  # A–K and Y
    assert sum(row.accepted for row in ours.groups["street"]) == 10  # not Y
    assert sum(row.accepted for row in ours.groups["cell"]) == 9  # not J (street), not Y (district)
    workers = {row.name: row for row in ours.groups["worker"]}
    assert workers[world.grid_worker_a.display_name].accepted == 3  # not X
    assert sum(row.accepted for row in ours.groups["category"]) == 11
    days = {row.key: row.accepted for row in ours.groups["day"]}
    assert sum(days.values()) == 11 and days["2025-03-03"] == 2  # A and Y, not X
    theirs = indicators.area_indicators(neighbour.code, MARCH, groups=groups, exclude_deferred=True, now=NOW)
    assert (theirs.total.accepted, theirs.total.closed) == (1, 1)
    assert theirs.groups["worker"] == []  # our worker reported X, but nobody covers that cell
    assert [row.key for row in theirs.groups["cell"]] == [their_cell.code]


def test_departments_are_measured_on_their_shares(world, month):
    rows = {
        row.name: row
        for row in indicators.department_indicators(MARCH, area_code=world.district.code, exclude_deferred=True, now=NOW)
    }
    sz, sw = rows["市政"], rows["水务"]
    assert counts(sz, "accepted", "returned", "due", "closed", "handled") == (2, 1, 0, 0, 0)
    assert sz.return_rate == 0.5 and sz.closure_rate is None and sz.filing_rate is None
    assert counts(sw, "accepted", "returned", "due", "closed", "closed_on_time", "handled", "reworked") == (2, 0, 2, 1, 1, 2, 2)
    assert (sw.closure_rate, sw.on_time_rate, sw.rework_rate, sw.return_rate) == (0.5, 0.5, 1.0, 0.0)
    assert sw.avg_handling_hours == pytest.approx((74 + 48) / 2)


def test_a_handbuilt_rate_matches_a_published_example():
    # Tianmen, December 2016: 911 closed and 737 on time of 972 due
    # (docs/domain/indicators.md#worked-examples).
    row = indicators.Row(key="x", name="x", accepted=1000, registered=972, due=972, closed=911, closed_on_time=737).finish()
    assert indicators.percent(row.closure_rate) == "93.72%"
    assert indicators.percent(row.on_time_rate) == "75.82%"


def test_periods_are_whole_days_and_bad_ones_say_which_parameter(world):
    period = parse_period("2025-03-01", "2025-03-31")
    assert period.start == shanghai(2025, 3, 1, 0, 0) and period.end == shanghai(2025, 4, 1, 0, 0)
    assert period.previous() == Period(datetime(2025, 2, 1).date(), datetime(2025, 2, 28).date())
    assert parse_period("2025-03-01", "2025-03-30").previous() == Period(
        datetime(2025, 2, 1).date(), datetime(2025, 2, 28).date()
    )
    assert parse_period("2025-03-01", "2025-03-15").previous() == Period(
        datetime(2025, 2, 1).date(), datetime(2025, 2, 15).date()
    )
    assert parse_period("2025-03-10", "2025-03-19").previous() == Period(
        datetime(2025, 2, 28).date(), datetime(2025, 3, 9).date()
    )
    for raw_from, raw_to, field in [
        ("2025-13-01", None, "from"),
        ("2025-03-10", "2025-03-01", "from"),
        ("2020-01-01", "2025-01-01", "to"),
        (None, "yesterday", "to"),
    ]:
        with pytest.raises(PeriodError) as error:
            parse_period(raw_from, raw_to)
        assert error.value.field == field


def test_the_api_answers_an_area_with_its_children_and_a_department(world, month, api_as, time_machine):
    time_machine.move_to(NOW, tick=False)
    body = (
        api_as(world.leader)
        .get(
            "/api/v1/indicators/", {"area": world.district.code, "from": "2025-03-01", "to": "2025-03-31", "deferred": "exclude"}
        )
        .json()
    )
    assert body["period"] == {"from": "2025-03-01", "to": "2025-03-31"} and body["settings"] == {"exclude_deferred": True}
    assert body["area"]["code"] == world.district.code
    assert (body["indicators"]["accepted"], body["indicators"]["closure_rate"], body["indicators"]["return_rate"]) == (
        10,
        0.6,
        0.25,
    )
    assert {row["key"] for row in body["breakdown"]} == {world.street_1.code, world.street_2.code}
    department = (
        api_as(world.leader)
        .get("/api/v1/indicators/", {"department": world.other_department.pk, "from": "2025-03-01", "to": "2025-03-31"})
        .json()
    )
    assert department["department"]["name"] == "水务" and department["indicators"]["closed_on_time"] == 1
    both = (
        api_as(world.dispatcher)
        .get(
            "/api/v1/indicators/",
            {"department": f"{world.department.pk},{world.other_department.pk}", "from": "2025-03-01", "to": "2025-03-31"},
        )
        .json()
    )
    assert [row["name"] for row in both["departments"]] == ["水务", "市政"]


def test_the_api_refuses_bad_input_and_what_is_outside_your_scope(world, month, api_as):
    leader = api_as(world.leader)
    bad = leader.get("/api/v1/indicators/", {"from": "2025-02-30"})
    assert bad.status_code == 400 and "from" in bad.json()["errors"]
    assert leader.get("/api/v1/indicators/", {"from": "2020-01-01", "to": "2025-01-01"}).status_code == 400
    assert leader.get("/api/v1/indicators/", {"department": "abc"}).status_code == 400
    assert leader.get("/api/v1/indicators/", {"department": "999999"}).status_code == 404
    assert api_as(world.street_staff).get("/api/v1/indicators/", {"area": world.street_2.code}).status_code == 404
    assert api_as(world.street_staff).get("/api/v1/indicators/", {"area": world.street_1.code}).status_code == 200
    handler = api_as(world.department_handler)
    assert handler.get("/api/v1/indicators/", {"department": world.other_department.pk}).status_code == 404
    assert handler.get("/api/v1/indicators/", {"department": world.department.pk}).status_code == 200
    assert handler.get("/api/v1/indicators/", {"area": world.district.code}).status_code == 403


def test_the_dashboard_shows_the_setting_and_exports_the_tables_to_excel(world, month, client, time_machine):
    import io

    from openpyxl import load_workbook

    time_machine.move_to(NOW, tick=False)
    client.force_login(world.leader)
    page = client.get("/dispatch/indicators/", {"area": world.district.code, "from": "2025-03-01", "to": "2025-03-31"})
    assert page.status_code == 200
    html = page.content.decode()
    assert "echarts.min.js" in html and 'id="deferred-setting"' in html and "60.00%" in html
    export = client.get(
        "/dispatch/indicators/export.xlsx", {"area": world.district.code, "from": "2025-03-01", "to": "2025-03-31"}
    )
    assert export["Content-Type"].startswith("application/vnd.openxmlformats")
    book = load_workbook(io.BytesIO(export.content))
    summary = book.worksheets[0]
    headers = [cell.value for cell in summary[2]]
    values = dict(zip(headers, [cell.value for cell in summary[3]]))
    assert values[str(indicators.LABELS["accepted"])] == 10
    assert values[str(indicators.LABELS["closure_rate"])] == 0.6
    assert len(book.worksheets) >= 3


def test_a_department_handler_sees_only_their_departments_numbers(world, month, client, time_machine):
    time_machine.move_to(NOW, tick=False)
    client.force_login(world.department_handler)
    page = client.get("/dispatch/indicators/", {"from": "2025-03-01", "to": "2025-03-31"})
    assert page.status_code == 200
    html = page.content.decode()
    assert "市政" in html and "水务" not in html and "echarts.min.js" not in html


def test_a_grid_worker_reads_their_cell_but_not_their_community(world, month, api_as):
    worker = api_as(world.grid_worker_a)
    assert worker.get("/api/v1/indicators/").status_code == 404  # their jurisdiction is a community they do not see whole
    assert worker.get("/api/v1/indicators/", {"area": world.community_1.code}).status_code == 404
    assert worker.get("/api/v1/indicators/", {"area": world.cell_a.code}).status_code == 200


def test_pages_and_the_api_keep_an_answer_for_the_rest_of_the_minute_and_say_when(world, month, api_as, time_machine):
    time_machine.move_to(NOW, tick=False)
    leader = api_as(world.leader)
    query = {"area": world.district.code, "from": "2025-03-01", "to": "2025-03-31"}
    first = leader.get("/api/v1/indicators/", query).json()
    assert first["computed_at"].startswith("2025-04-10T12:00")
    Incident.objects.filter(pk=month["F"].pk).update(status="registered")  # F is registered after all
    assert leader.get("/api/v1/indicators/", query).json()["indicators"]["registered"] == 7  # same minute: kept
    time_machine.move_to(shanghai(2025, 4, 10, 12, 1), tick=False)
    again = leader.get("/api/v1/indicators/", query).json()
    assert again["indicators"]["registered"] == 8 and again["computed_at"].startswith("2025-04-10T12:01")
