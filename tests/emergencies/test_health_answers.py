"""Health questions at the door (yes/no, sensitive under PIPL): asked only when the campaign says
so, seen per household only by grid workers and community staff, never by a volunteer, counted as
figures in the progress for everyone who reads it, and cleared by the anonymisation."""
from __future__ import annotations

import uuid
from datetime import timedelta

import pytest
from django.core.exceptions import ValidationError
from django.utils import timezone

from emergencies.actions.campaigns import issue_campaign
from emergencies.actions.declaring import end_emergency
from emergencies.actions.outcomes import hand_tasks, record_outcome
from emergencies.models import CellProgress, Task, TaskOutcome
from emergencies.queries import rollup
from emergencies.tasks import anonymise

pytestmark = pytest.mark.django_db


@pytest.fixture
def asked(scenario):
    now = timezone.now()
    campaign = issue_campaign(
        actor=scenario.world.dispatcher, zone=scenario.emergency.zones.get(name="一号封控区"), title="体温排查", unit="household",
        deadline=now + timedelta(hours=6), health_questions=["tested_today", "fever"],
    )
    return campaign


def _task(campaign, household):
    return Task.objects.get(campaign=campaign, household=household)


def test_a_campaign_keeps_only_known_questions_and_refuses_an_unknown_one(scenario, asked):
    assert asked.health_questions == ["fever", "tested_today"]  # the table's order
    with pytest.raises(ValidationError) as refused:
        issue_campaign(actor=scenario.world.dispatcher, zone=asked.zone, title="x", unit="household",
                       deadline=timezone.now() + timedelta(hours=1), health_questions=["blood_type"])
    assert "health_questions" in refused.value.message_dict and "blood_type" in str(refused.value)


def test_answers_are_stored_counted_as_figures_and_recounted_when_they_change(scenario, asked):
    world = scenario.world
    task = _task(asked, scenario.care_household)
    record_outcome(actor=world.grid_worker_a, task_id=task.pk, outcome="done", client_id=uuid.uuid4(),
                   answers={"fever": True, "tested_today": False})
    task.refresh_from_db()
    assert task.answers == {"fever": True, "tested_today": False}
    progress = CellProgress.objects.get(campaign=asked, cell=world.cell_a)
    assert (progress.fever, progress.tested_today, progress.symptoms) == (1, 0, 0)
    # The leader reads the figures, by community, with no household.
    (community,) = [row for row in rollup(world.leader, asked, "community") if row["code"] == world.community_1.code]
    assert community["fever"] == 1 and community["tested_today"] == 0
    record_outcome(actor=world.grid_worker_a, task_id=task.pk, outcome="done", client_id=uuid.uuid4(),
                   answers={"fever": False, "tested_today": True})
    progress.refresh_from_db()
    assert (progress.fever, progress.tested_today) == (0, 1)


def test_a_question_the_campaign_does_not_ask_or_a_non_boolean_is_refused_and_nothing_saved(scenario, asked):
    world = scenario.world
    task = _task(asked, scenario.care_household)
    for answers in ({"symptoms": True}, {"fever": "37.9"}, ["fever"]):
        with pytest.raises(ValidationError) as refused:
            record_outcome(actor=world.grid_worker_a, task_id=task.pk, outcome="done", client_id=uuid.uuid4(), answers=answers)
        assert "answers" in refused.value.message_dict
    with pytest.raises(ValidationError):
        record_outcome(actor=world.grid_worker_a, task_id=task.pk, outcome="nobody_home", client_id=uuid.uuid4(), answers={"fever": True})
    task.refresh_from_db()
    assert (task.outcome, task.answers) == ("pending", {})
    assert not TaskOutcome.objects.filter(task=task).exists()


def test_a_volunteer_neither_records_nor_sees_answers(scenario, asked, api_as):
    world = scenario.world
    task = _task(asked, scenario.plain_household)
    record_outcome(actor=world.grid_worker_a, task_id=task.pk, outcome="nobody_home", client_id=uuid.uuid4())
    Task.objects.filter(pk=task.pk).update(answers={"fever": True})  # as if answered before
    assert hand_tasks(actor=world.community_staff, task_ids=[task.pk], volunteer=scenario.volunteer) == 1
    volunteer = api_as(scenario.volunteer)
    refused = volunteer.post(f"/api/v1/emergencies/tasks/{task.pk}/outcome/",
                             {"outcome": "done", "client_id": str(uuid.uuid4()), "answers": {"fever": False}}, format="json")
    assert refused.status_code == 400 and "answers" in refused.json()["errors"]
    rows = volunteer.get("/api/v1/emergencies/tasks/").json()
    assert [row["id"] for row in rows] == [task.pk]
    assert "answers" not in rows[0] and "health_questions" not in rows[0] and "fever" not in str(rows)


def test_the_grid_worker_sees_her_households_answers_the_street_staff_only_figures(scenario, asked, api_as):
    world = scenario.world
    task = _task(asked, scenario.care_household)
    posted = api_as(world.grid_worker_a).post(f"/api/v1/emergencies/tasks/{task.pk}/outcome/",
                                              {"outcome": "done", "client_id": str(uuid.uuid4()), "answers": {"fever": True}}, format="json")
    assert posted.status_code == 201
    mine = {row["id"]: row for row in api_as(world.grid_worker_a).get("/api/v1/emergencies/tasks/").json()}
    assert mine[task.pk]["answers"] == {"fever": True} and mine[task.pk]["health_questions"] == ["fever", "tested_today"]
    street_rows = api_as(world.street_staff).get("/api/v1/emergencies/tasks/").json()
    assert street_rows and all("answers" not in row for row in street_rows)
    progress = api_as(world.street_staff).get(f"/api/v1/emergencies/campaigns/{asked.pk}/progress/?level=community").json()
    assert sum(area["fever"] for area in progress["areas"]) == 1
    assert "answers" not in str(progress)


def test_the_anonymisation_clears_the_answers_and_keeps_the_figures(scenario, asked, settings):
    settings.GRIDGOV_EMERGENCY_ANONYMISE_AFTER_DAYS = 7
    world = scenario.world
    task = _task(asked, scenario.care_household)
    record_outcome(actor=world.grid_worker_a, task_id=task.pk, outcome="done", client_id=uuid.uuid4(), answers={"fever": True})
    ended = timezone.now()
    end_emergency(actor=world.dispatcher, emergency=scenario.emergency, now=ended)
    assert anonymise(now=(ended + timedelta(days=7, minutes=1)).isoformat()) == [scenario.emergency.pk]
    task.refresh_from_db()
    assert task.answers == {} and task.household_id is None
    assert not Task.objects.filter(campaign=asked).exclude(answers={}).exists()
    assert CellProgress.objects.get(campaign=asked, cell=world.cell_a).fever == 1


def test_the_phone_form_and_the_outboxs_flat_fields_carry_the_answers(scenario, asked, client):
    world = scenario.world
    task = _task(asked, scenario.care_household)
    client.force_login(world.grid_worker_a)
    page = client.get("/emergencies/tasks/").content.decode()
    assert 'name="answer_fever"' in page and 'name="answer_tested_today"' in page and 'name="answer_symptoms"' not in page
    # Without JavaScript: the page's own form.
    client.post(f"/emergencies/tasks/{task.pk}/outcome/", {"outcome": "done", "answer_fever": "yes", "answer_tested_today": "no"})
    task.refresh_from_db()
    assert task.answers == {"fever": True, "tested_today": False}
    # The outbox: the same fields, flat, as JSON to the API.
    answer = client.post(f"/api/v1/emergencies/tasks/{task.pk}/outcome/",
                         {"outcome": "done", "client_id": str(uuid.uuid4()), "answer_fever": "no"}, content_type="application/json")
    assert answer.status_code == 201, answer.content
    task.refresh_from_db()
    assert task.answers == {"fever": False}
    refused = client.post(f"/api/v1/emergencies/tasks/{task.pk}/outcome/",
                          {"outcome": "done", "client_id": str(uuid.uuid4()), "answer_fever": "maybe"}, content_type="application/json")
    assert refused.status_code == 400 and "answers" in refused.content.decode()

