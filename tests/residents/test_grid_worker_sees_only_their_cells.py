"""A grid worker lists, fetches, searches, exports and reveals only the people of their own cells.

Everything outside is 404 (never 403), so nobody can probe for records they may not see.
"""
import io

from openpyxl import load_workbook

from residents.models import RevealAudit


def names(response) -> set[str]:
    return {row["name"] for row in response.json()["results"]}


def test_the_list_holds_only_the_people_of_their_cells(people, world, api_as):
    response = api_as(world.grid_worker_a).get("/api/v1/residents/persons/")
    assert response.status_code == 200
    assert names(response) == {"张三"}  # not 李四 (cell A2, unassigned) nor 王五 (cell B)


def test_fetching_a_person_outside_their_cells_is_404(people, world, api_as):
    client = api_as(world.grid_worker_a)
    assert client.get(f"/api/v1/residents/persons/{people.in_a.pk}/").status_code == 200
    assert client.get(f"/api/v1/residents/persons/{people.in_b.pk}/").status_code == 404
    assert client.get(f"/api/v1/residents/persons/{people.in_a2.pk}/").status_code == 404


def test_searching_finds_nobody_outside_their_cells(people, world, api_as):
    client = api_as(world.grid_worker_a)
    for q in (f"王五 {people.id_b[-4:]}", "王五"):
        assert client.get("/api/v1/residents/persons/", {"q": q}).json()["count"] == 0, q
    for q in (people.id_b, "13700002222"):  # full identifiers travel in a body, never in the address
        assert client.post("/api/v1/residents/persons/search/", {"q": q}, format="json").json()["count"] == 0, q
    assert names(client.post("/api/v1/residents/persons/search/", {"q": people.id_a}, format="json")) == {"张三"}
    assert names(client.get("/api/v1/residents/persons/", {"q": f"张三 {people.id_a[-4:]}"})) == {"张三"}
    # The other grid worker does find their own resident by the same search.
    assert names(api_as(world.grid_worker_b).get("/api/v1/residents/persons/", {"q": f"王五 {people.id_b[-4:]}"})) == {"王五"}


def test_revealing_a_person_outside_their_cells_is_404_and_leaves_no_audit(people, world, api_as):
    response = api_as(world.grid_worker_a).post(
        f"/api/v1/residents/persons/{people.in_b.pk}/reveal/", {"field": "id_number", "reason": "入户核查身份"}, format="json"
    )
    assert response.status_code == 404
    assert people.id_b not in response.content.decode()
    assert not RevealAudit.objects.exists()


def test_pages_outside_their_cells_are_404(people, world, client):
    client.force_login(world.grid_worker_a)
    household_b = people.in_b.household
    for url in (
        f"/residents/people/{people.in_b.pk}/",
        f"/residents/households/{household_b.pk}/",
        f"/residents/buildings/{household_b.dwelling.building_id}/",
        f"/residents/cells/{world.cell_b.code}/",
    ):
        assert client.get(url).status_code == 404, url
    assert client.post(f"/residents/people/{people.in_b.pk}/reveal/", {"field_name": "id_number", "id_number-field": "id_number",
                                                                        "id_number-reason": "入户核查身份"}).status_code == 404
    assert client.post(f"/residents/households/{household_b.pk}/visit/", {"visited_on": "2020-01-01"}).status_code == 404
    for q in ("王五", people.id_b[-4:]):
        body = client.get("/residents/people/", {"q": q}).content.decode()
        assert f"/residents/people/{people.in_b.pk}/" not in body and people.in_b.id_number_masked not in body


def test_the_export_holds_only_the_people_of_their_cells(people, world, client):
    client.force_login(world.grid_worker_a)
    response = client.get("/residents/people/export.xlsx")
    assert response.status_code == 200
    sheet = load_workbook(io.BytesIO(response.content)).active
    rows = list(sheet.iter_rows(values_only=True))
    assert [r[10] for r in rows[1:]] == ["张三"]


def test_community_and_street_staff_see_their_subtree_and_the_centre_the_district(people, world, api_as):
    assert names(api_as(world.community_staff).get("/api/v1/residents/persons/")) == {"张三", "李四"}
    assert names(api_as(world.street_staff).get("/api/v1/residents/persons/")) == {"张三", "李四"}
    assert names(api_as(world.dispatcher).get("/api/v1/residents/persons/")) == {"张三", "李四", "王五"}
    assert api_as(world.community_staff).get(f"/api/v1/residents/persons/{people.in_b.pk}/").status_code == 404


def test_department_handlers_and_leaders_see_no_resident_records(people, world, api_as):
    for user in (world.department_handler, world.leader):
        client = api_as(user)
        assert client.get("/api/v1/residents/persons/").json()["count"] == 0
        assert client.get(f"/api/v1/residents/persons/{people.in_a.pk}/").status_code == 404


def test_long_lists_stop_counting_at_a_cap(people, world, api_as, client, monkeypatch):
    from residents.pagination import CappedPaginator

    monkeypatch.setattr(CappedPaginator, "cap", 2)
    body = api_as(world.dispatcher).get("/api/v1/residents/persons/").json()
    assert (body["count"], body["count_capped"], len(body["results"])) == (2, True, 3)
    assert api_as(world.community_staff).get("/api/v1/residents/persons/").json()["count_capped"] is False
    client.force_login(world.dispatcher)
    assert "超过 2 人" in client.get("/residents/people/").content.decode()
