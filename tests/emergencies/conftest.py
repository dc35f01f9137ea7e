"""An emergency scenario in the test world: households in cell A (one with an elderly resident
living alone), cell A2 and cell B, and a volunteer of community 1."""
from __future__ import annotations

from dataclasses import dataclass
from datetime import timedelta

import pytest
from django.utils import timezone

from accounts.models import Role, User
from emergencies.actions.campaigns import issue_campaign
from emergencies.actions.declaring import declare_emergency
from emergencies.models import Campaign, Emergency, Measure, Unit
from residents import actions as residents
from residents.models import CareTag, Household
from tests.residents.conftest import make_household, make_person, valid_id


@dataclass
class Scenario:
    world: object
    emergency: Emergency
    campaign: Campaign
    care_household: Household
    plain_household: Household
    a2_household: Household
    b_household: Household
    volunteer: User


def build_scenario(world) -> Scenario:
    residents.ensure_default_care_tags()
    elderly = CareTag.objects.get(code="elderly_alone")
    care = make_household(world.cell_a)
    make_person(care, name="王奶奶", id_number=valid_id(sequence=12), tags=[elderly])
    plain = make_household(world.cell_a)
    make_person(plain, name="李四", id_number=valid_id(sequence=13))
    a2 = make_household(world.cell_a2)
    make_person(a2, name="赵五", id_number=valid_id(sequence=15))
    b = make_household(world.cell_b)
    make_person(b, name="孙六", id_number=valid_id(sequence=17))
    volunteer, _ = User.objects.get_or_create(username="volunteer_1", defaults={"role": Role.VOLUNTEER, "area": world.community_1})
    emergency = declare_emergency(
        actor=world.dispatcher, kind="epidemic", title="测试疫情", area=world.district,
        zones=[{"name": "一号封控区", "measure": Measure.LOCKDOWN, "areas": [world.community_1.code]},
               {"name": "二号防范区", "measure": Measure.PRECAUTION, "areas": [world.community_2.code]}],
    )
    now = timezone.now()
    campaign = issue_campaign(
        actor=world.dispatcher, zone=emergency.zones.get(name="一号封控区"), title="核酸检测通知", unit=Unit.HOUSEHOLD,
        deadline=now + timedelta(hours=6), care_deadline=now + timedelta(hours=2),
    )
    return Scenario(world, emergency, campaign, care, plain, a2, b, volunteer)


@pytest.fixture
def scenario(world) -> Scenario:
    return build_scenario(world)
