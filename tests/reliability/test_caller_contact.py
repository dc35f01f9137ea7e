"""Caller contact shown in full (issue 13, item 7): the contact of hotline and Open311 callers is
masked for every role on every page, API answer and admin view; the command centre reveals it
with a reason, and each reveal is recorded."""
from __future__ import annotations

import pytest
from django.contrib.gis.geos import Point

from dispatch.models import ContactReveal

NAME, PHONE, EMAIL = "孙八", "13912345678", "sunba@example.com"
PERSONAS = ("grid_worker_a", "community_staff", "street_staff", "dispatcher", "department_handler", "leader", "gis_admin")


@pytest.fixture
def case(world):
    from dispatch.actions import dispatch
    from incidents.actions import register as register_case
    from incidents.actions import report_incident
    from incidents.models import Category

    point = world.cell_a.boundary.point_on_surface
    incident, _ = report_incident(
        reporter=world.dispatcher, category=Category.objects.get(code="C0102"), location=Point(point.x, point.y, srid=4326),
        source="hotline", contact=f"{NAME} {PHONE} {EMAIL}", description="路灯不亮",
    )
    register_case(incident, actor=world.dispatcher)
    dispatch(incident, actor=world.dispatcher, departments=[world.department])  # so that the department sees it too
    return incident


def _leaks(body: str) -> list[str]:
    return [part for part in (PHONE, EMAIL, NAME, PHONE[3:7] + PHONE[7:]) if part in body]


@pytest.mark.parametrize("persona", PERSONAS)
def test_no_role_is_shown_the_callers_contact_in_full(persona, world, case, client, api_as):
    user = getattr(world, persona)
    client.force_login(user)
    api = api_as(user)
    bodies = [client.get(f"/incidents/{case.pk}/").content.decode(), client.get(f"/dispatch/case/{case.pk}/").content.decode(),
              api.get(f"/api/v1/incidents/{case.pk}/").content.decode(), api.get(f"/api/v1/dispatch/incidents/{case.pk}/").content.decode()]
    for body in bodies:
        assert not _leaks(body), persona
    detail = api.get(f"/api/v1/incidents/{case.pk}/")
    if detail.status_code == 200:
        assert detail.json()["contact"] == "孙* 139****5678 s***@example.com"


def test_the_admin_shows_the_contact_masked(world, case, client, django_user_model):
    client.force_login(django_user_model.objects.create_superuser("root", "root@example.com", "x-very-long-password-1"))
    body = client.get(f"/admin/incidents/incident/{case.pk}/change/").content.decode()
    assert "139****5678" in body and not _leaks(body)


def test_the_dispatcher_reveals_it_with_a_reason_and_it_is_recorded(world, case, client, api_as):
    client.force_login(world.dispatcher)
    assert client.post(f"/dispatch/case/{case.pk}/contact/reveal/", {"reason": ""}).status_code == 400
    assert not ContactReveal.objects.exists()
    response = client.post(f"/dispatch/case/{case.pk}/contact/reveal/", {"reason": "回访来电人"})
    assert response.status_code == 200 and PHONE in response.content.decode() and response["Cache-Control"] == "no-store"
    api = api_as(world.dispatcher).post(f"/api/v1/dispatch/incidents/{case.pk}/contact/reveal/", {"reason": "回访来电人"}, format="json")
    assert api.status_code == 200 and api.json()["contact"] == f"{NAME} {PHONE} {EMAIL}"
    audits = list(ContactReveal.objects.order_by("at"))
    assert [(a.actor, a.incident_id, a.via) for a in audits] == [(world.dispatcher, case.pk, "web"), (world.dispatcher, case.pk, "api")]


@pytest.mark.parametrize("persona", ["grid_worker_a", "community_staff", "department_handler", "leader"])
def test_other_roles_cannot_reveal_it(persona, world, case, client, api_as):
    user = getattr(world, persona)
    client.force_login(user)
    page = client.post(f"/dispatch/case/{case.pk}/contact/reveal/", {"reason": "想看看"})
    api = api_as(user).post(f"/api/v1/dispatch/incidents/{case.pk}/contact/reveal/", {"reason": "想看看"}, format="json")
    assert page.status_code in (403, 404) and api.status_code in (403, 404)
    assert PHONE not in page.content.decode() + api.content.decode()
    assert not ContactReveal.objects.exists()
