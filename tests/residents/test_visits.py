"""Grid workers record household visits in a few taps and see whom they have not visited for 30 days."""
import datetime as dt
import uuid

import time_machine
from django.utils import timezone

from residents import actions
from residents.models import ChangeHistory, Visit
from residents.queries import due_for_visit

from .conftest import make_household, make_person, valid_id


def test_a_grid_worker_records_a_visit_from_the_household_page(people, world, client):
    client.force_login(world.grid_worker_a)
    household = people.in_a.household
    page = client.get(f"/residents/households/{household.pk}/")
    assert "记录走访" in page.content.decode()
    response = client.post(f"/residents/households/{household.pk}/visit/", {
        "visited_on": timezone.localdate().isoformat(), "notes": "老人身体不错", "follow_up_needed": "on",
    })
    assert response.status_code == 302
    visit = Visit.objects.get()
    assert (visit.household, visit.worker, visit.follow_up_needed, visit.notes) == (household, world.grid_worker_a, True, "老人身体不错")
    assert ChangeHistory.objects.filter(action="visit", household=household).exists()
    assert "老人身体不错" in client.get(f"/residents/households/{household.pk}/").content.decode()


def test_a_visit_in_the_future_is_refused(people, world, client):
    client.force_login(world.grid_worker_a)
    tomorrow = timezone.localdate() + dt.timedelta(days=1)
    client.post(f"/residents/households/{people.in_a.household_id}/visit/", {"visited_on": tomorrow.isoformat()})
    assert not Visit.objects.exists()


def test_tagged_residents_not_visited_for_30_days_are_due(people, world):
    untagged = make_person(make_household(world.cell_a), name="未标记", id_number=valid_id(sequence=61))
    with time_machine.travel(dt.datetime(2025, 3, 1, 9, tzinfo=dt.timezone(dt.timedelta(hours=8))), tick=False):
        assert list(due_for_visit(world.grid_worker_a)) == [people.in_a]  # never visited; untagged and other cells left out
        actions.record_visit(actor=world.grid_worker_a, household=people.in_a.household)
        assert list(due_for_visit(world.grid_worker_a)) == []
    with time_machine.travel(dt.datetime(2025, 3, 31, 9, tzinfo=dt.timezone(dt.timedelta(hours=8))), tick=False):
        assert list(due_for_visit(world.grid_worker_a)) == []  # 30 days: still fine
    with time_machine.travel(dt.datetime(2025, 4, 1, 9, tzinfo=dt.timezone(dt.timedelta(hours=8))), tick=False):
        assert list(due_for_visit(world.grid_worker_a)) == [people.in_a]
    assert untagged not in due_for_visit(world.grid_worker_a)


def test_the_home_page_and_the_due_list_tell_the_grid_worker_whom_to_visit(people, world, client):
    client.force_login(world.grid_worker_a)
    home = client.get("/").content.decode()
    assert "1 位" in home or "1 tagged" in home
    due = client.get("/residents/visits/due/").content.decode()
    assert "张三" in due and "王五" not in due
    # One tap: "visited today" from the list.
    client.post(f"/residents/households/{people.in_a.household_id}/visit/", {
        "visited_on": timezone.localdate().isoformat(), "next": "/residents/visits/due/",
    })
    assert Visit.objects.count() == 1
    assert "张三" not in client.get("/residents/visits/due/").content.decode()


def test_the_api_records_a_visit_and_lists_due_residents(people, world, api_as):
    client = api_as(world.grid_worker_a)
    assert [p["name"] for p in client.get("/api/v1/residents/visits/due/").json()["results"]] == ["张三"]
    response = client.post(f"/api/v1/residents/households/{people.in_a.household_id}/visits/", {"notes": "电话回访"}, format="json")
    assert response.status_code == 201 and response.json()["visited_on"] == timezone.localdate().isoformat()
    assert client.post(f"/api/v1/residents/households/{people.in_b.household_id}/visits/", {}, format="json").status_code == 404
    bad = client.post(f"/api/v1/residents/households/{people.in_a.household_id}/visits/", {"visited_on": "2999-01-01"}, format="json")
    assert bad.status_code == 400 and "visited_on" in bad.json()["errors"]


def test_the_phone_pages_lead_from_cells_to_buildings_to_households(people, world, client):
    client.force_login(world.grid_worker_a)
    building = people.in_a.household.dwelling.building
    assert world.cell_a.code in client.get("/residents/").content.decode()
    assert building.address in client.get(f"/residents/cells/{world.cell_a.code}/").content.decode()
    assert f"/residents/households/{people.in_a.household_id}/" in client.get(f"/residents/buildings/{building.pk}/").content.decode()


def test_a_household_visit_sent_twice_is_recorded_once(people, world, api_as):
    client = api_as(world.grid_worker_a)
    url = f"/api/v1/residents/households/{people.in_a.household_id}/visits/"
    body = {"notes": "老人身体不错", "client_id": str(uuid.uuid4())}
    first = client.post(url, body, format="json")
    again = client.post(url, body, format="json")
    assert (first.status_code, again.status_code) == (201, 200)
    assert first.json()["id"] == again.json()["id"] and Visit.objects.count() == 1
    other = client.post(url, {"notes": "第二次", "client_id": str(uuid.uuid4())}, format="json")
    assert other.status_code == 201 and Visit.objects.count() == 2
