"""The full ID number (and phone) never appears in an API response, a page or an export without a reveal."""
import io
import json

from openpyxl import load_workbook


def test_api_responses_show_only_masked_identifiers(people, world, api_as):
    client = api_as(world.dispatcher)
    household = people.in_a.household
    urls = [
        "/api/v1/residents/persons/",
        f"/api/v1/residents/persons/{people.in_a.pk}/",
        "/api/v1/residents/households/",
        f"/api/v1/residents/households/{household.pk}/",
        f"/api/v1/residents/buildings/{household.dwelling.building_id}/",
        f"/api/v1/residents/statistics/{world.district.code}/",
    ]
    for url in urls:
        response = client.get(url)
        assert response.status_code == 200, url
        body = response.content.decode()
        assert people.id_a not in body and people.phone_a not in body, url
    found = client.post("/api/v1/residents/persons/search/", {"q": people.id_a}, format="json")
    assert found.status_code == 200 and found.json()["count"] == 1
    assert people.id_a not in found.content.decode() and people.phone_a not in found.content.decode()
    person = client.get(f"/api/v1/residents/persons/{people.in_a.pk}/").json()
    assert person["id_number_masked"] == people.id_a[:6] + "*" * 12
    assert person["birth_year"] == "1980" and "birth_date" not in person
    assert person["phones_masked"] == ["138****5678"]
    assert "id_number" not in person and "id_number_enc" not in json.dumps(person)


def test_pages_show_only_masked_identifiers(people, world, client):
    client.force_login(world.community_staff)
    household = people.in_a.household
    urls = [
        "/residents/people/",
        f"/residents/people/?q=张三 {people.id_a[-4:]}",
        f"/residents/people/{people.in_a.pk}/",
        f"/residents/people/{people.in_a.pk}/edit/",
        f"/residents/households/{household.pk}/",
        f"/residents/buildings/{household.dwelling.building_id}/",
        f"/residents/areas/{world.community_1.code}/",
    ]
    for url in urls:
        response = client.get(url)
        assert response.status_code == 200, url
        body = response.content.decode()
        assert people.id_a not in body and people.phone_a not in body, url
    assert "138****5678" in client.get(f"/residents/people/{people.in_a.pk}/").content.decode()


def test_the_export_is_masked_unless_a_reason_is_given(people, world, client):
    client.force_login(world.dispatcher)
    response = client.get("/residents/people/export.xlsx")
    cells = [str(v) for row in load_workbook(io.BytesIO(response.content)).active.iter_rows(values_only=True) for v in row]
    assert people.id_a[:6] + "*" * 12 in cells
    assert not any(people.id_a in c or people.phone_a in c for c in cells)


def test_the_admin_shows_only_masked_identifiers(people, world, client, django_user_model):
    admin = django_user_model.objects.create_superuser("root", "root@example.com", "x-very-long-password-1")
    client.force_login(admin)
    for url in ("/admin/residents/person/", f"/admin/residents/person/{people.in_a.pk}/change/",
                f"/admin/residents/household/{people.in_a.household_id}/change/"):
        response = client.get(url)
        assert response.status_code == 200, url
        body = response.content.decode()
        assert people.id_a not in body and people.phone_a not in body, url


def test_the_exact_search_keeps_the_full_number_out_of_the_url(people, world, client):
    client.force_login(world.community_staff)
    response = client.post("/residents/people/", {"exact": people.id_a})
    body = response.content.decode()
    assert response.status_code == 200 and f"/residents/people/{people.in_a.pk}/" in body
    assert people.in_a.id_number_masked in body
    assert response["Cache-Control"] == "no-store"
    # Outside the scope the same search finds nothing.
    client.force_login(world.grid_worker_b)
    assert f"/residents/people/{people.in_a.pk}/" not in client.post("/residents/people/", {"exact": people.id_a}).content.decode()


def test_a_full_id_or_phone_number_in_the_address_is_refused_without_being_echoed(people, world, api_as):
    client = api_as(world.dispatcher)
    for q in (people.id_a, people.phone_a):
        response = client.get("/api/v1/residents/persons/", {"q": q})
        assert response.status_code == 400
        body = response.content.decode()
        assert "q" in response.json()["errors"] and "/api/v1/residents/persons/search/" in body
        assert q not in body
    # A name with the last four digits is not an identifier: it stays a GET search.
    assert client.get("/api/v1/residents/persons/", {"q": f"张三 {people.id_a[-4:]}"}).json()["count"] == 1


def test_the_body_search_validates_its_filters(people, world, api_as):
    response = api_as(world.dispatcher).post("/api/v1/residents/persons/search/", {"resident_type": "alien"}, format="json")
    assert response.status_code == 400 and "resident_type" in response.json()["errors"]
