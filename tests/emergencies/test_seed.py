"""manage.py seed_emergency: the demo scenario, once, however often it runs."""
from __future__ import annotations

import io

import pytest
from django.conf import settings
from django.core.management import CommandError, call_command

from accounts.models import GridAssignment, Role, User
from emergencies.models import Emergency, Task, TaskOutcome
from residents import actions as residents
from tests.residents.conftest import make_household, make_person, valid_id

pytestmark = pytest.mark.django_db


def _demo_users(world):
    # The world's dispatcher is called "dispatcher" already, as in the demo.
    User.objects.create(username="community", role=Role.COMMUNITY, area=world.community_1)
    worker = User.objects.create(username="gridworker", role=Role.GRID_WORKER, area=world.community_1)
    GridAssignment.objects.create(user=worker, cell=world.cell_a2)


def test_the_demo_emergency_is_switched_on_once(world):
    residents.ensure_default_care_tags()
    _demo_users(world)
    for n in range(3):
        make_person(make_household(world.cell_a2), name=f"演示{n}", id_number=valid_id(sequence=31 + 2 * n))
    make_person(make_household(world.cell_a), name="无人网格", id_number=valid_id(sequence=41))
    out = io.StringIO()
    call_command("seed_emergency", district=world.district.code, stdout=out)
    call_command("seed_emergency", district=world.district.code, stdout=out)
    emergency = Emergency.objects.get()
    assert emergency.zones.count() == 2 and emergency.campaigns.count() == 1
    assert TaskOutcome.objects.count() == 3  # the demo worker's three tasks, each tapped once
    assert Task.objects.filter(assignee__username="volunteer").exists() is False  # every task here has a worker
    assert "already present" in out.getvalue()


def test_without_the_demo_district_it_says_what_to_run(db):
    with pytest.raises(CommandError, match="seed_demo"):
        call_command("seed_emergency", district="123456")


def test_the_demo_volunteer_is_the_districts_own_demo_account(world):
    from accounts.demo import demo_user
    from grids.models import Area

    residents.ensure_default_care_tags()
    _demo_users(world)
    # Another district's account holds the plain name: this district's volunteer gets its code.
    User.objects.create(username="volunteer", role=Role.VOLUNTEER, area=None)
    nobodys = Area.objects.current().filter(parent=world.community_1).exclude(pk__in=[world.cell_a.pk, world.cell_a2.pk]).first()
    make_person(make_household(nobodys), name="无人网格二", id_number=valid_id(sequence=43))
    make_person(make_household(world.cell_a2), name="演示九", id_number=valid_id(sequence=45))
    out = io.StringIO()
    call_command("seed_emergency", district=world.district.code, stdout=out)
    volunteer = demo_user(world.district, "volunteer")
    assert volunteer.username == f"volunteer_{world.district.code}" and volunteer.role == Role.VOLUNTEER
    assert volunteer.area == world.community_1 and volunteer.check_password(settings.GRIDGOV_DEMO_PASSWORD)
    handed = Task.objects.filter(assignee=volunteer)
    assert handed.count() == 1 and handed.get().cell_id == nobodys.pk  # the task no grid worker covers
    assert f"volunteer: {volunteer.username} /" in out.getvalue()
    assert not Task.objects.filter(assignee__username="volunteer").exists()
