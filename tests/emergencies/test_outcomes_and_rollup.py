"""Outcomes at the door: once per client id, counted live at every level; volunteers' batches."""
from __future__ import annotations

import uuid

import pytest
from django.core.exceptions import PermissionDenied, ValidationError

from emergencies import hooks
from emergencies.actions.outcomes import hand_tasks, record_outcome
from emergencies.models import CellProgress, Task
from emergencies.queries import care_not_reached, rollup, worker_tasks

pytestmark = pytest.mark.django_db


def _task(scenario, household):
    return Task.objects.get(campaign=scenario.campaign, household=household)


def test_an_outcome_replayed_with_its_client_id_is_counted_once(scenario):
    worker = scenario.world.grid_worker_a
    task = _task(scenario, scenario.care_household)
    client_id = uuid.uuid4()
    first = record_outcome(actor=worker, task_id=task.pk, outcome="done", client_id=client_id)
    again = record_outcome(actor=worker, task_id=task.pk, outcome="done", client_id=client_id)
    assert not first.replayed and again.replayed
    progress = CellProgress.objects.get(campaign=scenario.campaign, cell=scenario.world.cell_a)
    assert (progress.reached, progress.care_reached) == (1, 1)


def test_changing_an_outcome_moves_the_counters_not_adds(scenario):
    worker = scenario.world.grid_worker_a
    task = _task(scenario, scenario.plain_household)
    record_outcome(actor=worker, task_id=task.pk, outcome="nobody_home", client_id=uuid.uuid4())
    progress = CellProgress.objects.get(campaign=scenario.campaign, cell=scenario.world.cell_a)
    assert (progress.reached, progress.nobody_home) == (0, 1)
    record_outcome(actor=worker, task_id=task.pk, outcome="refused", client_id=uuid.uuid4())
    progress.refresh_from_db()
    assert (progress.reached, progress.nobody_home) == (1, 0)


def test_a_grid_worker_cannot_record_outside_her_cells(scenario):
    task = _task(scenario, scenario.a2_household)
    with pytest.raises(ValidationError):
        record_outcome(actor=scenario.world.grid_worker_a, task_id=task.pk, outcome="done", client_id=uuid.uuid4())
    with pytest.raises(ValidationError):
        record_outcome(actor=scenario.world.grid_worker_b, task_id=task.pk, outcome="done", client_id=uuid.uuid4())


def test_a_client_id_cannot_be_reused_for_another_task(scenario):
    worker, client_id = scenario.world.grid_worker_a, uuid.uuid4()
    record_outcome(actor=worker, task_id=_task(scenario, scenario.care_household).pk, outcome="done", client_id=client_id)
    with pytest.raises(ValidationError) as refused:
        record_outcome(actor=worker, task_id=_task(scenario, scenario.plain_household).pk, outcome="done", client_id=client_id)
    assert "client_id" in refused.value.message_dict


def test_needs_help_calls_the_registered_hook_once(scenario, monkeypatch):
    calls = []
    monkeypatch.setattr(hooks, "_needs_help_handlers", [lambda **kw: calls.append(kw)])
    task = _task(scenario, scenario.care_household)
    record_outcome(actor=scenario.world.grid_worker_a, task_id=task.pk, outcome="needs_help", client_id=uuid.uuid4(), note="缺药")
    record_outcome(actor=scenario.world.grid_worker_a, task_id=task.pk, outcome="needs_help", client_id=uuid.uuid4())
    assert len(calls) == 1 and calls[0]["task"].pk == task.pk and calls[0]["note"] == "缺药"
    task.refresh_from_db()
    assert task.outcome == "needs_help" and task.note == "缺药"


def test_the_rollup_sums_cells_into_communities_streets_and_the_district(scenario):
    world = scenario.world
    record_outcome(actor=world.grid_worker_a, task_id=_task(scenario, scenario.care_household).pk, outcome="done", client_id=uuid.uuid4())
    [district] = rollup(world.dispatcher, scenario.campaign, "district")
    assert (district["total"], district["reached"], district["care_reached"]) == (3, 1, 1)
    [community] = rollup(world.community_staff, scenario.campaign, "community")
    assert community["code"] == world.community_1.code and community["total"] == 3
    cells = {row["code"]: row for row in rollup(world.dispatcher, scenario.campaign, "grid")}
    assert cells[world.cell_a.code]["reached"] == 1 and cells[world.cell_a2.code]["reached"] == 0
    # A grid worker sees her cells only.
    assert [row["code"] for row in rollup(world.grid_worker_a, scenario.campaign, "grid")] == [world.cell_a.code]


def test_care_tagged_not_reached_is_named_to_staff_and_masked_to_leaders(scenario):
    world = scenario.world
    [named] = care_not_reached(world.community_staff, scenario.campaign)
    assert named["name"] == "王奶奶"
    [masked] = care_not_reached(world.leader, scenario.campaign)
    assert masked["name"] != "王奶奶" and masked["name"].startswith("王")


def test_a_volunteer_sees_and_records_only_the_tasks_handed_to_him(scenario):
    world, volunteer = scenario.world, scenario.volunteer
    a2 = _task(scenario, scenario.a2_household)
    assert list(worker_tasks(volunteer)) == []
    assert hand_tasks(actor=world.community_staff, task_ids=[a2.pk], volunteer=volunteer) == 1
    assert [t.pk for t in worker_tasks(volunteer)] == [a2.pk]
    record_outcome(actor=volunteer, task_id=a2.pk, outcome="done", client_id=uuid.uuid4())
    with pytest.raises(ValidationError):
        record_outcome(actor=volunteer, task_id=_task(scenario, scenario.plain_household).pk, outcome="done", client_id=uuid.uuid4())


def test_tasks_go_only_to_a_volunteer_of_the_staffs_jurisdiction(scenario):
    world = scenario.world
    task = _task(scenario, scenario.a2_household)
    with pytest.raises(ValidationError):
        hand_tasks(actor=world.community_staff, task_ids=[task.pk], volunteer=world.grid_worker_a)
    with pytest.raises(PermissionDenied):
        hand_tasks(actor=world.grid_worker_a, task_ids=[task.pk], volunteer=scenario.volunteer)


def test_the_phone_list_is_care_first_then_walking_order(scenario):
    tasks = list(worker_tasks(scenario.world.grid_worker_a))
    assert [t.household_id for t in tasks][0] == scenario.care_household.pk
    assert {t.household_id for t in tasks} == {scenario.care_household.pk, scenario.plain_household.pk}


def test_the_load_per_grid_worker_and_volunteer(scenario):
    world = scenario.world
    record_outcome(actor=world.grid_worker_a, task_id=_task(scenario, scenario.care_household).pk, outcome="done", client_id=uuid.uuid4())
    hand_tasks(actor=world.community_staff, task_ids=[_task(scenario, scenario.a2_household).pk], volunteer=scenario.volunteer)
    from emergencies.queries import load

    rows = load(world.community_staff, scenario.campaign)
    assert {"worker": world.grid_worker_a.username, "volunteer": "", "open": 1, "total": 2} in rows
    assert {"worker": "", "volunteer": scenario.volunteer.username, "open": 1, "total": 1} in rows
