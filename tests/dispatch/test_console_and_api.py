"""The console's queue, the case page, the department inbox and the API: scoped, and a conflict is
a clear 409 (API) or message (console), never a double dispatch."""

from __future__ import annotations

from datetime import timedelta

import time_machine
from django.test import Client
from django.utils import timezone

from dispatch import actions
from dispatch.models import Assignment
from incidents.models import Incident, Status

from .conftest import photo, shanghai
from incidents import actions as case_acts
from dispatch.kinds import CaseStatus


def browser_for(user) -> Client:
    client = Client()
    client.force_login(user)
    return client


def test_the_queue_shows_the_centres_cases_most_pressing_first_with_counts(world, hotline_case, api_as):
    with time_machine.travel(shanghai(2025, 3, 3, 9, 0), tick=False):
        old = hotline_case(code="C0102")  # normal: five working days
        urgent = hotline_case(code="C0101", registered=False)  # manhole: two urgent hours
    with time_machine.travel(shanghai(2025, 3, 3, 12, 0), tick=False):
        body = api_as(world.dispatcher).get("/api/v1/dispatch/queue/").json()
        ids = [row["id"] for row in body["results"]]
        assert ids.index(urgent.pk) < ids.index(old.pk)  # overdue first
        first = next(row for row in body["results"] if row["id"] == urgent.pk)
        assert first["light"] == "red" and first["stage"] == "register"
        assert body["counts"]["register"] >= 1 and body["counts"]["dispatch"] >= 1 and body["counts"]["red"] >= 1
        only = api_as(world.dispatcher).get("/api/v1/dispatch/queue/", {"stage": "dispatch", "category": "C01"}).json()
        assert [row["id"] for row in only["results"]] == [old.pk]
        assert (
            api_as(world.dispatcher)
            .get("/api/v1/dispatch/queue/", {"light": "green", "source": "hotline"})
            .json()["results"][0]["id"]
            == old.pk
        )
        street_2 = api_as(world.dispatcher).get("/api/v1/dispatch/queue/", {"street": world.street_2.code}).json()
        assert old.pk not in [row["id"] for row in street_2["results"]]
        assert api_as(world.dispatcher).get("/api/v1/dispatch/queue/", {"age": "1h"}).json()["results"] == []
    assert api_as(world.grid_worker_a).get("/api/v1/dispatch/queue/").status_code == 403


def test_two_dispatchers_posting_the_same_dispatch_one_gets_409_and_nothing_is_doubled(world, hotline_case, api_as):
    incident = hotline_case()
    payload = {"departments": [world.department.pk], "version": incident.version}
    first = api_as(world.dispatcher).post(f"/api/v1/dispatch/incidents/{incident.pk}/dispatch/", payload, format="json")
    second = api_as(world.dispatcher).post(f"/api/v1/dispatch/incidents/{incident.pk}/dispatch/", payload, format="json")
    assert first.status_code == 200 and first.json()["status"] == "dispatched"
    assert [d["department"]["code"] for d in first.json()["departments"]] == ["SZ"]
    assert second.status_code == 409
    assert second.json()["status"] == "dispatched" and second.json()["version"] == incident.version + 1
    assert Assignment.objects.filter(incident=incident).count() == 1


def test_the_incidents_action_endpoint_reaches_the_same_acts(world, hotline_case, api_as):
    incident = hotline_case()
    response = api_as(world.dispatcher).post(
        f"/api/v1/incidents/{incident.pk}/dispatch/", {"departments": "SZ,SW", "deadline": "2099-01-02T17:30"}, format="json"
    )
    assert response.status_code == 200, response.json()
    assert response.json()["status"] == "dispatched"
    assert Assignment.objects.filter(incident=incident).count() == 2
    bad = api_as(world.department_handler).post(f"/api/v1/incidents/{incident.pk}/return/", {"note": ""}, format="json")
    assert bad.status_code == 400 and "note" in bad.json()["errors"]


def test_a_department_sees_and_acts_only_on_what_was_dispatched_to_it(world, hotline_case, dispatched_case, api_as):
    mine = dispatched_case(departments=[world.department])
    other = dispatched_case(departments=[world.other_department])
    never = hotline_case()
    handler = api_as(world.department_handler)
    assert handler.get(f"/api/v1/dispatch/incidents/{mine.pk}/").status_code == 200
    for case in (other, never):
        assert handler.get(f"/api/v1/dispatch/incidents/{case.pk}/").status_code == 404
        assert handler.get(f"/api/v1/incidents/{case.pk}/").status_code == 404
        assert handler.post(f"/api/v1/dispatch/incidents/{case.pk}/accept/", {}, format="json").status_code == 404
        assert handler.post(f"/api/v1/incidents/{case.pk}/return/", {"note": "x"}, format="json").status_code == 404
    assert browser_for(world.department_handler).get(f"/dispatch/case/{other.pk}/").status_code == 404
    listed = handler.get("/api/v1/incidents/").json()["results"]
    assert {row["id"] for row in listed} == {mine.pk}
    inbox = handler.get("/api/v1/dispatch/inbox/").json()["results"]
    assert [row["incident"]["id"] for row in inbox] == [mine.pk]
    accepted = handler.post(f"/api/v1/dispatch/incidents/{mine.pk}/accept/", {}, format="json")
    assert accepted.status_code == 200 and accepted.json()["status"] == "in_progress"


def test_feedback_with_a_photo_goes_through_the_api_as_multipart(world, dispatched_case, api_as):
    incident = dispatched_case()
    response = api_as(world.department_handler).post(
        f"/api/v1/dispatch/incidents/{incident.pk}/feedback/", {"note": "已修复", "photos": [photo()]}, format="multipart"
    )
    assert response.status_code == 200, response.json()
    assert response.json()["status"] == "handled"
    assert [p["stage"] for p in response.json()["photos"]] == ["after"]


def test_the_console_and_case_pages_offer_the_acts_and_report_a_conflict_as_a_message(world, hotline_case):
    incident = hotline_case()
    client = browser_for(world.dispatcher)
    console = client.get("/dispatch/")
    assert console.status_code == 200 and b"console.js" in console.content
    queue = client.get("/dispatch/queue.json").json()
    assert incident.pk in [row["id"] for row in queue["results"]]
    page = client.get(f"/dispatch/case/{incident.pk}/")
    assert page.status_code == 200
    assert f"/dispatch/case/{incident.pk}/act/dispatch/".encode() in page.content
    stale_version = incident.version
    done = client.post(
        f"/dispatch/case/{incident.pk}/act/dispatch/",
        {"departments": [world.department.pk], "version": stale_version},
        follow=True,
    )
    assert Incident.objects.get(pk=incident.pk).status == CaseStatus.DISPATCHED
    assert any("派遣" in str(m) or "Dispatch" in str(m) for m in done.context["messages"])
    again = client.post(
        f"/dispatch/case/{incident.pk}/act/dispatch/",
        {"departments": [world.other_department.pk], "version": stale_version},
        follow=True,
    )
    texts = [str(m) for m in again.context["messages"]]
    assert any(str(incident.pk) in text for text in texts)  # "case #… has changed since you opened it"
    quick = client.post(
        f"/dispatch/case/{incident.pk}/act/dispatch/",
        {"departments": [world.department.pk], "version": stale_version},
        HTTP_ACCEPT="application/json",
    )
    assert quick.status_code == 409 and quick.json()["ok"] is False and quick.json()["version"] == stale_version + 1
    assert Assignment.objects.filter(incident=incident).count() == 1
    assert browser_for(world.grid_worker_a).get("/dispatch/").status_code == 403


def test_the_department_inbox_and_case_page_offer_accept_return_and_feedback(world, dispatched_case):
    incident = dispatched_case()
    client = browser_for(world.department_handler)
    inbox = client.get("/dispatch/inbox/")
    assert inbox.status_code == 200 and incident.number.encode() in inbox.content
    page = client.get(f"/dispatch/case/{incident.pk}/").content.decode()
    for action in ("accept", "return", "feedback"):
        assert f"/act/{action}/" in page
    assert "/act/dispatch/" not in page
    assert "/act/request_extension/" not in page  # more time only once accepted
    actions.accept(incident, actor=world.department_handler)
    incident.refresh_from_db()
    assert "/act/request_extension/" in client.get(f"/dispatch/case/{incident.pk}/").content.decode()
    client.post(f"/dispatch/case/{incident.pk}/act/return/", {"note": "不归我们", "version": incident.version})
    assert Assignment.objects.get(incident=incident).status == "returned"


def test_the_grid_worker_sees_the_checks_asked_of_them_and_answers_from_the_list(world, dispatched_case):
    incident = dispatched_case()
    actions.feedback(incident, actor=world.department_handler, photos=[photo()])
    actions.request_verification(incident, actor=world.dispatcher)
    client = browser_for(world.grid_worker_a)
    assert incident.number.encode() in client.get("/dispatch/checks/").content
    assert incident.number.encode() not in browser_for(world.grid_worker_b).get("/dispatch/checks/").content
    client.post(
        f"/dispatch/case/{incident.pk}/act/verify/", {"passed": "true", "version": incident.version, "next": "/dispatch/checks/"}
    )
    assert Incident.objects.get(pk=incident.pk).status == Status.VERIFIED


def test_home_cards_and_navigation_point_to_the_pages(world, dispatched_case):
    dispatched_case()
    home = browser_for(world.department_handler).get("/").content.decode()
    assert "/dispatch/inbox/" in home
    assert "/dispatch/" in browser_for(world.dispatcher).get("/").content.decode()


def test_the_case_page_renders_at_every_stage_for_the_centre_and_the_department(world, hotline_case):
    centre, department = browser_for(world.dispatcher), browser_for(world.department_handler)
    incident = hotline_case(registered=False)

    def pages(*expected):
        text = centre.get(f"/dispatch/case/{incident.pk}/").content.decode()
        for action in expected:
            assert f"/act/{action}/" in text, action
        if Assignment.objects.filter(incident=incident).exists():
            assert department.get(f"/dispatch/case/{incident.pk}/").status_code == 200

    pages("register", "reject")
    case_acts.register(incident, actor=world.dispatcher)
    pages("dispatch", "to_locality", "defer")
    actions.dispatch(incident, actor=world.dispatcher, departments=[world.department])
    with time_machine.travel(timezone.now() + timedelta(days=20), tick=False):  # the department is late
        pages("supervise")
    actions.accept(incident, actor=world.department_handler)
    actions.request_extension(
        incident, actor=world.department_handler, deadline=timezone.now() + timedelta(days=40), reason="等配件"
    )
    pages("approve_extension", "refuse_extension")
    actions.feedback(incident, actor=world.department_handler, photos=[photo()])
    pages("request_verification", "verify", "rework")
    case_acts.verify(incident, actor=world.dispatcher, passed=True)
    pages("close")
    case_acts.close(incident, actor=world.dispatcher)
    pages()
