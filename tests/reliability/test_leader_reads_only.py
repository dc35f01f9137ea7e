"""The leader role is read-only everywhere (issue 13): every route that takes a write, every
method it answers, and every act of the case machine on every channel, tried as the leader on
objects inside the leader's jurisdiction — nothing in the database changes, and nothing fails.

The routes come from the URL configuration (as in the permission matrix, whose objects and URL
arguments this test reuses), so a new write route is walked the moment it is routed.
"""
from __future__ import annotations

import pytest
from django.test import Client

from accounts.capabilities import ROLE_CAPABILITIES, Capability
from accounts.models import Role
from incidents.actions import machine
from incidents.errors import IncidentError
from incidents.models import Incident
from tests.conftest import api_client_for

from .dbwrites import writes
from .matrix_routes import ROUTES, _answers, _resolve_values, _url
from .test_permission_matrix import places  # noqa: F401 - places: fixture

# What a form or a JSON body of any write might carry: every field name the write routes read.
BODY = {
    "note": "领导批示", "reason": "查看", "field": "id_number", "category": "C0102", "lat": 39.9265, "lng": 116.4135,
    "description": "领导上报", "name": "领导", "ids": [], "original": "1", "assignee": "1", "departments": "1",
    "deadline": "2026-12-31", "passed": "true", "to_level": "grid", "visited_on": "2026-12-01", "notes": "走访",
    "tag": "1", "operation": "add", "status": "moved_out", "on_date": "2026-12-01", "points": [], "old_password": "x",
}
# The leader's own account and inbox are theirs to change: signing in and out, their password and
# tokens, the language, marking their own notifications read.
OWN = {"api-token", "api-token-refresh", "api-token-revoke", "api-password", "login", "logout", "password_change",
       "password_reset_confirm", "set_language", "notification-read", "incidents:notifications"}
WRITE_ROUTES = [route for route in ROUTES if _answers(route, {"POST", "PUT", "PATCH", "DELETE"}) and route.id not in OWN]


def test_the_leader_holds_no_capability_that_writes():
    writes = {Capability.REPORT_CASES, Capability.ADD_TO_CASES, Capability.TAKE_HOTLINE_CALLS, Capability.RUN_COMMAND_CENTRE,
              Capability.WORK_CELLS, Capability.HOLD_LEVEL_INBOX, Capability.WORK_DEPARTMENT_SHARES, Capability.EDIT_BOUNDARIES,
              Capability.IMPORT_RESIDENTS, Capability.RECORD_VISITS, Capability.REVEAL_PERSONAL_DATA,
              Capability.REVEAL_CALLER_CONTACT}
    assert not ROLE_CAPABILITIES[Role.LEADER] & writes


def _methods(route) -> list[str]:
    declared = route.methods()
    return ["POST"] if declared is None else [m for m in ("POST", "PUT", "PATCH", "DELETE") if m in declared]


@pytest.mark.parametrize("route", WRITE_ROUTES, ids=[r.id for r in WRITE_ROUTES])
def test_no_write_route_changes_anything_for_the_leader(route, places, settings):  # noqa: F811
    settings.MEDIA_ROOT = places.media_root
    leader = places.world.leader
    try:
        values, query = _resolve_values(route, places, "A", leader)
    except LookupError as exc:
        pytest.fail(str(exc))
    url = _url(route, values, query)
    page = Client(raise_request_exception=False)
    page.force_login(leader)
    api = api_client_for(leader)
    api.raise_request_exception = False
    problems = []
    for method in _methods(route):
        for client, body, kind in ((page, {k: v for k, v in BODY.items() if not isinstance(v, list)}, None), (api, BODY, "json")):
            call = getattr(client, method.lower())
            answer, changed = writes(lambda: call(url, body, format=kind) if kind else call(url, body))
            if answer.status_code >= 500:
                problems.append(f"{method} {url} → {answer.status_code}")
            if changed:
                problems.append(f"{method} {url} → {answer.status_code} wrote to {', '.join(changed)}")
    assert not problems, "\n".join(problems)


def test_every_act_of_the_case_machine_is_refused_to_the_leader_on_every_channel(places, settings):  # noqa: F811
    settings.MEDIA_ROOT = places.media_root
    leader = places.world.leader
    incident = places.get("incident", "A", leader)
    page = Client(raise_request_exception=False)
    page.force_login(leader)
    api = api_client_for(leader)
    channels = {
        "case API": lambda act: api.post(f"/api/v1/incidents/{incident.pk}/{act}/", BODY, format="json"),
        "case page": lambda act: page.post(f"/incidents/{incident.pk}/act/{act}/", {"note": "领导批示"}),
        "console API": lambda act: api.post(f"/api/v1/dispatch/incidents/{incident.pk}/{act}/", BODY, format="json"),
        "console": lambda act: page.post(f"/dispatch/case/{incident.pk}/act/{act}/", {"note": "领导批示"}),
    }
    runnable = sorted(name for name in machine.ACTS if machine.runnable(name))
    assert {"register", "verify", "close", "dispatch", "add_info"} <= set(runnable)
    problems = []
    for act in runnable:
        def direct():
            try:
                machine.run(act, Incident.objects.get(pk=incident.pk), actor=leader, data={"note": "领导批示"})
                problems.append(f"run({act!r}) as the leader did it")
            except IncidentError:
                pass

        _none, changed = writes(direct)
        if changed:
            problems.append(f"run({act!r}): wrote to {', '.join(changed)}")
        for name, post in channels.items():
            answer, changed = writes(lambda: post(act))
            if answer.status_code >= 500:
                problems.append(f"{name} {act} → {answer.status_code}")
            if changed:
                problems.append(f"{name} {act}: wrote to {', '.join(changed)}")
    assert not problems, "\n".join(problems)
