"""Attacks on the health answers (sensitive under PIPL): writing them where one may not, reading
them through any emergency route one may reach."""
from __future__ import annotations

import uuid
from datetime import timedelta

import pytest
from django.utils import timezone

from emergencies.actions.campaigns import issue_campaign
from emergencies.actions.outcomes import record_outcome
from emergencies.models import Task
from tests.emergencies.conftest import build_scenario

pytestmark = pytest.mark.django_db


@pytest.fixture
def answered(world):
    scenario = build_scenario(world)
    campaign = issue_campaign(actor=world.dispatcher, zone=scenario.emergency.zones.get(name="一号封控区"), title="体温排查",
                              unit="household", deadline=timezone.now() + timedelta(hours=6), health_questions=["fever"])
    task = Task.objects.get(campaign=campaign, household=scenario.care_household)
    record_outcome(actor=world.grid_worker_a, task_id=task.pk, outcome="done", client_id=uuid.uuid4(), answers={"fever": True})
    return scenario, campaign, task


def test_answers_for_a_task_outside_ones_cells_are_refused_without_saying_more(world, answered, api_as):
    _, campaign, _ = answered
    other = Task.objects.get(campaign=campaign, cell=world.cell_a2)
    response = api_as(world.grid_worker_a).post(f"/api/v1/emergencies/tasks/{other.pk}/outcome/",
                                                {"outcome": "done", "client_id": str(uuid.uuid4()), "answers": {"fever": True}},
                                                format="json")
    assert response.status_code == 400 and "task" in response.json()["errors"]
    other.refresh_from_db()
    assert other.answers == {} and other.outcome == "pending"


@pytest.mark.parametrize("role", ["leader", "dispatcher", "street_staff", "volunteer"])
def test_no_emergency_route_shows_a_household_answer_to_roles_without_the_capability(world, answered, api_as, client, role):
    scenario, campaign, _ = answered
    user = scenario.volunteer if role == "volunteer" else getattr(world, role)
    api = api_as(user)
    client.force_login(user)
    bodies = [
        api.get("/api/v1/emergencies/tasks/").content,
        api.get(f"/api/v1/emergencies/campaigns/{campaign.pk}/progress/?level=grid").content,
        client.get(f"/emergencies/campaigns/{campaign.pk}/").content,
        client.get("/emergencies/tasks/").content,
    ]
    for body in bodies:
        assert b'"answers"' not in body and b"\"fever\": true" not in body
