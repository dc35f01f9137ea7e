"""Overdue needs climb the chain like cases (the case sweep's levels, limits and helpers), once per
level, and a need delivered in time stays where it is."""
from __future__ import annotations

from datetime import datetime, timedelta

from django.utils import timezone

from needs import actions
from needs.models import NeedEvent, NeedSource, NeedStatus
from needs.sweep import escalate_overdue_needs

MONDAY_10 = timezone.make_aware(datetime(2026, 11, 30, 10, 0))


def _need(world, homes, kind="medicine"):
    return actions.record_need(household=homes.in_a, kind=kind, source=NeedSource.GRID_WORKER, actor=world.grid_worker_a, now=MONDAY_10)


def test_an_overdue_medical_need_climbs_to_the_community_with_its_urgent_limit(world, homes, kinds):
    need = _need(world, homes)
    later = MONDAY_10 + timedelta(hours=2, minutes=1)
    result = escalate_overdue_needs(now=later, workers=1)
    need.refresh_from_db()
    assert result.escalated == 1
    assert need.level == "community" and need.area == world.community_1 and need.escalations == 1
    assert need.deadline == later + timedelta(hours=4)  # 4 urgent hours at the community
    assert NeedEvent.objects.filter(need=need, action="escalate", params__to_level="community").count() == 1


def test_two_sweeps_at_the_same_moment_move_a_need_once(world, homes, kinds):
    need = _need(world, homes)
    later = MONDAY_10 + timedelta(hours=3)
    escalate_overdue_needs(now=later, workers=1)
    escalate_overdue_needs(now=later, workers=1)
    need.refresh_from_db()
    assert need.level == "community" and need.escalations == 1


def test_a_need_climbs_all_the_way_and_is_flagged_once_at_the_district(world, homes, kinds):
    need = _need(world, homes)
    moment = MONDAY_10
    for _ in range(5):
        moment += timedelta(days=3)
        escalate_overdue_needs(now=moment, workers=1)
    need.refresh_from_db()
    assert need.level == "district" and need.area == world.district and need.escalations == 3
    assert need.overdue_notified_at is not None


def test_a_delivered_need_does_not_climb_a_taken_one_does_and_keeps_its_volunteer(world, homes, kinds, volunteer):
    delivered = actions.claim_need(need=_need(world, homes), actor=volunteer)
    actions.deliver_need(need=delivered, actor=volunteer, now=MONDAY_10 + timedelta(hours=1))
    taken = actions.claim_need(need=_need(world, homes, "food"), actor=volunteer)
    escalate_overdue_needs(now=MONDAY_10 + timedelta(days=3), workers=1)
    delivered.refresh_from_db()
    taken.refresh_from_db()
    assert delivered.level == "grid" and delivered.status == NeedStatus.DELIVERED
    assert taken.level == "community" and taken.claimed_by == volunteer and taken.status == NeedStatus.CLAIMED
