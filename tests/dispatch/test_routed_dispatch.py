"""The routing rule dispatches at registration, the dispatcher corrects, a returning department
is not ticked again, and more time is asked only after acceptance."""
from __future__ import annotations

from datetime import timedelta

import pytest
from django.test import Client
from django.utils import translation

from dispatch import actions
from dispatch.kinds import CaseStatus, DispatchKind
from dispatch.queries import department_inbox
from dispatch.models import Assignment, AssignmentStatus, ExtensionRequest
from incidents import actions as case_acts
from incidents.errors import Forbidden, InvalidInput
from incidents.models import Category, Incident, Notification, Status
from incidents.timeline import entry_text

from .conftest import inside

pytestmark = pytest.mark.django_db


def _browser(user) -> Client:
    client = Client()
    client.force_login(user)
    return client


@pytest.fixture
def burst_main(world):
    """A grid worker's report of a burst water main (routed to the centre, dispatched automatically), owned by 水务."""
    category = Category.objects.get(code="E0402")
    actions.set_default_departments(category, [world.other_department])

    def _file():
        incident, _created = case_acts.report_incident(reporter=world.grid_worker_a, category=category, location=inside(world.cell_a))
        return incident

    return _file


def test_a_registered_case_of_an_automatic_class_goes_to_its_department_at_once(world, burst_main):
    incident = burst_main()
    assert (incident.level, incident.status) == ("district", Status.REPORTED)
    case_acts.register(incident, actor=world.dispatcher)
    incident.refresh_from_db()
    assert incident.status == CaseStatus.DISPATCHED
    share = Assignment.objects.get(incident=incident)
    assert (share.department, share.status, share.dispatched_by) == (world.other_department, AssignmentStatus.PENDING, None)
    entry = incident.timeline.order_by("-version").first()
    assert (entry.action, entry.actor, entry.version) == ("auto_dispatch", None, incident.version)
    with translation.override("zh-hans"):
        assert "水务" in entry_text(entry) and "自动" in entry_text(entry)
    with translation.override("en"):
        assert entry_text(entry).startswith("Dispatched automatically by the routing rule to 水务")
    assert Notification.objects.filter(user=world.other_department_handler, incident=incident, kind=DispatchKind.DISPATCHED).exists()


def test_an_automatic_class_without_a_department_waits_for_the_dispatcher(world, burst_main):
    actions.set_default_departments(Category.objects.get(code="E0402"), [])
    incident = burst_main()
    case_acts.register(incident, actor=world.dispatcher)
    incident.refresh_from_db()
    assert incident.status == Status.REGISTERED and not Assignment.objects.filter(incident=incident).exists()


def test_the_dispatcher_corrects_an_automatic_dispatch(world, burst_main):
    incident = burst_main()
    case_acts.register(incident, actor=world.dispatcher)
    incident.refresh_from_db()
    with pytest.raises(InvalidInput) as nothing:  # the same department again: nothing to withdraw
        actions.correct_dispatch(incident, actor=world.dispatcher, departments=[world.other_department])
    assert nothing.value.field == "departments"
    with pytest.raises(Forbidden):
        actions.correct_dispatch(incident, actor=world.other_department_handler, departments=[world.department])
    actions.correct_dispatch(incident, actor=world.dispatcher, departments=[world.department], note="塌陷归市政")
    incident.refresh_from_db()
    shares = dict(Assignment.objects.filter(incident=incident).values_list("department__code", "status"))
    assert shares == {"SW": AssignmentStatus.CANCELLED, "SZ": AssignmentStatus.PENDING}
    assert incident.status == CaseStatus.DISPATCHED
    entry = incident.timeline.order_by("-version").first()
    with translation.override("zh-hans"):
        text = entry_text(entry)
        assert "水务" in text and "市政" in text and text.endswith("塌陷归市政")
    with translation.override("en"):
        assert entry_text(entry).startswith("Dispatch corrected: withdrawn from 水务; now with 市政.")
    assert Notification.objects.filter(user=world.other_department_handler, incident=incident, kind=DispatchKind.WITHDRAWN).exists()
    assert Notification.objects.filter(user=world.department_handler, incident=incident, kind=DispatchKind.DISPATCHED).exists()
    # 水务 no longer sees it in its inbox; 市政 does.
    assert incident.pk not in [s.incident_id for s in department_inbox(world.other_department_handler)]
    assert incident.pk in [s.incident_id for s in department_inbox(world.department_handler)]


def test_a_correction_keeps_an_accepting_department_and_its_clock(world, dispatched_case):
    incident = dispatched_case(departments=[world.department, world.other_department])
    actions.accept(incident, actor=world.department_handler)
    incident.refresh_from_db()
    deadline = incident.deadline
    actions.correct_dispatch(incident, actor=world.dispatcher, departments=[world.department])
    incident.refresh_from_db()
    assert incident.status == Status.IN_PROGRESS and incident.deadline == deadline
    assert Assignment.objects.get(incident=incident, department=world.other_department).status == AssignmentStatus.CANCELLED


def test_a_department_that_returned_a_case_is_not_ticked_again_and_is_marked(world, dispatched_case):
    cover = Category.objects.get(code="C0101")
    actions.set_default_departments(cover, [world.department])
    incident = dispatched_case(code="C0101")
    actions.return_case(incident, actor=world.department_handler, reason="井盖属于水务公司")
    incident.refresh_from_db()
    assert incident.status == Status.REGISTERED
    page = _browser(world.dispatcher).get(f"/dispatch/case/{incident.pk}/")
    assert page.context["suggested"] == [] and page.context["returned_ids"] == {world.department.pk}
    html = page.content.decode()
    form = html.split('id="dispatch-form"')[1].split("</form>")[0]
    sz = form.split(f'value="{world.department.pk}"')[1].split("</label>")[0]
    assert "checked" not in sz.split(">")[0] and "退回过" in sz
    api = _browser(world.dispatcher).get(f"/api/v1/dispatch/incidents/{incident.pk}/").json()
    assert api["suggested_departments"] == [] and api["returned_departments"] == [world.department.pk]
    row = next(r for r in _browser(world.dispatcher).get("/dispatch/queue.json").json()["results"] if r["id"] == incident.pk)
    assert row["returned_departments"] == [world.department.pk] and row["number"] == incident.number


def test_more_time_is_asked_only_after_acceptance_on_every_channel(world, dispatched_case):
    incident = dispatched_case()
    with pytest.raises(Forbidden) as error:
        actions.request_extension(incident, actor=world.department_handler, deadline="2099-01-01", reason="等配件")
    with translation.override("zh-hans"):
        assert "签收" in str(error.value.message)
    body = {"deadline": "2099-01-01", "note": "等配件", "version": incident.version}
    page = _browser(world.department_handler).post(
        f"/dispatch/case/{incident.pk}/act/request_extension/", body, HTTP_ACCEPT="application/json"
    )
    assert page.status_code == 403 and not ExtensionRequest.objects.exists()
    actions.accept(incident, actor=world.department_handler)
    incident.refresh_from_db()
    later = (incident.deadline + timedelta(days=3)).isoformat()
    answer = _browser(world.department_handler).post(
        f"/dispatch/case/{incident.pk}/act/request_extension/", {**body, "deadline": later, "version": incident.version},
        HTTP_ACCEPT="application/json",
    )
    assert answer.json()["ok"] is True and ExtensionRequest.objects.filter(status="pending").count() == 1


def test_the_console_puts_urgent_intake_first_and_feels_a_new_report_at_once(world, hotline_case, burst_main):
    old = hotline_case(code="C0102")  # registered, normal
    client = _browser(world.dispatcher)
    before = client.get("/dispatch/intake.json").json()
    urgent = burst_main()  # urgent, waiting in the intake
    after = client.get("/dispatch/intake.json").json()
    assert after["intake"] == before["intake"] + 1 and after["stamp"] != before["stamp"]
    rows = client.get("/dispatch/queue.json").json()["results"]
    assert rows[0]["id"] == urgent.pk and rows[0]["urgent"] and rows[0]["label"] == urgent.number
    assert old.pk in [r["id"] for r in rows]
    assert [r["id"] for r in client.get("/dispatch/queue.json", {"q": urgent.number}).json()["results"]] == [urgent.pk]
    assert _browser(world.grid_worker_a).get("/dispatch/intake.json").status_code == 403
    # The console's JSON answer of "register" carries the new version, for the dispatch form.
    done = client.post(f"/dispatch/case/{old.pk}/act/defer/", {"note": "等", "version": old.version},
                       HTTP_ACCEPT="application/json").json()
    assert done["ok"] and done["version"] == old.version + 1
    assert Incident.objects.get(pk=old.pk).status == CaseStatus.DEFERRED
