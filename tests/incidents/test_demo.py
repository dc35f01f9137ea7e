"""The demo seed: hundreds of cases in every stage, each timeline consistent with its case."""
from io import StringIO

from django.db.models import Count, Max

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
    assert Patrol.objects.filter(worker=world.grid_worker_a).count() == 3
    demo.seed(district=world.district, stdout=StringIO())
    assert cases.count() == demo.CASES
