"""The demo seed: thousands of cases over months in every stage, each timeline consistent with its
case, reported by whoever covered the cell then; patrols of every grid worker."""
from datetime import timedelta
from io import StringIO

from django.db.models import Count, Max
from django.utils import timezone

from accounts.models import GridAssignment

from incidents import demo
from incidents.models import Incident, Patrol, TimelineEntry


def test_the_demo_seed_fills_the_district_with_consistent_cases_once(world):
    demo.seed(district=world.district, stdout=StringIO())
    cases = Incident.objects.filter(filed_area__code__startswith=world.district.code)
    assert cases.count() == demo.CASES
    statuses = set(cases.values_list("status", flat=True))
    assert {"reported", "registered", "in_progress", "handled", "closed"} <= statuses
    assert set(cases.values_list("level", flat=True)) == {"grid", "community", "street", "district"}
    stats = cases.annotate(n=Count("timeline"), top=Max("timeline__version"))
    assert all(case.n == case.top == case.version for case in stats)
    last = {e.incident_id: e for e in TimelineEntry.objects.filter(incident__in=cases).order_by("version")}
    assert all(last[case.pk].to_status == case.status and last[case.pk].to_level == case.level for case in cases)
    # Months of history: this month and the month before both have cases, so "last month" compares something.
    now = timezone.now()
    assert cases.filter(created_at__gte=now - timedelta(days=30)).count() > 100
    assert cases.filter(created_at__lt=now - timedelta(days=30), created_at__gte=now - timedelta(days=60)).count() > 100
    assert cases.filter(created_at__lt=now - timedelta(days=90)).exists()
    # A patrol report comes from the grid worker who covered the cell when it was filed.
    for case in cases.filter(source="patrol")[:50]:
        assert GridAssignment.objects.filter(cell=case.cell, user=case.reporter, started_at__lte=case.created_at).exists()
    # Every grid worker who covers a cell patrols it three days in five, with a distance.
    patrols = Patrol.objects.filter(worker=world.grid_worker_a)
    assert 30 <= patrols.count() <= demo.PATROL_DAYS and all(p.distance_m > 0 for p in patrols)
    assert patrols.filter(started_at__gte=now - timedelta(days=30)).exists()
    assert Patrol.objects.filter(worker=world.grid_worker_b).exists()
    before = Patrol.objects.count()
    demo.seed(district=world.district, stdout=StringIO())
    assert cases.count() == demo.CASES and Patrol.objects.count() == before
