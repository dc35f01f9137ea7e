"""Declaring an emergency with zones, counting who lives in them, and issuing a campaign as tasks."""
from __future__ import annotations

from datetime import timedelta

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.utils import timezone
from shapely.geometry import mapping

from emergencies.actions.campaigns import issue_campaign
from emergencies.actions.declaring import declare_emergency, end_emergency
from emergencies.models import CellProgress, Task, Unit
from emergencies.queries import zone_counts

pytestmark = pytest.mark.django_db


def test_a_zone_counts_its_households_residents_and_care_tagged_residents(scenario):
    lockdown = scenario.emergency.zones.get(name="一号封控区")
    assert zone_counts(lockdown) == {"households": 3, "residents": 3, "care_residents": 1}
    assert zone_counts(scenario.emergency.zones.get(name="二号防范区"))["households"] >= 1


def test_a_household_campaign_is_one_task_per_household_for_the_covering_grid_worker(scenario):
    world = scenario.world
    tasks = Task.objects.filter(campaign=scenario.campaign)
    assert scenario.campaign.task_count == tasks.count() == 3
    in_a = tasks.filter(cell=world.cell_a)
    assert set(in_a.values_list("worker", flat=True)) == {world.grid_worker_a.pk}
    # Cell A2 has no grid worker: its task waits for the community (no worker).
    assert tasks.get(household=scenario.a2_household).worker is None
    assert not tasks.filter(household=scenario.b_household).exists()


def test_care_tagged_households_are_due_first(scenario):
    care = Task.objects.get(household=scenario.care_household)
    plain = Task.objects.get(household=scenario.plain_household)
    assert care.care and not plain.care
    assert care.deadline == scenario.campaign.care_deadline < plain.deadline == scenario.campaign.deadline


def test_the_counters_start_with_every_task_per_cell(scenario):
    progress = CellProgress.objects.get(campaign=scenario.campaign, cell=scenario.world.cell_a)
    assert (progress.total, progress.care_total, progress.reached) == (2, 1, 0)


def test_per_person_and_per_building_campaigns(scenario):
    zone = scenario.emergency.zones.get(name="一号封控区")
    deadline = timezone.now() + timedelta(hours=3)
    people = issue_campaign(actor=scenario.world.dispatcher, zone=zone, title="体温", unit=Unit.PERSON, deadline=deadline)
    buildings = issue_campaign(actor=scenario.world.dispatcher, zone=zone, title="消杀", unit=Unit.BUILDING, deadline=deadline)
    assert people.task_count == 3 and Task.objects.filter(campaign=people, person__isnull=False).count() == 3
    assert buildings.task_count == 3  # each test household stands in a building of its own


def test_community_staff_issue_only_for_their_own_jurisdiction(scenario):
    world = scenario.world
    zone = scenario.emergency.zones.get(name="一号封控区")
    campaign = issue_campaign(actor=world.community_staff, zone=zone, title="社区通知", unit=Unit.HOUSEHOLD,
                              deadline=timezone.now() + timedelta(hours=3))
    assert campaign.task_count == 3
    with pytest.raises(ValidationError):
        issue_campaign(actor=world.community_staff, zone=scenario.emergency.zones.get(name="二号防范区"), title="越权",
                       unit=Unit.HOUSEHOLD, deadline=timezone.now() + timedelta(hours=3))


def test_a_drawn_polygon_is_clipped_to_the_area_and_counts_what_it_covers(scenario):
    world = scenario.world
    shape = world.cell_a.boundary.buffer(0.00001)
    from shapely import wkt
    polygon = mapping(wkt.loads(shape.wkt))
    emergency = declare_emergency(actor=world.dispatcher, kind="flood", title="积水", area=world.district,
                                  zones=[{"name": "积水点", "measure": "controlled", "geometry": polygon}])
    assert zone_counts(emergency.zones.get())["households"] == 2


@pytest.mark.parametrize("zones, field", [
    ([], "zones"),
    ([{"name": "x", "measure": "martial_law", "areas": ["x"]}], "zones[0]"),
    ([{"name": "x", "measure": "lockdown"}], "zones[0]"),
    ([{"name": "x", "measure": "lockdown", "geometry": {"type": "Point", "coordinates": [116.7, 39.6]}}], "zones[0]"),
    ([{"name": "x", "measure": "lockdown", "areas": ["990102000000"]}], "zones[0]"),
])
def test_bad_zones_are_refused_naming_the_zone_and_nothing_is_saved(world, zones, field):
    from emergencies.models import Emergency

    with pytest.raises(ValidationError) as refused:
        declare_emergency(actor=world.dispatcher, kind="epidemic", title="t", area=world.district, zones=zones)
    assert field in refused.value.message_dict
    assert not Emergency.objects.exists()


def test_only_the_command_centre_declares(world):
    with pytest.raises(PermissionDenied):
        declare_emergency(actor=world.community_staff, kind="epidemic", title="t", area=world.community_1,
                          zones=[{"name": "x", "measure": "lockdown", "areas": [world.cell_a.code]}])


def test_an_ended_emergency_takes_no_new_campaign(scenario):
    world = scenario.world
    assert end_emergency(actor=world.dispatcher, emergency=scenario.emergency)
    assert not end_emergency(actor=world.dispatcher, emergency=scenario.emergency)
    with pytest.raises(ValidationError):
        issue_campaign(actor=world.dispatcher, zone=scenario.emergency.zones.first(), title="晚了", unit=Unit.HOUSEHOLD,
                       deadline=timezone.now() + timedelta(hours=1))
