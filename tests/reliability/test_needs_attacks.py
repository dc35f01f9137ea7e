"""Attacks on needs: another community's need or household named in the body, a claim race, a
household code guessed on the public page, NUL bytes, huge and nested JSON, a volunteer trying to
rebuild a household's phone — a clear 4xx, nothing half-saved, never a 500."""
from __future__ import annotations

import threading

import pytest
from django.db import connection
from django.test import Client

from incidents.errors import IncidentError
from needs import actions
from needs.models import Need, NeedSource, NeedStatus
from tests.dispatch.public_helpers import answer_of
from tests.needs.conftest import homes, kinds, make_volunteer  # noqa: F401 - fixtures
from tests.residents.conftest import make_household

pytestmark = pytest.mark.django_db


def _need(world, household, **extra):
    actor = world.community_staff if household.cell.code.startswith(world.community_1.code) else world.grid_worker_b
    return actions.record_need(household=household, kind="food", source=NeedSource.GRID_WORKER, actor=actor,
                               description="需要米面，联系13812345678", **extra)


def test_another_cells_household_in_the_body_is_404_and_records_nothing(world, homes, api_as):
    response = api_as(world.grid_worker_a).post("/api/v1/needs/", {"household": homes.in_b.pk, "kind": "food"}, format="json")
    assert response.status_code == 404 and not Need.objects.exists()


def test_another_communitys_need_id_is_404_to_a_volunteer_on_every_channel(world, homes, api_as):
    need = _need(world, homes.in_b)
    volunteer = world.volunteer  # community 1; the need is in community 2
    for act in ("claim", "deliver", "release", "confirm"):
        assert api_as(volunteer).post(f"/api/v1/needs/{need.pk}/{act}/", {}, format="json").status_code == 404
    client = Client()
    client.force_login(volunteer)
    assert client.post(f"/needs/{need.pk}/claim/").status_code == 404
    assert Need.objects.get(pk=need.pk).status == NeedStatus.OPEN


def test_a_department_named_by_a_made_up_id_is_a_400(world, homes, api_as):
    need = _need(world, homes.in_a)
    for department in (999999, "x", {"$gt": 0}, [1, 2]):
        response = api_as(world.community_staff).post(f"/api/v1/needs/{need.pk}/hand_on/", {"department": department}, format="json")
        assert response.status_code == 400, (department, response.content)
    assert Need.objects.get(pk=need.pk).status == NeedStatus.OPEN


@pytest.mark.parametrize("body", [
    {"household": 1, "kind": "food", "description": "a\x00b"},
    {"household": 1, "kind": "fo\x00od"},
    {"household": 1, "kind": {"nested": {"deep": ["x"] * 10}}},
    {"household": [1, 2], "kind": "food"},
    {"household": 1, "kind": "food", "urgency": "urgent" * 100},
    {"household": 1, "kind": "food", "client_id": "c" * 1000},
])
def test_bad_bodies_are_refused_naming_what(world, homes, api_as, body):
    body = {**body, "household": homes.in_a.pk} if body["household"] == 1 else body
    response = api_as(world.grid_worker_a).post("/api/v1/needs/", body, format="json")
    assert response.status_code == 400 and not Need.objects.exists()


def test_huge_and_deeply_nested_json_is_refused(world, homes, api_as):
    client = api_as(world.grid_worker_a)
    huge = client.post("/api/v1/needs/", '{"household": %d, "kind": "food", "description": "%s"}' % (homes.in_a.pk, "x" * 3_000_000),
                       content_type="application/json")
    nested = client.post("/api/v1/needs/", "[" * 5000 + "]" * 5000, content_type="application/json")
    assert huge.status_code in (400, 413) and nested.status_code == 400
    assert not Need.objects.exists()


def test_a_volunteer_never_receives_a_full_phone_number(world, homes, api_as):
    from tests.residents.conftest import make_person, valid_id

    make_person(homes.in_a, name="王奶奶", id_number=valid_id(sequence=8), phones=["13987654321"])
    need = _need(world, homes.in_a)
    body = api_as(world.volunteer).get("/api/v1/needs/").content.decode()
    assert f'"id":{need.pk}' in body.replace(" ", "")
    for secret in ("13987654321", "13812345678", "王奶奶"):
        assert secret not in body
    assert "139****4321" in body  # the masked phone a delivery needs


def _open(client, dwelling, code, ip):
    page = client.get("/public/needs/", REMOTE_ADDR=ip).content.decode()
    token, right = answer_of(page)
    return client.post("/public/needs/", {"dwelling": dwelling, "code": code, "answer": right, "challenge": token}, REMOTE_ADDR=ip)


def test_guessing_a_code_is_cut_off_per_address_and_per_dwelling(world, homes, settings):
    settings.GRIDGOV_NEEDS_CODE_MISSES_PER_IP = 3
    settings.GRIDGOV_NEEDS_CODE_MISSES_PER_DWELLING = 5
    code = actions.issue_code(household=homes.in_a, actor=world.grid_worker_a)
    dwelling = homes.in_a.dwelling_id
    guesses = [_open(Client(), dwelling, "AAAA-AAAA", "198.51.100.9").status_code for _ in range(4)]
    assert guesses == [400, 400, 400, 429]
    # The right code from the same address is refused too while the window lasts: no oracle.
    assert _open(Client(), dwelling, code, "198.51.100.9").status_code == 429
    # From other addresses the dwelling's own count stops a distributed guess.
    others = [_open(Client(), dwelling, "BBBB-BBBB", f"198.51.100.{20 + i}").status_code for i in range(3)]
    assert others == [400, 400, 429]
    assert _open(Client(), dwelling, code, "198.51.100.50").status_code == 429
    # Another dwelling is not blocked by them.
    other_code = actions.issue_code(household=homes.in_a2, actor=world.community_staff)
    assert _open(Client(), homes.in_a2.dwelling_id, other_code, "198.51.100.60").status_code == 302


def test_a_replayed_question_and_nul_bytes_on_the_public_page_are_400(world, homes):
    code = actions.issue_code(household=homes.in_a, actor=world.grid_worker_a)
    client = Client()
    token, right = answer_of(client.get("/public/needs/").content.decode())
    first = client.post("/public/needs/", {"dwelling": homes.in_a.dwelling_id, "code": "WRONG-123", "answer": right, "challenge": token})
    replay = client.post("/public/needs/", {"dwelling": homes.in_a.dwelling_id, "code": code, "answer": right, "challenge": token})
    assert first.status_code == 400 and replay.status_code == 400
    assert _open(Client(), f"{homes.in_a.dwelling_id}\x00", code, "198.51.100.70").status_code == 400


def test_a_revoked_code_closes_the_page_already_open(world, homes):
    code = actions.issue_code(household=homes.in_a, actor=world.grid_worker_a)
    client = Client()
    assert _open(client, homes.in_a.dwelling_id, code, "198.51.100.80").status_code == 302
    assert client.get("/public/needs/household/").status_code == 200
    actions.revoke_code(household=homes.in_a, actor=world.grid_worker_a)
    assert client.get("/public/needs/household/").status_code == 404


def test_a_household_cannot_confirm_another_households_need(world, homes):
    theirs = _need(world, homes.in_a2)
    actions.hand_on_need(need=theirs, actor=world.community_staff, supplier="超市")
    actions.deliver_need(need=theirs, actor=world.community_staff)
    code = actions.issue_code(household=homes.in_a, actor=world.grid_worker_a)
    client = Client()
    _open(client, homes.in_a.dwelling_id, code, "198.51.100.90")
    assert client.post(f"/public/needs/household/{theirs.pk}/received/").status_code == 404
    assert Need.objects.get(pk=theirs.pk).status == NeedStatus.DELIVERED


@pytest.mark.django_db(transaction=True)
def test_two_volunteers_claiming_at_once_get_one_claim(committed_world):
    from needs.seeds import ensure_kinds

    ensure_kinds()
    world = committed_world
    household = make_household(world.cell_a)
    need = _need(world, household)
    rivals = [world.volunteer, make_volunteer("volunteer_rival", world.community_1)]
    outcomes: list[str] = []
    start = threading.Barrier(len(rivals))

    def claim(volunteer):
        try:
            start.wait(timeout=10)
            actions.claim_need(need=Need.objects.get(pk=need.pk), actor=volunteer)
            outcomes.append("claimed")
        except IncidentError as exc:
            outcomes.append(type(exc).__name__)
        finally:
            connection.close()

    threads = [threading.Thread(target=claim, args=(v,)) for v in rivals]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=30)
    assert sorted(outcomes) == ["Conflict", "claimed"] or sorted(outcomes) == ["Forbidden", "claimed"], outcomes
    need.refresh_from_db()
    assert need.status == NeedStatus.CLAIMED and need.claimed_by in rivals
    assert need.events.filter(action="claim").count() == 1
