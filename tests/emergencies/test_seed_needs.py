"""manage.py seed_emergency also plays the needs of the day: verified volunteers of the demo
communities and needs in every state, one medical need overdue — once, however often it runs."""
from __future__ import annotations

import io

import pytest
from django.core.management import call_command
from django.utils import timezone

from accounts.models import GridAssignment, Role, User
from needs.models import Need, Volunteer, VolunteerStatus
from residents import actions as residents
from tests.residents.conftest import make_household, make_person, valid_id

pytestmark = pytest.mark.django_db


def test_the_demo_has_volunteers_and_needs_in_every_state(world):
    residents.ensure_default_care_tags()
    User.objects.create(username="community", role=Role.COMMUNITY, area=world.community_1)
    User.objects.create(username="street", role=Role.STREET, area=world.street_1)
    worker = User.objects.create(username="gridworker", role=Role.GRID_WORKER, area=world.community_1)
    GridAssignment.objects.create(user=worker, cell=world.cell_a2)
    for n in range(8):
        make_person(make_household(world.cell_a2), name=f"演示{n}", id_number=valid_id(sequence=51 + 2 * n))
    out = io.StringIO()
    call_command("seed_emergency", district=world.district.code, stdout=out)
    call_command("seed_emergency", district=world.district.code, stdout=out)
    from emergencies.demo_needs import VOLUNTEERS
    from needs.actions.volunteers import volunteer_phone_hashes

    hashes = [h for _name, phone, _skills, _index in VOLUNTEERS for h in volunteer_phone_hashes(phone)]
    volunteers = Volunteer.objects.filter(phone_hash__in=hashes)
    assert volunteers.count() == 3 and set(volunteers.values_list("status", flat=True)) == {VolunteerStatus.VERIFIED}
    assert all(v.user.is_active and v.user.area_id == v.community_id for v in volunteers)
    needs = Need.objects.filter(emergency__isnull=False)
    assert {"open", "claimed", "delivered", "confirmed"} <= set(needs.values_list("status", flat=True))
    overdue = needs.filter(status="open", deadline__lt=timezone.now())
    assert [(n.kind.code, n.kind.medical) for n in overdue] == [("medicine", True)]
    assert needs.filter(source="hotline").count() == 1
    count = needs.count()
    assert "Demo needs already present." in out.getvalue() and Need.objects.filter(emergency__isnull=False).count() == count
