"""The demo gives every page of the command centre something to show, once."""

from __future__ import annotations

import io
import time

from dispatch import demo, indicators
from dispatch.models import Assignment, DepartmentCategory, ExtensionRequest, Supervision
from incidents.models import Incident, Status, TimelineEntry
from dispatch.kinds import CaseStatus


def test_the_demo_fills_every_stage_once_and_quickly(world):
    out = io.StringIO()
    started = time.monotonic()
    demo.seed(district=world.district, stdout=out)
    assert time.monotonic() - started < 20
    assert "demo hotline cases" in out.getvalue()
    assert DepartmentCategory.objects.filter(category__code="C0101", department__code="SZ").exists()
    assert not DepartmentCategory.objects.filter(category__code="E0404").exists()  # 属地兜底
    cases = Incident.objects.filter(description__startswith=demo.MARKER)
    statuses = set(cases.values_list("status", flat=True))
    assert {
        Status.CLOSED,
        CaseStatus.DISPATCHED,
        Status.IN_PROGRESS,
        Status.HANDLED,
        CaseStatus.DEFERRED,
        Status.REPORTED,
        Status.REGISTERED,
        Status.REJECTED,
    } <= statuses
    assert Assignment.objects.filter(status="returned", return_reason="该井盖属于水务公司").count() == 1
    # The routing rule dispatched the collapsed road and the burst main at registration; the
    # dispatcher corrected the first.
    acts = list(TimelineEntry.objects.filter(incident__in=cases).values_list("action", flat=True))
    assert acts.count("auto_dispatch") == 2 and acts.count("correct_dispatch") == 1
    assert Supervision.objects.exists() and ExtensionRequest.objects.filter(status="pending").exists()
    assert cases.filter(level="street").exists()  # handed to the locality

    total = indicators.area_indicators(
        world.district.code, indicators.parse_period((cases.order_by("created_at").first().created_at.date()).isoformat(), None)
    ).total
    assert total.returned == 1 and total.closed == 4 and total.closed_on_time == 3 and total.reworked == 1

    before = (Incident.objects.count(), Assignment.objects.count(), DepartmentCategory.objects.count())
    demo.seed(district=world.district, stdout=io.StringIO())
    assert (Incident.objects.count(), Assignment.objects.count(), DepartmentCategory.objects.count()) == before
