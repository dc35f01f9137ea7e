"""The pages people use: they render for the right roles, act through the state machine, stay scoped."""
import json
import re

import pytest
from django.test import Client

from incidents import actions
from incidents.models import Incident, Notification, Status

from .conftest import inside, photo


@pytest.fixture
def browser_as():
    def _client(user):
        client = Client()
        client.force_login(user)
        return client

    return _client


def test_the_report_page_offers_the_taxonomy_and_the_users_most_used_classes_first(world, browser_as, file_case):
    file_case(code="E0204")
    page = browser_as(world.grid_worker_a).get("/incidents/report/")
    assert page.status_code == 200
    html = page.content.decode()
    embedded = json.loads(re.search(r'<script id="report-taxonomy" type="application/json">(.*?)</script>', html, re.S).group(1))
    names = {minor["name"] for major in embedded["majors"] for minor in major["children"]}
    assert {"共享单车乱停放", "井盖缺失或破损"} <= names
    assert embedded["frequent"][0]["code"] == "E0204"
    assert "上报" in html  # Chinese first


def test_the_list_shows_lights_and_hides_cases_outside_the_jurisdiction(world, browser_as, file_case):
    mine = file_case()
    theirs = file_case(reporter=world.grid_worker_b, where=world.cell_b)
    html = browser_as(world.grid_worker_a).get("/incidents/").content.decode()
    assert f"{mine.number} " in html and f"{theirs.number} " not in html
    assert 'class="light green"' in html
    assert browser_as(world.grid_worker_a).get(f"/incidents/{theirs.pk}/").status_code == 404


def test_the_detail_page_shows_the_timeline_and_runs_actions(world, browser_as, file_case):
    incident = file_case()
    client = browser_as(world.grid_worker_a)
    page = client.get(f"/incidents/{incident.pk}/")
    assert page.status_code == 200 and "立案" in page.content.decode()
    response = client.post(f"/incidents/{incident.pk}/act/register/", {"version": 1, "note": ""})
    assert response.status_code == 302
    incident.refresh_from_db()
    assert incident.status == Status.REGISTERED
    # A stale form (version 1 again) is refused with a message, not applied twice.
    client.post(f"/incidents/{incident.pk}/act/start/", {"version": 1})
    incident.refresh_from_db()
    assert incident.status == Status.REGISTERED
    page = client.get(f"/incidents/{incident.pk}/")
    assert any(f"#{incident.pk}" in str(m) for m in page.context["messages"])
    client.post(f"/incidents/{incident.pk}/act/handle/", {"version": 2, "note": "已清理", "photos": [photo()]})
    incident.refresh_from_db()
    assert incident.status == Status.HANDLED and incident.photos.count() == 1


def test_the_community_inbox_lists_cases_at_its_level_and_unpatrolled_cells(world, browser_as, file_case):
    incident = file_case()
    actions.request_help(incident, actor=world.grid_worker_a, reason="需要协调")
    page = browser_as(world.community_staff).get("/incidents/inbox/")
    html = page.content.decode()
    assert f"{incident.number} " in html
    assert world.cell_a.code in html and len(page.context["unpatrolled"]) == len(page.context["coverage"]) > 1


def test_the_unread_count_shows_in_the_navigation_on_every_page(world, browser_as, file_case):
    incident = file_case()
    actions.request_help(incident, actor=world.grid_worker_a, reason="需要协调")
    client = browser_as(world.community_staff)
    html = client.get("/").content.decode()
    assert '通知 <span class="badge">1</span>' in html
    client.post("/incidents/notifications/")
    assert not Notification.objects.filter(user=world.community_staff, read_at__isnull=True).exists()


def test_a_dispatcher_enters_a_hotline_call_at_the_command_centre(world, browser_as):
    point = inside(world.cell_b)
    client = browser_as(world.dispatcher)
    assert client.get("/incidents/hotline/").status_code == 200
    response = client.post("/incidents/hotline/", {
        "category": "E0203", "lat": point.y, "lng": point.x, "description": "小区门口长期违停", "contact": "张女士",
        "urgency": "normal", "client_id": "6b0c2a8e-4a2b-4c1e-9d3f-1a2b3c4d5e6f",
    })
    assert response.status_code == 302
    incident = Incident.objects.get()
    assert (incident.source, incident.level, incident.contact) == ("hotline", "district", "张女士")
    missing = client.post("/incidents/hotline/", {"category": "E0203", "description": "无位置"})
    assert missing.status_code == 200 and "location" in missing.context["errors"]
    assert browser_as(world.grid_worker_a).get("/incidents/hotline/").status_code == 403


def test_home_cards_show_the_days_work(world, browser_as, file_case):
    file_case()
    html = browser_as(world.grid_worker_a).get("/").content.decode()
    assert "今日案件" in html and "巡查" in html


def test_the_patrol_pages_render(world, browser_as, api_as):
    client = browser_as(world.grid_worker_a)
    assert client.get("/incidents/patrol/").status_code == 200
    patrol_id = api_as(world.grid_worker_a).post("/api/v1/patrols/", {}, format="json").json()["id"]
    api_as(world.grid_worker_a).post(f"/api/v1/patrols/{patrol_id}/end/", {}, format="json")
    page = client.get(f"/incidents/patrols/{patrol_id}/")
    assert page.status_code == 200
    assert browser_as(world.grid_worker_b).get(f"/incidents/patrols/{patrol_id}/").status_code == 404
