"""The console's lights and its light filter, and each department share's light, turn yellow when
75 % of the time is used on the limit's own clock (office time for working hours and days)."""

from __future__ import annotations

import time_machine

from dispatch import actions
from dispatch.models import Assignment, ExtensionRequest
from dispatch.queries import share_light
from incidents import clock
from incidents.models import Category, Clock, Incident, TimeLimit

from .conftest import shanghai

QUEUE = "/api/v1/dispatch/queue/"
MONDAY_2PM = shanghai(2025, 3, 10, 14, 0)


def _filed(hotline_case, at, code: str = "C0102") -> Incident:
    with time_machine.travel(at, tick=False):
        return hotline_case(code=code)


def test_the_queues_yellow_filter_returns_exactly_the_cases_with_most_office_time_used(world, hotline_case, api_as):
    TimeLimit.objects.update_or_create(
        category=Category.objects.get(code="C0102"),
        level="district",
        condition="normal",
        defaults={"clock": Clock.WORKING_HOURS, "amount": 8},
    )
    clock.clear_cache()
    # 8 office hours each. At Monday 14:00:
    weekend = _filed(hotline_case, shanghai(2025, 3, 7, 16, 0))  # due Mon 17:00, yellow from 15:00: green
    nearly = _filed(hotline_case, shanghai(2025, 3, 7, 13, 30))  # due Mon 14:30, yellow from 11:00: yellow
    late = _filed(hotline_case, shanghai(2025, 3, 7, 9, 0))  # due Mon 10:00: red
    fresh = _filed(hotline_case, shanghai(2025, 3, 10, 9, 0))  # due Tue 10:00, yellow from Mon 16:30: green
    # A row from before warn_at existed: the wall-clock share, 4 h from 10:00, yellow from 13:00.
    legacy = _filed(hotline_case, shanghai(2025, 3, 10, 9, 0))
    Incident.objects.filter(pk=legacy.pk).update(
        warn_at=None, deadline_started_at=shanghai(2025, 3, 10, 10, 0), deadline=shanghai(2025, 3, 10, 14, 0)
    )
    ours = {weekend.pk, nearly.pk, late.pk, fresh.pk, legacy.pk}
    client = api_as(world.dispatcher)

    def listed(light: str | None = None) -> dict[int, str]:
        params = {"light": light} if light else {}
        with time_machine.travel(MONDAY_2PM, tick=False):
            rows = client.get(QUEUE, {**params, "category": "C0102"}).json()["results"]
        return {row["id"]: row["light"] for row in rows if row["id"] in ours}

    assert set(listed("yellow")) == {nearly.pk, legacy.pk}
    assert set(listed("green")) == {weekend.pk, fresh.pk}
    assert set(listed("red")) == {late.pk}
    assert listed() == {
        weekend.pk: "green", nearly.pk: "yellow", late.pk: "red", fresh.pk: "green", legacy.pk: "yellow",
    }
    # Most pressing first: red, then the yellow ones, then green.
    with time_machine.travel(MONDAY_2PM, tick=False):
        order = [row["id"] for row in client.get(QUEUE, {"category": "C0102"}).json()["results"] if row["id"] in ours]
    assert order[0] == late.pk and set(order[1:3]) == {nearly.pk, legacy.pk}


def test_each_department_share_turns_yellow_at_its_own_moment(world, hotline_case, api_as):
    # The lamp class's limit at the centre runs on working days; the centre chooses the deadline.
    assert clock.limit_for(Category.objects.get(code="C0102").pk, "district", "normal").clock == Clock.WORKING_DAYS
    friday = shanghai(2025, 3, 7, 16, 0)
    incident = _filed(hotline_case, shanghai(2025, 3, 7, 15, 0))
    actions.dispatch(
        incident,
        actor=world.dispatcher,
        departments=[world.department, world.other_department],
        deadline=shanghai(2025, 3, 10, 17, 30),
        now=friday,
    )
    ours = Assignment.objects.get(incident=incident, department=world.department)
    theirs = Assignment.objects.get(incident=incident, department=world.other_department)
    # Receipt day aside, Monday's 7 office hours are the time given: yellow after 5.25 of them.
    assert ours.warn_at == theirs.warn_at == shanghai(2025, 3, 10, 15, 45)
    incident.refresh_from_db()
    assert incident.warn_at == ours.warn_at

    # Our department asks for two more days, and gets them.
    actions.accept(incident, actor=world.department_handler, now=shanghai(2025, 3, 10, 9, 30))
    extension = actions.request_extension(
        incident,
        actor=world.department_handler,
        deadline=shanghai(2025, 3, 12, 17, 30),
        reason="等配件",
        now=shanghai(2025, 3, 10, 10, 0),
    )
    actions.decide_extension(extension, actor=world.dispatcher, approve=True, now=shanghai(2025, 3, 10, 11, 0))
    assert ExtensionRequest.objects.get(pk=extension.pk).status == "approved"
    ours.refresh_from_db()
    theirs.refresh_from_db()
    # Monday to Wednesday, 21 office hours: yellow after 15.75, Wednesday 10:45.
    assert (ours.deadline, ours.warn_at) == (shanghai(2025, 3, 12, 17, 30), shanghai(2025, 3, 12, 10, 45))
    assert theirs.warn_at == shanghai(2025, 3, 10, 15, 45)
    incident.refresh_from_db()
    assert (incident.deadline, incident.warn_at) == (ours.deadline, ours.warn_at)

    def lights(at):
        return share_light(ours, at), share_light(theirs, at)

    assert lights(shanghai(2025, 3, 10, 10, 0)) == ("green", "green")  # the wall clock: yellow since Sunday night
    assert lights(shanghai(2025, 3, 10, 16, 0)) == ("green", "yellow")
    assert lights(shanghai(2025, 3, 10, 17, 31)) == ("green", "red")
    assert lights(shanghai(2025, 3, 11, 16, 0)) == ("green", "red")
    assert lights(shanghai(2025, 3, 12, 11, 0)) == ("yellow", "red")
    assert lights(shanghai(2025, 3, 12, 17, 31)) == ("red", "red")

    # The department's inbox shows the same.
    with time_machine.travel(shanghai(2025, 3, 11, 16, 0), tick=False):
        rows = api_as(world.department_handler).get("/api/v1/dispatch/inbox/").json()["results"]
    assert [row["light"] for row in rows if row["incident"]["id"] == incident.pk] == ["green"]
