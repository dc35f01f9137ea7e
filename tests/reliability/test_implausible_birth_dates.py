"""A birth date of 0001-01-01 (Excel's empty date, a slipped year) or in the future is no person's:
the form, the admin and the import refuse it saying so, and nothing is saved. ID numbers whose
digits imply such a date are refused by the same bounds (residents.idnumbers).

(The residents API reads people only: it takes no birth date.)
"""
from __future__ import annotations

import datetime as dt

import pytest
from django.utils import timezone

from residents import actions as resident_actions
from residents.importer import ImportRejected, import_file
from residents.models import Person
from residents.idnumbers import check_char
from tests.residents.conftest import make_household, make_person
from tests.residents.test_import import row, xlsx

TOMORROW = (timezone.localdate() + dt.timedelta(days=1)).isoformat()


@pytest.fixture
def household(world):
    resident_actions.ensure_default_care_tags()
    return make_household(world.cell_a)


def _new_person(client, household, birth_date: str):
    return client.post(f"/residents/households/{household.pk}/people/new/", {
        "name": "护照客", "id_type": "passport", "id_number": "E12345678", "birth_date": birth_date, "gender": "female",
        "phones": "", "resident_type": "foreign", "relation_to_head": "other", "ethnicity": "",
    })


@pytest.mark.parametrize("birth_date, message", [("0001-01-01", "0001-01-01 早于 1900 年"), ("1899-12-31", "早于 1900 年"),
                                                 (TOMORROW, "出生日期晚于今天")])
def test_the_person_form_refuses_an_implausible_birth_date(world, household, client, birth_date, message):
    client.force_login(world.grid_worker_a)
    response = _new_person(client, household, birth_date)
    assert response.status_code == 200
    assert message in response.content.decode()
    assert not Person.objects.filter(name="护照客").exists()


def test_the_person_form_takes_a_birth_date_of_1900(world, household, client):
    client.force_login(world.grid_worker_a)
    assert _new_person(client, household, "1900-01-01").status_code == 302
    assert Person.objects.get(name="护照客").birth_date == dt.date(1900, 1, 1)


def test_editing_a_person_to_year_one_is_refused_and_keeps_the_stored_date(world, household, client):
    person = make_person(household, name="王五", id_number="E7654321", id_type="passport", gender="male",
                         birth_date=dt.date(1970, 3, 4), resident_type="foreign")
    client.force_login(world.community_staff)
    response = client.post(f"/residents/people/{person.pk}/edit/", {
        "name": "王五", "id_type": "passport", "id_number": "", "birth_date": "0001-01-01", "gender": "male",
        "phones": "", "resident_type": "foreign", "relation_to_head": "head", "ethnicity": "",
    })
    assert response.status_code == 200 and "早于 1900 年" in response.content.decode()
    person.refresh_from_db()
    assert person.birth_date == dt.date(1970, 3, 4)


def test_the_admin_refuses_a_year_one_birth_date(people_household_admin):
    admin_client, person = people_household_admin
    response = admin_client.post(f"/admin/residents/person/{person.pk}/change/", {
        "household": person.household_id, "name": person.name, "gender": "male", "ethnicity": "", "id_type": "passport",
        "registered_address": "", "current_address": "", "resident_type": "foreign", "relation_to_head": "head",
        "new_id_number": "", "new_phones": "", "new_birth_date": "0001-01-01",
    })
    assert response.status_code == 200 and "早于 1900 年" in response.content.decode()
    person.refresh_from_db()
    assert person.birth_date == dt.date(1970, 3, 4)


@pytest.fixture
def people_household_admin(household, admin_client):
    person = make_person(household, name="赵六", id_number="E2222222", id_type="passport", gender="male",
                         birth_date=dt.date(1970, 3, 4), resident_type="foreign")
    return admin_client, person


@pytest.mark.parametrize("birth_date", ["0001-01-01", "1899-12-31", TOMORROW])
def test_the_import_refuses_an_implausible_birth_date_with_its_row_and_column(world, birth_date):
    content = xlsx([row(world.cell_a, 证件类型="护照", 证件号码="E1234567", 出生日期=birth_date, 性别="男", 人员类型="境外")])
    with pytest.raises(ImportRejected) as caught:
        import_file(actor=world.community_staff, filename="居民.xlsx", content=content)
    problems = [(error.row, error.column, error.reason) for error in caught.value.plan.errors]
    assert any(r == 2 and column == "出生日期" and ("早于 1900 年" in reason or "晚于今天" in reason)
               for r, column, reason in problems), problems
    assert not Person.objects.exists()


@pytest.mark.parametrize("digits", ["00010101", "18991231"])
def test_an_id_number_implying_a_year_one_birth_date_is_refused_in_the_import(world, digits):
    first17 = f"110101{digits}101"
    number = first17 + check_char(first17)
    with pytest.raises(ImportRejected) as caught:
        import_file(actor=world.community_staff, filename="居民.xlsx", content=xlsx([row(world.cell_a, 证件号码=number)]))
    reasons = [(error.column, error.reason) for error in caught.value.plan.errors]
    assert any(column == "证件号码" and "1900" in reason for column, reason in reasons), reasons
