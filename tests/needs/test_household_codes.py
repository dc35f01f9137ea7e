"""The code a grid worker gives a household opens its need page: stored hashed, one live code a
household, revocable, and only for the grid worker of its cell."""
from __future__ import annotations

import pytest

from incidents.errors import Forbidden
from needs import actions
from needs.actions.codes import household_for
from needs.models import HouseholdCode


def test_a_code_opens_its_household_until_it_is_revoked_or_replaced(world, homes):
    code = actions.issue_code(household=homes.in_a, actor=world.grid_worker_a)
    dwelling = homes.in_a.dwelling_id
    assert household_for(dwelling, code) == homes.in_a
    assert household_for(dwelling, code.lower().replace("-", " ")) == homes.in_a  # read aloud, typed loosely
    assert household_for(homes.in_a2.dwelling_id, code) is None  # another dwelling
    assert not HouseholdCode.objects.filter(code_hash__contains=code.replace("-", "")).exists()  # never in clear
    newer = actions.issue_code(household=homes.in_a, actor=world.grid_worker_a)
    assert household_for(dwelling, code) is None and household_for(dwelling, newer) == homes.in_a
    actions.revoke_code(household=homes.in_a, actor=world.grid_worker_a)
    assert household_for(dwelling, newer) is None


def test_only_the_cells_grid_worker_or_staff_above_issue_codes(world, homes):
    with pytest.raises(Forbidden):
        actions.issue_code(household=homes.in_a2, actor=world.grid_worker_a)
    with pytest.raises(Forbidden):
        actions.issue_code(household=homes.in_a, actor=world.leader)
    assert actions.issue_code(household=homes.in_a, actor=world.community_staff)
