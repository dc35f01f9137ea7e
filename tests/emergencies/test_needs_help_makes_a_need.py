"""A door answering "needs help" puts a need on the needs' lists, once, tied to the emergency."""
from __future__ import annotations

import uuid

import pytest

from emergencies.actions.outcomes import record_outcome
from emergencies.models import Task
from needs.models import Need

pytestmark = pytest.mark.django_db


def test_needs_help_at_the_door_is_a_need_of_that_household_once(scenario):
    worker = scenario.world.grid_worker_a
    task = Task.objects.get(campaign=scenario.campaign, household=scenario.plain_household)
    client_id = uuid.uuid4()
    record_outcome(actor=worker, task_id=task.pk, outcome="needs_help", client_id=client_id, note="缺降压药")
    record_outcome(actor=worker, task_id=task.pk, outcome="needs_help", client_id=client_id, note="缺降压药")
    record_outcome(actor=worker, task_id=task.pk, outcome="needs_help", client_id=uuid.uuid4())
    need = Need.objects.get(household=scenario.plain_household)
    assert need.emergency_id == scenario.campaign.emergency_id
    assert need.source == "task" and need.kind.code == "other" and "缺降压药" in need.description
    assert need.status == "open"
