"""`seed_demo` builds a realistic Dongcheng from the real county boundary, once.

The tests seed the small demo (``--small``: a square of Dongcheng's middle, 2 street offices of 3
communities, a tenth of the cases) through the same code as the full one, which takes minutes and
is measured by ``bench/seed_bench.py`` instead."""
from __future__ import annotations

from io import StringIO

import pytest
from django.core.management import CommandError, call_command
from django.db import transaction

from accounts.models import Department, Role, User
from grids.models import Area, Level
from gridgov.management.commands.seed_demo import SMALL_COMMUNITIES_PER_STREET, SMALL_STREETS
from grids.queries import lookup_point

# Near 台基厂, inside 东城区 and inside the small demo's square of its middle.
TAIJICHANG = (116.4105, 39.9050)


@pytest.fixture(scope="module")
def seeded(django_db_setup, django_db_blocker):
    """Seed once for the module inside a transaction that is rolled back afterwards (as Django's
    TestCase.setUpTestData does); each test's own transaction nests inside it."""
    with django_db_blocker.unblock():
        outer = transaction.atomic()
        outer.__enter__()
        try:
            out = StringIO()
            call_command("seed_demo", small=True, stdout=out, verbosity=0)
            yield out.getvalue()
        finally:
            transaction.set_rollback(True)
            outer.__exit__(None, None, None)


@pytest.fixture
def dongcheng(seeded, db):
    return seeded


def test_dongcheng_is_cut_into_streets_communities_and_ten_thousand_square_metre_cells(dongcheng):
    current = Area.objects.current().subtree("110101")
    district = current.get(level=Level.DISTRICT)
    assert district.name == "东城区"
    assert district.area_m2 == pytest.approx(3.2e6, rel=0.05)  # the small demo's square of about 1.8 km × 1.8 km
    assert current.filter(level=Level.STREET).count() == SMALL_STREETS
    assert current.filter(level=Level.COMMUNITY).count() == SMALL_STREETS * SMALL_COMMUNITIES_PER_STREET
    cells = current.filter(level=Level.GRID)
    total = sum(cells.values_list("area_m2", flat=True))
    assert total == pytest.approx(district.area_m2, rel=0.001)  # the cells cover the district
    assert total / cells.count() == pytest.approx(10_000, rel=0.1)
    assert all(cell.code.startswith(cell.parent.code) and len(cell.code) == 15 for cell in cells.select_related("parent")[:500])


def test_the_lookup_answers_all_four_tiers_for_a_point_in_dongcheng(dongcheng):
    found = lookup_point(*TAIJICHANG)
    assert set(found) == {"district", "street", "community", "grid"}
    assert found["district"]["name"] == "东城区"
    assert found["grid"]["code"].startswith(found["community"]["code"])
    assert found["community"]["code"].startswith(found["street"]["code"])


def test_cells_are_numbered_west_to_east_then_north_to_south(dongcheng):
    community = Area.objects.current().filter(level=Level.COMMUNITY).order_by("code").first()
    cells = list(Area.objects.current().filter(parent=community).order_by("code"))
    first, second = cells[0].boundary.centroid, cells[1].boundary.centroid
    last = cells[-1].boundary.centroid
    assert first.y > last.y  # the first row is the northernmost
    if abs(first.y - second.y) < 0.0004:  # same row: west to east
        assert first.x < second.x


def test_one_demo_user_per_role_with_the_demo_password(dongcheng):
    for username, role in [
        ("admin", Role.GIS_ADMIN), ("gridworker", Role.GRID_WORKER), ("community", Role.COMMUNITY), ("street", Role.STREET),
        ("dispatcher", Role.DISPATCHER), ("department", Role.DEPARTMENT), ("leader", Role.LEADER),
    ]:
        user = User.objects.get(username=username)
        assert user.role == role
        assert user.check_password("gridgov-demo")
    worker = User.objects.get(username="gridworker")
    assert worker.assignments.count() == 2
    assert Department.objects.filter(name__in=["城管", "市政", "水务"]).count() == 3


def test_every_cell_has_a_grid_worker_and_the_history_goes_back_months(dongcheng):
    from datetime import timedelta

    from django.utils import timezone

    from accounts.models import GridAssignment
    from dispatch.workload import workload
    from residents.models import Person

    cells = Area.objects.current().filter(level=Level.GRID, code__startswith="110101")
    assert not cells.exclude(pk__in=GridAssignment.objects.active().values("cell")).exists()  # nobody's cell: none
    workers = User.objects.filter(role=Role.GRID_WORKER, area__code__startswith="110101")
    assert cells.count() / 16 <= workers.count() <= cells.count() / 8  # one per dozen cells or so (a few hundred in the full demo)
    named = list(workers.exclude(username="gridworker").values_list("first_name", flat=True)[:50])
    assert all(2 <= len(name) <= 3 for name in named) and len(set(named)) > 0.8 * len(named)  # plausible, mostly different, Chinese names
    # Only the demo accounts sign in: the other workers have no password at all.
    assert not any(user.has_usable_password() for user in workers.exclude(username="gridworker")[:50])
    assert GridAssignment.objects.filter(ended_at__isnull=False).exists()  # some cells were handed over
    assert GridAssignment.objects.filter(started_at__lte=timezone.now() - timedelta(days=150)).exists()
    # Residents in every community.
    communities = Area.objects.current().filter(level=Level.COMMUNITY, code__startswith="110101").values_list("code", flat=True)
    with_people = {code[:12] for code in Person.objects.values_list("cell__code", flat=True).distinct()}
    assert set(communities) <= with_people
    # The assignment map of the demo community is full on first start.
    community = User.objects.get(username="community")
    load = workload(community, community.area)
    assert load["totals"]["uncovered"] == 0 and load["workers"]
    assert any(w["patrol_km_30d"] > 0 for w in load["workers"]) and any(w["households"] for w in load["workers"])


def test_seeding_again_changes_nothing(dongcheng):
    from incidents.models import Incident
    from residents.models import Person

    before = Area.objects.count(), User.objects.count(), Incident.objects.count(), Person.objects.count()
    out = StringIO()
    call_command("seed_demo", stdout=out, verbosity=0)  # the full demo's size over the small one: nothing added either
    assert (Area.objects.count(), User.objects.count(), Incident.objects.count(), Person.objects.count()) == before
    assert "already present" in out.getvalue()


def test_an_unknown_county_is_a_clear_error(db):
    with pytest.raises(CommandError, match="999999"):
        call_command("seed_demo", district="999999", verbosity=0)
    with pytest.raises(CommandError, match="6-digit"):
        call_command("seed_demo", district="11010", verbosity=0)


def test_the_demo_history_looks_like_a_district_at_work(dongcheng):
    """Open cases mostly within their limits (some yellow, a few red), departments closing their
    shares within the last month, and verdicts on closed cases, so that the satisfaction rate shows."""
    from collections import Counter
    from datetime import timedelta

    from django.utils import timezone

    from dispatch.indicators import Period, area_indicators, department_indicators
    from dispatch.models import Verdict
    from incidents import clock
    from incidents.kinds import OPEN_STATUSES
    from incidents.models import Incident, TimelineEntry

    from django.db.models import Max

    # The lights as they were when the demo was seeded (this module's other tests take minutes).
    now = min(TimelineEntry.objects.aggregate(at=Max("at"))["at"] + timedelta(minutes=5), timezone.now())
    lights = Counter(
        clock.light(status=i.status, deadline=i.deadline, started=i.deadline_started_at, warn_at=i.warn_at, now=now)
        for i in Incident.objects.filter(filed_area__code__startswith="110101", status__in=list(OPEN_STATUSES))
    )
    open_cases = sum(lights.values())
    assert open_cases > 30  # of the small demo's 240 cases and its command centre's (over 500 in the full demo)
    assert lights["green"] > 0.55 * open_cases, lights
    # Yellow needs the warning point passed and the limit not: on a working-day clock at night both
    # lie in the next office day, so how many are yellow depends on the hour the demo is seeded.
    assert lights["yellow"] >= 1 and 0 < lights["red"] < 0.2 * open_cases, lights
    today = timezone.localdate()
    month = Period(today - timedelta(days=29), today)
    total = area_indicators("110101", month).total
    assert total.verdicts > 20 and total.satisfaction_rate is not None and 0.7 < total.satisfaction_rate < 1.0
    assert set(Verdict.objects.values_list("value", flat=True)) == {"satisfied", "basically", "unsatisfied"}
    assert not Verdict.objects.filter(reopened=True).exists()  # the demo's history stays closed
    departments = [row for row in department_indicators(month, area_code="110101") if row.accepted]
    assert len(departments) >= 3 and sum(row.closed for row in departments) >= 15
    assert any(row.closed_on_time < row.closed for row in departments)  # some closed late
    assert any(row.satisfaction_rate is not None for row in departments)
