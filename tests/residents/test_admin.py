"""The admin writes through the same acts (history, validation, encryption) and never shows full identifiers."""
import pytest

from residents.models import ChangeHistory, Person

from .conftest import valid_id


@pytest.fixture
def admin_client(client, django_user_model):
    admin = django_user_model.objects.create_superuser("root", "root@example.com", "x-very-long-password-1")
    client.force_login(admin)
    client.admin = admin
    return client


def form(household, **values):
    data = {
        "household": household.pk, "name": "管理员录入", "gender": "male", "birth_date": "", "ethnicity": "汉族",
        "id_type": "resident_id", "registered_address": "", "current_address": "", "resident_type": "registered",
        "relation_to_head": "child", "new_id_number": "", "new_phones": "",
        "person_tags-TOTAL_FORMS": "0", "person_tags-INITIAL_FORMS": "0",
    }
    data.update(values)
    return data


def test_adding_a_person_in_the_admin_encrypts_and_records_history(people, admin_client):
    number = valid_id(sequence=95)
    response = admin_client.post("/admin/residents/person/add/", form(people.in_a.household, new_id_number=number, new_phones="13611112222"))
    assert response.status_code == 302, response.content.decode()[:2000]
    person = Person.objects.get(name="管理员录入")
    assert person._decrypted_id_number() == number and person.id_number_masked == number[:6] + "*" * 12
    assert ChangeHistory.objects.filter(person=person, action="create", actor=admin_client.admin).exists()


def test_a_bad_id_number_in_the_admin_is_a_form_error(people, admin_client):
    response = admin_client.post("/admin/residents/person/add/", form(people.in_a.household, new_id_number="110101198005010112"))
    assert response.status_code == 200
    assert "校验码错误" in response.content.decode()
    assert not Person.objects.filter(name="管理员录入").exists()


def test_changing_a_person_in_the_admin_keeps_the_stored_identifiers(people, admin_client):
    data = form(people.in_a.household, name="张三改", relation_to_head="head", gender="male")
    data.pop("household")
    response = admin_client.post(f"/admin/residents/person/{people.in_a.pk}/change/", data)
    assert response.status_code == 302, response.content.decode()[:2000]
    person = Person.objects.get(pk=people.in_a.pk)
    assert person.name == "张三改" and person._decrypted_id_number() == people.id_a
    assert ChangeHistory.objects.filter(person=person, action="update").exists()


def test_a_building_added_in_the_admin_gets_its_cell_by_lookup(world, admin_client):
    from residents.models import Building

    point = world.cell_b.boundary.point_on_surface
    response = admin_client.post("/admin/residents/building/add/", {
        "code": "ADM-1", "address": "管理路1号", "location": f"SRID=4326;POINT({point.x} {point.y})", "floors": "6", "units": "2",
        "property_manager": "",
    })
    assert response.status_code == 302, response.content.decode()[:3000]
    building = Building.objects.get(code="ADM-1")
    assert building.cell == world.cell_b
    assert ChangeHistory.objects.filter(model="building", object_id=building.pk, action="create").exists()
    outside = admin_client.post("/admin/residents/building/add/", {
        "code": "ADM-2", "address": "管理路2号", "location": "SRID=4326;POINT(121.47 31.23)", "floors": "", "units": "", "property_manager": "",
    })
    assert outside.status_code == 200 and "不在任何网格内" in outside.content.decode()
