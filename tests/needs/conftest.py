"""Needs fixtures: households in cells A, A2 and B of the world, the kinds of need, and verified
volunteers of community 1 and community 2."""
from __future__ import annotations

from dataclasses import dataclass

import pytest

from accounts.models import Role, User
from needs.models import NeedKind, Volunteer, VolunteerStatus
from needs.seeds import ensure_kinds
from residents.models import Household
from tests.residents.conftest import make_household
from tests.world import PASSWORD


@dataclass
class Homes:
    in_a: Household  # cell A: grid_worker_a's
    in_a2: Household  # another cell of community 1
    in_b: Household  # cell B, community 2


def make_volunteer(username: str, community) -> User:
    """A verified volunteer of ``community`` (as needs.actions.verify_volunteer leaves him)."""
    user, created = User.objects.get_or_create(
        username=username, defaults={"role": Role.VOLUNTEER, "area": community, "first_name": username, "phone": "13900000000"}
    )
    if created:
        user.set_password(PASSWORD)
        user.save()
        Volunteer.objects.create(user=user, name=username, phone_masked="139****0000", community=community, status=VolunteerStatus.VERIFIED)
    return user


@pytest.fixture
def kinds(db) -> dict[str, NeedKind]:
    ensure_kinds()
    return {kind.code: kind for kind in NeedKind.objects.all()}


@pytest.fixture
def homes(world, kinds) -> Homes:
    return Homes(in_a=make_household(world.cell_a), in_a2=make_household(world.cell_a2), in_b=make_household(world.cell_b))


@pytest.fixture
def volunteer(world) -> User:
    return make_volunteer("volunteer_1", world.community_1)


@pytest.fixture
def other_volunteer(world) -> User:
    return make_volunteer("volunteer_1b", world.community_1)


@pytest.fixture
def far_volunteer(world) -> User:
    return make_volunteer("volunteer_2", world.community_2)
