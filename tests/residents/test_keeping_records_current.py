"""Staff add members, correct details, record moves and deaths; every change is in the history."""
import datetime as dt

from django.utils import timezone

from residents.models import ChangeHistory, Person

from .conftest import valid_id


def test_adding_a_member_from_the_household_page(people, world, client):
    client.force_login(world.grid_worker_a)
    household = people.in_a.household
    number = valid_id(birth=dt.date(2015, 6, 1), sequence=92)
    response = client.post(f"/residents/households/{household.pk}/people/new/", {
        "name": "张小妹", "id_type": "resident_id", "id_number": number, "phones": "", "resident_type": "registered",
        "relation_to_head": "child", "ethnicity": "汉族",
    })
    assert response.status_code == 302
    child = Person.objects.get(name="张小妹")
    assert (child.household, child.cell, child.gender, child.birth_date) == (household, world.cell_a, "female", dt.date(2015, 6, 1))
    assert ChangeHistory.objects.filter(person=child, action="create", actor=world.grid_worker_a).exists()


def test_a_bad_id_number_is_shown_on_the_form_and_nothing_is_saved(people, world, client):
    client.force_login(world.grid_worker_a)
    response = client.post(f"/residents/households/{people.in_a.household_id}/people/new/", {
        "name": "错号", "id_type": "resident_id", "id_number": "110101198005010112", "resident_type": "registered",
        "relation_to_head": "child",
    })
    assert response.status_code == 200
    assert "校验码错误" in response.content.decode()
    assert not Person.objects.filter(name="错号").exists()


def test_editing_keeps_the_stored_id_when_the_field_is_left_blank(people, world, client):
    client.force_login(world.community_staff)
    response = client.post(f"/residents/people/{people.in_a.pk}/edit/", {
        "name": "张三丰", "id_type": "resident_id", "id_number": "", "phones": "", "resident_type": "floating",
        "relation_to_head": "head", "current_address": "新地址", "ethnicity": "汉族",
    })
    assert response.status_code == 302
    person = Person.objects.get(pk=people.in_a.pk)
    assert (person.name, person.resident_type, person.current_address) == ("张三丰", "floating", "新地址")
    assert person._decrypted_id_number() == people.id_a
    change = ChangeHistory.objects.filter(person=person, action="update").get()
    assert change.changes["name"] == ["张三", "张三丰"]
    assert "id_number" not in change.changes


def test_moving_out_is_recorded_once_with_its_date(people, world, client):
    client.force_login(world.community_staff)
    today = timezone.localdate().isoformat()
    client.post(f"/residents/people/{people.in_a.pk}/status/", {"status": "moved_out", "on_date": today})
    client.post(f"/residents/people/{people.in_a.pk}/status/", {"status": "moved_out", "on_date": today})
    person = Person.objects.get(pk=people.in_a.pk)
    assert person.moved_out and person.moved_out_on.isoformat() == today
    assert ChangeHistory.objects.filter(person=person, action="move_out").count() == 1
    # Out of the default list, still found when asked for.
    assert "张三" not in client.get("/residents/people/").content.decode()
    assert "张三" in client.get("/residents/people/", {"include_inactive": "1"}).content.decode()


def test_tags_are_added_and_removed_by_staff(people, world, client):
    client.force_login(world.community_staff)
    from residents.models import CareTag

    low_income = CareTag.objects.get(code="low_income")
    client.post(f"/residents/people/{people.in_a2.pk}/tags/", {"tag-tag": low_income.pk, "tag-operation": "add"})
    assert list(people.in_a2.tags.values_list("code", flat=True)) == ["low_income"]
    client.post(f"/residents/people/{people.in_a2.pk}/tags/", {"tag-tag": low_income.pk, "tag-operation": "remove"})
    assert not people.in_a2.tags.exists()
    assert ChangeHistory.objects.filter(person=people.in_a2, action__in=["add_tag", "remove_tag"]).count() == 2


def test_changing_who_heads_the_household_moves_the_head(people, world):
    import pytest
    from django.core.exceptions import ValidationError

    from residents import actions
    from residents.models import Household

    household = people.in_a.household
    wife = actions.create_person(actor=None, household=household, data=actions.PersonInput(
        name="张妻", id_number=valid_id(sequence=14), relation_to_head="spouse"))
    with pytest.raises(ValidationError):  # one head at a time
        actions.update_person(actor=world.community_staff, person=wife, changes={"relation_to_head": "head"})
    actions.update_person(actor=world.community_staff, person=people.in_a, changes={"relation_to_head": "spouse"})
    assert Household.objects.get(pk=household.pk).head is None
    actions.update_person(actor=world.community_staff, person=wife, changes={"relation_to_head": "head"})
    assert Household.objects.get(pk=household.pk).head == wife
