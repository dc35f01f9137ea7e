"""Overdue tasks climb the case machine's level chain; an ended emergency's personal data goes."""
from __future__ import annotations

import uuid
from datetime import timedelta

import pytest
from django.utils import timezone

from emergencies.actions.declaring import end_emergency
from emergencies.actions.outcomes import record_outcome
from emergencies.models import CellProgress, Task, TaskOutcome
from emergencies.tasks import anonymise, escalate_tasks

pytestmark = pytest.mark.django_db


def test_care_tasks_overdue_first_climb_one_level_and_a_second_sweep_does_nothing(scenario):
    after_care = (scenario.campaign.care_deadline + timedelta(minutes=1)).isoformat()
    assert escalate_tasks(now=after_care) == 1
    assert escalate_tasks(now=after_care) == 0
    care = Task.objects.get(household=scenario.care_household)
    assert (care.level, care.escalations) == ("community", 1)
    assert CellProgress.objects.get(campaign=scenario.campaign, cell=scenario.world.cell_a).overdue == 1


def test_every_overdue_open_task_escalates_but_a_done_one_does_not(scenario, settings):
    settings.GRIDGOV_EMERGENCY_ESCALATION_HOURS = 1
    world = scenario.world
    done = Task.objects.get(household=scenario.plain_household)
    record_outcome(actor=world.grid_worker_a, task_id=done.pk, outcome="done", client_id=uuid.uuid4())
    late = scenario.campaign.deadline + timedelta(minutes=1)
    assert escalate_tasks(now=late.isoformat()) == 2
    assert Task.objects.get(pk=done.pk).level == "grid"
    # One hour later (the setting) the next level's time is up too: street.
    assert escalate_tasks(now=(late + timedelta(hours=1, minutes=1)).isoformat()) == 2
    assert set(Task.objects.exclude(pk=done.pk).values_list("level", flat=True)) == {"street"}


def test_an_ended_emergency_is_anonymised_after_the_configured_days_only(scenario, settings):
    settings.GRIDGOV_EMERGENCY_ANONYMISE_AFTER_DAYS = 7
    world = scenario.world
    task = Task.objects.get(household=scenario.care_household)
    record_outcome(actor=world.grid_worker_a, task_id=task.pk, outcome="needs_help", client_id=uuid.uuid4(), note="需要透析")
    ended = timezone.now()
    end_emergency(actor=world.dispatcher, emergency=scenario.emergency, now=ended)
    assert anonymise(now=(ended + timedelta(days=6)).isoformat()) == []
    assert anonymise(now=(ended + timedelta(days=7, minutes=1)).isoformat()) == [scenario.emergency.pk]
    assert anonymise(now=(ended + timedelta(days=8)).isoformat()) == []
    task.refresh_from_db()
    assert (task.household_id, task.note, task.answers, task.outcome_by_id) == (None, "", {}, None)
    assert not TaskOutcome.objects.filter(task__campaign=scenario.campaign).exists()
    # The figures stay.
    assert CellProgress.objects.get(campaign=scenario.campaign, cell=world.cell_a).needs_help == 1


def test_no_outcome_after_the_end(scenario):
    from django.core.exceptions import ValidationError

    end_emergency(actor=scenario.world.dispatcher, emergency=scenario.emergency)
    task = Task.objects.get(household=scenario.care_household)
    with pytest.raises(ValidationError):
        record_outcome(actor=scenario.world.grid_worker_a, task_id=task.pk, outcome="done", client_id=uuid.uuid4())
