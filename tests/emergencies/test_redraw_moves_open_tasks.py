"""A redraw published by the GIS administrator moves the open tasks of a running emergency with
their households: to the new cell, to the grid worker now covering it, the counters with them.
A task already done stays in the cell it was done in."""
from __future__ import annotations

import uuid

import pytest
from django.db.models import Sum

from accounts.models import GridAssignment
from emergencies.actions.outcomes import record_outcome
from emergencies.models import CellProgress, Task
from grids.actions import publish_draft, split_draft_cell, start_draft
from tests.grids.conftest import draft_cell_of
from tests.grids.test_publish_redraw import split_line

pytestmark = pytest.mark.django_db


def covering_worker(cell_id: int):
    first = GridAssignment.objects.filter(cell_id=cell_id, ended_at__isnull=True, user__is_active=True).order_by("started_at", "id").first()
    return first.user_id if first else None


def test_a_split_cell_sends_its_open_tasks_to_the_new_cell_and_its_worker_and_keeps_the_done_one(scenario):
    world = scenario.world
    old_cell = world.cell_a
    done = Task.objects.get(household=scenario.plain_household)
    record_outcome(actor=world.grid_worker_a, task_id=done.pk, outcome="done", client_id=uuid.uuid4())
    open_task = Task.objects.get(household=scenario.care_household)
    record_outcome(actor=world.grid_worker_a, task_id=open_task.pk, outcome="nobody_home", client_id=uuid.uuid4())

    draft = start_draft(community=world.community_1, actor=world.gis_admin)
    split_draft_cell(draft=draft, cell_id=draft_cell_of(draft, old_cell).id, line=split_line(old_cell), actor=world.gis_admin)
    result = publish_draft(draft=draft, actor=world.gis_admin, reason="新路把网格一分为二")

    open_task.refresh_from_db()
    done.refresh_from_db()
    scenario.care_household.refresh_from_db()
    new_cells = {area.pk for area in result.areas}
    # The open task went where its household went, to the worker covering that cell now.
    assert open_task.cell_id in new_cells and open_task.cell_id == scenario.care_household.cell_id
    assert open_task.worker_id == covering_worker(open_task.cell_id)
    assert open_task.worker_id is not None
    # The done task is the record of a visit in the old cell: it stays.
    assert done.cell_id == old_cell.pk
    # The counters moved with the task: each cell counts exactly the tasks it holds.
    for cell_id in {old_cell.pk, open_task.cell_id}:
        progress = CellProgress.objects.get(campaign=scenario.campaign, cell_id=cell_id)
        tasks = Task.objects.filter(campaign=scenario.campaign, cell_id=cell_id)
        assert progress.total == tasks.count()
        assert progress.care_total == tasks.filter(care=True).count()
        assert progress.nobody_home == tasks.filter(outcome="nobody_home").count()
    assert progress.worker_id == open_task.worker_id
    # Nothing lost: the campaign still counts every task, and its grid worker lists the moved one.
    assert CellProgress.objects.filter(campaign=scenario.campaign).aggregate(n=Sum("total"))["n"] == scenario.campaign.task_count
    worker = open_task.worker
    from emergencies.queries import worker_tasks

    assert worker_tasks(worker).filter(pk=open_task.pk).exists()


def test_the_impact_preview_counts_the_open_tasks(scenario):
    from grids.actions import impact_preview

    world = scenario.world
    draft = start_draft(community=world.community_1, actor=world.gis_admin)
    split_draft_cell(draft=draft, cell_id=draft_cell_of(draft, world.cell_a).id, line=split_line(world.cell_a), actor=world.gis_admin)
    summary = impact_preview(draft).as_dict()
    assert "emergency_tasks" in str(summary)
