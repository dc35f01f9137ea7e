"""A second demo district next to one that holds the demo's account names already.

The demo accounts have fixed names (``dispatcher``, ``leader`` …). When another district holds
one — an earlier demo district, or the test world, whose ``dispatcher`` sits in 990101 — the new
district used to get no dispatcher of its own, so its command centre's history filed no case and
gave no verdict: the satisfaction rate of its last month stayed empty."""
from __future__ import annotations

from datetime import timedelta
from io import StringIO

from django.utils import timezone
from shapely.geometry import box

from accounts import demo as accounts_demo
from accounts.models import Role, User
from dispatch import demo_history
from dispatch.demo import _photo
from dispatch.indicators import Period, area_indicators
from dispatch.models import Verdict
from grids.demo import build_district

SECOND = "990102"


def test_a_second_demo_district_gets_its_own_dispatcher_and_its_verdicts_count(world):
    assert world.dispatcher.username == "dispatcher" and world.dispatcher.area == world.district  # the name is taken
    district = build_district(SECOND, name="第二测试区", boundary=box(116.720, 39.600, 116.728, 39.605), streets=2,
                              communities_per_street=1, seed=7)
    accounts_demo.seed(district=district, stdout=StringIO())

    own = User.objects.get(role=Role.DISPATCHER, area=district)
    assert own.username == f"dispatcher_{SECOND}" and own.check_password("gridgov-demo")
    assert User.objects.get(username="dispatcher").area == world.district  # the other district's is left alone
    assert accounts_demo.demo_user(district, "gridworker").area.code.startswith(SECOND)

    filed, given = demo_history.seed_history(district, photo=_photo)
    assert filed == demo_history.HISTORY_CASES and given > 10
    today = timezone.localdate()
    month = Period(today - timedelta(days=29), today)
    in_month = Verdict.objects.filter(incident__filed_area__code__startswith=SECOND, at__gte=month.start, at__lt=month.end)
    total = area_indicators(SECOND, month).total
    assert total.verdicts == in_month.count() > 5
    assert total.satisfaction_rate is not None
    # Seeding again adds nothing.
    accounts_demo.seed(district=district, stdout=StringIO())
    assert User.objects.filter(role=Role.DISPATCHER, area=district).count() == 1
    assert demo_history.seed_history(district, photo=_photo) == (0, 0)
