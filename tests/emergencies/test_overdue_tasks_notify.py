"""Tasks that climb a level are announced to the staff of the level they reach, in the project's
inbox (incidents' notifications): one row per campaign and area, rendered in the reader's language."""
from __future__ import annotations

from datetime import timedelta

import pytest
from django.core import mail
from django.utils import translation

from emergencies.notices import TASKS_ESCALATED
from emergencies.tasks import escalate_tasks
from incidents.models import Notification
from incidents.tasks import send_notification_emails
from incidents.timeline import notification_text

pytestmark = pytest.mark.django_db


def test_the_community_staff_are_told_once_when_the_care_task_climbs_to_them(scenario, api_as, client):
    world = scenario.world
    after_care = (scenario.campaign.care_deadline + timedelta(minutes=1)).isoformat()
    assert escalate_tasks(now=after_care) == 1
    assert escalate_tasks(now=after_care) == 0  # nothing moves, nobody is told twice
    rows = list(Notification.objects.filter(kind=TASKS_ESCALATED))
    assert [row.user for row in rows] == [world.community_staff]
    note = rows[0]
    assert note.incident_id is None and note.link == f"/emergencies/campaigns/{scenario.campaign.pk}/"
    with translation.override("zh-hans"):
        chinese = notification_text(note)
    with translation.override("en"):
        english = notification_text(note)
    assert "1" in chinese and "核酸检测通知" in chinese and "未按时完成" in chinese
    assert english.startswith("1 tasks of the campaign “核酸检测通知” were not done in time")
    # The inbox page and the API show it, linked to the campaign's page.
    client.force_login(world.community_staff)
    page = client.get("/incidents/notifications/").content.decode()
    assert note.link in page and "核酸检测通知" in page
    listed = api_as(world.community_staff).get("/api/v1/notifications/").json()["results"]
    assert listed[0]["link"] == note.link and listed[0]["incident"] is None


def test_every_level_reached_is_told_once_per_campaign_and_area_with_the_count(scenario, settings):
    settings.GRIDGOV_EMERGENCY_ESCALATION_HOURS = 1
    world = scenario.world
    late = scenario.campaign.deadline + timedelta(minutes=1)
    # The three households of community 1 (two in cell A, one in A2): one row for its staff, not three.
    assert escalate_tasks(now=late.isoformat()) == 3
    community = Notification.objects.get(kind=TASKS_ESCALATED, user=world.community_staff)
    assert community.params["count"] == 3 and community.params["campaign"] == "核酸检测通知"
    assert escalate_tasks(now=(late + timedelta(hours=1, minutes=1)).isoformat()) == 3
    street = Notification.objects.get(kind=TASKS_ESCALATED, user=world.street_staff)
    assert street.params["count"] == 3
    told = set(Notification.objects.filter(kind=TASKS_ESCALATED).values_list("user_id", flat=True))
    assert told == {world.community_staff.pk, world.street_staff.pk}  # not the grid worker, not the district yet


def test_the_level_reached_is_emailed_when_it_has_an_address(scenario):
    staff = scenario.world.community_staff
    staff.email = "community@example.org"
    staff.save(update_fields=["email"])
    escalate_tasks(now=(scenario.campaign.care_deadline + timedelta(minutes=1)).isoformat())
    mail.outbox.clear()
    assert send_notification_emails() == 1
    assert mail.outbox[0].to == ["community@example.org"]
    assert f"/emergencies/campaigns/{scenario.campaign.pk}/" in mail.outbox[0].body
