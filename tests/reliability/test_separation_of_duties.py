"""Separation of duties (issue 13): whoever reported a case, or handled it (or the department of a
handler), does not also verify and close it — unless it is a minor matter held at grid level,
which the grid worker settles alone. One rule (``incidents.rules.duty_conflict``), asked by the
case machine's ``check()``: every channel refuses the same way, and the pages do not offer it.
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
from incidents.errors import Forbidden
from incidents.models import Category, Incident, RoutingRule, Status
from incidents.rules import duty_conflict
from tests.conftest import api_client_for
from tests.dispatch.conftest import inside, photo

pytestmark = pytest.mark.django_db


def _report(world, reporter, code="C0102", **extra) -> Incident:
    # A broken street light (not a minor matter) held at grid level: an administrator's routing
    # rule keeps it there (the default rules send it to the command centre).
    RoutingRule.objects.update_or_create(category=Category.objects.get(code="C0102"), condition="normal",
                                         defaults={"start_level": "grid", "auto_dispatch": False})
    incident, _created = actions.report_incident(
        reporter=reporter, category=Category.objects.get(code=code), location=inside(world.cell_a), **extra)
    return incident


def _handled(world, reporter, code="C0102") -> Incident:
    """A case of cell A, registered and handled by grid worker A, waiting for its check."""
    incident = _report(world, reporter, code)
    actions.register(incident, actor=world.grid_worker_a)
    actions.handle(Incident.objects.get(pk=incident.pk), actor=world.grid_worker_a, photos=[photo()])
    return Incident.objects.get(pk=incident.pk)


def _refused_everywhere(user, incident: Incident, act: str, message: str) -> None:
    """The API, the case page and a direct call (as a Celery task makes) all refuse, with the same words."""
    before = Incident.objects.get(pk=incident.pk).version
    with translation.override("zh-hans"):
        expected = _(message) % {"id": incident.pk}
        api = api_client_for(user).post(f"/api/v1/incidents/{incident.pk}/{act}/", {"note": "现场核查"}, format="json",
                                        HTTP_ACCEPT_LANGUAGE="zh-hans")
        assert api.status_code == 403 and api.json()["detail"] == expected, api.content
        page = Client()
        page.force_login(user)
        answer = page.post(f"/incidents/{incident.pk}/act/{act}/", {"note": "现场核查"})
        said = list(get_messages(answer.wsgi_request))[-1]
        assert said.level_tag == "error" and str(said) == expected
        with pytest.raises(Forbidden) as direct:
            machine.run(act, Incident.objects.get(pk=incident.pk), actor=user, data={"note": "现场核查"})
        assert direct.value.message == expected
    assert Incident.objects.get(pk=incident.pk).version == before
    assert act not in {a.name for a in machine.allowed_acts(user, Incident.objects.get(pk=incident.pk))}


REPORTED = "You reported case #%(id)s, so somebody else must verify and close it."
HANDLED = "You handled case #%(id)s, so somebody else must verify and close it."
DEPARTMENT = "Your department handled case #%(id)s, so somebody else must verify and close it."


def test_the_reporter_does_not_verify_or_close_their_own_case(world):
    incident = _handled(world, world.grid_worker_a)
    _refused_everywhere(world.grid_worker_a, incident, "verify", REPORTED)
    actions.verify(incident, actor=world.dispatcher, passed=True)  # another pair of eyes
    _refused_everywhere(world.grid_worker_a, Incident.objects.get(pk=incident.pk), "close", REPORTED)
    actions.close(Incident.objects.get(pk=incident.pk), actor=world.dispatcher)
    assert Incident.objects.get(pk=incident.pk).status == Status.CLOSED


def test_the_handler_does_not_verify_the_work_they_reported_as_handled(world):
    incident = _handled(world, world.community_staff)  # reported by somebody else
    _refused_everywhere(world.grid_worker_a, incident, "verify", HANDLED)
    actions.verify(incident, actor=world.dispatcher, passed=True)
    assert Incident.objects.get(pk=incident.pk).status == Status.VERIFIED


def test_nobody_of_the_department_that_handled_it_verifies_or_closes_it(world, django_user_model):
    incident = _report(world, world.dispatcher, source="hotline")
    actions.register(incident, actor=world.dispatcher)
    dispatch_actions.dispatch(Incident.objects.get(pk=incident.pk), actor=world.dispatcher, departments=[world.department])
    dispatch_actions.accept(Incident.objects.get(pk=incident.pk), actor=world.department_handler)
    dispatch_actions.feedback(Incident.objects.get(pk=incident.pk), actor=world.department_handler, note="已修复", photos=[photo()])
    incident = Incident.objects.get(pk=incident.pk)
    assert incident.status == Status.HANDLED
    # A colleague of the handler who also holds the command centre's powers (a superuser of that department).
    colleague = django_user_model.objects.create_superuser("colleague", "c@example.com", "x-very-long-password-1",
                                                           department=world.department)
    with translation.override("zh-hans"):
        assert duty_conflict(colleague, incident, "verify") == _(DEPARTMENT) % {"id": incident.pk}
    _refused_everywhere(colleague, incident, "verify", DEPARTMENT)
    # The call-taker who filed the 12345 call is not its reporter (the caller is): the centre checks and closes.
    actions.verify(incident, actor=world.dispatcher, passed=True)
    actions.close(Incident.objects.get(pk=incident.pk), actor=world.dispatcher)
    assert Incident.objects.get(pk=incident.pk).status == Status.CLOSED


def test_a_minor_matter_at_grid_level_is_settled_by_its_grid_worker_alone(world):
    incident = _handled(world, world.grid_worker_a, code="E0103")  # 道路不洁: a minor matter
    assert incident.level == "grid"
    actions.verify(incident, actor=world.grid_worker_a, passed=True)
    actions.close(Incident.objects.get(pk=incident.pk), actor=world.grid_worker_a)
    assert Incident.objects.get(pk=incident.pk).status == Status.CLOSED


def test_the_rule_is_configured_in_one_setting(world, settings):
    settings.GRIDGOV_SEPARATION_OF_DUTIES = {"acts": ()}
    incident = _handled(world, world.grid_worker_a)
    actions.verify(incident, actor=world.grid_worker_a, passed=True)
    assert Incident.objects.get(pk=incident.pk).status == Status.VERIFIED
    settings.GRIDGOV_SEPARATION_OF_DUTIES = {"acts": ("verify", "close"), "minor_at_grid_exempt": False}
    minor = _handled(world, world.grid_worker_a, code="E0103")
    with pytest.raises(Forbidden):
        actions.verify(minor, actor=world.grid_worker_a, passed=True)
