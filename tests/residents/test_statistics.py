"""Population by resident type, households and tag counts per tier, on a page and in the API."""
from .conftest import make_person, valid_id


def test_statistics_count_each_tier(people, world, api_as):
    make_person(people.in_a.household, name="张妻", id_number=valid_id(sequence=12), relation="spouse", resident_type="floating")
    client = api_as(world.dispatcher)
    district = client.get(f"/api/v1/residents/statistics/{world.district.code}/").json()
    assert district["population"] == 4
    assert district["by_resident_type"] == {"registered": 3, "floating": 1, "foreign": 0}
    assert district["households"] == 3 and district["buildings"] == 3
    streets = {c["code"]: c for c in district["children"]}
    assert streets[world.street_1.code]["population"] == 3 and streets[world.street_2.code]["population"] == 1
    cell = client.get(f"/api/v1/residents/statistics/{world.cell_a.code}/").json()
    assert cell["population"] == 2 and cell["children"] == []


def test_moved_out_and_deceased_people_are_not_counted(people, world, api_as):
    from residents.actions import mark_person_deceased, move_person_out

    move_person_out(actor=world.community_staff, person=people.in_a)
    mark_person_deceased(actor=world.community_staff, person=people.in_a2)
    stats = api_as(world.community_staff).get(f"/api/v1/residents/statistics/{world.community_1.code}/").json()
    assert stats["population"] == 0


def test_sensitive_tag_counts_are_shown_only_to_roles_that_need_them(people, world, api_as):
    tags = {t["code"]: t["count"] for t in api_as(world.community_staff).get(f"/api/v1/residents/statistics/{world.community_1.code}/").json()["tags"]}
    assert tags == {"elderly_alone": 1, "disabled": 1}
    tags = {t["code"]: t["count"] for t in api_as(world.dispatcher).get(f"/api/v1/residents/statistics/{world.district.code}/").json()["tags"]}
    assert tags == {"elderly_alone": 2}


def test_an_area_outside_the_jurisdiction_is_404(people, world, api_as):
    assert api_as(world.community_staff).get(f"/api/v1/residents/statistics/{world.community_2.code}/").status_code == 404
    assert api_as(world.grid_worker_a).get(f"/api/v1/residents/statistics/{world.cell_b.code}/").status_code == 404
    assert api_as(world.department_handler).get(f"/api/v1/residents/statistics/{world.district.code}/").status_code == 403


def test_the_area_page_shows_the_numbers_and_drills_down(people, world, client):
    client.force_login(world.leader)  # leaders read statistics, not records
    assert client.get("/residents/areas/").status_code == 302
    page = client.get(f"/residents/areas/{world.district.code}/").content.decode()
    assert 'id="stat-population">3<' in page
    assert f"/residents/areas/{world.street_1.code}/" in page
    assert "/residents/people/" not in page.split("<main")[1]
