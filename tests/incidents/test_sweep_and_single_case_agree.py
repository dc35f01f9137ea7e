"""The set-based escalation sweep and the single-case path (asking the level above for help) move
a case the same way, for every level below the district and every open status: the sweep's SQL
is compiled from the same level chain and status definitions, and this holds them together."""
from __future__ import annotations

from datetime import datetime, timedelta

import pytest
import time_machine
from django.contrib.gis.geos import Point
from django.utils import timezone

from accounts.models import Role, User
from incidents import actions
from incidents.kinds import OPEN_STATUSES, TAKEN_STATUSES
from incidents.levels import LEVEL_CHAIN, NEXT_LEVEL
from incidents.models import Category, Incident, Notification

pytestmark = pytest.mark.django_db

NOW = timezone.make_aware(datetime(2026, 3, 2, 10, 0))  # a Monday, inside office hours


def _case_at(world, level: str, status: str) -> Incident:
    cell = world.cell_a
    point = cell.boundary.point_on_surface
    incident, _created = actions.report_incident(
        reporter=world.grid_worker_a, category=Category.objects.get(code="C0101"),
        location=Point(point.x, point.y, srid=4326), description="对照",
    )
    area = {"grid": world.cell_a, "community": world.community_1, "street": world.street_1}[level]
    Incident.objects.filter(pk=incident.pk).update(
        level=level, area=area, status=status, deadline=NOW + timedelta(days=30),
        assignee=world.grid_worker_a if status in TAKEN_STATUSES else None,
    )
    return Incident.objects.select_related("category", "area", "cell", "filed_area").get(pk=incident.pk)


def _outcome(incident: Incident, kind: str) -> tuple:
    incident.refresh_from_db()
    told = set(Notification.objects.filter(incident=incident, kind=kind).values_list("user_id", flat=True))
    return (incident.level, incident.area_id, incident.status, incident.assignee_id, incident.deadline, incident.warn_at,
            incident.deadline_started_at, incident.escalations, incident.version, told)


@pytest.mark.parametrize("level", LEVEL_CHAIN[:-1])
def test_the_sweep_and_a_request_for_help_agree_for_every_open_status(world, level):
    # Nobody whom either path notifies: the acting user is never told of their own act.
    superuser = User.objects.create(username=f"root-{level}", role=Role.GIS_ADMIN, is_superuser=True)
    with time_machine.travel(NOW, tick=False):
        for status in OPEN_STATUSES:
            by_hand = _case_at(world, level, status)
            by_sweep = _case_at(world, level, status)
            actions.request_help(by_hand, actor=superuser, reason="对照")
            Incident.objects.filter(pk=by_sweep.pk).update(deadline=NOW - timedelta(minutes=1))
            result = actions.escalate_overdue(now=NOW, workers=1)
            assert result.escalated == 1, (level, status)
            hand, sweep = _outcome(by_hand, "help_requested"), _outcome(by_sweep, "escalated")
            assert hand[0] == NEXT_LEVEL[level]
            assert hand == sweep, (level, status, hand, sweep)
            entries = [(e.from_level, e.to_level, e.from_status, e.to_status, e.to_area_id)
                       for e in (by_hand.timeline.order_by("-version").first(), by_sweep.timeline.order_by("-version").first())]
            assert entries[0] == entries[1]
            Incident.objects.filter(pk__in=[by_hand.pk, by_sweep.pk]).update(status="closed")
