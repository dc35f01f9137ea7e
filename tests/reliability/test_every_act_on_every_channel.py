"""Every registered act, run by every persona through every channel that runs acts, has the same
outcome: done, refused with the same message, or 404 — no channel checks less than another.

The channels: the case API, the case page's form, the command-centre API and the console's
form (answering JSON). Each act is tried on a case in a few states of its life; a channel that
changed the case gets a fresh one before the next channel tries. The act names an original
case in another street (``link_duplicate``'s jurisdiction check used to live in two channels only).
"""
from __future__ import annotations

import pytest
from django.contrib.messages import get_messages
from django.test import Client
from django.utils import translation
from django.utils.translation import gettext as _

from dispatch import actions as dispatch_actions
from incidents import actions
from incidents.actions import machine
from incidents.models import Category, Incident
from tests.conftest import api_client_for
from tests.dispatch.conftest import inside

pytestmark = pytest.mark.django_db

PERSONAS = ["grid_worker_a", "grid_worker_b", "community_staff", "dispatcher", "department_handler", "leader"]


def _report(world, where, reporter, code: str = "E0103", **extra) -> Incident:
    # 道路不洁 starts at the grid (a minor matter) unless the hotline took it: the routing rules.
    incident, _created = actions.report_incident(
        reporter=reporter, category=Category.objects.get(code=code), location=inside(where), **extra
    )
    return incident


def _states(world):
    """name → function making a fresh case in that state."""
    def at_grid():
        return _report(world, world.cell_a, world.grid_worker_a)

    def at_centre():
        incident = _report(world, world.cell_a, world.dispatcher, source="hotline")
        actions.register(incident, actor=world.dispatcher)
        return incident

    def dispatched():
        incident = at_centre()
        dispatch_actions.dispatch(incident.__class__.objects.get(pk=incident.pk), actor=world.dispatcher,
                                  departments=[world.department])
        return incident

    def urgent_in_intake():
        return _report(world, world.cell_a, world.grid_worker_a, code="C0101", urgency="urgent")

    return {"reported at grid": at_grid, "registered at the centre": at_centre, "dispatched": dispatched,
            "urgent report in the centre's intake": urgent_in_intake}


def _outcome_api(answer, before: int, incident: Incident) -> tuple:
    if answer.status_code == 404:
        return ("not found",)
    if answer.status_code < 300:
        return ("done",)
    return ("refused", answer.json().get("detail"))


def _outcome_page(answer, before: int, incident: Incident) -> tuple:
    if answer.status_code == 404:
        return ("not found",)
    # The message this answer added is the last one (earlier ones may wait in the session).
    said = list(get_messages(answer.wsgi_request))[-1]
    if said.level_tag == "error":
        return ("refused", str(said))
    assert Incident.objects.get(pk=incident.pk).version > before
    return ("done",)


def _outcome_console(answer, before: int, incident: Incident) -> tuple:
    if answer.status_code == 404:
        return ("not found",)
    body = answer.json()
    return ("done",) if body.get("ok") else ("refused", body.get("detail"))


def _channels(user):
    api = api_client_for(user)
    page = Client()
    page.force_login(user)
    return [
        ("case API", lambda pk, act, data: api.post(f"/api/v1/incidents/{pk}/{act}/", data, format="json"), _outcome_api),
        ("case page", lambda pk, act, data: page.post(f"/incidents/{pk}/act/{act}/", data), _outcome_page),
        ("console API", lambda pk, act, data: api.post(f"/api/v1/dispatch/incidents/{pk}/{act}/", data, format="json"),
         _outcome_api),
        ("console", lambda pk, act, data: page.post(f"/dispatch/case/{pk}/act/{act}/", data, HTTP_ACCEPT="application/json"),
         _outcome_console),
    ]


def test_every_act_has_the_same_outcome_on_every_channel(world):
    elsewhere = _report(world, world.cell_b, world.grid_worker_b)  # another street: outside most jurisdictions
    runnable = sorted(name for name in machine.ACTS if machine.runnable(name))
    assert {"register", "dispatch", "correct_dispatch", "accept", "return", "link_duplicate", "add_info"} <= set(runnable)
    assert "auto_dispatch" not in runnable  # the routing rule's, after a registration: no channel runs it
    disagreements = []
    for state, make in _states(world).items():
        for persona in PERSONAS:
            user = getattr(world, persona)
            channels = _channels(user)
            incident = make()  # kept while nothing changes it: a refused act leaves it as it was
            for act in runnable:
                # departments: what dispatch and its correction (改派) name; the others ignore it.
                data = {"note": "对照理由", "original": str(elsewhere.pk), "departments": [str(world.other_department.pk)]}
                seen = {}
                for name, post, outcome in channels:
                    before = Incident.objects.get(pk=incident.pk).version
                    result = outcome(post(incident.pk, act, data), before, incident)
                    seen[name] = result
                    if result == ("done",):
                        incident = make()
                if len(set(seen.values())) != 1:
                    disagreements.append((state, persona, act, seen))
    assert not disagreements, "\n".join(map(str, disagreements))


def test_an_original_outside_the_jurisdiction_is_no_such_case_on_every_channel(world):
    elsewhere = _report(world, world.cell_b, world.grid_worker_b)
    for name, post, outcome in _channels(world.grid_worker_a):
        own = _report(world, world.cell_a, world.grid_worker_a)
        before = Incident.objects.get(pk=own.pk).version
        result = outcome(post(own.pk, "link_duplicate", {"original": str(elsewhere.pk)}), before, own)
        with translation.override("zh-hans"):
            assert result == ("refused", _("No such case in your jurisdiction.")), (name, result)
        assert elsewhere.timeline.count() == 1, name  # nothing written on the other street's case
        assert Incident.objects.get(pk=own.pk).version == before
