"""A need that climbs a level is announced to the staff of the level it reaches, in the project's
inbox, named by its kind in the reader's language."""
from __future__ import annotations

from datetime import datetime, timedelta

from django.utils import timezone, translation

from incidents.models import Notification
from incidents.timeline import notification_text
from needs import actions
from needs.models import NeedSource
from needs.notices import NEED_ESCALATED
from needs.sweep import escalate_overdue_needs

MONDAY_10 = timezone.make_aware(datetime(2026, 11, 30, 10, 0))


def test_the_community_then_the_street_are_told_as_an_overdue_need_climbs(world, homes, kinds):
    need = actions.record_need(household=homes.in_a, kind="medicine", source=NeedSource.GRID_WORKER, actor=world.grid_worker_a,
                               now=MONDAY_10)
    later = MONDAY_10 + timedelta(hours=2, minutes=1)
    result = escalate_overdue_needs(now=later, workers=1)
    escalate_overdue_needs(now=later, workers=1)  # the same moment again: nobody told twice
    rows = list(Notification.objects.filter(kind=NEED_ESCALATED))
    assert result.notifications == 1 and [row.user for row in rows] == [world.community_staff]
    note = rows[0]
    assert note.link == f"/needs/{need.pk}/" and note.incident_id is None
    kind = kinds["medicine"]
    with translation.override("zh-hans"):
        assert kind.name in notification_text(note)
    with translation.override("en"):
        assert notification_text(note).startswith(f"A need ({kind.name_en or kind.name}) was not met in time")
    escalate_overdue_needs(now=later + timedelta(hours=4, minutes=1), workers=1)
    told = set(Notification.objects.filter(kind=NEED_ESCALATED).values_list("user__username", flat=True))
    assert told == {world.community_staff.username, world.street_staff.username}


def test_a_need_that_does_not_climb_tells_nobody(world, homes, kinds):
    actions.record_need(household=homes.in_a, kind="food", source=NeedSource.GRID_WORKER, actor=world.grid_worker_a, now=MONDAY_10)
    escalate_overdue_needs(now=MONDAY_10 + timedelta(minutes=30), workers=1)
    assert not Notification.objects.filter(kind=NEED_ESCALATED).exists()
