"""The needs pages and API as each role uses them: lists hold only what the role's work needs."""
from __future__ import annotations

import pytest
from django.test import Client

from needs import actions
from needs.models import Need, NeedSource, NeedStatus
from tests.world import PASSWORD


def _client(user) -> Client:
    client = Client()
    assert client.login(username=user.username, password=PASSWORD)
    return client


def _need(world, household, kind="food", description="请送米面，电话13812345678"):
    return actions.record_need(household=household, kind=kind, source=NeedSource.GRID_WORKER, actor=world.community_staff,
                               description=description)


def test_the_grid_worker_list_holds_her_cells_needs_only(world, homes, kinds):
    mine, other = _need(world, homes.in_a), _need(world, homes.in_a2, description="别人的")
    page = _client(world.grid_worker_a).get("/needs/")
    assert page.status_code == 200
    body = page.content.decode()
    assert f'data-need="{mine.pk}"' in body and f'data-need="{other.pk}"' not in body
    assert _client(world.grid_worker_a).get(f"/needs/{other.pk}/").status_code == 404


def test_a_volunteer_sees_address_and_masked_phone_but_no_numbers_typed_in(world, homes, kinds, volunteer):
    need = _need(world, homes.in_a)
    body = _client(volunteer).get("/needs/mine/").content.decode()
    assert f'data-need="{need.pk}"' in body
    assert "13812345678" not in body and "138****5678" in body
    assert homes.in_a.dwelling.building.address in body


def test_a_volunteer_of_another_community_gets_404_and_an_empty_list(world, homes, kinds, far_volunteer):
    need = _need(world, homes.in_a)
    client = _client(far_volunteer)
    assert f'data-need="{need.pk}"' not in client.get("/needs/mine/").content.decode()
    assert client.get(f"/needs/{need.pk}/").status_code == 404
    assert client.post(f"/needs/{need.pk}/claim/").status_code == 404
    assert Need.objects.get(pk=need.pk).status == NeedStatus.OPEN


def test_a_leader_sees_counts_and_the_list_without_households_details(world, homes, kinds):
    _need(world, homes.in_a)
    body = _client(world.leader).get("/needs/overview/").content.decode()
    assert "食品" in body and homes.in_a.dwelling.building.address not in body and "请送米面" not in body


def test_the_department_sees_only_what_was_handed_to_it(world, homes, kinds):
    handed, kept = _need(world, homes.in_a, "medical_care"), _need(world, homes.in_a)
    actions.hand_on_need(need=handed, actor=world.community_staff, department=world.department)
    body = _client(world.department_handler).get("/needs/department/").content.decode()
    assert f'data-need="{handed.pk}"' in body and f'data-need="{kept.pk}"' not in body
    assert _client(world.other_department_handler).get(f"/needs/{handed.pk}/").status_code == 404


def test_the_api_records_once_per_client_id_and_refuses_other_cells(world, homes, kinds, api_as):
    client = api_as(world.grid_worker_a)
    body = {"household": homes.in_a.pk, "kind": "medicine", "description": "胰岛素", "client_id": "11111111-2222"}
    first = client.post("/api/v1/needs/", body, format="json")
    again = client.post("/api/v1/needs/", body, format="json")
    assert first.status_code == 201 and again.status_code == 200 and first.json()["id"] == again.json()["id"]
    assert first.json()["urgency"] == "urgent"
    outside = client.post("/api/v1/needs/", {**body, "household": homes.in_a2.pk, "client_id": "x"}, format="json")
    assert outside.status_code == 404


def test_a_volunteer_claims_through_the_api_and_a_second_claim_is_a_conflict(world, homes, kinds, volunteer, other_volunteer, api_as):
    need = _need(world, homes.in_a)
    assert api_as(volunteer).post(f"/api/v1/needs/{need.pk}/claim/", {}, format="json").status_code == 200
    # Claimed by somebody else, it is no longer in the other volunteer's view at all.
    assert api_as(other_volunteer).post(f"/api/v1/needs/{need.pk}/claim/", {}, format="json").status_code == 404


def test_community_staff_verify_a_volunteer_who_then_signs_in(world, kinds):
    from needs.models import Volunteer

    volunteer = actions.register_volunteer(name="张志愿", phone="13700001111", password="a-long-pass-phrase-9", community=world.community_1)
    assert not Client().login(username="13700001111", password="a-long-pass-phrase-9")
    staff = _client(world.community_staff)
    assert "137****1111" in staff.get("/needs/volunteers/").content.decode()
    assert staff.post(f"/needs/volunteers/{volunteer.pk}/verify/").status_code == 302
    assert Volunteer.objects.get(pk=volunteer.pk).status == "verified"
    assert Client().login(username="13700001111", password="a-long-pass-phrase-9")


def test_staff_of_another_community_cannot_verify(world, kinds):
    from tests.world import _user
    from accounts.models import Role

    volunteer = actions.register_volunteer(name="李", phone="13700002222", password="a-long-pass-phrase-9", community=world.community_2)
    assert _client(world.community_staff).post(f"/needs/volunteers/{volunteer.pk}/verify/").status_code == 404
