"""A community's staff assigns cells only inside her community: another jurisdiction's cell or
worker in the request is refused as unknown, and nothing changes."""
from __future__ import annotations

import pytest

from accounts.actions import AssignmentRefused, cover_cells
from accounts.models import GridAssignment


def test_another_communitys_cell_in_the_body_is_refused(world):
    before = list(GridAssignment.objects.filter(cell=world.cell_b).values_list("user_id", "ended_at"))
    with pytest.raises(AssignmentRefused) as caught:
        cover_cells(world.community_staff, {world.cell_b.pk: world.grid_worker_a.pk})
    assert caught.value.field == "cells"
    assert list(GridAssignment.objects.filter(cell=world.cell_b).values_list("user_id", "ended_at")) == before


def test_another_communitys_worker_is_refused(world):
    with pytest.raises(AssignmentRefused) as caught:
        cover_cells(world.community_staff, {world.cell_a2.pk: world.grid_worker_b.pk})
    assert caught.value.field == "worker"


def test_a_leader_assigns_nothing(world):
    with pytest.raises(AssignmentRefused):
        cover_cells(world.leader, {world.cell_a2.pk: world.grid_worker_a.pk})
