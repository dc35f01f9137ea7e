"""Evaluation (考核): every indicator of docs/domain/indicators.md counted on the hand-built month
of cases in ``indicator_month`` (March 2025, looked at on 10 April)."""

from __future__ import annotations

from datetime import datetime

import pytest

from dispatch import indicators
from dispatch.indicators import Period, PeriodError, parse_period
from dispatch.models import IndicatorSettings

from .conftest import shanghai
from .indicator_month import MARCH, NOW, counts, make, month, rework  # noqa: F401 (month: a fixture)


def test_the_district_counts_follow_the_definitions(world, month):
    total = indicators.area_indicators(world.district.code, MARCH, exclude_deferred=True, now=NOW).total
    assert total.accepted == 10  # A B C D E F G H J K; I was reported in February
    assert total.registered == 7  # not E (rejected), F (never registered), K (duplicate)
    assert total.due == 5  # A B J closed, C and H past their deadline; D not yet due; G on hold
    assert total.closed == 3  # A B J; H closed after the period
    assert total.closed_on_time == 2  # A J
    assert total.overdue == 3  # B closed late, C and H still open past their deadline at the cut
    assert total.handled == 4 and total.reworked == 2  # A B C J handled by the cut (H only in April); B C reworked
    assert (total.dispatched, total.returned) == (4, 1)  # the withdrawn share is not counted
    assert total.deferred == 1 and total.grid_resolved == 1
    assert total.avg_handling_hours == pytest.approx((48 + 144 + 24) / 3)


def test_each_rate_is_its_numerator_over_its_denominator(world, month):
    total = indicators.area_indicators(world.district.code, MARCH, exclude_deferred=True, now=NOW).total
    assert total.filing_rate == pytest.approx(7 / 10)  # registered ÷ accepted
    assert total.closure_rate == pytest.approx(3 / 5)  # closed ÷ due
    assert total.on_time_rate == pytest.approx(2 / 5)  # closed on time ÷ due
    assert total.rework_rate == pytest.approx(2 / 4)  # reworked ÷ handled
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
        groups=["street", "community", "cell", "worker", "category", "source", "day"],
        exclude_deferred=True,
        now=NOW,
    )
    assert [(row.key, row.name, row.accepted) for row in result.groups["source"]] == [("patrol", "巡查", 10)]
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
    assert (total.handled, total.rework_rate) == (0, None)  # H was handled after the period: nothing to rate
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
    assert parse_period("2025-01-01", "2025-03-31").previous() == Period(
        datetime(2024, 10, 1).date(), datetime(2024, 12, 31).date()
    )  # a quarter: the quarter before
    # Anything else, the default month to date included: as many days just before.
    assert parse_period("2025-03-01", "2025-03-30").previous() == Period(
        datetime(2025, 1, 30).date(), datetime(2025, 2, 28).date()
    )
    assert parse_period(None, None, today=datetime(2025, 3, 3).date()).previous() == Period(
        datetime(2025, 2, 26).date(), datetime(2025, 2, 28).date()
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
