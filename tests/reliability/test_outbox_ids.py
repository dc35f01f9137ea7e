"""The phone's client ids are the sender's own: somebody else's id never answers with (or hides)
their record, and a bad id or a fix time from year 0 or 9999 is a 400 naming the field."""
import uuid

import pytest

from incidents.models import Incident
from residents.models import Visit
from tests.incidents.conftest import inside
from tests.residents.conftest import make_household


def test_a_visit_id_another_worker_used_records_a_new_visit_and_reveals_nothing(world, api_as):
    mine = make_household(world.cell_a)
    theirs = make_household(world.cell_b)
    client_id = str(uuid.uuid4())
    first = api_as(world.grid_worker_a).post(f"/api/v1/residents/households/{mine.pk}/visits/",
                                             {"notes": "甲的走访", "client_id": client_id}, format="json")
    other = api_as(world.grid_worker_b).post(f"/api/v1/residents/households/{theirs.pk}/visits/",
                                             {"notes": "乙的走访", "client_id": client_id}, format="json")
    assert (first.status_code, other.status_code) == (201, 201)
    assert other.json()["id"] != first.json()["id"] and "甲" not in other.content.decode()
    assert Visit.objects.count() == 2


@pytest.mark.parametrize("value", ["not-a-uuid", "0000\x00", "x" * 5000])
def test_a_bad_visit_id_is_a_400_naming_it(world, api_as, value):
    household = make_household(world.cell_a)
    response = api_as(world.grid_worker_a).post(f"/api/v1/residents/households/{household.pk}/visits/",
                                                {"client_id": value}, format="json")
    assert response.status_code == 400 and "client_id" in response.json()["errors"]
    assert not Visit.objects.exists()


@pytest.mark.parametrize("located_at", ["0001-01-01T00:00:00+00:00", "9999-12-31T23:59:59+00:00", "2025-13-40T99:00:00Z"])
def test_a_fix_time_out_of_range_is_a_400_naming_it_and_nothing_is_filed(world, api_as, located_at):
    point = inside(world.cell_a)
    body = {"category": "E0101", "lat": point.y, "lng": point.x, "accuracy": 5, "located_at": located_at}
    response = api_as(world.grid_worker_a).post("/api/v1/incidents/", body, format="json")
    assert response.status_code == 400 and "located_at" in response.json()["errors"]
    assert not Incident.objects.exists()


@pytest.mark.parametrize("accuracy", [True, "nan", "1e400", -1])
def test_an_accuracy_that_is_not_a_distance_is_a_400(world, api_as, accuracy):
    point = inside(world.cell_a)
    body = {"category": "E0101", "lat": point.y, "lng": point.x, "accuracy": accuracy}
    response = api_as(world.grid_worker_a).post("/api/v1/incidents/", body, format="json")
    assert response.status_code == 400 and "accuracy" in response.json()["errors"]
